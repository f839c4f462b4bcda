//! Challenges run in collaborative spaces: the challenge, its ideas with their supporters and
//! comments, the panel and its scores, and the initiative the best ideas become. Spaces are open to
//! the whole hub, so none of this is scoped by organisation; who may do what is the web layer's
//! check (members post, the space's facilitator runs the challenge, panel members score).

use crate::db::SingleRead;
use kindling_domain::challenges::{ChallengeDraft, IdeaDraft, Phase, Scoring};
use kindling_domain::ids::{InitiativeId, OrganisationId, UserId};
use kindling_domain::initiatives::{CivilDate, InitiativeDraft, Stage as InitiativeStage};
use kindling_domain::notifications::Kind as NotificationKind;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::notifications::{self, Notice};
use crate::{Actor, Db, StoreError, WriteTx, audit, initiatives};

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

#[derive(Clone, Debug, Serialize)]
pub struct Challenge {
    pub id: i64,
    pub space: i64,
    pub space_title: String,
    pub question: String,
    pub description: Option<String>,
    pub opens_on: CivilDate,
    pub closes_on: CivilDate,
    pub criteria: Vec<String>,
    pub phase: Phase,
    pub facilitator: UserId,
    pub facilitator_name: String,
    pub ideas: i64,
    pub created_ms: i64,
}

const CHALLENGES: &str = "SELECT c.*, s.title AS space_title, u.name AS facilitator_name,
        (SELECT COUNT(*) FROM challenge_ideas i WHERE i.challenge_id = c.id) AS ideas
    FROM challenges c JOIN spaces s ON s.id = c.space_id JOIN users u ON u.id = c.created_by";

fn date(r: &AnyRow, column: &str) -> Result<CivilDate, StoreError> {
    let raw: String = r.try_get(column)?;
    CivilDate::parse_iso(&raw).ok_or_else(|| corrupt(column, &raw))
}

fn challenge_from(r: &AnyRow) -> Result<Challenge, StoreError> {
    let criteria: String = r.try_get("criteria")?;
    let phase: String = r.try_get("phase")?;
    Ok(Challenge {
        id: r.try_get("id")?,
        space: r.try_get("space_id")?,
        space_title: r.try_get("space_title")?,
        question: r.try_get("question")?,
        description: r.try_get("description")?,
        opens_on: date(r, "opens_on")?,
        closes_on: date(r, "closes_on")?,
        criteria: serde_json::from_str(&criteria).map_err(|_| corrupt("criteria", &criteria))?,
        phase: phase.parse().map_err(|_| corrupt("phase", &phase))?,
        facilitator: UserId::new(r.try_get("created_by")?),
        facilitator_name: r.try_get("facilitator_name")?,
        ideas: r.try_get("ideas")?,
        created_ms: r.try_get("created_ms")?,
    })
}

/// A space's challenges, newest first.
pub async fn of_space(db: &Db, space: i64) -> Result<Vec<Challenge>, StoreError> {
    let sql = format!("{CHALLENGES} WHERE c.space_id = $1 ORDER BY c.created_ms DESC, c.id DESC");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(space).read_all(db).await?.iter().map(challenge_from).collect()
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Challenge>, StoreError> {
    let sql = format!("{CHALLENGES} WHERE c.id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).read_optional(db).await?.as_ref().map(challenge_from).transpose()
}

/// Opens a challenge in a space, run by the actor; the space's members are told.
pub async fn create(db: &Db, by: Actor, space: i64, draft: &ChallengeDraft) -> Result<i64, StoreError> {
    let criteria = serde_json::to_string(&draft.criteria).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut tx = db.write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO challenges (space_id, question, description, opens_on, closes_on, criteria, phase, created_by, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8) RETURNING id",
    )
    .bind(space)
    .bind(draft.question.clone())
    .bind(draft.description.clone())
    .bind(draft.opens_on.iso())
    .bind(draft.closes_on.iso())
    .bind(criteria)
    .bind(by.user.get())
    .bind(by.now_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let members: Vec<i64> = sqlx::query("SELECT user_id FROM space_members WHERE space_id = $1")
        .bind(space)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("user_id"))
        .collect::<Result<_, _>>()?;
    let summary = format!("A new challenge, open until {}: {}", draft.closes_on.long(), draft.question);
    let href = format!("/challenges/{id}");
    notifications::notify(&mut tx, &members, &Notice::of(by, NotificationKind::Mentoring, &summary, &href)).await?;
    audit::record(&mut tx, db.dialect(), by, "challenge.opened", format!("challenge:{id}"), draft.question.clone())
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Moves a challenge from one phase to the next; anything else has moved already (a conflict).
pub async fn set_phase(db: &Db, by: Actor, challenge: &Challenge, from: Phase, to: Phase) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let updated = sqlx::query("UPDATE challenges SET phase = $1 WHERE id = $2 AND phase = $3")
        .bind(to.slug())
        .bind(challenge.id)
        .bind(from.slug())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if updated == 0 {
        return Err(StoreError::Conflict(format!("This challenge is no longer {}", from.label().to_lowercase())));
    }
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "challenge.phase_changed",
        format!("challenge:{}", challenge.id),
        to.slug().to_owned(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Debug, Serialize)]
pub struct Idea {
    pub id: i64,
    pub challenge: i64,
    pub title: String,
    pub description: String,
    pub author: UserId,
    pub author_name: String,
    pub supporters: i64,
    pub comments: i64,
    pub shortlisted: bool,
    pub initiative: Option<InitiativeId>,
    pub created_ms: i64,
}

const IDEAS: &str = "SELECT i.*, u.name AS author_name,
        (SELECT COUNT(*) FROM challenge_supports s WHERE s.idea_id = i.id) AS supporters,
        (SELECT COUNT(*) FROM challenge_comments c WHERE c.idea_id = i.id) AS comments
    FROM challenge_ideas i JOIN users u ON u.id = i.author_id";

fn idea_from(r: &AnyRow) -> Result<Idea, StoreError> {
    Ok(Idea {
        id: r.try_get("id")?,
        challenge: r.try_get("challenge_id")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        author: UserId::new(r.try_get("author_id")?),
        author_name: r.try_get("author_name")?,
        supporters: r.try_get("supporters")?,
        comments: r.try_get("comments")?,
        shortlisted: r.try_get::<Option<i64>, _>("shortlisted_ms")?.is_some(),
        initiative: r.try_get::<Option<i64>, _>("initiative_id")?.map(InitiativeId::new),
        created_ms: r.try_get("created_ms")?,
    })
}

/// A challenge's ideas, most supported first.
pub async fn ideas(db: &Db, challenge: i64) -> Result<Vec<Idea>, StoreError> {
    let sql = format!("{IDEAS} WHERE i.challenge_id = $1 ORDER BY supporters DESC, i.id");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(challenge).read_all(db).await?.iter().map(idea_from).collect()
}

pub async fn idea(db: &Db, id: i64) -> Result<Option<Idea>, StoreError> {
    let sql = format!("{IDEAS} WHERE i.id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).read_optional(db).await?.as_ref().map(idea_from).transpose()
}

pub async fn post_idea(db: &Db, by: Actor, challenge: &Challenge, draft: &IdeaDraft) -> Result<i64, StoreError> {
    let mut tx = db.write().await?;
    // Checked again here, in the writing transaction: the facilitator may have closed it meanwhile.
    let open = sqlx::query("SELECT 1 AS x FROM challenges WHERE id = $1 AND phase = 'open'")
        .bind(challenge.id)
        .fetch_optional(&mut *tx)
        .await?;
    if open.is_none() {
        return Err(StoreError::Conflict("This challenge has closed to new ideas".into()));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO challenge_ideas (challenge_id, author_id, title, description, created_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(challenge.id)
    .bind(by.user.get())
    .bind(draft.title.clone())
    .bind(draft.description.clone())
    .bind(by.now_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "challenge.idea_posted",
        format!("challenge_idea:{id}"),
        draft.title.clone(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Whether this person supports the idea.
pub async fn supports(db: &Db, idea: i64, user: UserId) -> Result<bool, StoreError> {
    Ok(sqlx::query("SELECT 1 AS x FROM challenge_supports WHERE idea_id = $1 AND user_id = $2")
        .bind(idea)
        .bind(user.get())
        .read_optional(db)
        .await?
        .is_some())
}

/// Adds or takes back the actor's support (one per person per idea).
pub async fn set_support(db: &Db, by: Actor, idea: i64, support: bool) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("DELETE FROM challenge_supports WHERE idea_id = $1 AND user_id = $2")
        .bind(idea)
        .bind(by.user.get())
        .execute(&mut *tx)
        .await?;
    if support {
        sqlx::query("INSERT INTO challenge_supports (idea_id, user_id, created_ms) VALUES ($1, $2, $3)")
            .bind(idea)
            .bind(by.user.get())
            .bind(by.now_ms)
            .execute(&mut *tx)
            .await?;
    }
    let action = if support { "challenge.idea_supported" } else { "challenge.support_withdrawn" };
    audit::record(&mut tx, db.dialect(), by, action, format!("challenge_idea:{idea}"), String::new()).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Debug, Serialize)]
pub struct Comment {
    pub author: String,
    pub body: String,
    pub created_ms: i64,
}

pub async fn comments(db: &Db, idea: i64) -> Result<Vec<Comment>, StoreError> {
    sqlx::query(
        "SELECT c.body, c.created_ms, u.name FROM challenge_comments c JOIN users u ON u.id = c.author_id
         WHERE c.idea_id = $1 ORDER BY c.id",
    )
    .bind(idea)
    .read_all(db)
    .await?
    .iter()
    .map(|r| Ok(Comment { author: r.try_get("name")?, body: r.try_get("body")?, created_ms: r.try_get("created_ms")? }))
    .collect()
}

/// Adds a comment and tells the idea's author.
pub async fn comment(db: &Db, by: Actor, idea: &Idea, body: &str) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("INSERT INTO challenge_comments (idea_id, author_id, body, created_ms) VALUES ($1, $2, $3, $4)")
        .bind(idea.id)
        .bind(by.user.get())
        .bind(body.to_owned())
        .bind(by.now_ms)
        .execute(&mut *tx)
        .await?;
    let summary = format!("A new comment on your idea: {}", idea.title);
    let href = format!("/challenges/{}/ideas/{}", idea.challenge, idea.id);
    notifications::notify(&mut tx, &[idea.author.get()], &Notice::of(by, NotificationKind::Mentoring, &summary, &href))
        .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "challenge.commented",
        format!("challenge_idea:{}", idea.id),
        String::new(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Puts an idea on the shortlist the panel scores, or takes it off.
pub async fn set_shortlisted(db: &Db, by: Actor, idea: i64, shortlisted: bool) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("UPDATE challenge_ideas SET shortlisted_ms = $1 WHERE id = $2")
        .bind(shortlisted.then_some(by.now_ms))
        .bind(idea)
        .execute(&mut *tx)
        .await?;
    let action = if shortlisted { "challenge.idea_shortlisted" } else { "challenge.idea_unlisted" };
    audit::record(&mut tx, db.dialect(), by, action, format!("challenge_idea:{idea}"), String::new()).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Debug, Serialize)]
pub struct Judge {
    pub user: UserId,
    pub name: String,
}

pub async fn panel(db: &Db, challenge: i64) -> Result<Vec<Judge>, StoreError> {
    sqlx::query(
        "SELECT u.id, u.name FROM challenge_panel p JOIN users u ON u.id = p.user_id WHERE p.challenge_id = $1 ORDER BY u.name",
    )
    .bind(challenge)
    .read_all(db)
    .await?
    .iter()
    .map(|r| Ok(Judge { user: UserId::new(r.try_get("id")?), name: r.try_get("name")? }))
    .collect()
}

/// Names a member of the space to the panel (naming them twice changes nothing) and tells them.
pub async fn add_judge(db: &Db, by: Actor, challenge: &Challenge, judge: UserId) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let already = sqlx::query("SELECT 1 AS x FROM challenge_panel WHERE challenge_id = $1 AND user_id = $2")
        .bind(challenge.id)
        .bind(judge.get())
        .fetch_optional(&mut *tx)
        .await?;
    if already.is_none() {
        sqlx::query("INSERT INTO challenge_panel (challenge_id, user_id) VALUES ($1, $2)")
            .bind(challenge.id)
            .bind(judge.get())
            .execute(&mut *tx)
            .await?;
        let summary = format!("You are on the panel for the challenge: {}", challenge.question);
        let href = format!("/challenges/{}", challenge.id);
        notifications::notify(&mut tx, &[judge.get()], &Notice::of(by, NotificationKind::Mentoring, &summary, &href))
            .await?;
        audit::record(
            &mut tx,
            db.dialect(),
            by,
            "challenge.judge_added",
            format!("challenge:{}", challenge.id),
            format!("user {}", judge.get()),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Every score given in a challenge, by judge and idea.
pub async fn scorings(db: &Db, challenge: i64) -> Result<Vec<Scoring>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.idea_id, s.judge_id, s.criterion, s.score FROM challenge_scores s
         JOIN challenge_ideas i ON i.id = s.idea_id WHERE i.challenge_id = $1
         ORDER BY s.idea_id, s.judge_id, s.criterion",
    )
    .bind(challenge)
    .read_all(db)
    .await?;
    let mut out: Vec<Scoring> = Vec::new();
    for r in &rows {
        let (idea, judge): (i64, i64) = (r.try_get("idea_id")?, r.try_get("judge_id")?);
        let score = u8::try_from(r.try_get::<i64, _>("score")?).map_err(|_| corrupt("score", "out of range"))?;
        match out.last_mut() {
            Some(last) if last.idea == idea && last.judge == judge => last.scores.push(score),
            _ => out.push(Scoring { idea, judge, scores: vec![score] }),
        }
    }
    Ok(out)
}

/// Records (or replaces) one judge's scores for an idea, one per criterion.
pub async fn score(db: &Db, by: Actor, idea: i64, scores: &[u8]) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("DELETE FROM challenge_scores WHERE idea_id = $1 AND judge_id = $2")
        .bind(idea)
        .bind(by.user.get())
        .execute(&mut *tx)
        .await?;
    for (criterion, value) in scores.iter().enumerate() {
        sqlx::query(
            "INSERT INTO challenge_scores (idea_id, judge_id, criterion, score, scored_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(idea)
        .bind(by.user.get())
        .bind(criterion as i64)
        .bind(i64::from(*value))
        .bind(by.now_ms)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "challenge.idea_scored",
        format!("challenge_idea:{idea}"),
        format!("{scores:?}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The organisation a person belongs to first (their home organisation).
async fn home_organisation(tx: &mut WriteTx, user: UserId) -> Result<OrganisationId, StoreError> {
    let row =
        sqlx::query("SELECT organisation_id FROM memberships WHERE user_id = $1 ORDER BY organisation_id LIMIT 1")
            .bind(user.get())
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::Conflict("The idea's author no longer belongs to an organisation".into()))?;
    Ok(OrganisationId::new(row.try_get("organisation_id")?))
}

/// Makes an idea an initiative of its author's organisation, with the author as its submitter,
/// linked to the space; the initiative's first comment is the idea's history in the challenge.
pub async fn start_initiative(
    db: &Db,
    by: Actor,
    challenge: &Challenge,
    idea: &Idea,
    draft: &InitiativeDraft,
    history: &str,
) -> Result<InitiativeId, StoreError> {
    let mut tx = db.write().await?;
    let taken = sqlx::query("SELECT initiative_id FROM challenge_ideas WHERE id = $1")
        .bind(idea.id)
        .fetch_one(&mut *tx)
        .await?
        .try_get::<Option<i64>, _>("initiative_id")?;
    if taken.is_some() {
        return Err(StoreError::Conflict("This idea is an initiative already".into()));
    }
    let organisation = home_organisation(&mut tx, idea.author).await?;
    let id =
        initiatives::create_in(&mut tx, db, organisation, idea.author, draft, InitiativeStage::Idea, by.now_ms).await?;
    sqlx::query("UPDATE challenge_ideas SET initiative_id = $1 WHERE id = $2")
        .bind(id.get())
        .bind(idea.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO space_initiatives (space_id, initiative_id) VALUES ($1, $2)")
        .bind(challenge.space)
        .bind(id.get())
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO comments (initiative_id, author_id, body, at_ms) VALUES ($1, $2, $3, $4)")
        .bind(id.get())
        .bind(by.user.get())
        .bind(history.to_owned())
        .bind(by.now_ms)
        .execute(&mut *tx)
        .await?;
    let summary = format!("Your idea is now an initiative: {}", idea.title);
    notifications::notify(
        &mut tx,
        &[idea.author.get()],
        &Notice::of(by, NotificationKind::Decision, &summary, &format!("/initiatives/{id}")),
    )
    .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "challenge.idea_became_initiative",
        format!("challenge_idea:{}", idea.id),
        format!("initiative {}", id.get()),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The challenge idea an initiative came from, if any: (challenge, idea, question).
pub async fn of_initiative(db: &Db, initiative: InitiativeId) -> Result<Option<(i64, i64, String)>, StoreError> {
    sqlx::query(
        "SELECT c.id AS challenge_id, i.id AS idea_id, c.question FROM challenge_ideas i
         JOIN challenges c ON c.id = i.challenge_id WHERE i.initiative_id = $1",
    )
    .bind(initiative.get())
    .read_optional(db)
    .await?
    .map(|r| Ok((r.try_get("challenge_id")?, r.try_get("idea_id")?, r.try_get("question")?)))
    .transpose()
}
