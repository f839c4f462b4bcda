//! Approval requests: an initiative submitted for assessment is routed by the pack, queued for the
//! route's approvers, and decided once. The stage change, the request and the decision's conditions
//! are written in one transaction each, so the queue and the initiative's stage always agree.

use crate::db::SingleRead;
use kindling_domain::approvals::{Basis, BasisChange, Confirmer, Decision, Outcome, RouteChoice};
use kindling_domain::ids::{InitiativeId, OrganisationId};
use kindling_domain::initiatives::{CivilDate, Stage, StageChange};
use kindling_domain::notifications::Kind;
use kindling_domain::people::Role;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::notifications::{self, Notice};
use crate::{Actor, Db, StoreError, audit, initiatives};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Clone, Debug, Serialize)]
pub struct ApprovalRequest {
    pub id: i64,
    pub initiative: InitiativeId,
    pub initiative_title: String,
    pub route: String,
    pub route_label: String,
    pub route_rank: i64,
    pub reason: String,
    pub pack_id: String,
    pub pack_version: String,
    pub submitted_by: String,
    pub submitted_ms: i64,
    pub due_ms: i64,
    pub outcome: Option<Outcome>,
    pub decided_by: Option<String>,
    pub decided_by_id: Option<i64>,
    pub decided_ms: Option<i64>,
    pub decision_reason: Option<String>,
    pub conditions: Vec<Condition>,
    /// What the decision was taken on; `None` while open (and for decisions recorded before bases were kept).
    pub basis: Option<Basis>,
    /// The decided request this one reopens, after a material change.
    pub reopens: Option<i64>,
    /// For a reopened request: what changed since the decision it reopens.
    pub changes: Vec<BasisChange>,
}

impl ApprovalRequest {
    /// Approved, with or without conditions.
    pub fn approved(&self) -> bool {
        matches!(self.outcome, Some(Outcome::Approve | Outcome::ApproveWithConditions))
    }
}

impl ApprovalRequest {
    /// Open and past its target time.
    pub fn overdue(&self, now_ms: i64) -> bool {
        self.outcome.is_none() && now_ms > self.due_ms
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Condition {
    pub id: i64,
    pub text: String,
    /// Who confirms it is met; `None` for conditions recorded before confirmers were named, which the
    /// route's approvers confirm.
    pub confirmer: Option<Confirmer>,
    /// "the clinical safety officer" or a person's name, for the pages.
    pub confirmer_label: String,
    pub due: Option<CivilDate>,
    pub met_by: Option<String>,
    pub met_ms: Option<i64>,
    pub met_note: Option<String>,
}

impl Condition {
    /// Whether this person (with these roles) confirms the condition. `route_approver` says whether
    /// they may decide on the request's route (who confirms conditions without a named confirmer).
    pub fn confirmed_by(&self, user: i64, roles: &[Role], route_approver: bool) -> bool {
        match &self.confirmer {
            Some(Confirmer::Role(role)) => roles.contains(role),
            Some(Confirmer::Person(id)) => *id == user,
            None => route_approver,
        }
    }
}

/// "the clinical safety officer" for a role; the person's name for a person.
fn confirmer_label(confirmer: Option<&Confirmer>, person: Option<String>) -> String {
    match confirmer {
        Some(Confirmer::Role(role)) => format!("the {}", role.label().to_lowercase()),
        Some(Confirmer::Person(_)) => person.unwrap_or_else(|| "a former member".into()),
        None => "the route's approvers".into(),
    }
}

fn request_from(row: &AnyRow) -> Result<ApprovalRequest, StoreError> {
    let outcome: Option<String> = row.try_get("outcome")?;
    Ok(ApprovalRequest {
        id: row.try_get("id")?,
        initiative: InitiativeId::new(row.try_get("initiative_id")?),
        initiative_title: row.try_get("initiative_title")?,
        route: row.try_get("route")?,
        route_label: row.try_get("route_label")?,
        route_rank: row.try_get("route_rank")?,
        reason: row.try_get("reason")?,
        pack_id: row.try_get("pack_id")?,
        pack_version: row.try_get("pack_version")?,
        submitted_by: row.try_get("submitter")?,
        submitted_ms: row.try_get("submitted_ms")?,
        due_ms: row.try_get("due_ms")?,
        outcome: match outcome {
            None => None,
            Some(o) => Some(o.parse().map_err(|_| StoreError::Corrupt(format!("unknown outcome {o:?}")))?),
        },
        decided_by: row.try_get("decider")?,
        decided_by_id: row.try_get("decided_by")?,
        decided_ms: row.try_get("decided_ms")?,
        decision_reason: row.try_get("decision_reason")?,
        conditions: Vec::new(),
        basis: json_column(row, "basis")?,
        reopens: row.try_get("reopens")?,
        changes: json_column(row, "changes")?.unwrap_or_default(),
    })
}

fn json_column<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> Result<Option<T>, StoreError> {
    let raw: Option<String> = row.try_get(column)?;
    raw.map(|text| serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))).transpose()
}

const SELECT: &str = "SELECT r.*, i.title AS initiative_title, s.name AS submitter, d.name AS decider
    FROM approval_requests r JOIN initiatives i ON i.id = r.initiative_id
    JOIN users s ON s.id = r.submitted_by LEFT JOIN users d ON d.id = r.decided_by";

async fn with_conditions(db: &Db, mut requests: Vec<ApprovalRequest>) -> Result<Vec<ApprovalRequest>, StoreError> {
    if requests.is_empty() {
        return Ok(requests);
    }
    let ids: Vec<String> = requests.iter().map(|r| r.id.to_string()).collect();
    let sql = format!(
        "SELECT c.*, u.name AS met_name, k.name AS confirm_name FROM approval_conditions c
         LEFT JOIN users u ON u.id = c.met_by LEFT JOIN users k ON k.id = c.confirm_user
         WHERE c.request_id IN ({}) ORDER BY c.id",
        ids.join(",")
    );
    for row in sqlx::query(sqlx::AssertSqlSafe(sql)).read_all(db).await? {
        let request: i64 = row.try_get("request_id")?;
        let role: Option<String> = row.try_get("confirm_role")?;
        let user: Option<i64> = row.try_get("confirm_user")?;
        let confirmer = match (role, user) {
            (Some(role), _) => Some(Confirmer::Role(
                role.parse().map_err(|_| StoreError::Corrupt(format!("unknown confirming role {role:?}")))?,
            )),
            (None, Some(user)) => Some(Confirmer::Person(user)),
            (None, None) => None,
        };
        let due: Option<String> = row.try_get("due_day")?;
        let condition = Condition {
            id: row.try_get("id")?,
            text: row.try_get("condition_text")?,
            confirmer_label: confirmer_label(confirmer.as_ref(), row.try_get("confirm_name")?),
            confirmer,
            due: due.as_deref().and_then(CivilDate::parse_iso),
            met_by: row.try_get("met_name")?,
            met_ms: row.try_get("met_ms")?,
            met_note: row.try_get("met_note")?,
        };
        if let Some(r) = requests.iter_mut().find(|r| r.id == request) {
            r.conditions.push(condition);
        }
    }
    Ok(requests)
}

/// Every request of an initiative, newest first.
pub async fn for_initiative(
    db: &Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Vec<ApprovalRequest>, StoreError> {
    let sql = format!("{SELECT} WHERE r.initiative_id = $1 AND r.organisation_id = $2 ORDER BY r.id DESC");
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(initiative.get()).bind(organisation.get()).read_all(db).await?;
    with_conditions(db, rows.iter().map(request_from).collect::<Result<_, _>>()?).await
}

/// One request in `organisation`.
pub async fn get(db: &Db, organisation: OrganisationId, id: i64) -> Result<Option<ApprovalRequest>, StoreError> {
    let sql = format!("{SELECT} WHERE r.id = $1 AND r.organisation_id = $2");
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(organisation.get()).read_optional(db).await?
    else {
        return Ok(None);
    };
    Ok(with_conditions(db, vec![request_from(&row)?]).await?.pop())
}

/// The organisation's open requests, oldest due first: the approvers' queue.
pub async fn queue(db: &Db, organisation: OrganisationId) -> Result<Vec<ApprovalRequest>, StoreError> {
    let sql = format!("{SELECT} WHERE r.organisation_id = $1 AND r.outcome IS NULL ORDER BY r.due_ms, r.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(organisation.get()).read_all(db).await?;
    with_conditions(db, rows.iter().map(request_from).collect::<Result<_, _>>()?).await
}

/// Decided requests, oldest decision first: for the time-to-decision chart.
pub async fn decided(db: &Db, organisation: OrganisationId) -> Result<Vec<ApprovalRequest>, StoreError> {
    let sql = format!("{SELECT} WHERE r.organisation_id = $1 AND r.outcome IS NOT NULL ORDER BY r.decided_ms, r.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(organisation.get()).read_all(db).await?;
    rows.iter().map(request_from).collect()
}

/// Conditions of an initiative's approvals not yet met.
pub async fn open_conditions(
    db: &Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Vec<Condition>, StoreError> {
    Ok(for_initiative(db, organisation, initiative)
        .await?
        .into_iter()
        .flat_map(|r| r.conditions)
        .filter(|c| c.met_ms.is_none())
        .collect())
}

/// Submits an initiative for assessment: moves its stage and opens a request on `route`, in one
/// transaction.
pub async fn submit(
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    change: &StageChange,
    route: &RouteChoice,
) -> Result<i64, StoreError> {
    let mut tx = db.write().await?;
    initiatives::change_stage_in(&mut tx, db, by.organisation, initiative, by.user, change, by.now_ms).await?;
    let row = sqlx::query(
        "INSERT INTO approval_requests (initiative_id, organisation_id, route, route_label, route_rank, reason, pack_id,
            pack_version, submitted_by, submitted_ms, due_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(initiative.get())
    .bind(by.organisation.get())
    .bind(route.route.clone())
    .bind(route.label.clone())
    .bind(i64::from(route.rank))
    .bind(route.reason.clone())
    .bind(route.pack_id.clone())
    .bind(route.pack_version.clone())
    .bind(by.user.get())
    .bind(by.now_ms)
    .bind(by.now_ms + i64::from(route.target_days) * DAY_MS)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "approval.routed",
        format!("initiative:{initiative}"),
        format!("Request {id} routed under {} {}. {}", route.pack_id, route.pack_version, route.reason),
    )
    .await?;
    let roles: Vec<&str> = route.roles.iter().map(|r| r.slug()).collect();
    let deciders = notifications::holders_of(&mut tx, by.organisation, &roles).await?;
    let title: String = sqlx::query("SELECT title FROM initiatives WHERE id = $1")
        .bind(initiative.get())
        .fetch_one(&mut *tx)
        .await?
        .try_get("title")?;
    let summary = format!("Decision needed on the {} route: {title}", route.label);
    let href = format!("/approvals/{id}");
    notifications::notify(&mut tx, &deciders, &Notice::of(by, Kind::ReviewRequest, &summary, &href)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Decides an open request: records the decision with the basis it was taken on, moves the
/// initiative's stage and adds the conditions (telling each condition's confirmers), in one
/// transaction. A request already decided is a conflict and changes nothing.
pub async fn decide(
    db: &Db,
    by: Actor,
    request: &ApprovalRequest,
    decision: &Decision,
    change: &StageChange,
    basis: &Basis,
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let basis = serde_json::to_string(basis).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let closed = sqlx::query(
        "UPDATE approval_requests SET outcome = $3, decided_by = $4, decided_ms = $5, decision_reason = $6, basis = $7
         WHERE id = $1 AND organisation_id = $2 AND outcome IS NULL",
    )
    .bind(request.id)
    .bind(by.organisation.get())
    .bind(decision.outcome.slug())
    .bind(by.user.get())
    .bind(by.now_ms)
    .bind(decision.reason.clone())
    .bind(basis)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if closed != 1 {
        return Err(StoreError::Conflict(
            "This request was already decided: a closed request cannot be decided again.".into(),
        ));
    }
    initiatives::change_stage_in(&mut tx, db, by.organisation, request.initiative, by.user, change, by.now_ms).await?;
    let href = format!("/initiatives/{}/governance#approval", request.initiative);
    for condition in &decision.conditions {
        let (role, user) = match &condition.confirmer {
            Confirmer::Role(role) => (Some(role.slug().to_owned()), None),
            Confirmer::Person(user) => (None, Some(*user)),
        };
        sqlx::query(
            "INSERT INTO approval_conditions (request_id, initiative_id, condition_text, confirm_role, confirm_user, due_day)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(request.id)
        .bind(request.initiative.get())
        .bind(condition.text.clone())
        .bind(role.clone())
        .bind(user)
        .bind(condition.due.map(CivilDate::iso))
        .execute(&mut *tx)
        .await?;
        let confirmers = match (&role, user) {
            (Some(role), _) => notifications::holders_of(&mut tx, by.organisation, &[role.as_str()]).await?,
            (None, Some(user)) => vec![user],
            (None, None) => vec![],
        };
        let due = condition.due.map(|d| format!(", due {}", d.long())).unwrap_or_default();
        let summary =
            format!("A condition for you to confirm on {}: {}{due}", request.initiative_title, condition.text);
        notifications::notify(&mut tx, &confirmers, &Notice::of(by, Kind::ReviewRequest, &summary, &href)).await?;
    }
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "approval.decided",
        format!("initiative:{}", request.initiative),
        format!(
            "Request {} on the {} route: {} ({} condition(s)). {}",
            request.id,
            request.route_label,
            decision.outcome.label(),
            decision.conditions.len(),
            decision.reason
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Marks a condition met, with a note of how; `false` if it is not an open condition in the organisation.
pub async fn meet_condition(db: &Db, by: Actor, condition: i64, note: &str) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let row = sqlx::query(
        "SELECT c.initiative_id, c.condition_text FROM approval_conditions c JOIN approval_requests r ON r.id = c.request_id
         WHERE c.id = $1 AND r.organisation_id = $2 AND c.met_ms IS NULL",
    )
    .bind(condition)
    .bind(by.organisation.get())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Ok(false) };
    let initiative: i64 = row.try_get("initiative_id")?;
    let text: String = row.try_get("condition_text")?;
    sqlx::query("UPDATE approval_conditions SET met_by = $2, met_ms = $3, met_note = $4 WHERE id = $1")
        .bind(condition)
        .bind(by.user.get())
        .bind(by.now_ms)
        .bind(note.to_owned())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "approval.condition_met",
        format!("initiative:{initiative}"),
        format!("Condition met: {text:?}. {note}"),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Reopens a decided approval after a material change: a new request on the same route (due after the
/// route's target time), the initiative back in assessment, and the decider and the route's approvers
/// told what changed, in one transaction. `None` when the decision is no longer the latest (someone
/// reopened it first) or the initiative moved on.
pub async fn reopen(
    db: &Db,
    by: Actor,
    decided: &ApprovalRequest,
    stage: Stage,
    target_days: u16,
    deciders: &[Role],
    changes: &[BasisChange],
) -> Result<Option<i64>, StoreError> {
    let mut tx = db.write().await?;
    let newer = sqlx::query("SELECT COUNT(*) AS n FROM approval_requests WHERE initiative_id = $1 AND id > $2")
        .bind(decided.initiative.get())
        .bind(decided.id)
        .fetch_one(&mut *tx)
        .await?;
    if newer.try_get::<i64, _>("n")? > 0 {
        return Ok(None);
    }
    let what: Vec<&str> = changes.iter().filter(|c| c.material).map(|c| c.text.as_str()).collect();
    let decided_on = decided.decided_ms.and_then(CivilDate::from_unix_ms).map(CivilDate::long).unwrap_or_default();
    let reason = format!("Reopened: changed since the decision of {decided_on}: {}", what.join("; "));
    let change =
        StageChange { from: stage, to: Stage::Assessment, reason: reason.clone(), verb: "Reopened", evidence: None };
    match initiatives::change_stage_in(&mut tx, db, by.organisation, decided.initiative, by.user, &change, by.now_ms)
        .await
    {
        Err(StoreError::Conflict(_)) => return Ok(None),
        other => other?,
    }
    let changes_json = serde_json::to_string(changes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let row = sqlx::query(
        "INSERT INTO approval_requests (initiative_id, organisation_id, route, route_label, route_rank, reason, pack_id,
            pack_version, submitted_by, submitted_ms, due_ms, reopens, changes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(decided.initiative.get())
    .bind(by.organisation.get())
    .bind(decided.route.clone())
    .bind(decided.route_label.clone())
    .bind(decided.route_rank)
    .bind(decided.reason.clone())
    .bind(decided.pack_id.clone())
    .bind(decided.pack_version.clone())
    .bind(by.user.get())
    .bind(by.now_ms)
    .bind(by.now_ms + i64::from(target_days) * DAY_MS)
    .bind(decided.id)
    .bind(changes_json)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "approval.reopened",
        format!("initiative:{}", decided.initiative),
        format!("Request {id} reopens request {} on the {} route. {reason}", decided.id, decided.route_label),
    )
    .await?;
    let roles: Vec<&str> = deciders.iter().map(|r| r.slug()).collect();
    let mut told = notifications::holders_of(&mut tx, by.organisation, &roles).await?;
    told.extend(decided.decided_by_id);
    let summary = format!("A decision to take again: {}. {reason}", decided.initiative_title);
    notifications::notify(&mut tx, &told, &Notice::of(by, Kind::ReviewRequest, &summary, &format!("/approvals/{id}")))
        .await?;
    tx.commit().await?;
    Ok(Some(id))
}
