//! Sign-in under load (issue 16): signing in by password (argon2id) and finishing a single sign-on at its
//! callback (the provider excluded: a stand-in on loopback answers the token request at once), each with
//! 16 sign-ins in flight, beside `/healthz` at the same concurrency in the same run. Release build:
//! `cargo xtask bench-sign-in`.

use std::time::{Duration, Instant};

use kindling_domain::people::Role;
use kindling_testkit::oidc::{CLIENT_ID, StandInProvider, begin_sign_in};
use kindling_testkit::{Browser, PASSWORD, TestApp, test_config};

const CONCURRENCY: usize = 16;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_secs_f64() * 1000.0
}

struct Figures {
    name: &'static str,
    p50_ms: f64,
    p99_ms: f64,
    per_second: f64,
}

fn report(name: &'static str, mut samples: Vec<Duration>, wall: Duration) -> Figures {
    samples.sort();
    let figures = Figures {
        name,
        p50_ms: percentile(&samples, 0.50),
        p99_ms: percentile(&samples, 0.99),
        per_second: samples.len() as f64 / wall.as_secs_f64(),
    };
    println!(
        "{:<28} n={:>5}  p50 {:>8.2} ms  p99 {:>8.2} ms  {:>8.1}/s",
        figures.name,
        samples.len(),
        figures.p50_ms,
        figures.p99_ms,
        figures.per_second
    );
    figures
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let provider = std::sync::Arc::new(StandInProvider::start().await);
    let sso = kindling_web::sso::InstallationProvider {
        issuer: provider.issuer.clone(),
        client_id: CLIENT_ID.into(),
        client_secret: "bench".into(),
        label: "Sign in".into(),
        allowed_domains: vec!["northfield.nhs.uk".into()],
        create_people: true,
        default_role: Role::Clinician,
        roles_claim: String::new(),
        role_map: Vec::new(),
    };
    let app = TestApp::spawn_with(kindling_web::Config { sso: Some(sso), ..test_config() }).await?;
    let base = app.url("");
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(10);

    // Each worker signs in as its own person, created once before the timing starts.
    for worker in 0..CONCURRENCY {
        let browser = Browser::new(base.clone());
        let (state, nonce) = begin_sign_in(&browser, "installation").await?;
        let email = format!("bench{worker}@northfield.nhs.uk");
        provider.issue(&format!("warm-{worker}"), provider.sign(&provider.key, &provider.claims(&nonce, &email)));
        let r = browser.get(&format!("/sign-in/sso/callback?code=warm-{worker}&state={state}")).await?;
        anyhow::ensure!(r.status() == 303, "warm-up sign-in failed: {}", r.status());
    }

    let healthz = {
        let client = kindling_testkit::http();
        let started = Instant::now();
        let tasks: Vec<_> = (0..CONCURRENCY)
            .map(|_| {
                let (client, url) = (client.clone(), format!("{base}/healthz"));
                tokio::spawn(async move {
                    let mut samples = Vec::new();
                    for _ in 0..rounds * 20 {
                        let t = Instant::now();
                        let r = client.get(&url).send().await.expect("healthz");
                        assert_eq!(r.status(), 200);
                        samples.push(t.elapsed());
                    }
                    samples
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await?);
        }
        report("/healthz", all, started.elapsed())
    };

    let password = {
        let started = Instant::now();
        let tasks: Vec<_> = (0..CONCURRENCY)
            .map(|_| {
                let base = base.clone();
                tokio::spawn(async move {
                    let mut samples = Vec::new();
                    for _ in 0..rounds {
                        let browser = Browser::new(base.clone());
                        let (_, page) = browser.get_text("/sign-in").await.expect("form");
                        let token = kindling_testkit::csrf_token(&page).expect("token");
                        let form = [
                            ("csrf_token", token.as_str()),
                            ("email", "clinician@demo.kindling.test"),
                            ("password", PASSWORD),
                            ("next", "/"),
                        ];
                        let t = Instant::now();
                        let r = browser
                            .client
                            .post(browser.url("/sign-in"))
                            .header("sec-fetch-site", "same-origin")
                            .form(&form)
                            .send()
                            .await
                            .expect("sign-in");
                        samples.push(t.elapsed());
                        assert_eq!(r.status(), 303);
                    }
                    samples
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await?);
        }
        report("sign-in by password", all, started.elapsed())
    };

    let callback = {
        let started = Instant::now();
        let tasks: Vec<_> = (0..CONCURRENCY)
            .map(|worker| {
                let (base, provider) = (base.clone(), provider.clone());
                tokio::spawn(async move {
                    let mut samples = Vec::new();
                    for round in 0..rounds {
                        let browser = Browser::new(base.clone());
                        let (state, nonce) = begin_sign_in(&browser, "installation").await.expect("begin");
                        let code = format!("{worker}-{round}");
                        let email = format!("bench{worker}@northfield.nhs.uk");
                        provider.issue(&code, provider.sign(&provider.key, &provider.claims(&nonce, &email)));
                        let t = Instant::now();
                        let r = browser
                            .get(&format!("/sign-in/sso/callback?code={code}&state={state}"))
                            .await
                            .expect("callback");
                        samples.push(t.elapsed());
                        assert_eq!(r.status(), 303);
                    }
                    samples
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await?);
        }
        report("single sign-on callback", all, started.elapsed())
    };

    for f in [&password, &callback] {
        println!(
            "{}: p50 {:.1}× and p99 {:.1}× /healthz's",
            f.name,
            f.p50_ms / healthz.p50_ms,
            f.p99_ms / healthz.p99_ms
        );
    }
    Ok(())
}
