//! Collaborative spaces, open to every organisation of the hub: members (accounts from any
//! organisation, and patient partners without one), outputs by design-thinking stage, and the
//! initiatives started from a space.

use crate::db::SingleRead;
use kindling_domain::ids::{InitiativeId, OrganisationId, UserId};
use kindling_domain::initiatives::{InitiativeDraft, Stage as InitiativeStage};
use kindling_domain::notifications::Kind;
use kindling_domain::people::{Email, Profession};
use kindling_domain::spaces::{Seat, SpaceDraft, Stage};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::notifications::{self, Notice};
use crate::{Actor, Db, StoreError, WriteTx, audit, initiatives};

#[derive(Clone, Debug, Serialize)]
pub struct Space {
    pub id: i64,
    pub title: String,
    pub theme: String,
    pub stage: Stage,
    pub organisation: String,
    pub created_by: String,
    /// Who opened the space, and so facilitates it (runs its challenges).
    pub facilitator: UserId,
    pub members: i64,
    pub created_ms: i64,
}

const SPACES: &str = "SELECT s.*, g.name AS organisation_name, u.name AS creator,
        (SELECT COUNT(*) FROM space_members m WHERE m.space_id = s.id)
          + (SELECT COUNT(*) FROM space_partners p WHERE p.space_id = s.id) AS members
    FROM spaces s JOIN organisations g ON g.id = s.organisation_id JOIN users u ON u.id = s.created_by";

fn space_from(r: &AnyRow) -> Result<Space, StoreError> {
    let stage: String = r.try_get("stage")?;
    Ok(Space {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        theme: r.try_get("theme")?,
        stage: stage.parse().map_err(|_| StoreError::Corrupt(format!("space stage {stage:?}")))?,
        organisation: r.try_get("organisation_name")?,
        created_by: r.try_get("creator")?,
        facilitator: UserId::new(r.try_get("created_by")?),
        members: r.try_get("members")?,
        created_ms: r.try_get("created_ms")?,
    })
}

pub async fn list(db: &Db) -> Result<Vec<Space>, StoreError> {
    let sql = format!("{SPACES} ORDER BY s.created_ms DESC, s.id DESC");
    sqlx::query(sqlx::AssertSqlSafe(sql)).read_all(db).await?.iter().map(space_from).collect()
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Space>, StoreError> {
    let sql = format!("{SPACES} WHERE s.id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).read_optional(db).await?.as_ref().map(space_from).transpose()
}

/// Makes `user` a member of the space, within the caller's transaction.
async fn add_member_in(tx: &mut WriteTx, space: i64, user: i64, now_ms: i64) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO space_members (space_id, user_id, joined_ms) VALUES ($1, $2, $3)")
        .bind(space)
        .bind(user)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Opens a space; its creator is its first member.
pub async fn create(db: &Db, by: Actor, draft: &SpaceDraft) -> Result<i64, StoreError> {
    let mut tx = db.write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO spaces (organisation_id, title, theme, stage, created_by, created_ms) VALUES ($1, $2, $3, 'understand', $4, $5) RETURNING id",
    )
    .bind(by.organisation.get())
    .bind(draft.title.clone())
    .bind(draft.theme.clone())
    .bind(by.user.get())
    .bind(by.now_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    add_member_in(&mut tx, id, by.user.get(), by.now_ms).await?;
    audit::record(&mut tx, db.dialect(), by, "space.created", format!("space:{id}"), draft.title.clone()).await?;
    tx.commit().await?;
    Ok(id)
}

/// A member with an account, from any organisation of the hub.
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    pub user: UserId,
    pub name: String,
    pub profession: Profession,
    pub organisation: String,
}

pub async fn members(db: &Db, space: i64) -> Result<Vec<Member>, StoreError> {
    // A person's organisation is the first they joined (their home organisation).
    sqlx::query(
        "SELECT u.id, u.name, u.profession,
            (SELECT g.name FROM memberships x JOIN organisations g ON g.id = x.organisation_id
             WHERE x.user_id = u.id ORDER BY g.id LIMIT 1) AS organisation
         FROM space_members m JOIN users u ON u.id = m.user_id WHERE m.space_id = $1 ORDER BY u.name",
    )
    .bind(space)
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        let person =
            crate::users::person_from(r.try_get("id")?, r.try_get("name")?, &r.try_get::<String, _>("profession")?)?;
        Ok(Member {
            user: person.id,
            name: person.name,
            profession: person.profession,
            organisation: r.try_get::<Option<String>, _>("organisation")?.unwrap_or_default(),
        })
    })
    .collect()
}

/// A patient partner of a space: known by the name they chose, never by contact details; `account`
/// is the limited account they sign in with, if they were given one.
#[derive(Clone, Debug, Serialize)]
pub struct Partner {
    pub id: i64,
    pub name: String,
    pub account: Option<UserId>,
}

pub async fn partners(db: &Db, space: i64) -> Result<Vec<Partner>, StoreError> {
    sqlx::query("SELECT id, name, user_id FROM space_partners WHERE space_id = $1 ORDER BY id")
        .bind(space)
        .read_all(db)
        .await?
        .iter()
        .map(|r| {
            Ok(Partner {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                account: r.try_get::<Option<i64>, _>("user_id")?.map(UserId::new),
            })
        })
        .collect()
}

/// Whether `user` signs in as one of the space's patient partners.
pub async fn is_partner(db: &Db, space: i64, user: UserId) -> Result<bool, StoreError> {
    Ok(sqlx::query("SELECT 1 AS x FROM space_partners WHERE space_id = $1 AND user_id = $2")
        .bind(space)
        .bind(user.get())
        .read_optional(db)
        .await?
        .is_some())
}

/// The spaces in which `user` is a patient partner, newest first: all that their limited account
/// opens.
pub async fn of_partner(db: &Db, user: UserId) -> Result<Vec<Space>, StoreError> {
    let sql = format!(
        "{SPACES} WHERE s.id IN (SELECT space_id FROM space_partners WHERE user_id = $1) ORDER BY s.created_ms DESC, s.id DESC"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user.get()).read_all(db).await?.iter().map(space_from).collect()
}

/// What giving a patient partner an account came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartnerAccount {
    /// A new limited account: the token of its one-time link, to send to the address given, and the
    /// partner's name to address it to.
    Invited { token: String, name: String },
    /// They had a partner's account already (from another space): this space is linked to it and
    /// they were told.
    Linked,
    /// The address belongs to someone on the staff of an organisation of the hub: they take part as
    /// a member (invite them), not as a partner.
    StaffAccount,
    /// This partner has an account already.
    HasAccount,
}

/// Gives the space's patient partner `partner` a limited account at `email` (the invitation every
/// account starts with, with the partner role in the actor's organisation only), or links the space
/// to the partner account that address already has. `None` if the space has no such partner.
pub async fn give_partner_account(
    db: &Db,
    by: Actor,
    space: &Space,
    partner: i64,
    email: &Email,
) -> Result<Option<PartnerAccount>, StoreError> {
    let mut tx = db.write().await?;
    let Some(row) = sqlx::query("SELECT name, user_id FROM space_partners WHERE id = $1 AND space_id = $2")
        .bind(partner)
        .bind(space.id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    let name: String = row.try_get("name")?;
    if row.try_get::<Option<i64>, _>("user_id")?.is_some() {
        return Ok(Some(PartnerAccount::HasAccount));
    }
    let existing = sqlx::query(
        "SELECT u.id, (SELECT COUNT(*) FROM memberships m WHERE m.user_id = u.id AND m.role <> $2) AS staff_roles
         FROM users u WHERE u.email = $1",
    )
    .bind(email.as_str().to_owned())
    .bind(kindling_domain::people::Role::Partner.slug())
    .fetch_optional(&mut *tx)
    .await?;
    let (user, outcome) = match existing {
        Some(found) if found.try_get::<i64, _>("staff_roles")? > 0 => return Ok(Some(PartnerAccount::StaffAccount)),
        Some(found) => {
            let user = UserId::new(found.try_get("id")?);
            crate::users::grant_role(&mut tx, user, by.organisation, kindling_domain::people::Role::Partner).await?;
            let summary = format!("You can now take part in the collaborative space \u{201c}{}\u{201d}", space.title);
            notifications::notify(
                &mut tx,
                &[user.get()],
                &Notice::of(by, Kind::Mentoring, &summary, &format!("/spaces/{}", space.id)),
            )
            .await?;
            (user, PartnerAccount::Linked)
        }
        None => {
            let invitee = crate::people::Invitee {
                email: email.clone(),
                name,
                profession: Profession::PatientPartner,
                roles: vec![kindling_domain::people::Role::Partner],
                site: None,
            };
            match crate::people::invite_in(&mut tx, db, by, &invitee).await? {
                crate::people::Invited::New { user, token } => {
                    (user, PartnerAccount::Invited { token, name: invitee.name })
                }
                // Not reached: an address with no account was checked above, in this transaction.
                crate::people::Invited::Joined { user } => (user, PartnerAccount::Linked),
            }
        }
    };
    sqlx::query("UPDATE space_partners SET user_id = $1 WHERE id = $2")
        .bind(user.get())
        .bind(partner)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "space.partner_account",
        format!("space:{}", space.id),
        "a patient partner was given an account".into(),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(outcome))
}

/// Someone in a saved team, as the space page shows them.
#[derive(Clone, Debug, Serialize)]
pub struct TeamPlace {
    pub seat: Seat,
    pub name: String,
    /// Their profession and organisation, or "patient partner".
    pub detail: String,
}

/// A space's saved team.
#[derive(Clone, Debug, Serialize)]
pub struct SavedTeam {
    pub number: i64,
    pub places: Vec<TeamPlace>,
}

const TEAM_PLACES: &str = "u.id AS user_id, u.name AS user_name, u.profession,
        (SELECT g.name FROM memberships x JOIN organisations g ON g.id = x.organisation_id
         WHERE x.user_id = u.id ORDER BY g.id LIMIT 1) AS organisation,
        p.id AS partner_id, p.name AS partner_name";

fn place_from(r: &AnyRow) -> Result<TeamPlace, StoreError> {
    match r.try_get::<Option<i64>, _>("user_id")? {
        Some(user) => {
            let profession: String = r.try_get("profession")?;
            let person = crate::users::person_from(user, r.try_get("user_name")?, &profession)?;
            let organisation = r.try_get::<Option<String>, _>("organisation")?.unwrap_or_default();
            Ok(TeamPlace {
                seat: Seat::Member(person.id),
                name: person.name,
                detail: format!("{}, {organisation}", person.profession.label()),
            })
        }
        None => Ok(TeamPlace {
            seat: Seat::Partner(r.try_get("partner_id")?),
            name: r.try_get("partner_name")?,
            detail: "patient partner".into(),
        }),
    }
}

/// The space's saved teams, in order, each person in the order they were saved.
pub async fn saved_teams(db: &Db, space: i64) -> Result<Vec<SavedTeam>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT t.team, {TEAM_PLACES} FROM space_teams t
         LEFT JOIN users u ON u.id = t.user_id LEFT JOIN space_partners p ON p.id = t.partner_id
         WHERE t.space_id = $1 ORDER BY t.team, t.place"
    )))
    .bind(space)
    .read_all(db)
    .await?;
    let mut teams: Vec<SavedTeam> = Vec::new();
    for r in &rows {
        let number: i64 = r.try_get("team")?;
        let place = place_from(r)?;
        match teams.last_mut() {
            Some(team) if team.number == number => team.places.push(place),
            _ => teams.push(SavedTeam { number, places: vec![place] }),
        }
    }
    Ok(teams)
}

/// Why saved teams were not saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TeamsRefused {
    /// Someone in them is no longer a member or partner of the space (or never was).
    NotInSpace,
}

/// Saves `teams` as the space's teams, replacing any saved before, if everyone in them belongs to
/// the space (checked in the same transaction).
pub async fn save_teams(
    db: &Db,
    by: Actor,
    space: i64,
    teams: &[Vec<Seat>],
) -> Result<Result<(), TeamsRefused>, StoreError> {
    let mut tx = db.write().await?;
    let members: std::collections::BTreeSet<i64> = sqlx::query("SELECT user_id FROM space_members WHERE space_id = $1")
        .bind(space)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("user_id"))
        .collect::<Result<_, _>>()?;
    let partners: std::collections::BTreeSet<i64> = sqlx::query("SELECT id FROM space_partners WHERE space_id = $1")
        .bind(space)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let belongs = |seat: &Seat| match seat {
        Seat::Member(user) => members.contains(&user.get()),
        Seat::Partner(id) => partners.contains(id),
    };
    if !teams.iter().flatten().all(belongs) {
        return Ok(Err(TeamsRefused::NotInSpace));
    }
    sqlx::query("DELETE FROM space_teams WHERE space_id = $1").bind(space).execute(&mut *tx).await?;
    let mut order = 0_i64;
    for (k, team) in teams.iter().enumerate() {
        for seat in team {
            order += 1;
            let (user, partner) = match seat {
                Seat::Member(user) => (Some(user.get()), None),
                Seat::Partner(id) => (None, Some(*id)),
            };
            sqlx::query(
                "INSERT INTO space_teams (space_id, team, user_id, partner_id, place) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(space)
            .bind(k as i64 + 1)
            .bind(user)
            .bind(partner)
            .bind(order)
            .execute(&mut *tx)
            .await?;
        }
    }
    let summary = format!("{} teams of {} people", teams.len(), teams.iter().map(Vec::len).sum::<usize>());
    audit::record(&mut tx, db.dialect(), by, "space.teams_saved", format!("space:{space}"), summary).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

pub async fn join(db: &Db, by: Actor, space: i64) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let already = sqlx::query("SELECT 1 AS x FROM space_members WHERE space_id = $1 AND user_id = $2")
        .bind(space)
        .bind(by.user.get())
        .fetch_optional(&mut *tx)
        .await?;
    if already.is_none() {
        add_member_in(&mut tx, space, by.user.get(), by.now_ms).await?;
        audit::record(&mut tx, db.dialect(), by, "space.joined", format!("space:{space}"), String::new()).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What inviting someone to a space came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invitation {
    /// They are now a member, and have been told (their name).
    Added(String),
    /// They were a member already (their name).
    AlreadyMember(String),
    /// Nobody with an active account on the hub has that email address.
    NoAccount,
}

/// Adds the person with `email`, from any organisation of the hub, to the space and tells them.
pub async fn invite(db: &Db, by: Actor, space: &Space, email: &Email) -> Result<Invitation, StoreError> {
    let mut tx = db.write().await?;
    let Some(person) = sqlx::query(
        "SELECT u.id, u.name, (SELECT COUNT(*) FROM space_members m WHERE m.space_id = $2 AND m.user_id = u.id) AS member
         FROM users u WHERE u.email = $1 AND u.status = 'active'",
    )
    .bind(email.as_str().to_owned())
    .bind(space.id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(Invitation::NoAccount);
    };
    let (user, name): (i64, String) = (person.try_get("id")?, person.try_get("name")?);
    if person.try_get::<i64, _>("member")? > 0 {
        return Ok(Invitation::AlreadyMember(name));
    }
    add_member_in(&mut tx, space.id, user, by.now_ms).await?;
    let summary = format!("You were added to the collaborative space \u{201c}{}\u{201d}", space.title);
    notifications::notify(
        &mut tx,
        &[user],
        &Notice::of(by, Kind::Mentoring, &summary, &format!("/spaces/{}", space.id)),
    )
    .await?;
    audit::record(&mut tx, db.dialect(), by, "space.member_invited", format!("space:{}", space.id), name.clone())
        .await?;
    tx.commit().await?;
    Ok(Invitation::Added(name))
}

pub async fn add_partner(db: &Db, by: Actor, space: i64, name: &str) -> Result<(), StoreError> {
    insert_partner(db, by, space, name, None).await
}

/// Adds a partner who already has a partner account (the demo's).
pub(crate) async fn add_partner_with_account(
    db: &Db,
    by: Actor,
    space: i64,
    name: &str,
    account: UserId,
) -> Result<(), StoreError> {
    insert_partner(db, by, space, name, Some(account)).await
}

async fn insert_partner(db: &Db, by: Actor, space: i64, name: &str, account: Option<UserId>) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("INSERT INTO space_partners (space_id, name, joined_ms, user_id) VALUES ($1, $2, $3, $4)")
        .bind(space)
        .bind(name.to_owned())
        .bind(by.now_ms)
        .bind(account.map(UserId::get))
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "space.partner_added",
        format!("space:{space}"),
        "a patient partner".into(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Debug, Serialize)]
pub struct Output {
    pub stage: Stage,
    pub body: String,
    pub author: String,
    pub created_ms: i64,
}

pub async fn outputs(db: &Db, space: i64) -> Result<Vec<Output>, StoreError> {
    sqlx::query(
        "SELECT o.stage, o.body, o.created_ms, u.name FROM space_outputs o JOIN users u ON u.id = o.author_id
         WHERE o.space_id = $1 ORDER BY o.id",
    )
    .bind(space)
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        let stage: String = r.try_get("stage")?;
        Ok(Output {
            stage: stage.parse().map_err(|_| StoreError::Corrupt(format!("space stage {stage:?}")))?,
            body: r.try_get("body")?,
            author: r.try_get("name")?,
            created_ms: r.try_get("created_ms")?,
        })
    })
    .collect()
}

/// Adds an output and moves the space on to that stage if it is further along.
pub async fn add_output(
    db: &Db,
    by: Actor,
    space: &crate::spaces::Space,
    stage: Stage,
    body: &str,
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("INSERT INTO space_outputs (space_id, stage, body, author_id, created_ms) VALUES ($1, $2, $3, $4, $5)")
        .bind(space.id)
        .bind(stage.slug())
        .bind(body.to_owned())
        .bind(by.user.get())
        .bind(by.now_ms)
        .execute(&mut *tx)
        .await?;
    if stage > space.stage {
        sqlx::query("UPDATE spaces SET stage = $1 WHERE id = $2")
            .bind(stage.slug())
            .bind(space.id)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "space.output_added",
        format!("space:{}", space.id),
        stage.label().to_owned(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether someone belongs to the space.
pub async fn is_member(db: &Db, space: i64, user: UserId) -> Result<bool, StoreError> {
    Ok(sqlx::query("SELECT 1 AS x FROM space_members WHERE space_id = $1 AND user_id = $2")
        .bind(space)
        .bind(user.get())
        .read_optional(db)
        .await?
        .is_some())
}

/// Starts an initiative (an idea in the actor's organisation) from the space, linked back to it. With
/// `team`, the idea takes that saved team as it is now: its members from the actor's organisation
/// join the initiative's team, and the whole team (other organisations' members and patient partners
/// too) is kept with the link. `None` if that team is no longer saved (nothing is written).
pub async fn start_idea(
    db: &Db,
    by: Actor,
    space: i64,
    draft: &InitiativeDraft,
    team: Option<i64>,
) -> Result<Option<InitiativeId>, StoreError> {
    let mut tx = db.write().await?;
    let id =
        initiatives::create_in(&mut tx, db, by.organisation, by.user, draft, InitiativeStage::Idea, by.now_ms).await?;
    sqlx::query("INSERT INTO space_initiatives (space_id, initiative_id) VALUES ($1, $2)")
        .bind(space)
        .bind(id.get())
        .execute(&mut *tx)
        .await?;
    let mut summary = format!("initiative {}", id.get());
    if let Some(team) = team {
        let kept = sqlx::query(
            "INSERT INTO space_initiative_team (initiative_id, place, user_id, partner_id)
             SELECT $1, place, user_id, partner_id FROM space_teams WHERE space_id = $2 AND team = $3",
        )
        .bind(id.get())
        .bind(space)
        .bind(team)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if kept == 0 {
            return Ok(None);
        }
        // The person starting the idea is its submitter, not a team member; people from other
        // organisations cannot open the initiative, so they stay on the space's record of the team.
        sqlx::query(
            "INSERT INTO team_members (initiative_id, user_id, team_role)
             SELECT $1, t.user_id, 'Member' FROM space_teams t JOIN users u ON u.id = t.user_id
             WHERE t.space_id = $2 AND t.team = $3 AND t.user_id <> $4 AND u.status = 'active'
               AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = t.user_id AND m.organisation_id = $5)",
        )
        .bind(id.get())
        .bind(space)
        .bind(team)
        .bind(by.user.get())
        .bind(by.organisation.get())
        .execute(&mut *tx)
        .await?;
        summary = format!("{summary} with team {team}");
    }
    audit::record(&mut tx, db.dialect(), by, "space.idea_started", format!("space:{space}"), summary).await?;
    tx.commit().await?;
    Ok(Some(id))
}

#[derive(Clone, Debug, Serialize)]
pub struct Linked {
    pub id: InitiativeId,
    pub title: String,
    pub stage: InitiativeStage,
    /// What the space shares with members from other organisations, who cannot open the initiative:
    /// its owning organisation, its problem as a summary, and who to contact.
    pub organisation: OrganisationId,
    pub organisation_name: String,
    pub summary: String,
    pub contact_name: String,
    pub contact_email: String,
    /// The saved team the idea took when it was started, if any.
    pub team: Vec<TeamPlace>,
}

pub async fn initiatives(db: &Db, space: i64) -> Result<Vec<Linked>, StoreError> {
    let mut linked = sqlx::query(
        "SELECT i.id, i.title, i.stage, i.problem, i.organisation_id, o.name AS organisation_name,
                u.name AS contact_name, u.email AS contact_email
         FROM space_initiatives s JOIN initiatives i ON i.id = s.initiative_id
         JOIN organisations o ON o.id = i.organisation_id JOIN users u ON u.id = i.submitter_id
         WHERE s.space_id = $1 ORDER BY i.id",
    )
    .bind(space)
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        let stage: String = r.try_get("stage")?;
        Ok(Linked {
            id: InitiativeId::new(r.try_get("id")?),
            title: r.try_get("title")?,
            stage: stage.parse().map_err(|_| StoreError::Corrupt(format!("stage {stage:?}")))?,
            organisation: OrganisationId::new(r.try_get("organisation_id")?),
            organisation_name: r.try_get("organisation_name")?,
            summary: r.try_get("problem")?,
            contact_name: r.try_get("contact_name")?,
            contact_email: r.try_get("contact_email")?,
            team: Vec::new(),
        })
    })
    .collect::<Result<Vec<Linked>, StoreError>>()?;
    let places = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT x.initiative_id, {TEAM_PLACES} FROM space_initiative_team x
         JOIN space_initiatives s ON s.initiative_id = x.initiative_id AND s.space_id = $1
         LEFT JOIN users u ON u.id = x.user_id LEFT JOIN space_partners p ON p.id = x.partner_id
         ORDER BY x.initiative_id, x.place"
    )))
    .bind(space)
    .read_all(db)
    .await?;
    for r in &places {
        let initiative: i64 = r.try_get("initiative_id")?;
        if let Some(item) = linked.iter_mut().find(|l| l.id.get() == initiative) {
            item.team.push(place_from(r)?);
        }
    }
    Ok(linked)
}

/// The space that an initiative was started in, if any.
pub async fn of_initiative(db: &Db, initiative: InitiativeId) -> Result<Option<(i64, String)>, StoreError> {
    sqlx::query(
        "SELECT s.id, s.title FROM space_initiatives x JOIN spaces s ON s.id = x.space_id WHERE x.initiative_id = $1",
    )
    .bind(initiative.get())
    .read_optional(db)
    .await?
    .map(|r| Ok((r.try_get("id")?, r.try_get("title")?)))
    .transpose()
}

/// Pairs of a space's members who already work together: on the same initiative (as submitter or on
/// its team), or in the same unit.
pub async fn worked_together(db: &Db, space: i64) -> Result<Vec<(UserId, UserId)>, StoreError> {
    let rows = sqlx::query(
        "SELECT g.user_id, g.grp FROM (
            SELECT submitter_id AS user_id, 'i' || id AS grp FROM initiatives
            UNION SELECT user_id, 'i' || initiative_id FROM team_members
            UNION SELECT id, 'u' || unit_id FROM users WHERE unit_id IS NOT NULL
         ) g JOIN space_members m ON m.user_id = g.user_id WHERE m.space_id = $1",
    )
    .bind(space)
    .read_all(db)
    .await?;
    let mut groups: std::collections::BTreeMap<String, Vec<UserId>> = Default::default();
    for r in rows {
        groups.entry(r.try_get("grp")?).or_default().push(UserId::new(r.try_get("user_id")?));
    }
    let mut pairs = std::collections::BTreeSet::new();
    for members in groups.values() {
        for (k, a) in members.iter().enumerate() {
            for b in &members[k + 1..] {
                if a != b {
                    pairs.insert(((*a).min(*b), (*a).max(*b)));
                }
            }
        }
    }
    Ok(pairs.into_iter().collect())
}
