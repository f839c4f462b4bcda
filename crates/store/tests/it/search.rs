//! The search's visibility rule when the best matches are ones the reader may not see: the ranked
//! shortlist is all invisible, so the search must fall back to applying the rule to every match.

use kindling_domain::ids::{OrganisationId, UserId};
use kindling_domain::initiatives::Stage;
use kindling_store::initiatives;
use kindling_store::search::{self, Filters, Kind};
use kindling_testkit::{demo_db, now_ms};

use super::draft;

#[tokio::test]
async fn hidden_best_matches_do_not_hide_a_visible_one() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let db = &test_db.db;
    let (northfield, riverside) = (OrganisationId::new(1), OrganisationId::new(2));
    let submitter = super::user(db, "clinician@demo.kindling.test").await.id;
    let carer = super::user(db, "carer@riverside.demo.kindling.test").await;
    // Six Northfield initiatives whose titles repeat the word (ranked first), one Riverside one that
    // mentions it once (ranked last).
    for n in 0..6 {
        let mut d = draft(&format!("Zephyrine zephyrine zephyrine {n}"));
        d.problem = "zephyrine zephyrine".into();
        let mut tx = db.write().await?;
        initiatives::create_in(&mut tx, db, northfield, submitter, &d, Stage::Idea, now_ms()).await?;
        tx.commit().await?;
    }
    let mut mine = draft("Night checks");
    mine.problem = "one mention of zephyrine".into();
    let mut tx = db.write().await?;
    let own = initiatives::create_in(&mut tx, db, riverside, carer.id, &mine, Stage::Idea, now_ms()).await?;
    tx.commit().await?;

    let words = search::Wanted::parse("zephyrine");
    let reader = (riverside, carer.id);
    // A limit of one ranks a shortlist of four: all Northfield's, all hidden from a Riverside reader.
    let hits = search::search(db, reader, &words, &Filters::default(), 1).await?;
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].kind, hits[0].initiative), (Kind::Initiative, own.get()));
    let all = search::search(db, reader, &words, &Filters::default(), 50).await?;
    assert_eq!(all.len(), 1, "nothing of Northfield's");
    // Northfield's reader sees its six, best first, and not Riverside's.
    let northfield_reader = (northfield, UserId::new(submitter.get()));
    let theirs = search::search(db, northfield_reader, &words, &Filters::default(), 50).await?;
    assert_eq!(theirs.len(), 6);
    assert!(theirs.iter().all(|h| h.own_organisation));
    // Browsing by a filter with no words keeps to what the reader may see, newest first.
    let initiatives = Filters { kind: Some(Kind::Initiative), ..Filters::default() };
    let browsed = search::search(db, reader, &search::Wanted::default(), &initiatives, 50).await?;
    assert!(!browsed.is_empty() && browsed.iter().all(|h| h.own_organisation), "nothing of Northfield's");
    assert_eq!(browsed[0].initiative, own.get(), "the newest first");
    Ok(())
}
