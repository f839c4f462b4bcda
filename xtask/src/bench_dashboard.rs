//! `cargo xtask bench-dashboard`: the organisation dashboard with 500 measures of 100 points each, on
//! SQLite, loaded by wrk (2 threads, 4 connections) beside an axum hello-world in the same run.
//!
//! The data go in through the JSON API (500 measures on the demo trust's open initiatives, 100 monthly
//! points each: 50,000 points), so the page measured is exactly what a trust of that size would see.
//! Each request loads every measure, point and phase of the organisation, analyses all 500 series with
//! the MDC rules, and renders the table with its icons.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::bench::{Guard, median, sign_in, wait_ready, wrk_with};

const BASE: &str = "http://127.0.0.1:18183";
const MEASURES: usize = 500;
const POINTS: usize = 100;
const ROUNDS: usize = 3;
/// Concurrent connections: a handful of people opening the dashboard at once (a board meeting), not
/// a flood; each response is about 600 kB.
const CONNECTIONS: u32 = 4;

fn api(token: &str, path: &str, body: &str) -> Result<String> {
    let out = Command::new("curl")
        .args([
            "-fsS",
            "-X",
            "POST",
            "-H",
            &format!("Authorization: Bearer {token}"),
            "-H",
            "Content-Type: application/json",
        ])
        .args(["--data-binary", "@-", &format!("{BASE}{path}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().expect("stdin").write_all(body.as_bytes())?;
            child.wait_with_output()
        })?;
    if !out.status.success() {
        bail!("POST {path} failed");
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A seeded series: noise around a level, with a step in every third measure.
fn series(seed: usize) -> String {
    let mut state = 0x9e37_79b9_u64.wrapping_mul(seed as u64 + 1);
    let mut points = Vec::with_capacity(POINTS);
    for k in 0..POINTS {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let noise = (state % 1000) as f64 / 100.0;
        let step = if seed.is_multiple_of(3) && k >= 70 { -8.0 } else { 0.0 };
        let (year, month) = (2017 + k / 12, 1 + k % 12);
        points.push(format!("{{\"period\":\"{year}-{month:02}-01\",\"value\":{:.2}}}", 50.0 + noise + step));
    }
    format!("{{\"data\":[{}]}}", points.join(","))
}

pub fn run(root: &Path) -> Result<()> {
    super::run(
        "cargo",
        &["build", "--locked", "--release", "-p", "kindling", "--bin", "kindling", "--example", "hello_axum"],
    )?;
    let data = std::env::temp_dir().join(format!("kindling-bench-dashboard-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let binary = root.join("target/release/kindling");
    let server = Guard(
        Command::new(&binary)
            .args(["serve", "--demo", "--bind", "127.0.0.1:18183", "--data-dir"])
            .arg(&data)
            .env("KINDLING_DEMO_PASSWORD", "bench-password")
            .env("RUST_LOG", "warn")
            .stderr(Stdio::null())
            .spawn()?,
    );
    let hello = Guard(
        Command::new(root.join("target/release/examples/hello_axum"))
            .arg("127.0.0.1:18184")
            .stderr(Stdio::null())
            .spawn()?,
    );
    wait_ready(&format!("{BASE}/readyz"))?;
    wait_ready("http://127.0.0.1:18184/")?;
    let token = Command::new(&binary)
        .args(["admin", "token", "--email", "improvement-lead@demo.kindling.test", "--data-dir"])
        .arg(&data)
        .output()?;
    let token = String::from_utf8(token.stdout)?.trim().to_owned();
    if !token.starts_with("kdl_") {
        bail!("no API token issued");
    }
    // The demo trust's initiatives that are still open (spreading and stopped ones take no new measures).
    let open: Vec<u32> = (1..=12).filter(|id| !matches!(id, 7 | 8)).collect();
    let started = std::time::Instant::now();
    for k in 0..MEASURES {
        let initiative = open[k % open.len()];
        let body = format!(
            "{{\"name\":\"Bench measure {k}\",\"kind\":\"{}\",\"category\":\"efficiency\",\"numerator\":\"Minutes\",\"source\":\"Bench\",\"frequency\":\"monthly\",\"direction\":\"decrease\",\"data_type\":\"value\",\"target\":55}}",
            ["outcome", "process", "balancing"][k % 3]
        );
        let created = api(&token, &format!("/api/v1/initiatives/{initiative}/measures"), &body)?;
        let id = created.split("\"id\":").nth(1).and_then(|r| r.split([',', '}']).next()).context("no measure id")?;
        api(&token, &format!("/api/v1/measures/{id}/data"), &series(k))?;
    }
    println!(
        "loaded {MEASURES} measures × {POINTS} points through the API in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let cookie = sign_in(BASE)?;
    let (_, page) = {
        let out = Command::new("curl")
            .args(["-fsS", "-H", &format!("Cookie: {cookie}"), &format!("{BASE}/dashboard")])
            .output()?;
        (out.status, String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let expected = format!("{} measures: statistical process control summary", MEASURES + 5);
    if !page.contains(&expected) {
        bail!("the dashboard does not show {expected:?}");
    }
    let targets: [(&str, String, Option<&str>); 2] = [
        ("axum hello-world `/`", "http://127.0.0.1:18184/".into(), None),
        ("Kindling `/dashboard` (505 measures, 50,000+ points)", format!("{BASE}/dashboard"), Some(cookie.as_str())),
    ];
    let mut results = Vec::new();
    for (name, url, cookie) in &targets {
        let runs = (0..ROUNDS).map(|_| wrk_with(url, *cookie, CONNECTIONS)).collect::<Result<Vec<_>>>()?;
        println!("{name}: {runs:?}");
        results.push((name, median(runs)));
    }
    println!("\n| target | requests/s (median of {ROUNDS}) | p50 ms | p99 ms |");
    println!("| --- | --- | --- | --- |");
    for (name, (rps, p50, p99)) in &results {
        println!("| {name} | {rps:.1} | {p50:.1} | {p99:.1} |");
    }
    drop(server);
    drop(hello);
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}
