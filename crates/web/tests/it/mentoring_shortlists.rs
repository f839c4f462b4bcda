//! A programme where each mentee chooses their mentor from a shortlist (issue 19 §3), over HTTP: the
//! lead turns it on, the round holds a place with every mentor on a shortlist, the mentee reads each
//! mentor's profile and reasons and chooses, and a held place cannot be given away meanwhile.

use std::collections::BTreeSet;

use crate::location;
use kindling_domain::ids::OrganisationId;
use kindling_domain::mentoring::{MatchStatus, ParticipantDraft, Side};
use kindling_store::Actor;
use kindling_store::mentoring::{self, LeftOut};
use kindling_testkit::TestApp;

const NORTHFIELD: OrganisationId = OrganisationId::new(1);
const LEAD: &str = "programme-lead@demo.kindling.test";
const PRIYA: &str = "clinician@demo.kindling.test";
const TOM: &str = "improvement-lead@demo.kindling.test";

fn person(side: Side, reference: &str, name: &str, email: Option<&str>, tags: &[&str]) -> ParticipantDraft {
    ParticipantDraft {
        side,
        reference: reference.into(),
        name: name.into(),
        email: email.map(str::to_owned),
        profession: "nurse".into(),
        grade: if side == Side::Mentee { 5 } else { 7 },
        site: "Northfield General Hospital".into(),
        unit: "Ward 7".into(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        learning_style: String::new(),
        availability: BTreeSet::from(["mon-am".to_owned()]),
        capacity: u32::from(side == Side::Mentor),
        line_manager: String::new(),
        reverse: false,
    }
}

#[tokio::test]
async fn a_mentee_chooses_from_a_shortlist_whose_places_are_held_until_she_answers() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in(LEAD).await?;
    let home = crate::mentoring::new_programme_with(&lead, &[("mentees_choose", "yes")]).await?;
    let id: i64 = home.rsplit('/').next().unwrap().parse()?;
    let programme = mentoring::programme(app.db(), NORTHFIELD, id).await?.unwrap();
    assert!(programme.settings.mentees_choose);
    let (_, edit) = lead.get_text(&format!("{home}/edit")).await?;
    assert!(
        edit.contains("id=\"mentees_choose\" name=\"mentees_choose\" type=\"checkbox\" value=\"yes\" checked"),
        "{edit}"
    );

    // Priya wants quality improvement and leadership. Tom shares both, so the round chooses him; Ama
    // shares one and Ben none. Each mentor has one place.
    let by = Actor { organisation: NORTHFIELD, user: programme.lead, now_ms: kindling_web::now_ms() };
    mentoring::enrol(app.db(), by, id, &person(Side::Mentee, "P-1", "Priya Shah", Some(PRIYA), &["qi", "leadership"]))
        .await?;
    let tom = mentoring::enrol(
        app.db(),
        by,
        id,
        &person(Side::Mentor, "M-T", "Tom Okafor", Some(TOM), &["qi", "leadership"]),
    )
    .await?;
    let ama = mentoring::enrol(app.db(), by, id, &person(Side::Mentor, "M-A", "Ama Boateng", None, &["qi"])).await?;
    let ben = mentoring::enrol(app.db(), by, id, &person(Side::Mentor, "M-B", "Ben Hale", None, &[])).await?;

    let round = location(&lead.submit(&home, &format!("{home}/rounds"), &[]).await?);
    let (_, page) = lead.get_text(&round).await?;
    assert!(page.contains("1 matched mentee can choose from a shortlist, with 2 other places held"), "{page}");
    location(&lead.submit(&round, &format!("{round}/publish"), &[]).await?);
    let offer = mentoring::matches(app.db(), NORTHFIELD, id).await?.remove(0);
    assert_eq!((offer.mentor, offer.status), (tom, MatchStatus::Offered));
    let href = format!("/mentoring/matches/{}", offer.id);

    // The places are held: the next round has no mentor to offer, and none can be given away.
    let pool = mentoring::pool(app.db(), NORTHFIELD, &programme).await?;
    assert!(pool.mentors.is_empty());
    assert!(pool.left_out.iter().any(|(p, why)| p.id == ben && *why == LeftOut::NoPlaces));
    let lowered = mentoring::set_capacity(app.db(), by, ama, 0).await;
    assert!(
        matches!(&lowered, Err(kindling_store::StoreError::Conflict(m)) if m.contains("held for mentees choosing")),
        "a place held for Priya's choice is not the lead's to give away: {lowered:?}"
    );

    // Priya is asked to choose; Tom, the round's choice, hears nothing until she has.
    let priya = app.signed_in(PRIYA).await?;
    let told_of = |user: Option<kindling_domain::ids::UserId>| {
        let db = app.db().clone();
        let href = href.clone();
        async move {
            let list = kindling_store::notifications::list(&db, user.unwrap(), 50).await.unwrap();
            list.into_iter().filter(|n| n.href == href).map(|n| n.summary).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        told_of(offer.mentee_user).await,
        ["You have a mentoring offer: please choose your mentor from your shortlist, or decline"]
    );
    assert!(told_of(offer.mentor_user).await.is_empty(), "Tom hears once he is chosen");
    // Nor do the automatic reminders of an unanswered offer reach him.
    let later = kindling_web::now_ms() + 15 * 24 * 60 * 60 * 1000;
    assert!(mentoring::remind_unanswered(app.db(), later).await? >= 1);
    assert_eq!(told_of(offer.mentee_user).await.len(), 2);
    assert!(told_of(offer.mentor_user).await.is_empty(), "Tom hears once he is chosen");
    let tom_browser = app.signed_in(TOM).await?;
    let (_, waiting) = tom_browser.get_text(&href).await?;
    assert!(waiting.contains("is choosing a mentor from a shortlist that includes you"), "{waiting}");
    assert_eq!(
        tom_browser
            .submit(&href, &format!("{href}/answer"), &[("answer", "decline"), ("reason", "busy")])
            .await?
            .status(),
        409
    );

    let (_, choose) = priya.get_text(&href).await?;
    assert!(choose.contains("Choose your mentor"), "{choose}");
    let (t, a, b) = (
        choose.find("Tom Okafor (the round").unwrap(),
        choose.find("<h3>Ama Boateng").unwrap(),
        choose.find("<h3>Ben Hale").unwrap(),
    );
    assert!(t < a && a < b, "the round's choice first, then the cheapest for the programme");
    assert!(choose.contains("aria-label=\"Why Ama Boateng was suggested\""), "each mentor comes with the reasons");

    // Accepting without a choice, or with a mentor not on the list, changes nothing.
    let blank = priya.submit(&href, &format!("{href}/answer"), &[("answer", "accept")]).await?;
    assert_eq!(blank.status(), 422);
    assert!(blank.text().await?.contains("Choose a mentor from the shortlist"));
    let stranger =
        priya.submit(&href, &format!("{href}/answer"), &[("answer", "accept"), ("mentor", "999999")]).await?;
    assert_eq!(stranger.status(), 422);

    let chosen =
        priya.submit(&href, &format!("{href}/answer"), &[("answer", "accept"), ("mentor", &ama.to_string())]).await?;
    assert_eq!(location(&chosen), href);
    let started = mentoring::find_match(app.db(), NORTHFIELD, offer.id).await?.unwrap();
    assert_eq!((started.mentor_name.as_str(), started.status), ("Ama Boateng", MatchStatus::Active));
    // Answered, the other held places are free again, and Tom is not told of a match he is not in.
    let people = mentoring::participants(app.db(), NORTHFIELD, id).await?;
    let load = |who: i64| people.iter().find(|p| p.id == who).map(|p| p.load);
    assert_eq!((load(tom), load(ama), load(ben)), (Some(0), Some(1), Some(0)));
    assert_eq!(tom_browser.get(&href).await?.status(), 404);
    Ok(())
}

/// A mentee without an account chooses through the lead, who sees her shortlist and records her choice.
#[tokio::test]
async fn the_lead_records_the_choice_of_a_mentee_without_an_account() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in(LEAD).await?;
    let home = crate::mentoring::new_programme_with(&lead, &[("mentees_choose", "yes")]).await?;
    let id: i64 = home.rsplit('/').next().unwrap().parse()?;
    let programme = mentoring::programme(app.db(), NORTHFIELD, id).await?.unwrap();
    let by = Actor { organisation: NORTHFIELD, user: programme.lead, now_ms: kindling_web::now_ms() };
    mentoring::enrol(app.db(), by, id, &person(Side::Mentee, "P-2", "Dev Patel", None, &["qi"])).await?;
    mentoring::enrol(app.db(), by, id, &person(Side::Mentor, "M-1", "Rosa Lind", None, &["qi"])).await?;
    let other = mentoring::enrol(app.db(), by, id, &person(Side::Mentor, "M-2", "Sam Cole", None, &["audit"])).await?;
    let round = location(&lead.submit(&home, &format!("{home}/rounds"), &[]).await?);
    location(&lead.submit(&round, &format!("{round}/publish"), &[]).await?);
    let offer = mentoring::matches(app.db(), NORTHFIELD, id).await?.remove(0);
    assert_eq!(offer.mentor_name, "Rosa Lind", "the round's choice shares a goal");
    let href = format!("/mentoring/matches/{}", offer.id);
    let (_, page) = lead.get_text(&href).await?;
    assert!(page.contains("Dev Patel's shortlist") && page.contains("Which mentor did Dev Patel choose?"), "{page}");
    let recorded =
        lead.submit(&href, &format!("{href}/answer"), &[("answer", "accept"), ("mentor", &other.to_string())]).await?;
    assert_eq!(location(&recorded), href);
    let started = mentoring::find_match(app.db(), NORTHFIELD, offer.id).await?.unwrap();
    assert_eq!((started.mentor_name.as_str(), started.status), ("Sam Cole", MatchStatus::Active));
    Ok(())
}
