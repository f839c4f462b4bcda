//! Security behaviour: headers, cookies, CSRF, throttling and organisation scoping.

use kindling_testkit::{PASSWORD, TestApp, csrf_token};

#[tokio::test]
async fn every_response_carries_the_security_headers() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    for path in ["/sign-in", "/healthz", "/assets/kindling.css", "/no-such-page", "/api/v1/initiatives"] {
        let response = app.browser().get(path).await?;
        let h = response.headers();
        let csp = h["content-security-policy"].to_str()?;
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
    }
    Ok(())
}

#[tokio::test]
async fn session_cookies_are_http_only_and_same_site_and_secure_over_https() -> anyhow::Result<()> {
    for secure in [false, true] {
        let app =
            TestApp::spawn_with(kindling_web::Config { secure_cookies: secure, ..kindling_testkit::test_config() })
                .await?;
        let client = {
            kindling_testkit::install_tls_provider();
            reqwest::Client::builder()
        }
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
        let page = client.get(app.url("/sign-in")).send().await?;
        // HTTPS only, for a year, when the public address is https (issue 17).
        let hsts = page.headers().get("strict-transport-security").map(|v| v.to_str().unwrap_or_default().to_owned());
        assert_eq!(hsts.as_deref(), secure.then_some("max-age=31536000; includeSubDomains"));
        let csrf_cookie = page.headers()["set-cookie"].to_str()?.to_owned();
        let html = page.text().await?;
        let token = csrf_token(&html).unwrap();
        let cookie_pair = csrf_cookie.split(';').next().unwrap().to_owned();
        let response = client
            .post(app.url("/sign-in"))
            .header("cookie", cookie_pair)
            .form(&[("csrf_token", token.as_str()), ("email", "clinician@demo.kindling.test"), ("password", PASSWORD)])
            .send()
            .await?;
        assert_eq!(response.status(), 303);
        let set = response.headers()["set-cookie"].to_str()?;
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"), "{set}");
        assert_eq!(set.contains("; Secure"), secure, "{set}");
        assert_eq!(set.starts_with("__Host-kindling_session="), secure, "{set}");
        assert_eq!(csrf_cookie.contains("; Secure"), secure);
    }
    Ok(())
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_or_from_another_site_are_refused() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let browser = app.signed_in("clinician@demo.kindling.test").await?;
    let fields = [("title", "Forged"), ("problem", "p"), ("proposed_change", "c")];
    let missing = browser.client.post(browser.url("/initiatives/new")).form(&fields).send().await?;
    assert_eq!(missing.status(), 403);
    let mut wrong = vec![("csrf_token", "0".repeat(64))];
    wrong.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
    assert_eq!(browser.client.post(browser.url("/initiatives/new")).form(&wrong).send().await?.status(), 403);
    // The right token, but the browser says the form came from another site.
    let (_, page) = browser.get_text("/initiatives/new").await?;
    let mut right = vec![("csrf_token", csrf_token(&page).unwrap())];
    right.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let cross = browser
        .client
        .post(browser.url("/initiatives/new"))
        .header("sec-fetch-site", "cross-site")
        .form(&right)
        .send()
        .await?;
    assert_eq!(cross.status(), 403);
    let foreign_origin = browser
        .client
        .post(browser.url("/initiatives/new"))
        .header("origin", "https://evil.example")
        .form(&right)
        .send()
        .await?;
    assert_eq!(foreign_origin.status(), 403);
    // Signing out needs the token too, so another site cannot sign people out.
    assert_eq!(browser.client.post(browser.url("/sign-out")).send().await?.status(), 403);
    let (_, list) = browser.get_text("/initiatives").await?;
    assert!(!list.contains("Forged"), "no forged idea was stored");
    Ok(())
}

#[tokio::test]
async fn another_organisations_initiative_is_not_found_anywhere() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    // Initiative 1 belongs to Northfield.
    for path in ["/initiatives/1", "/initiatives/1/edit"] {
        assert_eq!(carer.get(path).await?.status(), 404, "{path}");
    }
    let (_, riverside_page) = carer.get_text("/initiatives/13").await?;
    let token = csrf_token(&riverside_page).unwrap();
    for action in ["/initiatives/1/stage", "/initiatives/1/comments", "/initiatives/1/team", "/initiatives/1/edit"] {
        let response = carer
            .client
            .post(carer.url(action))
            .form(&[("csrf_token", token.as_str()), ("to", "stopped"), ("reason", "x"), ("body", "x"), ("title", "x")])
            .send()
            .await?;
        assert_eq!(response.status(), 404, "{action}");
    }
    let (_, list) = carer.get_text("/initiatives").await?;
    // Riverside's two stories and its adoption of protected mealtimes; none of Northfield's.
    assert!(list.contains("3 initiatives found") && !list.contains("Discharge letters"));
    let token = app.token_for("carer@riverside.demo.kindling.test").await?;
    let api = kindling_testkit::http().get(app.url("/api/v1/initiatives/1")).bearer_auth(token).send().await?;
    assert_eq!(api.status(), 404);
    Ok(())
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_not_found() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let browser = app.signed_in("clinician@demo.kindling.test").await?;
    for path in [
        "/initiatives/999999",
        "/initiatives/abc",
        "/initiatives/-1",
        "/initiatives/99999999999999999999999",
        "/nowhere",
    ] {
        let (status, html) = browser.get_text(path).await?;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("Page not found"));
    }
    Ok(())
}

/// Signs in from `client`, as a reverse proxy would report it (`X-Forwarded-For`).
async fn sign_in_from(
    browser: &kindling_testkit::Browser,
    client: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<reqwest::Response> {
    let (_, page) = browser.get_text("/sign-in").await?;
    let token = csrf_token(&page).unwrap();
    let form = [("csrf_token", token.as_str()), ("email", email), ("password", password), ("next", "/")];
    Ok(browser
        .client
        .post(browser.url("/sign-in"))
        .header("sec-fetch-site", "same-origin")
        .header("x-forwarded-for", client)
        .form(&form)
        .send()
        .await?)
}

/// Issue 17: 32 failed sign-ins with random emails from one address once gave 429 to everyone else at that
/// address, and behind a reverse proxy everyone shares the proxy's address.
#[tokio::test]
async fn one_address_cannot_deny_sign_in_to_everyone_behind_a_trusted_proxy() -> anyhow::Result<()> {
    let trusted = vec!["127.0.0.0/8".parse().unwrap(), "::1".parse().unwrap()];
    let app = TestApp::spawn_with(kindling_web::Config { trusted_proxies: trusted, ..kindling_testkit::test_config() })
        .await?;
    let attacker = app.browser();
    let mut refused = 0;
    for n in 0..32 {
        let status =
            sign_in_from(&attacker, "203.0.113.66", &format!("random{n}@demo.kindling.test"), "guess").await?.status();
        refused += usize::from(status == 429);
    }
    assert!(refused > 0, "the attacker's own address is slowed down");
    // A colleague behind the same proxy, at another address, signs in at once.
    assert_eq!(
        sign_in_from(&app.browser(), "203.0.113.77", "executive@demo.kindling.test", PASSWORD).await?.status(),
        303
    );
    Ok(())
}

/// Without a trusted proxy configured, a client cannot choose its address by sending the header.
#[tokio::test]
async fn forwarded_headers_from_untrusted_clients_are_ignored() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let attacker = app.browser();
    let mut last = 0;
    for n in 0..26 {
        // A new address every time, to dodge the limit.
        last = sign_in_from(&attacker, &format!("198.51.100.{n}"), &format!("random{n}@demo.kindling.test"), "guess")
            .await?
            .status()
            .as_u16();
    }
    assert_eq!(last, 429, "the header was ignored and the real address slowed down");
    Ok(())
}

/// Strangers guessing at an account slow it down, progressively, but never lock out a browser that has
/// signed in to it before.
#[tokio::test]
async fn guessing_at_an_account_slows_strangers_but_not_its_owner() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let owner = app.browser();
    assert_eq!(owner.sign_in("approver@demo.kindling.test", PASSWORD).await?.status(), 303);
    assert_eq!(owner.submit("/", "/sign-out", &[]).await?.status(), 303);
    let stranger = app.browser();
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let response = stranger.sign_in("approver@demo.kindling.test", "wrong").await?;
        statuses.push(response.status().as_u16());
        if response.status() == 422 {
            let html = response.text().await?;
            assert!(html.contains("Enter a correct email address and password"));
            assert!(html.contains("value=\"approver@demo.kindling.test\""), "the email is kept");
        }
    }
    assert_eq!(&statuses[..4], [422, 422, 422, 422], "four free attempts");
    assert!(statuses[4..].contains(&429), "then a wait: {statuses:?}");
    let waiting = stranger.sign_in("approver@demo.kindling.test", PASSWORD).await?;
    assert_eq!(waiting.status(), 429);
    assert!(waiting.text().await?.contains("too many attempts to sign in. Wait"));
    // The owner's browser is known: it signs in straight away.
    assert_eq!(owner.sign_in("approver@demo.kindling.test", PASSWORD).await?.status(), 303);
    // Another account is not slowed by someone else's mistakes.
    assert_eq!(app.browser().sign_in("executive@demo.kindling.test", PASSWORD).await?.status(), 303);
    Ok(())
}

#[tokio::test]
async fn unknown_emails_and_wrong_passwords_get_the_same_answer() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let unknown = app.browser().sign_in("nobody@demo.kindling.test", "x").await?;
    let wrong = app.browser().sign_in("clinician@demo.kindling.test", "x").await?;
    assert_eq!(unknown.status(), wrong.status());
    let (a, b) = (unknown.text().await?, wrong.text().await?);
    assert!(
        a.contains("Enter a correct email address and password")
            && b.contains("Enter a correct email address and password")
    );
    Ok(())
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let browser = app.signed_in("clinician@demo.kindling.test").await?;
    let cookie_before = browser.get("/").await?.status();
    assert_eq!(cookie_before, 200);
    assert_eq!(browser.submit("/", "/sign-out", &[]).await?.status(), 303);
    assert_eq!(browser.get("/").await?.status(), 303);
    let clinician = kindling_store::users::find_by_email(
        app.db(),
        &kindling_domain::people::Email::parse("clinician@demo.kindling.test").unwrap(),
    )
    .await?
    .unwrap();
    let entries = kindling_store::audit::for_subject(app.db(), &format!("user:{}", clinician.id)).await?;
    let actions: Vec<&str> = entries.iter().map(|e| e.event.action.as_str()).collect();
    assert_eq!(actions, ["session.signed_in", "session.signed_out"]);
    Ok(())
}

/// Issue 17: `/metrics` was open to anyone. With a token configured it needs the token; without one,
/// only this machine may read it (the test's own loopback connection).
#[tokio::test]
async fn metrics_need_their_token() -> anyhow::Result<()> {
    let config =
        kindling_web::Config { metrics_token: Some("prometheus-secret".into()), ..kindling_testkit::test_config() };
    let app = TestApp::spawn_with(config).await?;
    let client = kindling_testkit::http();
    assert_eq!(client.get(app.url("/metrics")).send().await?.status(), 404);
    assert_eq!(client.get(app.url("/metrics")).bearer_auth("wrong-secret-here").send().await?.status(), 404);
    let ok = client.get(app.url("/metrics")).bearer_auth("prometheus-secret").send().await?;
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await?.contains("http_requests_total"));
    Ok(())
}
