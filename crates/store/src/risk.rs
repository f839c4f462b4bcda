//! Risk items and their actions. Each item keeps the pack id and version it was scored under.

use crate::db::SingleRead;
use kindling_domain::ids::{InitiativeId, OrganisationId};
use kindling_domain::initiatives::CivilDate;
use kindling_domain::policy::PackInfo;
use kindling_domain::risk::{Completion, RiskDraft, Score};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Actor, Db, StoreError, audit};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RiskItem {
    pub id: i64,
    pub initiative: InitiativeId,
    pub initiative_title: String,
    pub draft: RiskDraft,
    pub pack_id: String,
    pub pack_version: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub actions: Vec<RiskAction>,
    /// Every score the risk has had, oldest first (its trend).
    pub scores: Vec<ScoredAt>,
    pub closed: Option<Closure>,
}

impl RiskItem {
    pub fn is_open(&self) -> bool {
        self.closed.is_none()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RiskAction {
    pub id: i64,
    pub action: String,
    pub owner: String,
    pub due: CivilDate,
    /// When it was done and what shows it, once completed.
    pub done_on: Option<CivilDate>,
    pub evidence: Option<String>,
}

/// One score in a risk's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ScoredAt {
    pub score: Score,
    pub at_ms: i64,
}

/// Why and when a risk was closed, and by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Closure {
    pub reason: String,
    pub by: String,
    pub at_ms: i64,
}

fn pair(row: &AnyRow, c: &str, l: &str) -> Result<Option<Score>, StoreError> {
    let c: Option<i64> = row.try_get(c)?;
    let l: Option<i64> = row.try_get(l)?;
    Ok(match (c, l) {
        (Some(c), Some(l)) => Some(
            Score::new(u8::try_from(c).unwrap_or(0), u8::try_from(l).unwrap_or(0))
                .ok_or_else(|| StoreError::Corrupt(format!("score {c} × {l} in risk_items")))?,
        ),
        _ => None,
    })
}

fn date(raw: &str) -> Result<CivilDate, StoreError> {
    CivilDate::parse_iso(raw).ok_or_else(|| StoreError::Corrupt(format!("bad date {raw:?}")))
}

fn item_from(row: &AnyRow) -> Result<RiskItem, StoreError> {
    let review: String = row.try_get("review_on")?;
    Ok(RiskItem {
        id: row.try_get("id")?,
        initiative: InitiativeId::new(row.try_get("initiative_id")?),
        initiative_title: row.try_get("initiative_title")?,
        draft: RiskDraft {
            domain: row.try_get("domain")?,
            cause: row.try_get("cause")?,
            event: row.try_get("event")?,
            consequence: row.try_get("consequence")?,
            before: pair(row, "before_consequence", "before_likelihood")?,
            now: pair(row, "now_consequence", "now_likelihood")?
                .ok_or_else(|| StoreError::Corrupt("risk item without a current score".into()))?,
            target: pair(row, "target_consequence", "target_likelihood")?,
            controls: row.try_get("controls")?,
            owner: row.try_get("owner")?,
            executive_owner: row.try_get("executive_owner")?,
            review: date(&review)?,
        },
        pack_id: row.try_get("pack_id")?,
        pack_version: row.try_get("pack_version")?,
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
        actions: Vec::new(),
        scores: Vec::new(),
        closed: match row.try_get::<Option<i64>, _>("closed_ms")? {
            Some(at_ms) => Some(Closure {
                reason: row.try_get::<Option<String>, _>("closed_reason")?.unwrap_or_default(),
                by: row.try_get::<Option<String>, _>("closed_by_name")?.unwrap_or_default(),
                at_ms,
            }),
            None => None,
        },
    })
}

/// Each item's actions and score history: one query for each, whatever the number of items.
async fn with_actions(db: &Db, mut items: Vec<RiskItem>) -> Result<Vec<RiskItem>, StoreError> {
    if items.is_empty() {
        return Ok(items);
    }
    // The ids are integers from the database.
    let ids: Vec<String> = items.iter().map(|i| i.id.to_string()).collect();
    let ids = ids.join(",");
    let sql = format!("SELECT * FROM risk_actions WHERE risk_id IN ({ids}) ORDER BY due_on, id");
    for row in sqlx::query(sqlx::AssertSqlSafe(sql)).read_all(db).await? {
        let risk: i64 = row.try_get("risk_id")?;
        let due: String = row.try_get("due_on")?;
        let done_on: Option<String> = row.try_get("done_on")?;
        let action = RiskAction {
            id: row.try_get("id")?,
            action: row.try_get("action")?,
            owner: row.try_get("owner")?,
            due: date(&due)?,
            done_on: done_on.as_deref().map(date).transpose()?,
            evidence: row.try_get("evidence")?,
        };
        if let Some(item) = items.iter_mut().find(|i| i.id == risk) {
            item.actions.push(action);
        }
    }
    let sql = format!(
        "SELECT risk_id, consequence, likelihood, scored_ms FROM risk_scores WHERE risk_id IN ({ids}) ORDER BY scored_ms, id"
    );
    for row in sqlx::query(sqlx::AssertSqlSafe(sql)).read_all(db).await? {
        let risk: i64 = row.try_get("risk_id")?;
        let score = pair(&row, "consequence", "likelihood")?
            .ok_or_else(|| StoreError::Corrupt("risk score without a value".into()))?;
        if let Some(item) = items.iter_mut().find(|i| i.id == risk) {
            item.scores.push(ScoredAt { score, at_ms: row.try_get("scored_ms")? });
        }
    }
    Ok(items)
}

const SELECT: &str = "SELECT r.*, i.title AS initiative_title, c.name AS closed_by_name
     FROM risk_items r JOIN initiatives i ON i.id = r.initiative_id LEFT JOIN users c ON c.id = r.closed_by";

/// An initiative's risk items, worst first.
pub async fn for_initiative(
    db: &Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Vec<RiskItem>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE r.initiative_id = $1 AND r.organisation_id = $2
         ORDER BY r.now_consequence * r.now_likelihood DESC, r.now_consequence DESC, r.id"
    );
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(initiative.get()).bind(organisation.get()).read_all(db).await?;
    with_actions(db, rows.iter().map(item_from).collect::<Result<_, _>>()?).await
}

/// The organisation's register: every open risk item of every initiative that is still going, worst
/// first.
pub async fn register(db: &Db, organisation: OrganisationId) -> Result<Vec<RiskItem>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE r.organisation_id = $1 AND i.stage NOT IN ('stopped') AND r.closed_ms IS NULL
         ORDER BY r.now_consequence * r.now_likelihood DESC, r.now_consequence DESC, r.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(organisation.get()).read_all(db).await?;
    with_actions(db, rows.iter().map(item_from).collect::<Result<_, _>>()?).await
}

fn split(score: Option<Score>) -> (Option<i64>, Option<i64>) {
    score.map_or((None, None), |s| (Some(i64::from(s.consequence)), Some(i64::from(s.likelihood))))
}

/// Adds a risk item to an initiative of `by.organisation`; `None` if the initiative is not there.
pub async fn create(
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    draft: &RiskDraft,
    pack: &PackInfo,
) -> Result<Option<i64>, StoreError> {
    let mut tx = db.write().await?;
    let (bc, bl) = split(draft.before);
    let (tc, tl) = split(draft.target);
    let row = sqlx::query(
        "INSERT INTO risk_items (initiative_id, organisation_id, domain, cause, event, consequence,
            before_consequence, before_likelihood, now_consequence, now_likelihood, target_consequence, target_likelihood,
            controls, owner, review_on, pack_id, pack_version, created_by, created_ms, updated_ms, executive_owner)
         SELECT id, organisation_id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19, $20
         FROM initiatives WHERE id = $1 AND organisation_id = $2 RETURNING id",
    )
    .bind(initiative.get())
    .bind(by.organisation.get())
    .bind(draft.domain.clone())
    .bind(draft.cause.clone())
    .bind(draft.event.clone())
    .bind(draft.consequence.clone())
    .bind(bc)
    .bind(bl)
    .bind(i64::from(draft.now.consequence))
    .bind(i64::from(draft.now.likelihood))
    .bind(tc)
    .bind(tl)
    .bind(draft.controls.clone())
    .bind(draft.owner.clone())
    .bind(draft.review.iso())
    .bind(pack.id.clone())
    .bind(pack.version.clone())
    .bind(by.user.get())
    .bind(by.now_ms)
    .bind(draft.executive_owner.clone())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let id: i64 = row.try_get("id")?;
    record_score(&mut tx, by, id, draft.now).await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "risk.recorded",
        format!("initiative:{initiative}"),
        format!(
            "Risk {id} ({}) scored {} × {} = {} under {} {}",
            draft.domain,
            draft.now.consequence,
            draft.now.likelihood,
            draft.now.value(),
            pack.id,
            pack.version
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Adds a score to a risk's history.
async fn record_score(tx: &mut crate::db::WriteTx, by: Actor, risk: i64, score: Score) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO risk_scores (risk_id, consequence, likelihood, scored_by, scored_ms) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(risk)
    .bind(i64::from(score.consequence))
    .bind(i64::from(score.likelihood))
    .bind(by.user.get())
    .bind(by.now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Re-scores an open risk item; `false` if it is not an open item of `by.organisation`.
pub async fn update(db: &Db, by: Actor, id: i64, draft: &RiskDraft, pack: &PackInfo) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let (bc, bl) = split(draft.before);
    let (tc, tl) = split(draft.target);
    let done = sqlx::query(
        "UPDATE risk_items SET domain = $3, cause = $4, event = $5, consequence = $6, before_consequence = $7,
            before_likelihood = $8, now_consequence = $9, now_likelihood = $10, target_consequence = $11,
            target_likelihood = $12, controls = $13, owner = $14, review_on = $15, pack_id = $16, pack_version = $17,
            updated_ms = $18, executive_owner = $19
         WHERE id = $1 AND organisation_id = $2 AND closed_ms IS NULL",
    )
    .bind(id)
    .bind(by.organisation.get())
    .bind(draft.domain.clone())
    .bind(draft.cause.clone())
    .bind(draft.event.clone())
    .bind(draft.consequence.clone())
    .bind(bc)
    .bind(bl)
    .bind(i64::from(draft.now.consequence))
    .bind(i64::from(draft.now.likelihood))
    .bind(tc)
    .bind(tl)
    .bind(draft.controls.clone())
    .bind(draft.owner.clone())
    .bind(draft.review.iso())
    .bind(pack.id.clone())
    .bind(pack.version.clone())
    .bind(by.now_ms)
    .bind(draft.executive_owner.clone())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if done {
        let last = sqlx::query(
            "SELECT consequence, likelihood FROM risk_scores WHERE risk_id = $1 ORDER BY scored_ms DESC, id DESC LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let last = match last {
            Some(row) => pair(&row, "consequence", "likelihood")?,
            None => None,
        };
        if last != Some(draft.now) {
            record_score(&mut tx, by, id, draft.now).await?;
        }
        audit::record(
            &mut tx,
            db.dialect(),
            by,
            "risk.rescored",
            format!("risk:{id}"),
            format!("Risk {id} now {} × {} = {}", draft.now.consequence, draft.now.likelihood, draft.now.value()),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(done)
}

/// Adds an action with an owner and a due date to a risk item; `false` if the item is not there.
pub async fn add_action(
    db: &Db,
    by: Actor,
    risk: i64,
    action: &str,
    owner: &str,
    due: CivilDate,
) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let done = sqlx::query(
        "INSERT INTO risk_actions (risk_id, action, owner, due_on)
         SELECT id, $3, $4, $5 FROM risk_items WHERE id = $1 AND organisation_id = $2 AND closed_ms IS NULL",
    )
    .bind(risk)
    .bind(by.organisation.get())
    .bind(action.to_owned())
    .bind(owner.to_owned())
    .bind(due.iso())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if done {
        audit::record(
            &mut tx,
            db.dialect(),
            by,
            "risk.action_added",
            format!("risk:{risk}"),
            format!("Action for {owner} due {}: {action}", due.iso()),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(done)
}

/// Records an action as completed, with its date and evidence; `false` if the action is not one of
/// an open risk of `by.organisation`, or is already completed.
pub async fn complete_action(
    db: &Db,
    by: Actor,
    risk: i64,
    action: i64,
    completion: &Completion,
) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let done = sqlx::query(
        "UPDATE risk_actions SET done_on = $4, evidence = $5, done_by = $6, done_ms = $7
         WHERE id = $1 AND risk_id = $2 AND done_on IS NULL
           AND risk_id IN (SELECT id FROM risk_items WHERE organisation_id = $3 AND closed_ms IS NULL)",
    )
    .bind(action)
    .bind(risk)
    .bind(by.organisation.get())
    .bind(completion.done_on.iso())
    .bind(completion.evidence.clone())
    .bind(by.user.get())
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if done {
        audit::record(
            &mut tx,
            db.dialect(),
            by,
            "risk.action_completed",
            format!("risk:{risk}"),
            format!("Action {action} completed on {}: {}", completion.done_on.iso(), completion.evidence),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(done)
}

/// Closes an open risk with its reason; it stays on record, off the register. `false` if it is not
/// an open risk of `by.organisation`.
pub async fn close(db: &Db, by: Actor, risk: i64, reason: &str) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let done = sqlx::query(
        "UPDATE risk_items SET closed_ms = $3, closed_by = $4, closed_reason = $5, updated_ms = $3
         WHERE id = $1 AND organisation_id = $2 AND closed_ms IS NULL",
    )
    .bind(risk)
    .bind(by.organisation.get())
    .bind(by.now_ms)
    .bind(by.user.get())
    .bind(reason.to_owned())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if done {
        audit::record(&mut tx, db.dialect(), by, "risk.closed", format!("risk:{risk}"), format!("Closed: {reason}"))
            .await?;
        tx.commit().await?;
    }
    Ok(done)
}
