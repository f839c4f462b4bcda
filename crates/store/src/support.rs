//! Support offers and the requests initiatives make of them. A request's first answer is what its
//! response time is measured on.

use crate::db::SingleRead;
use kindling_domain::ids::{InitiativeId, OrganisationId, UserId};
use kindling_domain::notifications::Kind as NotificationKind;
use kindling_domain::support::{OfferDraft, OfferKind, RequestStatus};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::notifications::{self, Notice};
use crate::{Actor, Db, StoreError, audit};

#[derive(Clone, Debug, Serialize)]
pub struct Offer {
    pub id: i64,
    pub kind: OfferKind,
    pub title: String,
    pub covers: String,
    pub who_can_ask: String,
    pub response_days: i64,
    pub contact: UserId,
    pub contact_name: String,
    /// Open to every organisation of the hub.
    pub hub_wide: bool,
    /// The organisation that offers it.
    pub organisation: String,
}

fn offer_from(r: &AnyRow) -> Result<Offer, StoreError> {
    let kind: String = r.try_get("kind")?;
    Ok(Offer {
        id: r.try_get("id")?,
        kind: kind.parse().map_err(|_| StoreError::Corrupt(format!("offer kind {kind:?}")))?,
        title: r.try_get("title")?,
        covers: r.try_get("covers")?,
        who_can_ask: r.try_get("who_can_ask")?,
        response_days: r.try_get("response_days")?,
        contact: UserId::new(r.try_get("contact_id")?),
        contact_name: r.try_get("contact_name")?,
        hub_wide: r.try_get::<i64, _>("hub_wide")? == 1,
        organisation: r.try_get("organisation_name")?,
    })
}

const OFFERS: &str = "SELECT o.*, u.name AS contact_name, g.name AS organisation_name FROM support_offers o
    JOIN users u ON u.id = o.contact_id JOIN organisations g ON g.id = o.organisation_id";

/// The offers open to `organisation`: its own and those open to the whole hub, by kind then title.
pub async fn offers(db: &Db, organisation: OrganisationId) -> Result<Vec<Offer>, StoreError> {
    let sql = format!("{OFFERS} WHERE o.organisation_id = $1 OR o.hub_wide = 1 ORDER BY o.kind, o.title, o.id");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(organisation.get()).read_all(db).await?.iter().map(offer_from).collect()
}

/// An offer `organisation` may ask of.
pub async fn offer(db: &Db, organisation: OrganisationId, id: i64) -> Result<Option<Offer>, StoreError> {
    let sql = format!("{OFFERS} WHERE (o.organisation_id = $1 OR o.hub_wide = 1) AND o.id = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(organisation.get())
        .bind(id)
        .read_optional(db)
        .await?
        .as_ref()
        .map(offer_from)
        .transpose()
}

/// Publishes an offer; `contact` (checked to be a member) answers its requests.
pub async fn publish(db: &Db, by: Actor, draft: &OfferDraft, contact: UserId) -> Result<i64, StoreError> {
    let mut tx = db.write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO support_offers (organisation_id, kind, title, covers, who_can_ask, response_days, contact_id, hub_wide, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(by.organisation.get())
    .bind(draft.kind.slug())
    .bind(draft.title.clone())
    .bind(draft.covers.clone())
    .bind(draft.who_can_ask.clone())
    .bind(i64::from(draft.response_days))
    .bind(contact.get())
    .bind(i64::from(draft.hub_wide))
    .bind(by.now_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(&mut tx, db.dialect(), by, "support.offer_published", format!("offer:{id}"), draft.title.clone())
        .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Clone, Debug, Serialize)]
pub struct Request {
    pub id: i64,
    pub offer: i64,
    pub offer_title: String,
    pub response_days: i64,
    pub contact: UserId,
    /// The initiative the help is for; `None` when someone asked before they had one.
    pub initiative: Option<InitiativeId>,
    pub initiative_title: Option<String>,
    pub requester: UserId,
    /// The organisation that asked (another one for a hub-wide offer).
    pub organisation: OrganisationId,
    /// The organisation whose offer it is: only it answers.
    pub offer_organisation: OrganisationId,
    pub organisation_name: String,
    pub requested_by: String,
    pub message: String,
    pub status: RequestStatus,
    pub note: Option<String>,
    pub requested_ms: i64,
    pub responded_ms: Option<i64>,
    pub completed_ms: Option<i64>,
}

const REQUESTS: &str = "SELECT r.*, o.title AS offer_title, o.response_days, o.contact_id, o.organisation_id AS offer_organisation, i.title AS initiative_title,
        u.name AS requester, g.name AS asking_organisation
    FROM support_requests r JOIN support_offers o ON o.id = r.offer_id LEFT JOIN initiatives i ON i.id = r.initiative_id
    JOIN users u ON u.id = r.requested_by JOIN organisations g ON g.id = r.organisation_id";

fn request_from(r: &AnyRow) -> Result<Request, StoreError> {
    let status: String = r.try_get("status")?;
    Ok(Request {
        id: r.try_get("id")?,
        offer: r.try_get("offer_id")?,
        offer_title: r.try_get("offer_title")?,
        response_days: r.try_get("response_days")?,
        contact: UserId::new(r.try_get("contact_id")?),
        initiative: r.try_get::<Option<i64>, _>("initiative_id")?.map(InitiativeId::new),
        initiative_title: r.try_get("initiative_title")?,
        requester: UserId::new(r.try_get("requested_by")?),
        organisation: OrganisationId::new(r.try_get("organisation_id")?),
        offer_organisation: OrganisationId::new(r.try_get("offer_organisation")?),
        organisation_name: r.try_get("asking_organisation")?,
        requested_by: r.try_get("requester")?,
        message: r.try_get("message")?,
        status: status.parse().map_err(|_| StoreError::Corrupt(format!("request status {status:?}")))?,
        note: r.try_get("note")?,
        requested_ms: r.try_get("requested_ms")?,
        responded_ms: r.try_get("responded_ms")?,
        completed_ms: r.try_get("completed_ms")?,
    })
}

/// Requests made of the organisation's offers (optionally of one offer), newest first.
pub async fn requests(db: &Db, organisation: OrganisationId, offer: Option<i64>) -> Result<Vec<Request>, StoreError> {
    let sql = format!(
        "{REQUESTS} WHERE o.organisation_id = $1 AND ($2 IS NULL OR r.offer_id = $2) ORDER BY r.requested_ms DESC, r.id DESC"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(organisation.get())
        .bind(offer)
        .read_all(db)
        .await?
        .iter()
        .map(request_from)
        .collect()
}

/// An initiative's requests for help, newest first.
pub async fn for_initiative(
    db: &Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Vec<Request>, StoreError> {
    let sql = format!(
        "{REQUESTS} WHERE r.organisation_id = $1 AND r.initiative_id = $2 ORDER BY r.requested_ms DESC, r.id DESC"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(organisation.get())
        .bind(initiative.get())
        .read_all(db)
        .await?
        .iter()
        .map(request_from)
        .collect()
}

pub async fn request(db: &Db, organisation: OrganisationId, id: i64) -> Result<Option<Request>, StoreError> {
    // The offering organisation answers it; the asking organisation reads it (its own request).
    let sql = format!("{REQUESTS} WHERE (o.organisation_id = $1 OR r.organisation_id = $1) AND r.id = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(organisation.get())
        .bind(id)
        .read_optional(db)
        .await?
        .as_ref()
        .map(request_from)
        .transpose()
}

/// Asks for help, for an initiative or (with `None`) before there is one; the caller has checked that
/// both the offer and the initiative are the actor's organisation's to ask of. Tells the contact.
pub async fn ask(
    db: &Db,
    by: Actor,
    offer: &Offer,
    initiative: Option<InitiativeId>,
    message: &str,
) -> Result<i64, StoreError> {
    let mut tx = db.write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO support_requests (offer_id, initiative_id, organisation_id, requested_by, message, status, requested_ms)
         VALUES ($1, $2, $3, $4, $5, 'open', $6) RETURNING id",
    )
    .bind(offer.id)
    .bind(initiative.map(InitiativeId::get))
    .bind(by.organisation.get())
    .bind(by.user.get())
    .bind(message.to_owned())
    .bind(by.now_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let asked_for = match initiative {
        Some(initiative) => {
            let title: String = sqlx::query("SELECT title FROM initiatives WHERE id = $1")
                .bind(initiative.get())
                .fetch_one(&mut *tx)
                .await?
                .try_get("title")?;
            format!("help asked for {title}")
        }
        None => {
            let name: String = sqlx::query("SELECT name FROM users WHERE id = $1")
                .bind(by.user.get())
                .fetch_one(&mut *tx)
                .await?
                .try_get("name")?;
            format!("help asked by {name}, before an initiative")
        }
    };
    let summary = format!("{}: {asked_for}", offer.title);
    let href = format!("/support/requests/{id}");
    notifications::notify(
        &mut tx,
        &[offer.contact.get()],
        &Notice::of(by, NotificationKind::ReviewRequest, &summary, &href),
    )
    .await?;
    let subject = initiative.map_or_else(|| format!("support-request:{id}"), |i| format!("initiative:{i}"));
    audit::record(&mut tx, db.dialect(), by, "support.requested", subject, format!("Asked {} for help", offer.title))
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// A person's own requests for help, newest first, whichever organisation's offer they asked.
pub async fn asked_by(db: &Db, organisation: OrganisationId, person: UserId) -> Result<Vec<Request>, StoreError> {
    let sql = format!(
        "{REQUESTS} WHERE r.organisation_id = $1 AND r.requested_by = $2 ORDER BY r.requested_ms DESC, r.id DESC"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(organisation.get())
        .bind(person.get())
        .read_all(db)
        .await?
        .iter()
        .map(request_from)
        .collect()
}

/// Records the offering team's answer (checked by the domain against the status read in `request`).
/// A conflict, changing nothing, if someone else answered first.
pub async fn answer(
    db: &Db,
    by: Actor,
    request: &Request,
    status: RequestStatus,
    note: Option<&str>,
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let done = sqlx::query(
        "UPDATE support_requests SET status = $1, note = COALESCE($2, note), answered_by = $3,
            responded_ms = COALESCE(responded_ms, $4),
            completed_ms = CASE WHEN $1 = 'completed' THEN $4 ELSE completed_ms END
         WHERE id = $5 AND status = $6",
    )
    .bind(status.slug())
    .bind(note.map(str::to_owned))
    .bind(by.user.get())
    .bind(by.now_ms)
    .bind(request.id)
    .bind(request.status.slug())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done != 1 {
        return Err(StoreError::Conflict("Someone else answered this request first: reload to see the answer.".into()));
    }
    // The initiative's team is told; someone who asked before having an initiative is told themselves.
    let (people, for_what, href, subject) = match (request.initiative, &request.initiative_title) {
        (Some(initiative), Some(title)) => (
            notifications::initiative_people(&mut tx, initiative).await?,
            format!("for {title}"),
            format!("/initiatives/{initiative}/support"),
            format!("initiative:{initiative}"),
        ),
        _ => (
            vec![request.requester.get()],
            "for help".to_owned(),
            format!("/support/requests/{}", request.id),
            format!("support-request:{}", request.id),
        ),
    };
    let summary = format!("{}: your request {for_what} was {}", request.offer_title, status.label().to_lowercase());
    notifications::notify(&mut tx, &people, &Notice::of(by, NotificationKind::Decision, &summary, &href)).await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "support.answered",
        subject,
        format!("Request {} to {}: {}", request.id, request.offer_title, status.label()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
