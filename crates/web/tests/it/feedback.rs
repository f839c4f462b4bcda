//! Public feedback over HTTP: the link, the form without an account, identifier screening, spam and
//! rate limits, the rating measure it feeds, and public replies.

use kindling_store::measures;
use kindling_testkit::{Browser, TestApp};

/// The team opens the feedback page (which makes the link) and reads the link from it.
async fn link(app: &TestApp) -> anyhow::Result<String> {
    let team = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let (status, html) = team.get_text("/initiatives/1/feedback").await?;
    assert_eq!(status, 200, "{html}");
    let start = html.find("/feedback/").expect("a link") + "/feedback/".len();
    Ok(html[start..start + 16].to_owned())
}

async fn answer(visitor: &Browser, token: &str, fields: &[(&str, &str)]) -> anyhow::Result<reqwest::Response> {
    let page = format!("/feedback/{token}");
    visitor.submit(&page, &page, fields).await
}

#[tokio::test]
async fn feedback_without_an_account_is_screened_stored_and_becomes_a_measure() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let token = link(&app).await?;
    let visitor = app.browser();
    let (status, html) = visitor.get_text(&format!("/feedback/{token}")).await?;
    assert_eq!(status, 200);
    assert!(html.contains("Discharge letters drafted at the board round"));

    // An NHS number in the comment: refused, with the text kept for the sender to fix.
    let refused =
        answer(&visitor, &token, &[("audience", "patient"), ("rating", "4"), ("comment", "My number is 943 476 5919")])
            .await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("Your comment seems to include an NHS number"));
    assert!(html.contains("My number is 943 476 5919"));
    // Issue 18 §4: a telephone number and an email address were accepted and then published by a reply.
    for (comment, kind) in [
        ("Ring me on 07700 900123 about it", "a telephone number"),
        ("Write to jo.bloggs@example.com please", "an email address"),
    ] {
        let refused =
            answer(&visitor, &token, &[("audience", "patient"), ("rating", "4"), ("comment", comment)]).await?;
        assert_eq!(refused.status(), 422, "{comment}");
        assert!(refused.text().await?.contains(&format!("Your comment seems to include {kind}")), "{comment}");
    }

    for (rating, comment) in [("4", "The letter was ready before my transport came."), ("2", "")] {
        let sent =
            answer(&visitor, &token, &[("audience", "patient"), ("rating", rating), ("comment", comment)]).await?;
        assert_eq!(sent.status(), 303);
        assert_eq!(sent.headers()["location"], format!("/feedback/{token}/thanks"));
    }
    // The ratings feed a monthly measure: this month's mean of 4 and 2 is 3.
    let all = measures::for_organisation(app.db(), kindling_domain::ids::OrganisationId::new(1)).await?;
    let rating =
        all.iter().find(|m| m.measure.draft.name == "Feedback rating" && m.measure.initiative.get() == 1).unwrap();
    let points = measures::points(app.db(), rating.measure.id).await?;
    assert_eq!(points.len(), 1);
    assert_eq!(points[0].value, 3.0);

    // The team replies publicly; the public page shows "you said, we did".
    let team = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let (_, html) = team.get_text("/initiatives/1/feedback").await?;
    assert!(html.contains("The letter was ready before my transport came."));
    let id_start = html.find("name=\"feedback\" value=\"").unwrap() + "name=\"feedback\" value=\"".len();
    let id: String = html[id_start..].chars().take_while(char::is_ascii_digit).collect();
    let replied = team
        .submit(
            "/initiatives/1/feedback",
            "/initiatives/1/feedback/reply",
            &[("feedback", &id), ("reply", "We now draft every letter at the board round.")],
        )
        .await?;
    assert_eq!(replied.status(), 303);
    let leaky = team
        .submit(
            "/initiatives/1/feedback",
            "/initiatives/1/feedback/reply",
            &[("feedback", &id), ("reply", "Thanks, ring 0113 496 0123 for more")],
        )
        .await?;
    assert_eq!(leaky.status(), 422);
    let (_, public) = visitor.get_text(&format!("/feedback/{token}")).await?;
    assert!(public.contains("You said, we did"));
    assert!(public.contains("We now draft every letter at the board round."));
    Ok(())
}

#[tokio::test]
async fn bots_and_floods_are_turned_away_and_unknown_links_are_not_found() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let token = link(&app).await?;
    let visitor = app.browser();
    // The hidden field filled in: thanked, not stored.
    let bot = answer(&visitor, &token, &[("audience", "visitor"), ("rating", "5"), ("website", "http://spam.example")])
        .await?;
    assert_eq!(bot.status(), 303);
    let stored = |app: &TestApp| {
        let db = app.db().clone();
        async move {
            kindling_store::feedback::for_initiative(
                &db,
                kindling_domain::ids::OrganisationId::new(1),
                kindling_domain::ids::InitiativeId::new(1),
            )
            .await
            .unwrap()
            .len()
        }
    };
    assert_eq!(stored(&app).await, 0);
    for _ in 0..kindling_store::feedback::PER_SENDER_PER_HOUR {
        assert_eq!(answer(&visitor, &token, &[("audience", "visitor"), ("rating", "5")]).await?.status(), 303);
    }
    let flooded = answer(&visitor, &token, &[("audience", "visitor"), ("rating", "5")]).await?;
    assert_eq!(flooded.status(), 429);
    assert_eq!(stored(&app).await, kindling_store::feedback::PER_SENDER_PER_HOUR as usize);
    for path in ["/feedback/0000000000000000", "/feedback/not-a-token", "/feedback/0000000000000000/thanks"] {
        assert_eq!(visitor.get_text(path).await?.0, 404, "{path}");
    }
    Ok(())
}
