//! Going live (issue 16), over HTTP against the real app: first-run setup through the page, the
//! administrator's password and two-factor enrolment, inviting a colleague who opens the emailed link,
//! deactivation ending sessions and tokens at once, password resets that reveal nothing, two-factor
//! codes (wrong, replayed, recovery), the last administrator, the people file, bad links, and the
//! organisation switcher never showing another organisation's data.

use kindling_domain::accounts::totp;
use kindling_domain::ids::OrganisationId;
use kindling_testkit::{Browser, PASSWORD, TestApp, csrf_token, fresh_db, test_config};

const ADMIN: &str = "admin@demo.kindling.test";
const NORTHFIELD: OrganisationId = OrganisationId::new(1);
const RIVERSIDE: OrganisationId = OrganisationId::new(2);

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// The value of a hidden input in a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).map(|i| i + marker.len()).unwrap_or_else(|| panic!("no {name} in\n{html}"));
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// The current code of an authenticator enrolled with `secret_base32`, as the person's phone shows it.
fn code_for(secret_base32: &str) -> String {
    let secret = totp::base32_decode(secret_base32).unwrap();
    format!("{:06}", totp::code(&secret, totp::step_at(kindling_testkit::now_ms()) as u64))
}

/// Sets a password at a one-time link path; the response to the form.
pub(crate) async fn set_password(browser: &Browser, link: &str, password: &str) -> anyhow::Result<reqwest::Response> {
    let (status, page) = browser.get_text(link).await?;
    assert_eq!(status, 200, "{page}");
    let token = hidden(&page, "token");
    browser.submit(link, "/set-password", &[("token", &token), ("password", password), ("confirm", password)]).await
}

#[tokio::test]
async fn an_empty_installation_is_set_up_through_the_page_and_its_administrator_enrols_two_factor() -> anyhow::Result<()>
{
    let config = kindling_web::Config { setup_token: Some("setup-token-123".into()), demo: false, ..test_config() };
    let app = TestApp::spawn_on(fresh_db().await?, config).await?;
    let visitor = app.browser();
    // The home page says how to set up, without the token.
    let (status, home) = visitor.get_text("/").await?;
    assert_eq!(status, 200);
    assert!(home.contains("Set up Kindling") && home.contains("kindling setup"), "{home}");
    assert!(!home.contains("setup-token-123"));
    // Without the right token there is no setup page.
    for path in ["/setup", "/setup?token=wrong", "/setup?token=setup-token-12"] {
        assert_eq!(visitor.get(path).await?.status(), 404, "{path}");
    }
    // A refused form comes back with what was typed.
    let page = "/setup?token=setup-token-123";
    let bad = visitor
        .submit(
            page,
            "/setup",
            &[
                ("token", "setup-token-123"),
                ("organisation", "Northfield NHS Trust"),
                ("kind", "Spaceport"),
                ("admin_email", "not-an-email"),
                ("admin_name", ""),
            ],
        )
        .await?;
    assert_eq!(bad.status(), 422);
    let html = bad.text().await?;
    assert!(html.contains("Choose the kind of organisation") && html.contains("value=\"Northfield NHS Trust\""));
    let done = visitor
        .submit(
            page,
            "/setup",
            &[
                ("token", "setup-token-123"),
                ("organisation", "Northfield NHS Trust"),
                ("kind", "NHS trust"),
                ("admin_email", "Chief.Admin@northfield.nhs.uk"),
                ("admin_name", "Chidi Admin"),
            ],
        )
        .await?;
    assert_eq!(done.status(), 200);
    assert!(done.text().await?.contains("Kindling is set up for Northfield NHS Trust"));
    // Once set up, the page is gone.
    assert_eq!(visitor.get(page).await?.status(), 404);
    // The administrator opens the emailed link and chooses a password: common ones are refused.
    let link = app.link_sent_to("chief.admin@northfield.nhs.uk").expect("the setup link was emailed");
    let admin = app.browser();
    let common = set_password(&admin, &link, "password1234").await?;
    assert_eq!(common.status(), 422);
    assert!(common.text().await?.contains("one of the most commonly used"));
    let chosen = set_password(&admin, &link, "lantern orchard tuesday").await?;
    assert_eq!(chosen.status(), 303);
    // Administrators must use two-factor sign-in: enrolment comes next.
    assert!(location(&chosen).starts_with("/sign-in/set-up-two-factor"), "{}", location(&chosen));
    let (status, enrol) = admin.get_text(&location(&chosen)).await?;
    assert_eq!(status, 200);
    let secret = hidden(&enrol, "secret");
    assert!(enrol.contains("<svg") && enrol.contains("QR code to scan"));
    let wrong = admin
        .submit(
            &location(&chosen),
            "/sign-in/set-up-two-factor",
            &[("secret", &secret), ("code", "000000"), ("next", "/")],
        )
        .await?;
    assert_eq!(wrong.status(), 422);
    let (_, enrol_again) = admin.get_text(&location(&chosen)).await?;
    let secret = hidden(&enrol_again, "secret");
    let enrolled = admin
        .submit(
            &location(&chosen),
            "/sign-in/set-up-two-factor",
            &[("secret", &secret), ("code", &code_for(&secret)), ("next", "/")],
        )
        .await?;
    assert_eq!(enrolled.status(), 200);
    let codes_page = enrolled.text().await?;
    assert!(codes_page.contains("Save your recovery codes"));
    assert_eq!(codes_page.matches("<li><code>").count(), 10);
    let (status, home) = admin.get_text("/").await?;
    assert_eq!(status, 200);
    assert!(home.contains("Northfield NHS Trust"), "{home}");
    // The link worked once.
    let (status, again) = app.browser().get_text(&link).await?;
    assert_eq!(status, 410);
    assert!(again.contains("This link has already been used"));
    // And `/setup` stays gone even with the token.
    assert_eq!(app.browser().get("/setup?token=setup-token-123").await?.status(), 404);
    Ok(())
}

#[tokio::test]
async fn an_invited_clinician_sets_a_password_and_deactivation_ends_their_session_and_token_at_once()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let admin = app.signed_in(ADMIN).await?;
    // A site first.
    let site = admin
        .submit(
            "/admin/organisation",
            "/admin/sites",
            &[("site_name", "Westgate Clinic"), ("setting", "community"), ("units", "Podiatry\nPhysiotherapy")],
        )
        .await?;
    assert_eq!(site.status(), 303);
    let (_, sites) = admin.get_text("/admin/organisation").await?;
    assert!(sites.contains("Westgate Clinic") && sites.contains("Physiotherapy, Podiatry"));
    let site_id = kindling_store::orgs::site_names_in_use(app.db(), NORTHFIELD)
        .await?
        .into_iter()
        .find(|(_, n)| n == "Westgate Clinic")
        .unwrap()
        .0;
    // Inviting someone who is already a member is refused on the form.
    let again = admin
        .submit(
            "/admin/people/invite",
            "/admin/people/invite",
            &[
                ("email", "clinician@demo.kindling.test"),
                ("name", "X"),
                ("profession", "nurse"),
                ("roles", "clinician"),
            ],
        )
        .await?;
    assert_eq!(again.status(), 422);
    assert!(again.text().await?.contains("is already a member of this organisation"));
    let invited = admin
        .submit(
            "/admin/people/invite",
            "/admin/people/invite",
            &[
                ("email", "Priya.Shah@northfield.nhs.uk"),
                ("name", "Priya Shah"),
                ("profession", "nurse"),
                ("roles", "clinician"),
                ("roles", "mentor"),
                ("site", &site_id.to_string()),
            ],
        )
        .await?;
    assert_eq!(invited.status(), 303);
    let (_, person) = admin.get_text(&location(&invited)).await?;
    let person_page = location(&invited).split('?').next().unwrap().to_owned();
    assert!(person.contains("Invitation sent to priya.shah@northfield.nhs.uk") && person.contains("Invited"));
    // The email, from the mail folder, carries the link under the public URL.
    let link = app.link_sent_to("priya.shah@northfield.nhs.uk").expect("an invitation email");
    assert!(link.starts_with("/set-password?token="), "{link}");
    let clinician = app.browser();
    let set = set_password(&clinician, &link, "heron lamp cobble").await?;
    assert_eq!(set.status(), 303);
    assert_eq!(location(&set), "/?notice=welcome");
    let (status, home) = clinician.get_text("/?notice=welcome").await?;
    assert_eq!(status, 200);
    assert!(home.contains("Your account is ready"));
    // The people list finds her by name, role, site and status.
    for query in ["q=priya", "role=mentor&q=shah", &format!("site={site_id}&q=priya"), "status=active&q=priya"] {
        let (_, list) = admin.get_text(&format!("/admin/people?{query}")).await?;
        assert!(list.contains("Priya Shah"), "{query}");
    }
    let (_, none) = admin.get_text("/admin/people?status=invited&q=priya").await?;
    assert!(!none.contains("Priya Shah"));
    // An API token of hers works until she is deactivated.
    let email = kindling_domain::people::Email::parse("priya.shah@northfield.nhs.uk").unwrap();
    let priya = kindling_store::users::find_by_email(app.db(), &email).await?.unwrap();
    let by = kindling_store::tokens::Audited {
        actor: Some(priya.id),
        organisation: Some(NORTHFIELD),
        now_ms: kindling_testkit::now_ms(),
    };
    let grant = kindling_store::tokens::Grant { scope: kindling_domain::accounts::TokenScope::Read, expires_ms: None };
    let token = kindling_store::tokens::issue(app.db(), priya.id, "script", grant, by).await?.secret;
    let api = kindling_testkit::http();
    assert_eq!(api.get(app.url("/api/v1/initiatives")).bearer_auth(&token).send().await?.status(), 200);
    let off = admin.submit(&person_page, &format!("{person_page}/deactivate"), &[]).await?;
    assert_eq!(off.status(), 303);
    // At once: her next page asks her to sign in, her token is refused, and she cannot sign in again.
    assert_eq!(clinician.get("/initiatives").await?.status(), 303);
    assert_eq!(api.get(app.url("/api/v1/initiatives")).bearer_auth(&token).send().await?.status(), 401);
    let refused = app.browser().sign_in("priya.shah@northfield.nhs.uk", "heron lamp cobble").await?;
    assert_eq!(refused.status(), 422);
    // Her name stays on what she did: the audit log still names her.
    let entries = kindling_store::audit::for_subject(app.db(), &format!("user:{}", priya.id)).await?;
    let actions: Vec<&str> = entries.iter().map(|e| e.event.action.as_str()).collect();
    assert_eq!(actions, ["people.invited", "account.activated", "session.signed_in", "people.deactivated"]);
    // Reactivated, she signs in with her password again.
    assert_eq!(admin.submit(&person_page, &format!("{person_page}/reactivate"), &[]).await?.status(), 303);
    assert_eq!(app.browser().sign_in("priya.shah@northfield.nhs.uk", "heron lamp cobble").await?.status(), 303);
    Ok(())
}

#[tokio::test]
async fn the_last_active_administrator_can_be_neither_demoted_nor_deactivated() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let admin = app.signed_in(ADMIN).await?;
    let me = kindling_store::users::find_by_email(app.db(), &kindling_domain::people::Email::parse(ADMIN).unwrap())
        .await?
        .unwrap();
    let page = format!("/admin/people/{}", me.id);
    let demote = admin.submit(&page, &format!("{page}/roles"), &[("roles", "clinician")]).await?;
    assert_eq!(demote.status(), 422);
    assert!(demote.text().await?.contains("last active administrator"));
    let off = admin.submit(&page, &format!("{page}/deactivate"), &[]).await?;
    assert_eq!(off.status(), 422);
    assert_eq!(
        me.roles_in(NORTHFIELD),
        kindling_store::users::get(app.db(), me.id).await?.unwrap().roles_in(NORTHFIELD)
    );
    // With a second administrator, the first may step down.
    let lead = kindling_store::users::find_by_email(
        app.db(),
        &kindling_domain::people::Email::parse("improvement-lead@demo.kindling.test").unwrap(),
    )
    .await?
    .unwrap();
    let lead_page = format!("/admin/people/{}", lead.id);
    assert_eq!(
        admin
            .submit(&lead_page, &format!("{lead_page}/roles"), &[("roles", "improvement-lead"), ("roles", "admin")])
            .await?
            .status(),
        303
    );
    assert_eq!(admin.submit(&page, &format!("{page}/roles"), &[("roles", "clinician")]).await?.status(), 303);
    // Another organisation's person is not found.
    let carer = kindling_store::users::find_by_email(
        app.db(),
        &kindling_domain::people::Email::parse("carer@riverside.demo.kindling.test").unwrap(),
    )
    .await?
    .unwrap();
    let lead_browser = app.signed_in("improvement-lead@demo.kindling.test").await?;
    assert_eq!(lead_browser.get(&format!("/admin/people/{}", carer.id)).await?.status(), 404);
    Ok(())
}

#[tokio::test]
async fn a_password_reset_reveals_nothing_works_once_and_signs_out_everywhere() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let elsewhere = app.signed_in("clinician@demo.kindling.test").await?;
    let visitor = app.browser();
    let known =
        visitor.submit("/password/forgot", "/password/forgot", &[("email", "clinician@demo.kindling.test")]).await?;
    let unknown =
        visitor.submit("/password/forgot", "/password/forgot", &[("email", "nobody@demo.kindling.test")]).await?;
    assert_eq!((known.status().as_u16(), unknown.status().as_u16()), (303, 303));
    let (_, known_page) = visitor.get_text(&location(&known)).await?;
    let (_, unknown_page) = visitor.get_text(&location(&unknown)).await?;
    assert_eq!(
        known_page.replace("clinician@", "X@"),
        unknown_page.replace("nobody@", "X@"),
        "the answers are the same"
    );
    assert_eq!(app.emails().len(), 1, "only the real account gets an email");
    let link = app.link_sent_to("clinician@demo.kindling.test").unwrap();
    let short = set_password(&visitor, &link, "short").await?;
    assert_eq!(short.status(), 422);
    assert!(short.text().await?.contains("12 characters or more"));
    let reset = set_password(&visitor, &link, "quiet meadow forty").await?;
    assert_eq!(reset.status(), 303);
    // The session opened before the reset has ended; the old password no longer works.
    assert_eq!(elsewhere.get("/initiatives").await?.status(), 303);
    assert_eq!(app.browser().sign_in("clinician@demo.kindling.test", PASSWORD).await?.status(), 422);
    assert_eq!(app.browser().sign_in("clinician@demo.kindling.test", "quiet meadow forty").await?.status(), 303);
    assert_eq!(app.browser().get(&link).await?.status(), 410);
    Ok(())
}

#[tokio::test]
async fn links_that_are_tampered_expired_or_cancelled_get_their_own_page() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let visitor = app.browser();
    let (status, page) = visitor.get_text("/set-password?token=0123456789abcdef").await?;
    assert_eq!(status, 404);
    assert!(page.contains("This link is not valid"));
    visitor.submit("/password/forgot", "/password/forgot", &[("email", "mentor@demo.kindling.test")]).await?;
    let first = app.link_sent_to("mentor@demo.kindling.test").unwrap();
    // A second request cancels the first link.
    visitor.submit("/password/forgot", "/password/forgot", &[("email", "mentor@demo.kindling.test")]).await?;
    let (status, page) = visitor.get_text(&first).await?;
    assert_eq!((status, page.contains("This link has been cancelled")), (410, true));
    // An expired link.
    let second = app.link_sent_to("mentor@demo.kindling.test").unwrap();
    kindling_store::raw_execute(app.db(), "UPDATE one_time_links SET expires_ms = 1").await?;
    let (status, page) = visitor.get_text(&second).await?;
    assert_eq!((status, page.contains("This link has expired")), (410, true));
    // Posting to an expired link changes nothing.
    let token = second.trim_start_matches("/set-password?token=");
    let (_, form) = visitor.get_text("/password/forgot").await?;
    let csrf = csrf_token(&form).unwrap();
    let post = visitor
        .client
        .post(app.url("/set-password"))
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("token", token),
            ("password", "harbour velvet crane"),
            ("confirm", "harbour velvet crane"),
        ])
        .send()
        .await?;
    assert_eq!(post.status(), 410);
    assert_eq!(app.browser().sign_in("mentor@demo.kindling.test", PASSWORD).await?.status(), 303);
    Ok(())
}

#[tokio::test]
async fn two_factor_codes_are_checked_used_once_and_recovery_codes_work_once() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let browser = app.signed_in("approver@demo.kindling.test").await?;
    let (_, enrol) = browser.get_text("/account/two-factor").await?;
    let secret = hidden(&enrol, "secret");
    let done = browser
        .submit("/account/two-factor", "/account/two-factor", &[("secret", &secret), ("code", &code_for(&secret))])
        .await?;
    assert_eq!(done.status(), 200);
    let codes_page = done.text().await?;
    let first_code = codes_page.split("<li><code>").nth(1).unwrap().split('<').next().unwrap().to_owned();
    // Signing in now asks for a code.
    let next = app.browser();
    let password = next.sign_in("approver@demo.kindling.test", PASSWORD).await?;
    assert_eq!(password.status(), 303);
    assert!(location(&password).starts_with("/sign-in/two-factor"));
    let wrong = next.submit("/sign-in/two-factor", "/sign-in/two-factor", &[("code", "123456"), ("next", "/")]).await?;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await?.contains("The code is not right"));
    // The code used at enrolment cannot be used again (the same 30-second step).
    let replay = next
        .submit("/sign-in/two-factor", "/sign-in/two-factor", &[("code", &code_for(&secret)), ("next", "/")])
        .await?;
    assert_eq!(replay.status(), 422, "a code is accepted once");
    let recovered = next
        .submit("/sign-in/two-factor", "/sign-in/two-factor", &[("code", &first_code.to_uppercase()), ("next", "/")])
        .await?;
    assert_eq!(recovered.status(), 303);
    assert_eq!(next.get("/initiatives").await?.status(), 200);
    // The recovery code worked once.
    let third = app.browser();
    third.sign_in("approver@demo.kindling.test", PASSWORD).await?;
    let used =
        third.submit("/sign-in/two-factor", "/sign-in/two-factor", &[("code", &first_code), ("next", "/")]).await?;
    assert_eq!(used.status(), 422);
    // Without passing the second step, nothing is reachable.
    assert_eq!(third.get("/initiatives").await?.status(), 303);
    Ok(())
}

#[tokio::test]
async fn sign_in_answers_do_not_reveal_who_has_an_account_or_its_state() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let admin = app.signed_in(ADMIN).await?;
    admin
        .submit(
            "/admin/people/invite",
            "/admin/people/invite",
            &[
                ("email", "new.starter@northfield.nhs.uk"),
                ("name", "New Starter"),
                ("profession", "nurse"),
                ("roles", "clinician"),
            ],
        )
        .await?;
    let mut pages = Vec::new();
    for email in ["nobody@demo.kindling.test", "new.starter@northfield.nhs.uk", "clinician@demo.kindling.test"] {
        let response = app.browser().sign_in(email, "not the password at all").await?;
        assert_eq!(response.status(), 422, "{email}");
        let text = response.text().await?;
        pages.push(text.replace(email, "EMAIL").split("name=\"csrf_token\" value=\"").next().unwrap().to_owned());
    }
    assert!(pages.windows(2).all(|w| w[0] == w[1]), "unknown, invited and known accounts are answered alike");
    // Each failure is in the audit log (issue 17).
    let failures = kindling_store::audit::for_subject(app.db(), "email:nobody@demo.kindling.test").await?;
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].event.action, "session.sign_in_failed");
    Ok(())
}

#[tokio::test]
async fn the_people_file_is_all_or_nothing_and_previewed_before_anything_is_written() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let admin = app.signed_in(ADMIN).await?;
    let bad = "email,name,profession,roles,site\n\
               a.one@northfield.nhs.uk,A One,nurse,clinician,Northfield General Hospital\n\
               a.one@northfield.nhs.uk,A Again,nurse,clinician,\n\
               b.two@northfield.nhs.uk,B Two,nurse,wizard,Moon Base\n";
    let refused =
        admin.upload("/admin/people/import", "/admin/people/import", "file", "staff.csv", bad.as_bytes()).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("staff.csv has 2 rows that cannot be imported: nothing was imported"), "{html}");
    assert!(
        html.contains("is also on line 2")
            && html.contains("role &quot;wizard&quot; is not one of")
            && html.contains("Moon Base"),
        "{html}"
    );
    let good = "email,name,profession,roles,site\n\
                a.one@northfield.nhs.uk,A One,nurse,clinician;mentor,northfield general hospital\n\
                clinician@demo.kindling.test,Sam Renamed,doctor,clinician,\n";
    let preview =
        admin.upload("/admin/people/import", "/admin/people/import", "file", "staff.csv", good.as_bytes()).await?;
    assert_eq!(preview.status(), 200);
    let html = preview.text().await?;
    assert!(html.contains("1 person will be invited and 1 updated. Nothing has been written yet."), "{html}");
    assert!(
        kindling_store::users::find_by_email(
            app.db(),
            &kindling_domain::people::Email::parse("a.one@northfield.nhs.uk").unwrap()
        )
        .await?
        .is_none()
    );
    let csv = hidden(&html, "csv").replace("&#39;", "'").replace("&quot;", "\"").replace("&amp;", "&");
    let done = admin
        .submit("/admin/people/import", "/admin/people/import/confirm", &[("csv", &csv), ("file", "staff.csv")])
        .await?;
    assert_eq!(done.status(), 200);
    assert!(done.text().await?.contains("1 person invited"));
    assert!(app.link_sent_to("a.one@northfield.nhs.uk").is_some());
    let sam = kindling_store::users::find_by_email(
        app.db(),
        &kindling_domain::people::Email::parse("clinician@demo.kindling.test").unwrap(),
    )
    .await?
    .unwrap();
    assert_eq!(sam.name, "Sam Renamed");
    Ok(())
}

#[tokio::test]
async fn administration_is_for_administrators_and_the_demo_administrator_can_open_every_page() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let admin = app.signed_in(ADMIN).await?;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    for page in [
        "/admin",
        "/admin/organisation",
        "/admin/people",
        "/admin/people/invite",
        "/admin/people/import",
        "/admin/sign-in",
        "/admin/audit",
        "/admin/hub",
        "/admin/policy",
    ] {
        let (status, html) = admin.get_text(page).await?;
        assert_eq!(status, 200, "{page}: {html}");
        assert_eq!(clinician.get(page).await?.status(), 403, "{page}");
    }
    let (_, index) = admin.get_text("/admin").await?;
    assert!(index.contains("two-factor sign-in is not required here"), "the demo says so");
    // The audit log filters and downloads.
    let (_, audit) = admin.get_text("/admin/audit?action=session").await?;
    assert!(audit.contains("session.signed_in"));
    let csv = admin.get("/admin/audit.csv?action=session").await?;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let body = csv.text().await?;
    assert!(
        body.starts_with("seq,at_utc,person_id,person,action,subject,summary\n") && body.contains("session.signed_in")
    );
    let (_, bad_dates) = admin.get_text("/admin/audit?from=yesterday").await?;
    assert!(bad_dates.contains("The from date must be a date like 2026-12-02"));
    Ok(())
}

/// Generated check: after switching, every initiative of every organisation is visible exactly when it
/// belongs to the organisation chosen, on the pages and in the API, and a switch to an organisation the
/// person does not belong to is refused.
#[tokio::test]
async fn after_switching_organisation_a_person_sees_and_changes_only_that_organisation() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let admin = app.signed_in(ADMIN).await?;
    let token = app.token_for(ADMIN).await?;
    let api = kindling_testkit::http();
    let mut all = Vec::new();
    for org in [NORTHFIELD, RIVERSIDE] {
        let filter = kindling_store::initiatives::Filter::default();
        let (items, _) =
            kindling_store::initiatives::list(app.db(), org, &filter, kindling_domain::paging::Page::parse(None, 1000))
                .await?;
        all.extend(items.into_iter().map(|i| (i.id, org)));
    }
    assert!(all.iter().any(|(_, o)| *o == RIVERSIDE) && all.iter().any(|(_, o)| *o == NORTHFIELD));
    for chosen in [RIVERSIDE, NORTHFIELD] {
        let switched = admin.submit("/", "/switch-organisation", &[("organisation", &chosen.to_string())]).await?;
        assert_eq!(switched.status(), 303);
        let (_, home) = admin.get_text("/?notice=switched").await?;
        let name = kindling_store::orgs::organisation(app.db(), chosen).await?.unwrap().name;
        assert!(home.contains(&format!("You are now working in {name}")), "{home}");
        for (id, org) in &all {
            let page = admin.get(&format!("/initiatives/{id}")).await?.status();
            assert_eq!(page == 200, *org == chosen, "initiative {id} of {org} while in {chosen}: {page}");
            let call = api
                .get(app.url(&format!("/api/v1/initiatives/{id}")))
                .bearer_auth(&token)
                .header("x-kindling-organisation", chosen.to_string())
                .send()
                .await?;
            assert_eq!(call.status() == 200, *org == chosen, "API: initiative {id} of {org} while in {chosen}");
        }
        // A change lands in the chosen organisation.
        let created = admin
            .submit(
                "/initiatives/new",
                "/initiatives/new",
                &[("title", &format!("Idea in {chosen}")), ("problem", "p"), ("proposed_change", "c")],
            )
            .await?;
        assert_eq!(created.status(), 303);
        let (items, _) = kindling_store::initiatives::list(
            app.db(),
            chosen,
            &Default::default(),
            kindling_domain::paging::Page::parse(None, 1000),
        )
        .await?;
        assert!(items.iter().any(|i| i.title == format!("Idea in {chosen}")));
    }
    // Not a member: refused as if it did not exist, on the page and in the API.
    let third = kindling_store::orgs::all(app.db()).await?.len() as i64 + 1;
    assert_eq!(admin.submit("/", "/switch-organisation", &[("organisation", &third.to_string())]).await?.status(), 404);
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    assert_eq!(
        clinician.submit("/", "/switch-organisation", &[("organisation", &RIVERSIDE.to_string())]).await?.status(),
        404
    );
    let call = api
        .get(app.url("/api/v1/initiatives"))
        .bearer_auth(&app.token_for("clinician@demo.kindling.test").await?)
        .header("x-kindling-organisation", RIVERSIDE.to_string())
        .send()
        .await?;
    assert_eq!(call.status(), 403);
    Ok(())
}

#[tokio::test]
async fn sign_in_never_redirects_off_site() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    for next in [
        "/\t/evil.example/",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/\u{1}x",
        "/\r\n/evil.example",
    ] {
        let browser = app.browser();
        let response = browser
            .submit(
                "/sign-in",
                "/sign-in",
                &[("email", "clinician@demo.kindling.test"), ("password", PASSWORD), ("next", next)],
            )
            .await?;
        assert_eq!(response.status(), 303, "{next:?}");
        assert_eq!(location(&response), "/", "{next:?}");
        // The sign-in page itself, asked with such a `next`, answers (no 500).
        let page = browser.get(&format!("/sign-in?next={}", kindling_web_percent(next))).await?;
        assert_eq!(page.status(), 200, "{next:?}");
    }
    let browser = app.browser();
    let ok = browser
        .submit(
            "/sign-in",
            "/sign-in",
            &[("email", "clinician@demo.kindling.test"), ("password", PASSWORD), ("next", "/initiatives?stage=idea")],
        )
        .await?;
    assert_eq!(location(&ok), "/initiatives?stage=idea");
    Ok(())
}

fn kindling_web_percent(raw: &str) -> String {
    raw.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn the_administration_api_invites_changes_roles_and_deactivates() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let api = kindling_testkit::http();
    let token = app.token_for(ADMIN).await?;
    let url = |path: &str| app.url(&format!("/api/v1/admin{path}"));
    let clinician_token = app.token_for("clinician@demo.kindling.test").await?;
    assert_eq!(api.get(url("/people")).bearer_auth(&clinician_token).send().await?.status(), 403);
    let body = serde_json::json!({"email": "Api.Person@northfield.nhs.uk", "name": "Api Person", "profession": "pharmacist", "roles": ["clinician"]});
    let created = api.post(url("/people")).bearer_auth(&token).json(&body).send().await?;
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await?;
    assert_eq!((created["person"]["status"].as_str(), created["emailed"].as_bool()), (Some("invited"), Some(true)));
    let id = created["person"]["id"].as_i64().unwrap();
    assert!(app.link_sent_to("api.person@northfield.nhs.uk").is_some());
    let again = api.post(url("/people")).bearer_auth(&token).json(&body).send().await?;
    assert_eq!(again.status(), 409);
    let bad = api
        .post(url("/people"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"email": "x", "name": "", "profession": "wizard", "roles": []}))
        .send()
        .await?;
    assert_eq!(bad.status(), 422);
    assert_eq!(bad.headers()["content-type"], "application/problem+json");
    let unknown_role = api
        .post(url("/people"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"email": "a@b.nhs.uk", "name": "A", "profession": "nurse", "roles": ["wizard"]}))
        .send()
        .await?;
    assert!(unknown_role.status().is_client_error());
    let roles = api
        .put(url(&format!("/people/{id}/roles")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"roles": ["approver", "clinician"]}))
        .send()
        .await?;
    assert_eq!(roles.status(), 200);
    let listed: serde_json::Value =
        api.get(url("/people?role=approver&q=api")).bearer_auth(&token).send().await?.json().await?;
    assert_eq!(listed["total"], 1);
    let off: serde_json::Value =
        api.post(url(&format!("/people/{id}/deactivate"))).bearer_auth(&token).send().await?.json().await?;
    assert_eq!(off["status"], "deactivated");
    let me = kindling_store::users::find_by_email(app.db(), &kindling_domain::people::Email::parse(ADMIN).unwrap())
        .await?
        .unwrap();
    let last = api.post(url(&format!("/people/{}/deactivate", me.id))).bearer_auth(&token).send().await?;
    assert_eq!(last.status(), 409);
    let carer = kindling_store::users::find_by_email(
        app.db(),
        &kindling_domain::people::Email::parse("carer@riverside.demo.kindling.test").unwrap(),
    )
    .await?
    .unwrap();
    assert_eq!(api.get(url(&format!("/people/{}", carer.id))).bearer_auth(&token).send().await?.status(), 404);
    let site = api
        .post(url("/sites"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Harbour Clinic", "setting": "primary-care", "units": ["Nurse clinic"]}))
        .send()
        .await?;
    assert_eq!(site.status(), 201);
    let sites: serde_json::Value = api.get(url("/sites")).bearer_auth(&token).send().await?.json().await?;
    assert!(sites.as_array().unwrap().iter().any(|s| s["name"] == "Harbour Clinic" && s["setting"] == "primary-care"));
    let audit: serde_json::Value =
        api.get(url("/audit?action=people")).bearer_auth(&token).send().await?.json().await?;
    assert!(audit["entries"].as_array().unwrap().iter().any(|e| e["action"] == "people.deactivated"));
    assert_eq!(api.get(url("/audit?from=soon")).bearer_auth(&token).send().await?.status(), 422);
    Ok(())
}

/// Issue 17 (data protection): an administrator downloads everything held about a person, then
/// anonymises the leaver; the audit log shows the pseudonym everywhere it is read, and its chain still
/// verifies.
#[tokio::test]
async fn subject_access_and_anonymising_a_leaver_keep_the_audit_chain_verifiable() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let admin = app.signed_in(ADMIN).await?;
    let email = kindling_domain::people::Email::parse("pharmacist@demo.kindling.test").unwrap();
    let person = kindling_store::users::find_by_email(app.db(), &email).await?.unwrap();
    let page = format!("/admin/people/{}", person.id);
    let json = admin.get(&format!("{page}/export.json")).await?;
    assert_eq!(json.status(), 200);
    assert!(json.headers()["content-disposition"].to_str()?.contains("attachment"));
    let held: serde_json::Value = json.json().await?;
    assert_eq!(held["account"][0]["email"], "pharmacist@demo.kindling.test");
    assert!(held["initiatives_submitted"].as_array().is_some_and(|a| !a.is_empty()), "{held}");
    let csv = admin.get(&format!("{page}/export.csv")).await?.text().await?;
    assert!(
        csv.starts_with("section,row,field,value\n") && csv.contains("account,1,email,pharmacist@demo.kindling.test")
    );
    // Not deactivated yet: refused on the page.
    let early = admin.submit(&page, &format!("{page}/anonymise"), &[]).await?;
    assert_eq!(early.status(), 422);
    admin.submit(&page, &format!("{page}/deactivate"), &[]).await?;
    let done = admin.submit(&page, &format!("{page}/anonymise"), &[]).await?;
    assert_eq!(done.status(), 303);
    let after = kindling_store::users::get(app.db(), person.id).await?.unwrap();
    assert_eq!(after.name, format!("Former member {}", person.id));
    assert!(after.email.ends_with("@anonymised.invalid"));
    // The audit log, as administrators read it, never shows the old name.
    let (_, log) = admin.get_text("/admin/audit").await?;
    assert!(!log.contains(&person.name), "the audit page shows the pseudonym");
    let csv = admin.get("/admin/audit.csv").await?.text().await?;
    assert!(!csv.contains(&person.name) && !csv.contains("pharmacist@demo.kindling.test"));
    // And the stored chain still verifies.
    assert!(matches!(
        kindling_store::audit::verify(app.db()).await?,
        kindling_store::audit::Verification::Intact { .. }
    ));
    // Another organisation's person cannot be exported.
    let carer = kindling_store::users::find_by_email(
        app.db(),
        &kindling_domain::people::Email::parse("carer@riverside.demo.kindling.test").unwrap(),
    )
    .await?
    .unwrap();
    assert_eq!(admin.get(&format!("/admin/people/{}/export.json", carer.id)).await?.status(), 404);
    Ok(())
}

/// The retention schedule runs once an hour across every node, and removes what has passed its time.
#[tokio::test]
async fn the_retention_schedule_runs_once_however_many_nodes_ask() -> anyhow::Result<()> {
    use kindling_store::data_protection::{Retention, apply_retention};
    let app = TestApp::spawn().await?;
    kindling_store::raw_execute(
        app.db(),
        "INSERT INTO feedback (initiative_id, audience, rating, comment, period, sender_hash, received_ms)
         VALUES (1, 'patient', 4, 'A comment from long ago', '2020-01-01', 'x', 1)",
    )
    .await?;
    let now = kindling_testkit::now_ms();
    let (a, b) = tokio::join!(
        apply_retention(app.db(), Retention::default(), now),
        apply_retention(app.db(), Retention::default(), now)
    );
    let ran: Vec<_> = [a?, b?].into_iter().flatten().collect();
    assert_eq!(ran.len(), 1, "exactly one of two nodes applies it");
    assert_eq!(ran[0].feedback_texts, 1, "the old feedback text is gone, its rating kept");
    assert!(
        apply_retention(app.db(), Retention::default(), now + 60_000).await?.is_none(),
        "not again within the hour"
    );
    assert!(apply_retention(app.db(), Retention::default(), now + 3_600_001).await?.is_some());
    Ok(())
}

/// An organisation that signs in only through its identity provider switches Kindling passwords off
/// (only once single sign-on is set up, or nobody could sign in); its people are then sent to the provider.
#[tokio::test]
async fn an_organisation_can_switch_kindling_passwords_off_once_single_sign_on_is_set_up() -> anyhow::Result<()> {
    let key = kindling_web::sso::SecretKey::from_hex(&"ab".repeat(32)).unwrap();
    let app = TestApp::spawn_with(kindling_web::Config { secret_key: Some(key), ..test_config() }).await?;
    let admin = app.signed_in(ADMIN).await?;
    let policy = [("two_factor", "administrators"), ("passwords_allowed", "no")];
    let early = admin.submit("/admin/sign-in", "/admin/sign-in/policy", &policy).await?;
    assert_eq!(early.status(), 422);
    assert!(early.text().await?.contains("Set up single sign-on below before switching passwords off"));
    let sso = [
        ("issuer", "https://login.microsoftonline.com/tenant-id/v2.0"),
        ("client_id", "kindling-northfield"),
        ("client_secret", "s3cret-value"),
        ("label", "Sign in with your Northfield account"),
        ("allowed_domains", "northfield.nhs.uk\ndemo.kindling.test"),
        ("create_people", ""),
        ("default_role", "clinician"),
        ("roles_claim", "groups"),
        ("role_map", "g-approvers = approver"),
    ];
    assert_eq!(admin.submit("/admin/sign-in", "/admin/sign-in/sso", &sso).await?.status(), 303);
    let stored = kindling_store::sso::provider(app.db(), NORTHFIELD).await?.unwrap();
    assert!(!stored.client_secret_sealed.contains("s3cret"), "the secret is stored sealed");
    assert_eq!(admin.submit("/admin/sign-in", "/admin/sign-in/policy", &policy).await?.status(), 303);
    // The sign-in page offers the organisation's button, and passwords are refused for its people.
    let (_, page) = app.browser().get_text("/sign-in").await?;
    assert!(page.contains("Sign in with your Northfield account"));
    let refused = app.browser().sign_in("clinician@demo.kindling.test", PASSWORD).await?;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await?.contains("Your organisation signs in with its own account system"));
    // An http issuer is refused unless it is on a loopback address.
    let mut bad = sso;
    bad[0] = ("issuer", "http://idp.northfield.nhs.uk");
    let refused = admin.submit("/admin/sign-in", "/admin/sign-in/sso", &bad).await?;
    assert_eq!(refused.status(), 422);
    Ok(())
}

#[tokio::test]
async fn a_hub_administrator_adds_an_organisation_and_invites_its_first_administrator() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let admin = app.signed_in(ADMIN).await?;
    let form = [
        ("name", "Westshire County Council"),
        ("kind", "Local authority"),
        ("admin_name", "Wren Admin"),
        ("admin_email", "wren@westshire.gov.uk"),
    ];
    let added = admin.submit("/admin/hub", "/admin/hub", &form).await?;
    assert_eq!(added.status(), 200);
    assert!(added.text().await?.contains("The organisation has been added and its first administrator invited"));
    let again = admin.submit("/admin/hub", "/admin/hub", &form).await?;
    assert_eq!(again.status(), 422);
    let link = app.link_sent_to("wren@westshire.gov.uk").expect("invited");
    let wren = app.browser();
    let set = set_password(&wren, &link, "moorland kettle river").await?;
    // Administrators of a new organisation enrol two-factor sign-in first.
    assert!(location(&set).starts_with("/sign-in/set-up-two-factor"));
    // Someone who is not a hub administrator cannot add organisations.
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    assert_eq!(lead.get("/admin/hub").await?.status(), 403);
    Ok(())
}
