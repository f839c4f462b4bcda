//! Mentorship programmes: programmes and their settings, participants (enrolled one by one or from a
//! file, all or nothing), matching rounds with every participant's entry, published matches and the
//! relationships that follow, and the HR and incident imports the outcomes are judged against.
//!
//! A programme belongs to one organisation; every read and write here is scoped by it.

pub mod applications;

use crate::db::SingleRead;
use std::collections::BTreeSet;

use kindling_domain::ids::{OrganisationId, UserId};
use kindling_domain::initiatives::CivilDate;
use kindling_domain::mentoring::applications::TrainingRecord;
use kindling_domain::mentoring::imports::{HrMonth, UnitMonth};
use kindling_domain::mentoring::outcomes::{Facts, MatchFact, ParticipantFact};
use kindling_domain::mentoring::{
    MatchStatus, Objective, ParticipantDraft, ProgrammeDraft, Roster, RoundStatus, SessionDraft, SessionMode, Settings,
    Side,
};
use kindling_domain::notifications::Kind as NotificationKind;
use kindling_domain::people::Role;
use kindling_matching::profiles::{Profile, Track};
use kindling_matching::round::Certificate;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::notifications::{self, Notice};
use crate::{Actor, Db, StoreError, WriteTx, audit};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

fn parse<T: std::str::FromStr>(r: &AnyRow, column: &str) -> Result<T, StoreError> {
    let raw: String = r.try_get(column)?;
    raw.parse().map_err(|_| corrupt(column, &raw))
}

/// Runs a query with two integer parameters (the organisation, then an id) and reads every row.
async fn all_of<T>(
    db: &Db,
    sql: String,
    a: i64,
    b: i64,
    read: fn(&AnyRow) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(a).bind(b).read_all(db).await?.iter().map(read).collect()
}

/// [`all_of`] for at most one row.
async fn one_of<T>(
    db: &Db,
    sql: String,
    a: i64,
    b: i64,
    read: fn(&AnyRow) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(a).bind(b).read_optional(db).await?.as_ref().map(read).transpose()
}

#[derive(Clone, Debug, Serialize)]
pub struct Programme {
    pub id: i64,
    pub name: String,
    pub objective: Objective,
    pub settings: Settings,
    pub lead: UserId,
    pub lead_name: String,
    pub mentees: i64,
    pub mentors: i64,
    pub active: i64,
    pub created_ms: i64,
}

impl Programme {
    /// Whether someone with these roles runs the programme: its lead, or an administrator.
    pub fn is_led_by(&self, user: UserId, roles: &[Role]) -> bool {
        self.lead == user || roles.contains(&Role::Admin)
    }

    pub fn draft(&self) -> ProgrammeDraft {
        ProgrammeDraft { name: self.name.clone(), objective: self.objective, settings: self.settings.clone() }
    }
}

const PROGRAMMES: &str = "SELECT p.*, u.name AS lead_name,
        (SELECT COUNT(*) FROM participants x WHERE x.programme_id = p.id AND x.side = 'mentee') AS mentees,
        (SELECT COUNT(*) FROM participants x WHERE x.programme_id = p.id AND x.side = 'mentor') AS mentors,
        (SELECT COUNT(*) FROM mentoring_matches m WHERE m.programme_id = p.id AND m.status = 'active') AS active
    FROM programmes p JOIN users u ON u.id = p.lead_id";

fn programme_from(r: &AnyRow) -> Result<Programme, StoreError> {
    let settings: String = r.try_get("settings")?;
    Ok(Programme {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        objective: parse(r, "objective")?,
        settings: serde_json::from_str(&settings)
            .map_err(|e| StoreError::Corrupt(format!("programme settings: {e}")))?,
        lead: UserId::new(r.try_get("lead_id")?),
        lead_name: r.try_get("lead_name")?,
        mentees: r.try_get("mentees")?,
        mentors: r.try_get("mentors")?,
        active: r.try_get("active")?,
        created_ms: r.try_get("created_ms")?,
    })
}

pub async fn programmes(db: &Db, organisation: OrganisationId) -> Result<Vec<Programme>, StoreError> {
    let sql = format!("{PROGRAMMES} WHERE p.organisation_id = $1 ORDER BY p.name, p.id");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(organisation.get())
        .read_all(db)
        .await?
        .iter()
        .map(programme_from)
        .collect()
}

pub async fn programme(db: &Db, organisation: OrganisationId, id: i64) -> Result<Option<Programme>, StoreError> {
    let sql = format!("{PROGRAMMES} WHERE p.organisation_id = $1 AND p.id = $2");
    one_of(db, sql, organisation.get(), id, programme_from).await
}

fn settings_json(draft: &ProgrammeDraft) -> Result<String, StoreError> {
    serde_json::to_string(&draft.settings).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Creates a programme led by the actor.
pub async fn create_programme(db: &Db, by: Actor, draft: &ProgrammeDraft) -> Result<i64, StoreError> {
    let mut tx = db.write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO programmes (organisation_id, name, objective, settings, lead_id, created_ms, updated_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(by.organisation.get())
    .bind(draft.name.clone())
    .bind(draft.objective.slug())
    .bind(settings_json(draft)?)
    .bind(by.user.get())
    .bind(by.now_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.programme_created",
        format!("programme:{id}"),
        draft.name.clone(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_programme(db: &Db, by: Actor, id: i64, draft: &ProgrammeDraft) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("UPDATE programmes SET name = $1, objective = $2, settings = $3, updated_ms = $4 WHERE id = $5 AND organisation_id = $6")
        .bind(draft.name.clone())
        .bind(draft.objective.slug())
        .bind(settings_json(draft)?)
        .bind(by.now_ms)
        .bind(id)
        .bind(by.organisation.get())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.programme_updated",
        format!("programme:{id}"),
        draft.name.clone(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A participant, with how many mentees a mentor has offered or active, and a mentee's current match.
#[derive(Clone, Debug, Serialize)]
pub struct Participant {
    pub id: i64,
    pub side: Side,
    pub reference: String,
    pub name: String,
    pub email: Option<String>,
    pub user: Option<UserId>,
    pub profession: String,
    pub grade: u8,
    pub site: String,
    pub unit: String,
    pub tags: Vec<String>,
    pub learning_style: String,
    pub availability: Vec<String>,
    pub capacity: u32,
    pub line_manager: String,
    pub reverse: bool,
    pub trained_ms: Option<i64>,
    pub training: Option<String>,
    /// What shows the training was done: a certificate number, a link to the learning record.
    pub training_evidence: Option<String>,
    /// Mentors: paused since then (no new mentees; current pairs carry on).
    pub paused_ms: Option<i64>,
    pub enrolled_ms: i64,
    /// Mentors: mentees offered or active.
    pub load: u32,
    /// Mentees: returned to the pool by the lead then, after a relationship closed.
    pub rematch_ms: Option<i64>,
    /// Mentees: the match that takes them out of the pool (offered, active, or closed unless the lead
    /// has returned them to the pool since), if any.
    pub current_match: Option<i64>,
}

impl Participant {
    pub fn profile(&self) -> Profile {
        Profile {
            id: self.reference.clone(),
            profession: self.profession.clone(),
            grade: self.grade,
            site: self.site.clone(),
            tags: self.tags.iter().cloned().collect(),
            learning_style: self.learning_style.clone(),
            availability: self.availability.iter().cloned().collect(),
            line_manager: (!self.line_manager.is_empty()).then(|| self.line_manager.clone()),
            track: if self.reverse { Track::Reverse } else { Track::Standard },
            capacity: self.capacity.saturating_sub(self.load),
        }
    }
}

/// The places a mentor `p` has taken: mentees offered or active, and the places held for mentees who
/// are choosing from a shortlist that names them (until the mentee answers).
macro_rules! taken_places {
    () => {
        "((SELECT COUNT(*) FROM mentoring_matches m WHERE m.mentor_id = p.id AND m.status IN ('offered', 'active'))
        + (SELECT COUNT(*) FROM round_choices c JOIN mentoring_matches m
            ON m.round_id = c.round_id AND m.mentee_id = c.participant_id AND m.status = 'offered'
            WHERE c.mentor_id = p.id))"
    };
}

const PARTICIPANTS: &str = concat!(
    "SELECT p.*, ",
    taken_places!(),
    " AS load,
        (SELECT MAX(m.id) FROM mentoring_matches m WHERE m.mentee_id = p.id AND m.status IN ('offered', 'active', 'closed')
            AND NOT (m.status = 'closed' AND p.rematch_ms IS NOT NULL AND m.closed_ms <= p.rematch_ms)) AS current_match
    FROM participants p JOIN programmes g ON g.id = p.programme_id"
);

fn list(raw: &str) -> Vec<String> {
    raw.split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

fn participant_from(r: &AnyRow) -> Result<Participant, StoreError> {
    Ok(Participant {
        id: r.try_get("id")?,
        side: parse(r, "side")?,
        reference: r.try_get("reference")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        user: r.try_get::<Option<i64>, _>("user_id")?.map(UserId::new),
        profession: r.try_get("profession")?,
        grade: u8::try_from(r.try_get::<i64, _>("grade")?).map_err(|_| corrupt("grade", "out of range"))?,
        site: r.try_get("site")?,
        unit: r.try_get("unit")?,
        tags: list(&r.try_get::<String, _>("tags")?),
        learning_style: r.try_get("learning_style")?,
        availability: list(&r.try_get::<String, _>("availability")?),
        capacity: u32::try_from(r.try_get::<i64, _>("capacity")?).map_err(|_| corrupt("capacity", "out of range"))?,
        line_manager: r.try_get("line_manager")?,
        reverse: r.try_get::<i64, _>("reverse")? == 1,
        trained_ms: r.try_get("trained_ms")?,
        training: r.try_get("training")?,
        training_evidence: r.try_get("training_evidence")?,
        paused_ms: r.try_get("paused_ms")?,
        rematch_ms: r.try_get("rematch_ms")?,
        enrolled_ms: r.try_get("enrolled_ms")?,
        load: u32::try_from(r.try_get::<i64, _>("load")?).unwrap_or(0),
        current_match: r.try_get("current_match")?,
    })
}

/// A programme's participants, mentees first, by name.
pub async fn participants(
    db: &Db,
    organisation: OrganisationId,
    programme: i64,
) -> Result<Vec<Participant>, StoreError> {
    let sql = format!(
        "{PARTICIPANTS} WHERE g.organisation_id = $1 AND p.programme_id = $2 ORDER BY p.side DESC, p.name, p.id"
    );
    all_of(db, sql, organisation.get(), programme, participant_from).await
}

pub async fn participant(
    db: &Db,
    organisation: OrganisationId,
    id: i64,
) -> Result<Option<(i64, Participant)>, StoreError> {
    let sql = format!("{PARTICIPANTS} WHERE g.organisation_id = $1 AND p.id = $2");
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(organisation.get()).bind(id).read_optional(db).await?
    else {
        return Ok(None);
    };
    Ok(Some((row.try_get("programme_id")?, participant_from(&row)?)))
}

/// Everyone enrolled in the programme, for checking a newcomer or a file before it is stored.
pub async fn roster(db: &Db, programme: i64) -> Result<Roster, StoreError> {
    let mut roster = Roster::default();
    let rows = sqlx::query("SELECT side, reference, email FROM participants WHERE programme_id = $1")
        .bind(programme)
        .read_all(db)
        .await?;
    for r in &rows {
        let side: Side = parse(r, "side")?;
        roster.add(side, &r.try_get::<String, _>("reference")?, r.try_get::<Option<String>, _>("email")?.as_deref());
    }
    Ok(roster)
}

async fn insert_participant(
    tx: &mut WriteTx,
    by: Actor,
    programme: i64,
    p: &ParticipantDraft,
) -> Result<i64, StoreError> {
    let taken = sqlx::query("SELECT 1 AS x FROM participants WHERE programme_id = $1 AND side = $2 AND reference = $3")
        .bind(programme)
        .bind(p.side.slug())
        .bind(p.reference.clone())
        .fetch_optional(&mut **tx)
        .await?;
    if taken.is_some() {
        return Err(StoreError::Conflict(format!("{} {} is already enrolled", p.side.label(), p.reference)));
    }
    // Link the account with the same email in this organisation, so the person is told and can answer.
    let user: Option<i64> = match &p.email {
        Some(email) => sqlx::query(
            "SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id WHERE lower(u.email) = lower($1) AND m.organisation_id = $2",
        )
        .bind(email.clone())
        .bind(by.organisation.get())
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get("id"))
        .transpose()?,
        None => None,
    };
    let join = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(",");
    let id: i64 = sqlx::query(
        "INSERT INTO participants (programme_id, side, reference, name, email, user_id, profession, grade, site, unit, tags,
            learning_style, availability, capacity, line_manager, reverse, enrolled_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
    )
    .bind(programme)
    .bind(p.side.slug())
    .bind(p.reference.clone())
    .bind(p.name.clone())
    .bind(p.email.clone())
    .bind(user)
    .bind(p.profession.clone())
    .bind(i64::from(p.grade))
    .bind(p.site.clone())
    .bind(p.unit.clone())
    .bind(join(&p.tags))
    .bind(p.learning_style.clone())
    .bind(join(&p.availability))
    .bind(i64::from(p.capacity))
    .bind(p.line_manager.clone())
    .bind(i64::from(p.reverse))
    .bind(by.now_ms)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    Ok(id)
}

/// What inviting a participant to Kindling did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParticipantInvited {
    /// A new account: the token of its one-time link, to send by email to `email` (normalised).
    New { token: String, email: String },
    /// They had an account on the hub already (now a member of this organisation too): linked, and
    /// they sign in as before.
    Linked,
}

/// Invites a participant who has an email address and no account to Kindling, as a mentee or mentor
/// of the organisation (through the same invitation as an administrator's), and links each of their
/// enrolments in the organisation with that email to the account, in one transaction, so that they are
/// told about their matches and answer them themselves. `None` if they have no email address or are
/// linked already.
pub async fn invite_participant(
    db: &Db,
    by: Actor,
    participant: &Participant,
) -> Result<Option<ParticipantInvited>, StoreError> {
    let (Some(raw), None) = (&participant.email, participant.user) else { return Ok(None) };
    let email = kindling_domain::people::Email::parse(raw)
        .map_err(|_| StoreError::Corrupt(format!("participant {} email {raw:?}", participant.id)))?;
    let mut tx = db.write().await?;
    let invitee = crate::people::Invitee {
        email: email.clone(),
        name: participant.name.clone(),
        profession: kindling_domain::mentoring::account_profession(&participant.profession),
        roles: vec![match participant.side {
            Side::Mentee => Role::Mentee,
            Side::Mentor => Role::Mentor,
        }],
        site: None,
    };
    let outcome = match crate::people::invite_in(&mut tx, db, by, &invitee).await {
        Ok(crate::people::Invited::New { token, .. }) => {
            ParticipantInvited::New { token, email: email.as_str().to_owned() }
        }
        Ok(crate::people::Invited::Joined { .. }) => ParticipantInvited::Linked,
        // A member already (enrolled before their account was made): nothing was written; link them.
        Err(StoreError::Conflict(_)) => ParticipantInvited::Linked,
        Err(other) => return Err(other),
    };
    sqlx::query(
        "UPDATE participants SET user_id = (SELECT id FROM users WHERE email = $1)
         WHERE user_id IS NULL AND lower(email) = $1
           AND programme_id IN (SELECT id FROM programmes WHERE organisation_id = $2)",
    )
    .bind(email.as_str().to_owned())
    .bind(by.organisation.get())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.participant_invited",
        format!("participant:{}", participant.id),
        format!("{} invited to Kindling", participant.name),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(outcome))
}

/// Enrols one participant; a reference already enrolled on that side is a conflict.
pub async fn enrol(db: &Db, by: Actor, programme: i64, p: &ParticipantDraft) -> Result<i64, StoreError> {
    let mut tx = db.write().await?;
    let id = insert_participant(&mut tx, by, programme, p).await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.participant_enrolled",
        format!("participant:{id}"),
        format!("{} {} in programme {programme}", p.side.label(), p.reference),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Enrols every participant of a checked file in one transaction: all of them or none.
pub async fn import(db: &Db, by: Actor, programme: i64, people: &[ParticipantDraft]) -> Result<usize, StoreError> {
    let mut tx = db.write().await?;
    for p in people {
        insert_participant(&mut tx, by, programme, p).await?;
    }
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.participants_imported",
        format!("programme:{programme}"),
        format!("{} participants from a file", people.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(people.len())
}

/// Records a mentor's training: the course, the day it was completed and its evidence (which makes
/// them matchable where the programme requires training).
pub async fn record_training(
    db: &Db,
    by: Actor,
    participant: i64,
    training: &TrainingRecord,
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("UPDATE participants SET trained_ms = $1, training = $2, training_evidence = $3 WHERE id = $4")
        .bind(training.completed.unix_ms())
        .bind(training.course.clone())
        .bind(training.evidence.clone())
        .bind(participant)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.training_recorded",
        format!("participant:{participant}"),
        format!("{} on {} ({})", training.course, training.completed.iso(), training.evidence),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a mentor's capacity; refused (nothing changed) if it is now below their load.
pub async fn set_capacity(db: &Db, by: Actor, participant: i64, capacity: u32) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let load: i64 = sqlx::query(concat!("SELECT ", taken_places!(), " AS n FROM participants p WHERE p.id = $1"))
        .bind(participant)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
    if i64::from(capacity) < load {
        return Err(StoreError::Conflict(format!(
            "This mentor already has {load} places taken (mentees offered or active, and places held for mentees choosing their mentor)"
        )));
    }
    sqlx::query("UPDATE participants SET capacity = $1 WHERE id = $2")
        .bind(i64::from(capacity))
        .bind(participant)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.capacity_changed",
        format!("participant:{participant}"),
        format!("capacity {capacity}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Returns a mentee whose relationship has closed to the pool: the next round may offer them a new
/// mentor (never the one they had). Refused unless their current match is closed.
pub async fn return_to_pool(db: &Db, by: Actor, participant: &Participant) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let closed = match participant.current_match {
        Some(id) => sqlx::query("SELECT 1 AS x FROM mentoring_matches WHERE id = $1 AND status = 'closed'")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some(),
        None => false,
    };
    if participant.side != Side::Mentee || !closed {
        return Err(StoreError::Conflict("Only a mentee whose relationship has closed can be matched again".into()));
    }
    sqlx::query("UPDATE participants SET rematch_ms = $1 WHERE id = $2")
        .bind(by.now_ms)
        .bind(participant.id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.returned_to_pool",
        format!("participant:{}", participant.id),
        String::new(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Pauses a mentor (no new mentees; their current pairs carry on) or resumes them.
pub async fn set_paused(db: &Db, by: Actor, participant: i64, paused: bool) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("UPDATE participants SET paused_ms = $1 WHERE id = $2 AND side = 'mentor'")
        .bind(paused.then_some(by.now_ms))
        .bind(participant)
        .execute(&mut *tx)
        .await?;
    let (action, summary) =
        if paused { ("mentoring.mentor_paused", "paused") } else { ("mentoring.mentor_resumed", "resumed") };
    audit::record(&mut tx, db.dialect(), by, action, format!("participant:{participant}"), summary.to_owned()).await?;
    tx.commit().await?;
    Ok(())
}

/// A relationship with what its lead needs to judge it: when the pair last met and how often.
#[derive(Clone, Debug, Serialize)]
pub struct Pair {
    #[serde(flatten)]
    pub relationship: Match,
    /// The date (ISO) of the latest session held.
    pub last_held: Option<String>,
    pub sessions: i64,
}

/// Every relationship of a programme, oldest offer first.
pub async fn pairs(db: &Db, organisation: OrganisationId, programme: i64) -> Result<Vec<Pair>, StoreError> {
    let sql = format!(
        "SELECT x.*, (SELECT MAX(s.held_on) FROM mentoring_sessions s WHERE s.match_id = x.id) AS last_held,
            (SELECT COUNT(*) FROM mentoring_sessions s WHERE s.match_id = x.id) AS session_count
         FROM ({MATCHES} WHERE g.organisation_id = $1 AND m.programme_id = $2) x ORDER BY x.id"
    );
    all_of(db, sql, organisation.get(), programme, |r| {
        Ok(Pair {
            relationship: match_from(r)?,
            last_held: r.try_get("last_held")?,
            sessions: r.try_get("session_count")?,
        })
    })
    .await
}

/// A round's header.
#[derive(Clone, Debug, Serialize)]
pub struct RoundRecord {
    pub id: i64,
    pub programme: i64,
    pub status: RoundStatus,
    pub must_pair: Vec<(String, String)>,
    pub must_not_pair: Vec<(String, String)>,
    pub mentees: i64,
    pub mentors: i64,
    pub matched: i64,
    pub total_score: i64,
    pub elapsed_ms: i64,
    pub certificate: Certificate,
    pub run_by: String,
    pub run_ms: i64,
    pub published_ms: Option<i64>,
}

fn pairs_json(raw: &str) -> Result<Vec<(String, String)>, StoreError> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("round overrides: {e}")))
}

fn round_from(r: &AnyRow) -> Result<RoundRecord, StoreError> {
    let certificate: String = r.try_get("certificate")?;
    Ok(RoundRecord {
        id: r.try_get("id")?,
        programme: r.try_get("programme_id")?,
        status: parse(r, "status")?,
        must_pair: pairs_json(&r.try_get::<String, _>("must_pair")?)?,
        must_not_pair: pairs_json(&r.try_get::<String, _>("must_not_pair")?)?,
        mentees: r.try_get("mentees")?,
        mentors: r.try_get("mentors")?,
        matched: r.try_get("matched")?,
        total_score: r.try_get("total_score")?,
        elapsed_ms: r.try_get("elapsed_ms")?,
        certificate: serde_json::from_str(&certificate)
            .map_err(|e| StoreError::Corrupt(format!("certificate: {e}")))?,
        run_by: r.try_get("run_by_name")?,
        run_ms: r.try_get("run_ms")?,
        published_ms: r.try_get("published_ms")?,
    })
}

const ROUNDS: &str = "SELECT r.*, u.name AS run_by_name FROM matching_rounds r JOIN users u ON u.id = r.run_by
    JOIN programmes g ON g.id = r.programme_id";

pub async fn rounds(db: &Db, organisation: OrganisationId, programme: i64) -> Result<Vec<RoundRecord>, StoreError> {
    let sql = format!("{ROUNDS} WHERE g.organisation_id = $1 AND r.programme_id = $2 ORDER BY r.id DESC");
    all_of(db, sql, organisation.get(), programme, round_from).await
}

pub async fn round(db: &Db, organisation: OrganisationId, id: i64) -> Result<Option<RoundRecord>, StoreError> {
    let sql = format!("{ROUNDS} WHERE g.organisation_id = $1 AND r.id = $2");
    one_of(db, sql, organisation.get(), id, round_from).await
}

/// One participant's place in a round: for a mentee, the mentor proposed (if any); for a mentor, the
/// places offered this round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub participant: i64,
    pub mentor: Option<i64>,
    pub score: Option<i64>,
    pub fixed: bool,
    pub places: u32,
    /// The mentee's value or the mentor's price in the optimality proof.
    pub dual: i64,
}

/// A mentor a mentee may choose instead of the round's, in a programme where mentees choose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Alternative {
    pub mentee: i64,
    pub mentor: i64,
    pub score: i64,
    /// The reduced cost from the round's duals: at least what the programme's total score loses.
    pub cost: i64,
}

/// What a solved round stores.
#[derive(Clone, Debug)]
pub struct NewRound {
    pub must_pair: Vec<(String, String)>,
    pub must_not_pair: Vec<(String, String)>,
    pub mentees: usize,
    pub mentors: usize,
    pub elapsed_ms: i64,
    pub certificate: Certificate,
    pub entries: Vec<Entry>,
    /// Empty unless the programme lets mentees choose.
    pub alternatives: Vec<Alternative>,
}

/// Rows per multi-row INSERT: few round trips, well under PostgreSQL's limit on parameters.
const ENTRY_BATCH: usize = 500;

/// A multi-row `INSERT INTO {into} VALUES ($1, …), …` of `rows` rows of `columns` parameters each.
fn insert_rows(into: &str, rows: usize, columns: usize) -> String {
    let row = |r: usize| {
        let params: Vec<String> = (1..=columns).map(|c| format!("${}", r * columns + c)).collect();
        format!("({})", params.join(", "))
    };
    let values: Vec<String> = (0..rows).map(row).collect();
    format!("INSERT INTO {into} VALUES {}", values.join(", "))
}

/// Stores a proposed round (earlier proposals of the programme are superseded).
pub async fn save_round(db: &Db, by: Actor, programme: i64, round: &NewRound) -> Result<i64, StoreError> {
    let json = |v: &Vec<(String, String)>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    let mut tx = db.write().await?;
    sqlx::query("UPDATE matching_rounds SET status = 'superseded' WHERE programme_id = $1 AND status = 'proposed'")
        .bind(programme)
        .execute(&mut *tx)
        .await?;
    let id: i64 = sqlx::query(
        "INSERT INTO matching_rounds (programme_id, status, must_pair, must_not_pair, mentees, mentors, matched, total_score,
            elapsed_ms, certificate, run_by, run_ms)
         VALUES ($1, 'proposed', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(programme)
    .bind(json(&round.must_pair))
    .bind(json(&round.must_not_pair))
    .bind(round.mentees as i64)
    .bind(round.mentors as i64)
    .bind(round.certificate.matched as i64)
    .bind(round.certificate.total_score)
    .bind(round.elapsed_ms)
    .bind(serde_json::to_string(&round.certificate).map_err(|e| StoreError::Corrupt(e.to_string()))?)
    .bind(by.user.get())
    .bind(by.now_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    for chunk in round.entries.chunks(ENTRY_BATCH) {
        let sql = insert_rows(
            "round_entries (round_id, participant_id, mentor_id, score, fixed, places, dual)",
            chunk.len(),
            7,
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in chunk {
            query = query
                .bind(id)
                .bind(e.participant)
                .bind(e.mentor)
                .bind(e.score)
                .bind(i64::from(e.fixed))
                .bind(i64::from(e.places))
                .bind(e.dual);
        }
        query.execute(&mut *tx).await?;
    }
    for chunk in round.alternatives.chunks(ENTRY_BATCH) {
        let sql = insert_rows("round_choices (round_id, participant_id, mentor_id, score, cost)", chunk.len(), 5);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for a in chunk {
            query = query.bind(id).bind(a.mentee).bind(a.mentor).bind(a.score).bind(a.cost);
        }
        query.execute(&mut *tx).await?;
    }
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.round_run",
        format!("round:{id}"),
        format!(
            "programme {programme}: {} of {} mentees matched, total score {}, proven optimal ({} = {})",
            round.certificate.matched,
            round.mentees,
            round.certificate.total_score,
            round.certificate.primal,
            round.certificate.dual
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn entries(db: &Db, round: i64) -> Result<Vec<Entry>, StoreError> {
    sqlx::query("SELECT * FROM round_entries WHERE round_id = $1 ORDER BY participant_id")
        .bind(round)
        .read_all(db)
        .await?
        .iter()
        .map(|r| {
            Ok(Entry {
                participant: r.try_get("participant_id")?,
                mentor: r.try_get("mentor_id")?,
                score: r.try_get("score")?,
                fixed: r.try_get::<i64, _>("fixed")? == 1,
                places: u32::try_from(r.try_get::<i64, _>("places")?).unwrap_or(0),
                dual: r.try_get("dual")?,
            })
        })
        .collect()
}

/// Publishes a proposed round: each proposed pair becomes an offered match and both people are told.
/// Refused if the round is not the programme's current proposal, or if anyone's situation changed
/// since it was run (a mentee matched meanwhile, a mentor's places taken).
pub async fn publish_round(db: &Db, by: Actor, round: &RoundRecord) -> Result<usize, StoreError> {
    let mut tx = db.write().await?;
    let status: String = sqlx::query("SELECT status FROM matching_rounds WHERE id = $1")
        .bind(round.id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("status")?;
    if status != RoundStatus::Proposed.slug() {
        return Err(StoreError::Conflict("This round is no longer the current proposal: open the latest round".into()));
    }
    let stale: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM round_entries e WHERE e.round_id = $1 AND e.mentor_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM mentoring_matches m WHERE m.mentee_id = e.participant_id AND m.status IN ('offered', 'active', 'closed'))",
    )
    .bind(round.id)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    let over: i64 = sqlx::query(concat!(
        "SELECT COUNT(*) AS n FROM participants p WHERE p.capacity < ",
        taken_places!(),
        " + (SELECT COUNT(*) FROM round_entries e WHERE e.round_id = $1 AND e.mentor_id = p.id)
          + (SELECT COUNT(*) FROM round_choices c WHERE c.round_id = $1 AND c.mentor_id = p.id)
          AND (p.id IN (SELECT mentor_id FROM round_entries WHERE round_id = $1 AND mentor_id IS NOT NULL)
            OR p.id IN (SELECT mentor_id FROM round_choices WHERE round_id = $1))"
    ))
    .bind(round.id)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if stale > 0 || over > 0 {
        return Err(StoreError::Conflict(
            "Matches or places have changed since this round was run: run it again before publishing".into(),
        ));
    }
    let created = sqlx::query(
        "INSERT INTO mentoring_matches (programme_id, round_id, mentee_id, mentor_id, score, status, offered_ms)
         SELECT $1, round_id, participant_id, mentor_id, score, 'offered', $2 FROM round_entries
         WHERE round_id = $3 AND mentor_id IS NOT NULL",
    )
    .bind(round.programme)
    .bind(by.now_ms)
    .bind(round.id)
    .execute(&mut *tx)
    .await?
    .rows_affected() as usize;
    sqlx::query("UPDATE matching_rounds SET status = 'published', published_ms = $1 WHERE id = $2")
        .bind(by.now_ms)
        .bind(round.id)
        .execute(&mut *tx)
        .await?;
    // A mentee with a shortlist is asked to choose; the mentors hear once they are chosen.
    let told: Vec<(i64, i64, bool)> = sqlx::query(
        "SELECT p.user_id, p.id AS person, m.id, m.mentee_id,
            (SELECT COUNT(*) FROM round_choices c WHERE c.round_id = m.round_id AND c.participant_id = m.mentee_id)
                AS alternatives
         FROM mentoring_matches m JOIN participants p ON p.id IN (m.mentee_id, m.mentor_id)
         WHERE m.round_id = $1 AND p.user_id IS NOT NULL",
    )
    .bind(round.id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| {
        let choosing = r.try_get::<i64, _>("alternatives")? > 0;
        let is_mentee = r.try_get::<i64, _>("person")? == r.try_get::<i64, _>("mentee_id")?;
        Ok((is_mentee || !choosing).then_some((r.try_get("user_id")?, r.try_get("id")?, choosing)))
    })
    .filter_map(Result::transpose)
    .collect::<Result<_, StoreError>>()?;
    for (user, match_id, choosing) in told {
        let href = format!("/mentoring/matches/{match_id}");
        let summary = if choosing {
            "You have a mentoring offer: please choose your mentor from your shortlist, or decline"
        } else {
            "You have a new mentoring match: please accept or decline it"
        };
        let notice = Notice::of(by, NotificationKind::Mentoring, summary, &href);
        notifications::notify(&mut tx, &[user], &notice).await?;
    }
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.round_published",
        format!("round:{}", round.id),
        format!("{created} matches offered"),
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// A match with both people's names.
#[derive(Clone, Debug, Serialize)]
pub struct Match {
    pub id: i64,
    pub programme: i64,
    pub programme_name: String,
    pub round: i64,
    pub mentee: i64,
    pub mentee_name: String,
    pub mentee_reference: String,
    pub mentee_user: Option<UserId>,
    pub mentor: i64,
    pub mentor_name: String,
    pub mentor_reference: String,
    pub mentor_user: Option<UserId>,
    pub score: i64,
    pub status: MatchStatus,
    pub offered_ms: i64,
    pub answered_ms: Option<i64>,
    pub decline_reason: Option<String>,
    pub closed_ms: Option<i64>,
    pub reflection: Option<String>,
}

const MATCHES: &str = "SELECT m.*, g.name AS programme_name, e.name AS mentee_name, e.reference AS mentee_reference,
        e.user_id AS mentee_user, r.name AS mentor_name, r.reference AS mentor_reference, r.user_id AS mentor_user
    FROM mentoring_matches m JOIN programmes g ON g.id = m.programme_id
    JOIN participants e ON e.id = m.mentee_id JOIN participants r ON r.id = m.mentor_id";

fn match_from(r: &AnyRow) -> Result<Match, StoreError> {
    Ok(Match {
        id: r.try_get("id")?,
        programme: r.try_get("programme_id")?,
        programme_name: r.try_get("programme_name")?,
        round: r.try_get("round_id")?,
        mentee: r.try_get("mentee_id")?,
        mentee_name: r.try_get("mentee_name")?,
        mentee_reference: r.try_get("mentee_reference")?,
        mentee_user: r.try_get::<Option<i64>, _>("mentee_user")?.map(UserId::new),
        mentor: r.try_get("mentor_id")?,
        mentor_name: r.try_get("mentor_name")?,
        mentor_reference: r.try_get("mentor_reference")?,
        mentor_user: r.try_get::<Option<i64>, _>("mentor_user")?.map(UserId::new),
        score: r.try_get("score")?,
        status: parse(r, "status")?,
        offered_ms: r.try_get("offered_ms")?,
        answered_ms: r.try_get("answered_ms")?,
        decline_reason: r.try_get("decline_reason")?,
        closed_ms: r.try_get("closed_ms")?,
        reflection: r.try_get("reflection")?,
    })
}

pub async fn matches(db: &Db, organisation: OrganisationId, programme: i64) -> Result<Vec<Match>, StoreError> {
    let sql = format!("{MATCHES} WHERE g.organisation_id = $1 AND m.programme_id = $2 ORDER BY m.id");
    all_of(db, sql, organisation.get(), programme, match_from).await
}

pub async fn find_match(db: &Db, organisation: OrganisationId, id: i64) -> Result<Option<Match>, StoreError> {
    let sql = format!("{MATCHES} WHERE g.organisation_id = $1 AND m.id = $2");
    one_of(db, sql, organisation.get(), id, match_from).await
}

/// The matches a person is in (on either side), newest first.
pub async fn matches_of(db: &Db, organisation: OrganisationId, user: UserId) -> Result<Vec<Match>, StoreError> {
    let sql =
        format!("{MATCHES} WHERE g.organisation_id = $1 AND (e.user_id = $2 OR r.user_id = $2) ORDER BY m.id DESC");
    all_of(db, sql, organisation.get(), user.get(), match_from).await
}

/// Tells both people of a match (those with accounts) about it, as it stands after the change. While
/// a mentee chooses from a shortlist the offer is theirs alone: the mentor hears once chosen.
async fn tell_the_other(tx: &mut WriteTx, by: Actor, m: &Match, summary: &str) -> Result<(), StoreError> {
    let href = format!("/mentoring/matches/{}", m.id);
    let choosing = m.status == MatchStatus::Offered
        && sqlx::query("SELECT 1 AS x FROM round_choices WHERE round_id = $1 AND participant_id = $2")
            .bind(m.round)
            .bind(m.mentee)
            .fetch_optional(&mut **tx)
            .await?
            .is_some();
    let mentor = if choosing { None } else { m.mentor_user };
    let users: Vec<i64> = [m.mentee_user, mentor].iter().flatten().map(|u| u.get()).collect();
    notifications::notify(tx, &users, &Notice::of(by, NotificationKind::Mentoring, summary, &href)).await
}

/// Records an answer to an offered match (checked by the domain); a decline returns the mentee to the
/// pool and keeps the pair apart in later rounds.
pub async fn answer(
    db: &Db,
    by: Actor,
    m: &Match,
    status: MatchStatus,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let updated = sqlx::query(
        "UPDATE mentoring_matches SET status = $1, answered_ms = $2, decline_reason = $3 WHERE id = $4 AND status = 'offered'",
    )
    .bind(status.slug())
    .bind(by.now_ms)
    .bind(reason.map(str::to_owned))
    .bind(m.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(StoreError::Conflict("This match has already been answered".into()));
    }
    let summary =
        format!("Mentoring match {} with {}: {}", m.mentee_name, m.mentor_name, status.label().to_lowercase());
    // A mentee who declines their whole shortlist is still choosing, as far as the mentor is concerned.
    let after = Match { status: if status == MatchStatus::Declined { m.status } else { status }, ..m.clone() };
    tell_the_other(&mut tx, by, &after, &summary).await?;
    audit::record(&mut tx, db.dialect(), by, "mentoring.match_answered", format!("match:{}", m.id), summary).await?;
    tx.commit().await?;
    Ok(())
}

/// The mentors a mentee may choose instead of their offer's, cheapest for the programme first (empty
/// unless the programme lets mentees choose and places were free).
pub async fn alternatives(db: &Db, m: &Match) -> Result<Vec<Alternative>, StoreError> {
    sqlx::query(
        "SELECT * FROM round_choices WHERE round_id = $1 AND participant_id = $2 ORDER BY cost, score DESC, mentor_id",
    )
    .bind(m.round)
    .bind(m.mentee)
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(Alternative {
            mentee: r.try_get("participant_id")?,
            mentor: r.try_get("mentor_id")?,
            score: r.try_get("score")?,
            cost: r.try_get("cost")?,
        })
    })
    .collect()
}

/// How many of a round's mentees have a shortlist to choose from, and how many alternatives (each a
/// held place) they have between them.
pub async fn shortlisted(db: &Db, round: i64) -> Result<(i64, i64), StoreError> {
    let r = sqlx::query(
        "SELECT COUNT(DISTINCT participant_id) AS mentees, COUNT(*) AS places FROM round_choices WHERE round_id = $1",
    )
    .bind(round)
    .read_one(db)
    .await?;
    Ok((r.try_get("mentees")?, r.try_get("places")?))
}

/// Accepts an offer with another mentor from the mentee's shortlist: the match moves to that mentor,
/// whose place was held for it, and starts. Refused, with nothing changed, if the offer was answered
/// meanwhile, the mentor is not on the shortlist, or the held place has gone (the lead lowered the
/// mentor's places below what was held, which [`set_capacity`] refuses).
pub async fn accept_alternative(db: &Db, by: Actor, m: &Match, mentor: i64) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let Some(score) =
        sqlx::query("SELECT score FROM round_choices WHERE round_id = $1 AND participant_id = $2 AND mentor_id = $3")
            .bind(m.round)
            .bind(m.mentee)
            .bind(mentor)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get::<i64, _>("score"))
            .transpose()?
    else {
        return Err(StoreError::Conflict("That mentor is not on the shortlist of this offer".into()));
    };
    let chosen = sqlx::query(concat!(
        "SELECT p.name, p.user_id, p.capacity, ",
        taken_places!(),
        " AS taken FROM participants p WHERE p.id = $1"
    ))
    .bind(mentor)
    .fetch_one(&mut *tx)
    .await?;
    let (name, user, capacity, taken): (String, Option<i64>, i64, i64) =
        (chosen.try_get("name")?, chosen.try_get("user_id")?, chosen.try_get("capacity")?, chosen.try_get("taken")?);
    // `taken` counts this offer's own held place.
    if taken > capacity {
        return Err(StoreError::Conflict(format!("{name} no longer has a place: choose another mentor")));
    }
    let updated = sqlx::query(
        "UPDATE mentoring_matches SET mentor_id = $1, score = $2, status = 'active', answered_ms = $3
         WHERE id = $4 AND status = 'offered'",
    )
    .bind(mentor)
    .bind(score)
    .bind(by.now_ms)
    .bind(m.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(StoreError::Conflict("This match has already been answered".into()));
    }
    let summary = format!(
        "Mentoring match {} with {name}: accepted ({} chose {name} from the shortlist)",
        m.mentee_name, m.mentee_name
    );
    let users: Vec<i64> = [m.mentee_user.map(UserId::get), user].into_iter().flatten().collect();
    let href = format!("/mentoring/matches/{}", m.id);
    notifications::notify(&mut tx, &users, &Notice::of(by, NotificationKind::Mentoring, &summary, &href)).await?;
    audit::record(&mut tx, db.dialect(), by, "mentoring.match_answered", format!("match:{}", m.id), summary).await?;
    tx.commit().await?;
    Ok(())
}

/// Tells the pair (those with accounts) again that their offer is waiting for an answer.
pub async fn remind(db: &Db, by: Actor, m: &Match) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let summary =
        format!("Reminder: the mentoring match of {} with {} is waiting for an answer", m.mentee_name, m.mentor_name);
    tell_the_other(&mut tx, by, m, &summary).await?;
    audit::record(&mut tx, db.dialect(), by, "mentoring.offer_reminded", format!("match:{}", m.id), summary).await?;
    tx.commit().await?;
    Ok(())
}

/// How often an unanswered offer is re-sent, once it has waited
/// [`NO_ANSWER_DAYS`](kindling_domain::mentoring::relationships::NO_ANSWER_DAYS).
pub const REMIND_EVERY_DAYS: i64 = 7;

/// Re-sends every offer that has had no answer for two weeks, at most once a week each, as its lead
/// would with "Send a reminder": run with the digests, so the pair's next digest carries it. Each
/// reminder is claimed by a conditional update, so several nodes never send one twice. How many.
pub async fn remind_unanswered(db: &Db, now_ms: i64) -> Result<usize, StoreError> {
    use kindling_domain::mentoring::relationships::NO_ANSWER_DAYS;
    let waited = now_ms - NO_ANSWER_DAYS * DAY_MS;
    let again = now_ms - REMIND_EVERY_DAYS * DAY_MS;
    // The matches query, with the programme's organisation and lead that the reminder is sent as.
    let with_programme = MATCHES.replacen("SELECT m.*,", "SELECT m.*, g.organisation_id, g.lead_id,", 1);
    let sql = format!(
        "{with_programme} WHERE m.status = 'offered' AND m.offered_ms <= $1 AND (m.reminded_ms IS NULL OR m.reminded_ms <= $2) ORDER BY m.id"
    );
    let due: Vec<(Match, i64, i64)> = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(waited)
        .bind(again)
        .read_all(db)
        .await?
        .iter()
        .map(|r| Ok((match_from(r)?, r.try_get::<i64, _>("organisation_id")?, r.try_get::<i64, _>("lead_id")?)))
        .collect::<Result<_, StoreError>>()?;
    let mut sent = 0;
    for (m, organisation, lead) in due {
        let mut tx = db.write().await?;
        let claimed = sqlx::query(
            "UPDATE mentoring_matches SET reminded_ms = $1 WHERE id = $2 AND status = 'offered' AND (reminded_ms IS NULL OR reminded_ms <= $3)",
        )
        .bind(now_ms)
        .bind(m.id)
        .bind(again)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            continue;
        }
        // Sent in the lead's name, as their own reminder would be.
        let by = Actor { organisation: OrganisationId::new(organisation), user: UserId::new(lead), now_ms };
        let summary = format!(
            "Reminder: the mentoring match of {} with {} is still waiting for an answer",
            m.mentee_name, m.mentor_name
        );
        tell_the_other(&mut tx, by, &m, &summary).await?;
        audit::record(
            &mut tx,
            db.dialect(),
            by,
            "mentoring.offer_reminded_automatically",
            format!("match:{}", m.id),
            summary,
        )
        .await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

/// Asks for feedback at each relationship's milestones (`domain::mentoring::relationships::feedback_due`):
/// each side that has not given feedback for a point that has just fallen due is told, once; each ask
/// is claimed by its insert, so several nodes never ask twice. Run with the digest pass; how many
/// points were asked.
pub async fn ask_feedback_due(db: &Db, now_ms: i64) -> Result<usize, StoreError> {
    use kindling_domain::mentoring::relationships::{FEEDBACK_ASK_WINDOW_DAYS, feedback_due};
    let with_programme = MATCHES.replacen("SELECT m.*,", "SELECT m.*, g.organisation_id, g.lead_id, g.settings,", 1);
    // Anything that can be due: accepted recently enough for its midpoint, or closed in the window.
    let sql = format!(
        "{with_programme} WHERE m.answered_ms IS NOT NULL AND (m.status = 'active' OR (m.status = 'closed' AND m.closed_ms > $1)) ORDER BY m.id"
    );
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now_ms - FEEDBACK_ASK_WINDOW_DAYS * DAY_MS).read_all(db).await?;
    let mut asked = 0;
    for r in &rows {
        let m = match_from(r)?;
        let settings: String = r.try_get("settings")?;
        let settings: kindling_domain::mentoring::Settings =
            serde_json::from_str(&settings).map_err(|e| StoreError::Corrupt(format!("programme settings: {e}")))?;
        let Some(accepted) = m.answered_ms else { continue };
        for point in feedback_due(accepted, m.closed_ms, settings.duration_months, now_ms) {
            let mut tx = db.write().await?;
            let claimed = sqlx::query(
                "INSERT INTO mentoring_feedback_asks (match_id, point, asked_ms) VALUES ($1, $2, $3) ON CONFLICT (match_id, point) DO NOTHING",
            )
            .bind(m.id)
            .bind(point)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed == 0 {
                continue;
            }
            let given: Vec<String> =
                sqlx::query("SELECT side FROM mentoring_feedback WHERE match_id = $1 AND point = $2")
                    .bind(m.id)
                    .bind(point)
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|row| row.try_get("side"))
                    .collect::<Result<_, _>>()?;
            let label = kindling_domain::mentoring::FEEDBACK_POINTS
                .iter()
                .find(|(slug, _)| *slug == point)
                .map_or(point, |(_, label)| label);
            let by = Actor {
                organisation: OrganisationId::new(r.try_get("organisation_id")?),
                user: UserId::new(r.try_get("lead_id")?),
                now_ms,
            };
            let href = format!("/mentoring/matches/{}", m.id);
            for (side, user, other) in
                [("mentee", m.mentee_user, &m.mentor_name), ("mentor", m.mentor_user, &m.mentee_name)]
            {
                let Some(user) = user.filter(|_| !given.iter().any(|g| g == side)) else { continue };
                let summary = format!("Feedback on your mentoring with {other}: {}", label.to_lowercase());
                notifications::notify(
                    &mut tx,
                    &[user.get()],
                    &Notice::of(by, NotificationKind::Mentoring, &summary, &href),
                )
                .await?;
            }
            audit::record(
                &mut tx,
                db.dialect(),
                by,
                "mentoring.feedback_asked",
                format!("match:{}", m.id),
                format!("Feedback asked for: {label}"),
            )
            .await?;
            tx.commit().await?;
            asked += 1;
        }
    }
    Ok(asked)
}

/// Closes an active relationship with a short reflection.
pub async fn close(db: &Db, by: Actor, m: &Match, reflection: &str) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let updated = sqlx::query("UPDATE mentoring_matches SET status = 'closed', closed_ms = $1, reflection = $2 WHERE id = $3 AND status = 'active'")
        .bind(by.now_ms)
        .bind(reflection.to_owned())
        .bind(m.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if updated == 0 {
        return Err(StoreError::Conflict("Only an active relationship can be closed".into()));
    }
    tell_the_other(&mut tx, by, m, &format!("Mentoring relationship closed: {} and {}", m.mentee_name, m.mentor_name))
        .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.match_closed",
        format!("match:{}", m.id),
        "closed with a reflection".into(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Debug, Serialize)]
pub struct Goal {
    pub id: i64,
    pub text: String,
    pub attainment: Option<i8>,
    pub created_ms: i64,
    pub rated_ms: Option<i64>,
}

pub async fn goals(db: &Db, match_id: i64) -> Result<Vec<Goal>, StoreError> {
    sqlx::query("SELECT * FROM mentoring_goals WHERE match_id = $1 ORDER BY id")
        .bind(match_id)
        .read_all(db)
        .await?
        .iter()
        .map(|r| {
            Ok(Goal {
                id: r.try_get("id")?,
                text: r.try_get("text")?,
                attainment: r.try_get::<Option<i64>, _>("attainment")?.and_then(|a| i8::try_from(a).ok()),
                created_ms: r.try_get("created_ms")?,
                rated_ms: r.try_get("rated_ms")?,
            })
        })
        .collect()
}

pub async fn add_goal(db: &Db, by: Actor, match_id: i64, text: &str) -> Result<i64, StoreError> {
    let mut tx = db.write().await?;
    let id: i64 =
        sqlx::query("INSERT INTO mentoring_goals (match_id, text, created_ms) VALUES ($1, $2, $3) RETURNING id")
            .bind(match_id)
            .bind(text.to_owned())
            .bind(by.now_ms)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.goal_agreed",
        format!("match:{match_id}"),
        format!("goal {id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Rates a goal of the relationship; `false` (nothing changed) if it has no such goal.
pub async fn rate_goal(db: &Db, by: Actor, match_id: i64, goal: i64, level: i8) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let updated =
        sqlx::query("UPDATE mentoring_goals SET attainment = $1, rated_ms = $2 WHERE id = $3 AND match_id = $4")
            .bind(i64::from(level))
            .bind(by.now_ms)
            .bind(goal)
            .bind(match_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if updated == 0 {
        return Ok(false);
    }
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.goal_rated",
        format!("match:{match_id}"),
        format!("goal {goal}: {level}"),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

#[derive(Clone, Debug, Serialize)]
pub struct Session {
    pub id: i64,
    pub held_on: String,
    pub minutes: i64,
    pub mode: SessionMode,
    pub link: Option<String>,
    pub protected: bool,
    pub logged_by: String,
}

pub async fn sessions(db: &Db, match_id: i64) -> Result<Vec<Session>, StoreError> {
    sqlx::query(
        "SELECT s.*, u.name AS logged_by_name FROM mentoring_sessions s JOIN users u ON u.id = s.logged_by
         WHERE s.match_id = $1 ORDER BY s.held_on DESC, s.id DESC",
    )
    .bind(match_id)
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(Session {
            id: r.try_get("id")?,
            held_on: r.try_get("held_on")?,
            minutes: r.try_get("minutes")?,
            mode: parse(r, "mode")?,
            link: r.try_get("link")?,
            protected: r.try_get::<i64, _>("protected")? == 1,
            logged_by: r.try_get("logged_by_name")?,
        })
    })
    .collect()
}

pub async fn log_session(db: &Db, by: Actor, match_id: i64, s: &SessionDraft) -> Result<i64, StoreError> {
    let mut tx = db.write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO mentoring_sessions (match_id, held_on, minutes, mode, link, protected, logged_by, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(match_id)
    .bind(s.held_on.iso())
    .bind(i64::from(s.minutes))
    .bind(s.mode.slug())
    .bind(s.link.clone())
    .bind(i64::from(s.protected))
    .bind(by.user.get())
    .bind(by.now_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.session_logged",
        format!("match:{match_id}"),
        format!("{} minutes on {}", s.minutes, s.held_on.iso()),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A meeting planned ahead.
#[derive(Clone, Debug, Serialize)]
pub struct Meeting {
    pub id: i64,
    pub match_id: i64,
    pub starts_ms: i64,
    pub minutes: i64,
    pub mode: SessionMode,
    pub place: Option<String>,
    pub link: Option<String>,
    pub planned_by: String,
    pub created_ms: i64,
}

/// What is stored for a planned meeting: its start as an instant (the web resolves UK time).
#[derive(Clone, Debug)]
pub struct NewMeeting {
    pub starts_ms: i64,
    pub minutes: u32,
    pub mode: SessionMode,
    pub place: Option<String>,
    pub link: Option<String>,
}

/// Plans a meeting and tells the other person of the pair.
pub async fn plan_meeting(db: &Db, by: Actor, m: &Match, meeting: &NewMeeting) -> Result<i64, StoreError> {
    let mut tx = db.write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO mentoring_meetings (match_id, starts_ms, minutes, mode, place, link, planned_by, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(m.id)
    .bind(meeting.starts_ms)
    .bind(i64::from(meeting.minutes))
    .bind(meeting.mode.slug())
    .bind(meeting.place.clone())
    .bind(meeting.link.clone())
    .bind(by.user.get())
    .bind(by.now_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let summary = format!("Mentoring meeting planned: {} and {}", m.mentee_name, m.mentor_name);
    tell_the_other(&mut tx, by, m, &summary).await?;
    audit::record(&mut tx, db.dialect(), by, "mentoring.meeting_planned", format!("match:{}", m.id), summary).await?;
    tx.commit().await?;
    Ok(id)
}

/// A relationship's planned meetings, soonest first.
pub async fn meetings(db: &Db, match_id: i64) -> Result<Vec<Meeting>, StoreError> {
    sqlx::query(
        "SELECT x.*, u.name AS planner FROM mentoring_meetings x JOIN users u ON u.id = x.planned_by
         WHERE x.match_id = $1 ORDER BY x.starts_ms, x.id",
    )
    .bind(match_id)
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(Meeting {
            id: r.try_get("id")?,
            match_id: r.try_get("match_id")?,
            starts_ms: r.try_get("starts_ms")?,
            minutes: r.try_get("minutes")?,
            mode: parse(r, "mode")?,
            place: r.try_get("place")?,
            link: r.try_get("link")?,
            planned_by: r.try_get("planner")?,
            created_ms: r.try_get("created_ms")?,
        })
    })
    .collect()
}

#[derive(Clone, Debug, Serialize)]
pub struct Note {
    pub author: String,
    pub body: String,
    pub created_ms: i64,
}

/// The pair's private notes. Callers must have checked the reader is one of the pair.
pub async fn notes(db: &Db, match_id: i64) -> Result<Vec<Note>, StoreError> {
    sqlx::query(
        "SELECT n.body, n.created_ms, u.name FROM mentoring_notes n JOIN users u ON u.id = n.author_id
         WHERE n.match_id = $1 ORDER BY n.id DESC",
    )
    .bind(match_id)
    .read_all(db)
    .await?
    .iter()
    .map(|r| Ok(Note { author: r.try_get("name")?, body: r.try_get("body")?, created_ms: r.try_get("created_ms")? }))
    .collect()
}

/// Adds a private note. Its text is not copied to the audit log: only that a note was written.
pub async fn add_note(db: &Db, by: Actor, match_id: i64, body: &str) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("INSERT INTO mentoring_notes (match_id, author_id, body, created_ms) VALUES ($1, $2, $3, $4)")
        .bind(match_id)
        .bind(by.user.get())
        .bind(body.to_owned())
        .bind(by.now_ms)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.note_written",
        format!("match:{match_id}"),
        "a private note".into(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Debug, Serialize)]
pub struct Feedback {
    pub side: Side,
    pub point: String,
    pub answers: Vec<u8>,
    pub created_ms: i64,
}

pub async fn feedback(db: &Db, match_id: i64) -> Result<Vec<Feedback>, StoreError> {
    sqlx::query("SELECT * FROM mentoring_feedback WHERE match_id = $1 ORDER BY id")
        .bind(match_id)
        .read_all(db)
        .await?
        .iter()
        .map(|r| {
            let answers: String = r.try_get("answers")?;
            Ok(Feedback {
                side: parse(r, "side")?,
                point: r.try_get("point")?,
                answers: answers.split(',').filter_map(|a| a.parse().ok()).collect(),
                created_ms: r.try_get("created_ms")?,
            })
        })
        .collect()
}

pub async fn give_feedback(
    db: &Db,
    by: Actor,
    match_id: i64,
    side: Side,
    point: &str,
    answers: &[u8],
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let taken = sqlx::query("SELECT 1 AS x FROM mentoring_feedback WHERE match_id = $1 AND side = $2 AND point = $3")
        .bind(match_id)
        .bind(side.slug())
        .bind(point.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(StoreError::Conflict("You have already given feedback for this point".into()));
    }
    let joined = answers.iter().map(u8::to_string).collect::<Vec<_>>().join(",");
    sqlx::query(
        "INSERT INTO mentoring_feedback (match_id, side, point, answers, created_ms) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(match_id)
    .bind(side.slug())
    .bind(point.to_owned())
    .bind(joined)
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.feedback_given",
        format!("match:{match_id}"),
        format!("{} at {point}", side.label()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the HR months in the file (others are kept), all or nothing.
pub async fn import_hr(db: &Db, by: Actor, months: &[HrMonth]) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    for m in months {
        sqlx::query("DELETE FROM hr_months WHERE organisation_id = $1 AND month = $2")
            .bind(by.organisation.get())
            .bind(m.month.clone())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO hr_months (organisation_id, month, staff_in_post, leavers, leaver_references) VALUES ($1, $2, $3, $4, $5)")
            .bind(by.organisation.get())
            .bind(m.month.clone())
            .bind(m.staff_in_post as i64)
            .bind(m.leavers as i64)
            .bind(m.leaver_references.iter().cloned().collect::<Vec<_>>().join(";"))
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.hr_imported",
        format!("organisation:{}", by.organisation.get()),
        format!("{} months", months.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the unit-months in the file (others are kept), all or nothing.
pub async fn import_incidents(db: &Db, by: Actor, rows: &[UnitMonth]) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    for r in rows {
        sqlx::query("DELETE FROM unit_incidents WHERE organisation_id = $1 AND unit = $2 AND month = $3")
            .bind(by.organisation.get())
            .bind(r.unit.clone())
            .bind(r.month.clone())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO unit_incidents (organisation_id, unit, month, incidents, bed_days) VALUES ($1, $2, $3, $4, $5)")
            .bind(by.organisation.get())
            .bind(r.unit.clone())
            .bind(r.month.clone())
            .bind(r.incidents as i64)
            .bind(r.bed_days as i64)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.incidents_imported",
        format!("organisation:{}", by.organisation.get()),
        format!("{} unit-months", rows.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn month_of(ms: i64) -> String {
    CivilDate::from_unix_ms(ms).map(|d| format!("{}-{:02}", d.year, d.month)).unwrap_or_default()
}

/// Everything the programme's outcomes are computed from.
pub async fn outcome_facts(db: &Db, organisation: OrganisationId, programme: i64) -> Result<Facts, StoreError> {
    let people = participants(db, organisation, programme).await?;
    // Months in which a participant's account submitted or joined an initiative.
    let innovation: Vec<(i64, i64)> = sqlx::query(
        "SELECT p.id, i.created_ms FROM participants p JOIN initiatives i ON i.submitter_id = p.user_id
         WHERE p.programme_id = $1 AND i.organisation_id = $2
         UNION ALL
         SELECT p.id, i.created_ms FROM participants p JOIN team_members t ON t.user_id = p.user_id
         JOIN initiatives i ON i.id = t.initiative_id WHERE p.programme_id = $1 AND i.organisation_id = $2",
    )
    .bind(programme)
    .bind(organisation.get())
    .read_all(db)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get("created_ms")?)))
    .collect::<Result<_, StoreError>>()?;
    let participants = people
        .iter()
        .map(|p| ParticipantFact {
            side: p.side,
            reference: p.reference.clone(),
            unit: p.unit.clone(),
            tags: p.tags.iter().cloned().collect(),
            enrolled_month: month_of(p.enrolled_ms),
            enrolled_day: p.enrolled_ms / DAY_MS,
            innovation_months: innovation.iter().filter(|(id, _)| *id == p.id).map(|(_, ms)| month_of(*ms)).collect(),
        })
        .collect();
    let matches = matches(db, organisation, programme)
        .await?
        .into_iter()
        .map(|m| MatchFact {
            mentee: m.mentee_reference,
            mentor: m.mentor_reference,
            status: m.status,
            offered_month: month_of(m.offered_ms),
            offered_day: m.offered_ms / DAY_MS,
            active_from: m
                .answered_ms
                .filter(|_| matches!(m.status, MatchStatus::Active | MatchStatus::Closed))
                .map(month_of),
            closed_month: m.closed_ms.map(month_of),
        })
        .collect();
    let in_programme = "SELECT id FROM mentoring_matches WHERE programme_id = $1";
    let sessions = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT held_on FROM mentoring_sessions WHERE match_id IN ({in_programme})"
    )))
    .bind(programme)
    .read_all(db)
    .await?
    .iter()
    .map(|r| Ok(r.try_get::<String, _>("held_on")?.chars().take(7).collect()))
    .collect::<Result<_, StoreError>>()?;
    let ratings = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT attainment, rated_ms FROM mentoring_goals WHERE attainment IS NOT NULL AND match_id IN ({in_programme})"
    )))
    .bind(programme)
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        let level: i64 = r.try_get("attainment")?;
        Ok((month_of(r.try_get::<Option<i64>, _>("rated_ms")?.unwrap_or(0)), i8::try_from(level).unwrap_or(0)))
    })
    .collect::<Result<_, StoreError>>()?;
    let feedback = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT answers, created_ms FROM mentoring_feedback WHERE match_id IN ({in_programme})"
    )))
    .bind(programme)
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        let answers: String = r.try_get("answers")?;
        let values: Vec<f64> = answers.split(',').filter_map(|a| a.parse().ok()).collect();
        let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
        Ok((month_of(r.try_get("created_ms")?), mean))
    })
    .collect::<Result<_, StoreError>>()?;
    let hr = sqlx::query("SELECT * FROM hr_months WHERE organisation_id = $1 ORDER BY month")
        .bind(organisation.get())
        .read_all(db)
        .await?
        .iter()
        .map(|r| {
            Ok(HrMonth {
                month: r.try_get("month")?,
                staff_in_post: r.try_get::<i64, _>("staff_in_post")?.max(0) as u64,
                leavers: r.try_get::<i64, _>("leavers")?.max(0) as u64,
                leaver_references: r
                    .try_get::<String, _>("leaver_references")?
                    .split(';')
                    .filter(|x| !x.is_empty())
                    .map(str::to_owned)
                    .collect(),
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let incidents = sqlx::query("SELECT * FROM unit_incidents WHERE organisation_id = $1 ORDER BY month, unit")
        .bind(organisation.get())
        .read_all(db)
        .await?
        .iter()
        .map(|r| {
            Ok(UnitMonth {
                unit: r.try_get("unit")?,
                month: r.try_get("month")?,
                incidents: r.try_get::<i64, _>("incidents")?.max(0) as u64,
                bed_days: r.try_get::<i64, _>("bed_days")?.max(0) as u64,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(Facts { participants, matches, sessions, ratings, feedback, hr, incidents })
}

/// A person's mentoring for their appraisal record: each relationship with its sessions and hours.
#[derive(Clone, Debug, Serialize)]
pub struct MentoringRecord {
    pub programme: String,
    pub side: Side,
    pub partner: String,
    pub status: MatchStatus,
    pub sessions: i64,
    pub minutes: i64,
}

pub async fn record_of(
    db: &Db,
    organisation: OrganisationId,
    user: UserId,
) -> Result<Vec<MentoringRecord>, StoreError> {
    let mut out = Vec::new();
    for m in matches_of(db, organisation, user).await? {
        if m.status == MatchStatus::Declined || m.status == MatchStatus::Offered {
            continue;
        }
        let totals = sqlx::query(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(minutes), 0) AS BIGINT) AS minutes FROM mentoring_sessions WHERE match_id = $1",
        )
        .bind(m.id)
        .read_one(db)
        .await?;
        let as_mentor = m.mentor_user == Some(user);
        out.push(MentoringRecord {
            programme: m.programme_name.clone(),
            side: if as_mentor { Side::Mentor } else { Side::Mentee },
            partner: if as_mentor { m.mentee_name.clone() } else { m.mentor_name.clone() },
            status: m.status,
            sessions: totals.try_get("n")?,
            minutes: totals.try_get("minutes")?,
        });
    }
    Ok(out)
}

/// The people a new round considers: mentees not yet matched, and mentors with places left and, where
/// the programme requires it, training on record.
#[derive(Clone, Debug)]
pub struct Pool {
    pub mentees: Vec<Participant>,
    pub mentors: Vec<Participant>,
    /// Pairs declined earlier, or whose relationship closed, kept apart as if by a must-not-pair.
    pub kept_apart: Vec<(String, String)>,
    /// The programme's other participants, and why each is not in this round.
    pub left_out: Vec<(Participant, LeftOut)>,
}

/// Why an enrolled participant is not in a round's pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeftOut {
    /// A mentee with a match offered, active or closed.
    AlreadyMatched,
    /// A mentor whose places are all taken.
    NoPlaces,
    /// A mentor without the training the programme requires.
    Untrained,
    /// A mentor the lead has paused.
    Paused,
}

impl Pool {
    /// Why the person with this reference on this side cannot be paired in this round, in words for the
    /// lead; `None` when they are in the pool.
    pub fn absent(&self, side: Side, reference: &str) -> Option<String> {
        let present = match side {
            Side::Mentee => &self.mentees,
            Side::Mentor => &self.mentors,
        };
        if present.iter().any(|p| p.reference == reference) {
            return None;
        }
        let Some((p, why)) = self.left_out.iter().find(|(p, _)| p.side == side && p.reference == reference) else {
            return Some(format!(
                "nobody is enrolled as a {} with the reference {reference}",
                side.label().to_lowercase()
            ));
        };
        Some(match why {
            LeftOut::AlreadyMatched => {
                format!("mentee {reference} ({}) already has a match: decline or close it first", p.name)
            }
            LeftOut::NoPlaces => {
                format!("mentor {reference} ({}) has no places left: {} of {} taken", p.name, p.load, p.capacity)
            }
            LeftOut::Paused => format!("mentor {reference} ({}) is paused: resume them first", p.name),
            LeftOut::Untrained => format!(
                "mentor {reference} ({}) has no training on record, which this programme requires before matching",
                p.name
            ),
        })
    }

    pub fn profiles(&self) -> (Vec<Profile>, Vec<Profile>) {
        (
            self.mentees.iter().map(Participant::profile).collect(),
            self.mentors.iter().map(Participant::profile).collect(),
        )
    }

    /// Every participant's entry in a round solved on this pool.
    pub fn entries(&self, round: &kindling_matching::round::Round) -> Vec<Entry> {
        let mut mentor_of = vec![None; self.mentees.len()];
        for p in &round.pairs {
            mentor_of[p.mentee] = Some(*p);
        }
        let mut entries: Vec<Entry> = self
            .mentees
            .iter()
            .zip(&mentor_of)
            .zip(&round.mentee_value)
            .map(|((p, pair), &dual)| Entry {
                participant: p.id,
                mentor: pair.map(|x: kindling_matching::round::Pair| self.mentors[x.mentor].id),
                score: pair.map(|x| x.score),
                fixed: pair.is_some_and(|x| x.fixed),
                places: 0,
                dual,
            })
            .collect();
        entries.extend(self.mentors.iter().zip(&round.mentor_price).map(|(p, &dual)| Entry {
            participant: p.id,
            mentor: None,
            score: None,
            fixed: false,
            places: p.capacity.saturating_sub(p.load),
            dual,
        }));
        entries
    }

    /// The alternatives on each mentee's shortlist (from [`kindling_matching::shortlist::shortlists`]
    /// on this pool), by participant id: every choice after the round's own mentor.
    pub fn alternatives(&self, lists: &[Vec<kindling_matching::shortlist::Choice>]) -> Vec<Alternative> {
        self.mentees
            .iter()
            .zip(lists)
            .flat_map(|(mentee, list)| {
                list.iter().skip(1).map(|c| Alternative {
                    mentee: mentee.id,
                    mentor: self.mentors[c.mentor].id,
                    score: c.score,
                    cost: c.cost,
                })
            })
            .collect()
    }
}

pub async fn pool(db: &Db, organisation: OrganisationId, programme: &Programme) -> Result<Pool, StoreError> {
    let everyone = participants(db, organisation, programme.id).await?;
    let needs_training = !programme.settings.required_training.is_empty();
    let (mut mentees, mut mentors, mut left_out) = (Vec::new(), Vec::new(), Vec::new());
    for p in everyone {
        let why = match p.side {
            Side::Mentee if p.current_match.is_some() => Some(LeftOut::AlreadyMatched),
            Side::Mentor if p.paused_ms.is_some() => Some(LeftOut::Paused),
            Side::Mentor if p.capacity <= p.load => Some(LeftOut::NoPlaces),
            Side::Mentor if needs_training && p.trained_ms.is_none() => Some(LeftOut::Untrained),
            _ => None,
        };
        match (why, p.side) {
            (Some(why), _) => left_out.push((p, why)),
            (None, Side::Mentee) => mentees.push(p),
            (None, Side::Mentor) => mentors.push(p),
        }
    }
    let kept_apart = kept_apart(db, organisation, programme.id).await?;
    Ok(Pool { mentees, mentors, kept_apart, left_out })
}

/// The (mentee, mentor) references of the programme's declined and closed matches: kept apart in
/// later rounds (a mentee returned to the pool after a closed relationship is offered someone new).
pub async fn kept_apart(
    db: &Db,
    organisation: OrganisationId,
    programme: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let sql = format!(
        "{MATCHES} WHERE g.organisation_id = $1 AND m.programme_id = $2 AND m.status IN ('declined', 'closed') ORDER BY m.id"
    );
    Ok(all_of(db, sql, organisation.get(), programme, match_from)
        .await?
        .into_iter()
        .map(|m| (m.mentee_reference, m.mentor_reference))
        .collect())
}
