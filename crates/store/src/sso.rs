//! Single sign-on records: an organisation's identity provider settings, the identities linked to
//! people (matched by the provider's subject once linked), and sign-ins in flight between the redirect
//! to the provider and its callback (state, nonce and PKCE verifier), kept in the database so that any
//! node can finish what another began.

use crate::db::SingleRead;
use kindling_domain::ids::{OrganisationId, UserId};
use serde::Serialize;
use sqlx::Row;

use crate::secrets::token_hash;
use crate::{Actor, Db, StoreError, audit};

/// An organisation's OpenID Connect provider, as its administrator set it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Provider {
    pub organisation: OrganisationId,
    pub issuer: String,
    pub client_id: String,
    /// The client secret sealed with the installation's key; empty when it comes from the environment.
    #[serde(skip)]
    pub client_secret_sealed: String,
    pub label: String,
    /// Email domains whose people may sign in (one per line as typed; stored comma-separated).
    pub allowed_domains: Vec<String>,
    /// Create people in allowed domains on their first sign-in (off by default).
    pub create_people: bool,
    /// The role given to people created on first sign-in, or when no group maps.
    pub default_role: String,
    /// The claim holding groups or app roles (`groups`, `roles`), or empty.
    pub roles_claim: String,
    /// `group = role` per line.
    pub role_map: String,
}

fn provider_from(row: &sqlx::any::AnyRow) -> Result<Provider, StoreError> {
    let domains: String = row.try_get("allowed_domains")?;
    Ok(Provider {
        organisation: OrganisationId::new(row.try_get("organisation_id")?),
        issuer: row.try_get("issuer")?,
        client_id: row.try_get("client_id")?,
        client_secret_sealed: row.try_get("client_secret_sealed")?,
        label: row.try_get("label")?,
        allowed_domains: domains.split(',').map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned).collect(),
        create_people: row.try_get::<i64, _>("create_people")? != 0,
        default_role: row.try_get("default_role")?,
        roles_claim: row.try_get("roles_claim")?,
        role_map: row.try_get("role_map")?,
    })
}

const COLUMNS: &str = "organisation_id, issuer, client_id, client_secret_sealed, label, allowed_domains, create_people, default_role, roles_claim, role_map";

pub async fn provider(db: &Db, organisation: OrganisationId) -> Result<Option<Provider>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM sso_providers WHERE organisation_id = $1")))
        .bind(organisation.get())
        .read_optional(db)
        .await?
        .as_ref()
        .map(provider_from)
        .transpose()
}

/// Every organisation's provider (the sign-in page offers each one's button).
pub async fn providers(db: &Db) -> Result<Vec<Provider>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM sso_providers ORDER BY label")))
        .read_all(db)
        .await?
        .iter()
        .map(provider_from)
        .collect()
}

/// Saves the organisation's provider. An empty sealed secret keeps the one stored before, so that an
/// administrator need not type it again to change the label.
pub async fn save_provider(db: &Db, by: Actor, provider: &Provider) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let existing: Option<String> =
        sqlx::query("SELECT client_secret_sealed FROM sso_providers WHERE organisation_id = $1")
            .bind(by.organisation.get())
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("client_secret_sealed"))
            .transpose()?;
    let secret = if provider.client_secret_sealed.is_empty() {
        existing.unwrap_or_default()
    } else {
        provider.client_secret_sealed.clone()
    };
    sqlx::query("DELETE FROM sso_providers WHERE organisation_id = $1")
        .bind(by.organisation.get())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sso_providers (organisation_id, issuer, client_id, client_secret_sealed, label, allowed_domains,
                                    create_people, default_role, roles_claim, role_map, updated_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(by.organisation.get())
    .bind(&provider.issuer)
    .bind(&provider.client_id)
    .bind(secret)
    .bind(&provider.label)
    .bind(provider.allowed_domains.join(","))
    .bind(i64::from(provider.create_people))
    .bind(&provider.default_role)
    .bind(&provider.roles_claim)
    .bind(&provider.role_map)
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?;
    let summary = format!(
        "Single sign-on set to {} (client {}), domains {}, create people on first sign-in: {}",
        provider.issuer,
        provider.client_id,
        provider.allowed_domains.join(", "),
        if provider.create_people { "yes" } else { "no" }
    );
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "organisation.sso_configured",
        format!("organisation:{}", by.organisation),
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_provider(db: &Db, by: Actor) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("DELETE FROM sso_providers WHERE organisation_id = $1")
        .bind(by.organisation.get())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "organisation.sso_removed",
        format!("organisation:{}", by.organisation),
        "Single sign-on removed".into(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The person an identity is linked to.
pub async fn linked_user(db: &Db, issuer: &str, subject: &str) -> Result<Option<UserId>, StoreError> {
    Ok(sqlx::query("SELECT user_id FROM sso_identities WHERE issuer = $1 AND subject = $2")
        .bind(issuer)
        .bind(subject)
        .read_optional(db)
        .await?
        .map(|r| r.try_get::<i64, _>("user_id"))
        .transpose()?
        .map(UserId::new))
}

/// Links an identity to a person (first sign-in matched by verified email), audited.
pub async fn link(
    db: &Db,
    issuer: &str,
    subject: &str,
    user: UserId,
    organisation: Option<OrganisationId>,
    now_ms: i64,
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("INSERT INTO sso_identities (issuer, subject, user_id, linked_ms) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(issuer)
        .bind(subject)
        .bind(user.get())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    let event = kindling_domain::audit::AuditEvent {
        at_ms: now_ms,
        actor: Some(user),
        organisation,
        action: "account.sso_linked".into(),
        subject: format!("user:{user}"),
        summary: format!("Single sign-on identity at {issuer} linked"),
    };
    audit::append(&mut tx, db.dialect(), &event).await?;
    tx.commit().await?;
    Ok(())
}

/// A sign-in waiting for the provider's callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// Which provider: `installation` or `organisation:<id>`.
    pub provider: String,
    pub nonce: String,
    pub verifier: String,
    pub next: String,
}

/// Remembers a sign-in sent to the provider, by the hash of its `state` (ten minutes to come back).
pub async fn put_pending(db: &Db, state: &str, pending: &Pending, now_ms: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sso_pending WHERE expires_ms <= $1").bind(now_ms).execute(db.pool()).await?;
    sqlx::query(
        "INSERT INTO sso_pending (state_hash, provider, nonce, verifier, next_path, expires_ms) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash(state))
    .bind(&pending.provider)
    .bind(&pending.nonce)
    .bind(&pending.verifier)
    .bind(&pending.next)
    .bind(now_ms + 10 * 60 * 1000)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Takes (and forgets) the sign-in a callback's `state` belongs to; `None` for an unknown, used or stale
/// state.
pub async fn take_pending(db: &Db, state: &str, now_ms: i64) -> Result<Option<Pending>, StoreError> {
    let hash = token_hash(state);
    let row =
        sqlx::query("SELECT provider, nonce, verifier, next_path, expires_ms FROM sso_pending WHERE state_hash = $1")
            .bind(&hash)
            .read_optional(db)
            .await?;
    let Some(row) = row else { return Ok(None) };
    let taken = sqlx::query("DELETE FROM sso_pending WHERE state_hash = $1")
        .bind(&hash)
        .execute(db.pool())
        .await?
        .rows_affected();
    if taken != 1 || row.try_get::<i64, _>("expires_ms")? <= now_ms {
        return Ok(None);
    }
    Ok(Some(Pending {
        provider: row.try_get("provider")?,
        nonce: row.try_get("nonce")?,
        verifier: row.try_get("verifier")?,
        next: row.try_get("next_path")?,
    }))
}

/// Creates a person on their first single sign-on (just-in-time creation, when the organisation allows
/// it), active at once with no password, with their roles and their identity linked, in one transaction.
/// Who a provider vouched for, to be created on their first sign-in.
#[derive(Clone, Debug)]
pub struct NewIdentity<'a> {
    pub organisation: OrganisationId,
    pub email: &'a kindling_domain::people::Email,
    pub name: &'a str,
    pub roles: &'a [kindling_domain::people::Role],
    pub issuer: &'a str,
    pub subject: &'a str,
}

pub async fn create_person(db: &Db, who: &NewIdentity<'_>, now_ms: i64) -> Result<UserId, StoreError> {
    let NewIdentity { organisation, email, name, roles, issuer, subject } = *who;
    let mut tx = db.write().await?;
    let new = crate::users::NewUser {
        email,
        name,
        profession: kindling_domain::people::Profession::Other,
        unit: None,
        site: None,
        password_hash: "",
        status: kindling_domain::accounts::AccountStatus::Active,
    };
    let user = crate::users::create(&mut tx, &new, now_ms).await?;
    for role in roles {
        crate::users::grant_role(&mut tx, user, organisation, *role).await?;
    }
    sqlx::query("INSERT INTO sso_identities (issuer, subject, user_id, linked_ms) VALUES ($1, $2, $3, $4)")
        .bind(issuer)
        .bind(subject)
        .bind(user.get())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    let names: Vec<&str> = roles.iter().map(|r| r.slug()).collect();
    let event = kindling_domain::audit::AuditEvent {
        at_ms: now_ms,
        actor: Some(user),
        organisation: Some(organisation),
        action: "people.created_by_sso".into(),
        subject: format!("user:{user}"),
        summary: format!("{name} ({email}) created on first sign-in through {issuer} as {}", names.join(", ")),
    };
    audit::append(&mut tx, db.dialect(), &event).await?;
    tx.commit().await?;
    Ok(user)
}
