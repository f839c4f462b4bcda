//! Initiatives: the idea, its aim, team, tags, stage history and comments.
//!
//! Every function that changes an initiative takes the organisation it must belong to, so a request
//! can never touch another organisation's initiative even if it guesses an id.

use crate::db::SingleRead;
use kindling_domain::audit::AuditEvent;
use kindling_domain::ids::{CommentId, InitiativeId, OrganisationId, SiteId, UserId};
use kindling_domain::initiatives::{Aim, CivilDate, InitiativeDraft, Stage, StageChange, Tag};
use kindling_domain::notifications::Kind;
use kindling_domain::paging::Page;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::notifications::{self, Notice};
use crate::users::{Person, person_from};
use crate::{Db, StoreError, WriteTx, audit};

/// One line of the initiatives list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InitiativeSummary {
    pub id: InitiativeId,
    pub title: String,
    pub stage: Stage,
    pub site_name: Option<String>,
    pub submitter_name: String,
    pub tags: Vec<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// An initiative with everything shown on its page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Initiative {
    pub id: InitiativeId,
    pub organisation: OrganisationId,
    pub stage: Stage,
    pub draft: InitiativeDraft,
    pub site_name: Option<String>,
    pub submitter: Person,
    pub team: Vec<TeamMember>,
    pub history: Vec<StageChangeRecord>,
    pub comments: Vec<Comment>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl Initiative {
    pub fn is_team_member(&self, user: UserId) -> bool {
        self.team.iter().any(|m| m.person.id == user)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TeamMember {
    pub person: Person,
    /// "Lead", "Member", "Sponsor"…
    pub team_role: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StageChangeRecord {
    pub from: Stage,
    pub to: Stage,
    pub actor: Person,
    pub reason: String,
    pub at_ms: i64,
    /// What the measures showed when the change was adopted or spread.
    pub evidence: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub id: CommentId,
    pub author: Person,
    pub body: String,
    pub at_ms: i64,
}

/// Filters for the list; `None` means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub stage: Option<Stage>,
    pub site: Option<SiteId>,
    pub tag: Option<Tag>,
}

/// One page of an organisation's initiatives, most recently updated first, and the total matching.
pub async fn list(
    db: &Db,
    organisation: OrganisationId,
    filter: &Filter,
    page: Page,
) -> Result<(Vec<InitiativeSummary>, u64), StoreError> {
    // The WHERE clause is assembled from fixed fragments; every value is a bind parameter.
    let mut conditions = vec!["i.organisation_id = $1".to_owned()];
    let mut next = 2;
    if filter.stage.is_some() {
        conditions.push(format!("i.stage = ${next}"));
        next += 1;
    }
    if filter.site.is_some() {
        conditions.push(format!("i.site_id = ${next}"));
        next += 1;
    }
    if filter.tag.is_some() {
        conditions
            .push(format!("EXISTS (SELECT 1 FROM initiative_tags t WHERE t.initiative_id = i.id AND t.tag = ${next})"));
    }
    let where_clause = conditions.join(" AND ");
    let bind_filters = |sql: String| {
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(organisation.get());
        if let Some(stage) = filter.stage {
            query = query.bind(stage.slug());
        }
        if let Some(site) = filter.site {
            query = query.bind(site.get());
        }
        if let Some(tag) = &filter.tag {
            query = query.bind(tag.as_str().to_owned());
        }
        query
    };
    // One query for the page: the total comes with every row and each row's tags as one list, so a
    // page costs one round trip. The total is a subquery that does not depend on the row, which SQLite
    // and PostgreSQL evaluate once, counting from the index without keeping the rows; a window
    // (`COUNT(*) OVER ()`) would hold every matching row, joined, before LIMIT picked twenty, which
    // under a soak grew each request's memory and time with the organisation's initiatives. LIMIT and
    // OFFSET are written as numbers (both are integers from `Page`): SQLite marks a statement whose
    // LIMIT is a bound parameter for re-preparing every time it is bound, which cost a third of the
    // page's time; as literals, the statement stays prepared per connection.
    let tag_list = match db.dialect() {
        crate::Dialect::Sqlite => "group_concat(t.tag, ',')",
        crate::Dialect::Postgres => "string_agg(t.tag, ',')",
    };
    let rows = bind_filters(format!(
        "SELECT i.id, i.title, i.stage, i.created_ms, i.updated_ms, s.name AS site_name, u.name AS submitter_name,
                (SELECT COUNT(*) FROM initiatives i WHERE {where_clause}) AS total,
                (SELECT {tag_list} FROM initiative_tags t WHERE t.initiative_id = i.id) AS tags
         FROM initiatives i
         LEFT JOIN sites s ON s.id = i.site_id
         JOIN users u ON u.id = i.submitter_id
         WHERE {where_clause}
         ORDER BY i.updated_ms DESC, i.id DESC
         LIMIT {} OFFSET {}",
        page.per_page(),
        page.offset().min(i64::MAX as u64)
    ))
    .read_all(db)
    .await?;
    let total: i64 = match rows.first() {
        Some(row) => row.try_get("total")?,
        // No rows on this page: the filter matched nothing, or the page is past the end.
        None if page.offset() == 0 => 0,
        None => bind_filters(format!("SELECT COUNT(*) AS n FROM initiatives i WHERE {where_clause}"))
            .read_one(db)
            .await?
            .try_get("n")?,
    };
    let items = rows
        .iter()
        .map(|r| {
            // Tags are letters, numbers, spaces and hyphens (domain::initiatives::Tag): a comma
            // cannot be part of one.
            let mut tags: Vec<String> = r
                .try_get::<Option<String>, _>("tags")?
                .map(|list| list.split(',').map(str::to_owned).collect())
                .unwrap_or_default();
            tags.sort_unstable();
            Ok(InitiativeSummary {
                id: InitiativeId::new(r.try_get("id")?),
                title: r.try_get("title")?,
                stage: parse_stage(r)?,
                site_name: r.try_get("site_name")?,
                submitter_name: r.try_get("submitter_name")?,
                tags,
                created_ms: r.try_get("created_ms")?,
                updated_ms: r.try_get("updated_ms")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok((items, u64::try_from(total).unwrap_or(0)))
}

fn parse_stage(row: &AnyRow) -> Result<Stage, StoreError> {
    row.try_get::<String, _>("stage")?
        .parse()
        .map_err(|e: kindling_domain::people::UnknownValue| StoreError::Corrupt(e.to_string()))
}

/// One initiative of `organisation`, or `None` if there is none with that id there.
pub async fn get(db: &Db, organisation: OrganisationId, id: InitiativeId) -> Result<Option<Initiative>, StoreError> {
    let Some(row) = sqlx::query(
        "SELECT i.*, s.name AS site_name, u.name AS submitter_name, u.profession AS submitter_profession
         FROM initiatives i
         LEFT JOIN sites s ON s.id = i.site_id
         JOIN users u ON u.id = i.submitter_id
         WHERE i.id = $1 AND i.organisation_id = $2",
    )
    .bind(id.get())
    .bind(organisation.get())
    .read_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let tags = sqlx::query("SELECT tag FROM initiative_tags WHERE initiative_id = $1 ORDER BY tag")
        .bind(id.get())
        .read_all(db)
        .await?
        .iter()
        .map(|r| Tag::parse(&r.try_get::<String, _>("tag")?).map_err(StoreError::Corrupt))
        .collect::<Result<Vec<_>, _>>()?;
    let team = sqlx::query(
        "SELECT u.id, u.name, u.profession, m.team_role FROM team_members m JOIN users u ON u.id = m.user_id
         WHERE m.initiative_id = $1 ORDER BY u.name",
    )
    .bind(id.get())
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(TeamMember {
            person: person_from(r.try_get("id")?, r.try_get("name")?, &r.try_get::<String, _>("profession")?)?,
            team_role: r.try_get("team_role")?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let history = sqlx::query(
        "SELECT c.from_stage, c.to_stage, c.reason, c.at_ms, c.evidence, u.id, u.name, u.profession
         FROM stage_changes c JOIN users u ON u.id = c.actor_id
         WHERE c.initiative_id = $1 ORDER BY c.at_ms, c.id",
    )
    .bind(id.get())
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        let stage = |col: &str| -> Result<Stage, StoreError> {
            r.try_get::<String, _>(col)?
                .parse()
                .map_err(|e: kindling_domain::people::UnknownValue| StoreError::Corrupt(e.to_string()))
        };
        Ok(StageChangeRecord {
            from: stage("from_stage")?,
            to: stage("to_stage")?,
            actor: person_from(r.try_get("id")?, r.try_get("name")?, &r.try_get::<String, _>("profession")?)?,
            reason: r.try_get("reason")?,
            at_ms: r.try_get("at_ms")?,
            evidence: r.try_get("evidence")?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let comments = sqlx::query(
        "SELECT c.id AS comment_id, c.body, c.at_ms, u.id, u.name, u.profession
         FROM comments c JOIN users u ON u.id = c.author_id WHERE c.initiative_id = $1 ORDER BY c.at_ms, c.id",
    )
    .bind(id.get())
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(Comment {
            id: CommentId::new(r.try_get("comment_id")?),
            author: person_from(r.try_get("id")?, r.try_get("name")?, &r.try_get::<String, _>("profession")?)?,
            body: r.try_get("body")?,
            at_ms: r.try_get("at_ms")?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let by_when = row
        .try_get::<Option<String>, _>("aim_by_when")?
        .map(|s| CivilDate::parse_iso(&s).ok_or_else(|| StoreError::Corrupt(format!("aim date {s:?}"))))
        .transpose()?;
    Ok(Some(Initiative {
        id,
        organisation,
        stage: parse_stage(&row)?,
        draft: InitiativeDraft {
            title: row.try_get("title")?,
            problem: row.try_get("problem")?,
            proposed_change: row.try_get("proposed_change")?,
            aim: Aim {
                what: row.try_get("aim_what")?,
                how_much: row.try_get("aim_how_much")?,
                by_when,
                for_whom: row.try_get("aim_for_whom")?,
            },
            site: row.try_get::<Option<i64>, _>("site_id")?.map(SiteId::new),
            tags,
        },
        site_name: row.try_get("site_name")?,
        submitter: person_from(
            row.try_get("submitter_id")?,
            row.try_get("submitter_name")?,
            &row.try_get::<String, _>("submitter_profession")?,
        )?,
        team,
        history,
        comments,
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
    }))
}

async fn replace_tags(tx: &mut WriteTx, id: InitiativeId, tags: &[Tag]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM initiative_tags WHERE initiative_id = $1").bind(id.get()).execute(&mut **tx).await?;
    for tag in tags {
        sqlx::query("INSERT INTO initiative_tags (initiative_id, tag) VALUES ($1, $2)")
            .bind(id.get())
            .bind(tag.as_str())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn subject(id: InitiativeId) -> String {
    format!("initiative:{id}")
}

/// Files a new idea in `organisation`, with its submitter as the team's lead. Returns its id.
pub async fn create(
    db: &Db,
    organisation: OrganisationId,
    submitter: UserId,
    draft: &InitiativeDraft,
    now_ms: i64,
) -> Result<InitiativeId, StoreError> {
    let mut tx = db.write().await?;
    let id = create_in(&mut tx, db, organisation, submitter, draft, Stage::Idea, now_ms).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`create`] inside a caller's transaction, at any starting stage (for importing and seeding).
pub async fn create_in(
    tx: &mut WriteTx,
    db: &Db,
    organisation: OrganisationId,
    submitter: UserId,
    draft: &InitiativeDraft,
    stage: Stage,
    now_ms: i64,
) -> Result<InitiativeId, StoreError> {
    let id: i64 = sqlx::query(
        "INSERT INTO initiatives (organisation_id, site_id, submitter_id, title, problem, proposed_change,
             aim_what, aim_how_much, aim_by_when, aim_for_whom, stage, created_ms, updated_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(organisation.get())
    .bind(draft.site.map(SiteId::get))
    .bind(submitter.get())
    .bind(&draft.title)
    .bind(&draft.problem)
    .bind(&draft.proposed_change)
    .bind(draft.aim.what.as_deref())
    .bind(draft.aim.how_much.as_deref())
    .bind(draft.aim.by_when.map(CivilDate::iso))
    .bind(draft.aim.for_whom.as_deref())
    .bind(stage.slug())
    .bind(now_ms)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    let id = InitiativeId::new(id);
    replace_tags(tx, id, &draft.tags).await?;
    crate::search::index_initiative(tx, id).await?;
    sqlx::query("INSERT INTO team_members (initiative_id, user_id, team_role) VALUES ($1, $2, 'Lead')")
        .bind(id.get())
        .bind(submitter.get())
        .execute(&mut **tx)
        .await?;
    audit::append(
        tx,
        db.dialect(),
        &AuditEvent {
            at_ms: now_ms,
            actor: Some(submitter),
            organisation: Some(organisation),
            action: "initiative.created".into(),
            subject: subject(id),
            summary: format!("Submitted \"{}\" at stage {}", draft.title, stage.label()),
        },
    )
    .await?;
    Ok(id)
}

/// Saves edited details. `before` is the stored version, used to say in the audit log what changed.
pub async fn update(
    db: &Db,
    before: &Initiative,
    actor: UserId,
    draft: &InitiativeDraft,
    now_ms: i64,
) -> Result<(), StoreError> {
    let changed = changed_fields(&before.draft, draft);
    if changed.is_empty() {
        return Ok(());
    }
    let mut tx = db.write().await?;
    sqlx::query(
        "UPDATE initiatives SET site_id = $1, title = $2, problem = $3, proposed_change = $4, aim_what = $5,
             aim_how_much = $6, aim_by_when = $7, aim_for_whom = $8, updated_ms = $9
         WHERE id = $10 AND organisation_id = $11",
    )
    .bind(draft.site.map(SiteId::get))
    .bind(&draft.title)
    .bind(&draft.problem)
    .bind(&draft.proposed_change)
    .bind(draft.aim.what.as_deref())
    .bind(draft.aim.how_much.as_deref())
    .bind(draft.aim.by_when.map(CivilDate::iso))
    .bind(draft.aim.for_whom.as_deref())
    .bind(now_ms)
    .bind(before.id.get())
    .bind(before.organisation.get())
    .execute(&mut *tx)
    .await?;
    replace_tags(&mut tx, before.id, &draft.tags).await?;
    crate::search::index_initiative(&mut tx, before.id).await?;
    audit::append(
        &mut tx,
        db.dialect(),
        &AuditEvent {
            at_ms: now_ms,
            actor: Some(actor),
            organisation: Some(before.organisation),
            action: "initiative.updated".into(),
            subject: subject(before.id),
            summary: format!("Changed {}", changed.join(", ")),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn changed_fields(a: &InitiativeDraft, b: &InitiativeDraft) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let mut check = |name, same: bool| {
        if !same {
            changed.push(name);
        }
    };
    check("title", a.title == b.title);
    check("problem", a.problem == b.problem);
    check("proposed change", a.proposed_change == b.proposed_change);
    check("aim", a.aim == b.aim);
    check("site", a.site == b.site);
    check("tags", a.tags == b.tags);
    changed
}

/// Records a stage change that the domain allowed. Fails with a conflict, changing nothing, if the
/// initiative is no longer at `change.from` (someone else moved it first).
pub async fn change_stage(
    db: &Db,
    organisation: OrganisationId,
    id: InitiativeId,
    actor: UserId,
    change: &StageChange,
    now_ms: i64,
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    change_stage_in(&mut tx, db, organisation, id, actor, change, now_ms).await?;
    tx.commit().await?;
    Ok(())
}

/// [`change_stage`] inside a caller's transaction.
pub async fn change_stage_in(
    tx: &mut WriteTx,
    db: &Db,
    organisation: OrganisationId,
    id: InitiativeId,
    actor: UserId,
    change: &StageChange,
    now_ms: i64,
) -> Result<(), StoreError> {
    let moved = sqlx::query(
        "UPDATE initiatives SET stage = $1, updated_ms = $2 WHERE id = $3 AND organisation_id = $4 AND stage = $5",
    )
    .bind(change.to.slug())
    .bind(now_ms)
    .bind(id.get())
    .bind(organisation.get())
    .bind(change.from.slug())
    .execute(&mut **tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(StoreError::Conflict(format!(
            "This initiative is no longer at stage {}: someone changed it while you were deciding. Check its history and try again.",
            change.from.label()
        )));
    }
    sqlx::query("INSERT INTO stage_changes (initiative_id, from_stage, to_stage, actor_id, reason, at_ms, evidence) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(id.get())
        .bind(change.from.slug())
        .bind(change.to.slug())
        .bind(actor.get())
        .bind(&change.reason)
        .bind(now_ms)
        .bind(&change.evidence)
        .execute(&mut **tx)
        .await?;
    audit::append(
        tx,
        db.dialect(),
        &AuditEvent {
            at_ms: now_ms,
            actor: Some(actor),
            organisation: Some(organisation),
            action: "initiative.stage_changed".into(),
            subject: subject(id),
            summary: match &change.evidence {
                None => format!(
                    "{}: {} → {}. Reason: {}",
                    change.verb,
                    change.from.label(),
                    change.to.label(),
                    change.reason
                ),
                Some(evidence) => format!(
                    "{}: {} → {}. Reason: {} Evidence at the decision: {}",
                    change.verb,
                    change.from.label(),
                    change.to.label(),
                    change.reason,
                    evidence.replace('\n', " ")
                ),
            },
        },
    )
    .await?;
    crate::search::index_initiative(tx, id).await?;
    let title: String = sqlx::query("SELECT title FROM initiatives WHERE id = $1")
        .bind(id.get())
        .fetch_one(&mut **tx)
        .await?
        .try_get("title")?;
    let summary =
        format!("{title}: {} ({} → {}). {}", change.verb, change.from.label(), change.to.label(), change.reason);
    let people = notifications::initiative_people(tx, id).await?;
    let by = crate::Actor { organisation, user: actor, now_ms };
    notifications::notify(tx, &people, &Notice::of(by, Kind::Decision, &summary, &format!("/initiatives/{id}")))
        .await?;
    Ok(())
}

pub const MAX_COMMENT_CHARS: usize = 4000;

pub async fn add_comment(
    db: &Db,
    organisation: OrganisationId,
    id: InitiativeId,
    author: UserId,
    body: &str,
    now_ms: i64,
) -> Result<CommentId, StoreError> {
    let mut tx = db.write().await?;
    let comment: i64 = sqlx::query(
        "INSERT INTO comments (initiative_id, author_id, body, at_ms) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(id.get())
    .bind(author.get())
    .bind(body)
    .bind(now_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    sqlx::query("UPDATE initiatives SET updated_ms = $1 WHERE id = $2")
        .bind(now_ms)
        .bind(id.get())
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        db.dialect(),
        &AuditEvent {
            at_ms: now_ms,
            actor: Some(author),
            organisation: Some(organisation),
            action: "initiative.commented".into(),
            subject: subject(id),
            summary: format!("Comment {comment} added ({} characters)", body.chars().count()),
        },
    )
    .await?;
    let names = kindling_domain::notifications::mentions(body);
    if !names.is_empty() {
        let mentioned = notifications::members_named(&mut tx, organisation, &names).await?;
        let row = sqlx::query("SELECT i.title, u.name FROM initiatives i, users u WHERE i.id = $1 AND u.id = $2")
            .bind(id.get())
            .bind(author.get())
            .fetch_one(&mut *tx)
            .await?;
        let (title, name): (String, String) = (row.try_get("title")?, row.try_get("name")?);
        let summary = format!("{name} mentioned you on {title}");
        let by = crate::Actor { organisation, user: author, now_ms };
        notifications::notify(
            &mut tx,
            &mentioned,
            &Notice::of(by, Kind::Mention, &summary, &format!("/initiatives/{id}")),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(CommentId::new(comment))
}

/// Adds (or changes the team role of) a member of `organisation` to the initiative's team.
pub async fn set_team_member(
    db: &Db,
    organisation: OrganisationId,
    id: InitiativeId,
    actor: UserId,
    member: &Person,
    team_role: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query(
        "INSERT INTO team_members (initiative_id, user_id, team_role) VALUES ($1, $2, $3)
         ON CONFLICT (initiative_id, user_id) DO UPDATE SET team_role = excluded.team_role",
    )
    .bind(id.get())
    .bind(member.id.get())
    .bind(team_role)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        db.dialect(),
        &AuditEvent {
            at_ms: now_ms,
            actor: Some(actor),
            organisation: Some(organisation),
            action: "initiative.team_changed".into(),
            subject: subject(id),
            summary: format!("{} joined the team as {team_role}", member.name),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How many initiatives of `organisation` are at each stage, for the home page's funnel.
pub async fn count_by_stage(db: &Db, organisation: OrganisationId) -> Result<Vec<(Stage, i64)>, StoreError> {
    let rows = sqlx::query("SELECT stage, COUNT(*) AS n FROM initiatives WHERE organisation_id = $1 GROUP BY stage")
        .bind(organisation.get())
        .read_all(db)
        .await?;
    let mut counts: Vec<(Stage, i64)> = Stage::ALL.iter().map(|s| (*s, 0)).collect();
    for row in &rows {
        let stage = parse_stage(row)?;
        if let Some(slot) = counts.iter_mut().find(|(s, _)| *s == stage) {
            slot.1 = row.try_get("n")?;
        }
    }
    Ok(counts)
}

/// All tags used in an organisation, for the list's filter.
pub async fn tags_in_use(db: &Db, organisation: OrganisationId) -> Result<Vec<String>, StoreError> {
    sqlx::query(
        "SELECT DISTINCT t.tag FROM initiative_tags t JOIN initiatives i ON i.id = t.initiative_id
         WHERE i.organisation_id = $1 ORDER BY t.tag",
    )
    .bind(organisation.get())
    .read_all(db)
    .await?
    .iter()
    .map(|r| Ok(r.try_get("tag")?))
    .collect()
}

/// When each of the organisation's initiatives entered its current stage (its last stage change, or
/// its submission), for time-in-stage figures.
pub async fn stage_entries(db: &Db, organisation: OrganisationId) -> Result<Vec<(Stage, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT i.stage, i.created_ms, (SELECT MAX(c.at_ms) FROM stage_changes c WHERE c.initiative_id = i.id) AS entered_ms
         FROM initiatives i WHERE i.organisation_id = $1",
    )
    .bind(organisation.get())
    .read_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            let entered: Option<i64> = row.try_get("entered_ms")?;
            Ok((parse_stage(row)?, entered.unwrap_or(row.try_get("created_ms")?)))
        })
        .collect()
}

/// Every initiative of `organisation` as (id, title), by title: for choosing one in a form.
pub async fn titles(db: &Db, organisation: OrganisationId) -> Result<Vec<(InitiativeId, String)>, StoreError> {
    sqlx::query("SELECT id, title FROM initiatives WHERE organisation_id = $1 ORDER BY title, id")
        .bind(organisation.get())
        .read_all(db)
        .await?
        .iter()
        .map(|r| Ok((InitiativeId::new(r.try_get("id")?), r.try_get("title")?)))
        .collect()
}

/// An initiative someone submitted or works on, for their profile.
#[derive(Clone, Debug, Serialize)]
pub struct Involvement {
    pub id: InitiativeId,
    pub title: String,
    pub stage: Stage,
    /// "Submitted" or their team role.
    pub part: String,
}

/// The initiatives of `organisation` that `person` submitted or is on the team of, newest first.
pub async fn involving(db: &Db, organisation: OrganisationId, person: UserId) -> Result<Vec<Involvement>, StoreError> {
    sqlx::query(
        "SELECT i.id, i.title, i.stage, COALESCE(t.team_role, 'Submitted') AS part, i.updated_ms FROM initiatives i
         LEFT JOIN team_members t ON t.initiative_id = i.id AND t.user_id = $2
         WHERE i.organisation_id = $1 AND (i.submitter_id = $2 OR t.user_id IS NOT NULL)
         ORDER BY i.updated_ms DESC, i.id DESC",
    )
    .bind(organisation.get())
    .bind(person.get())
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        let stage: String = r.try_get("stage")?;
        Ok(Involvement {
            id: InitiativeId::new(r.try_get("id")?),
            title: r.try_get("title")?,
            stage: stage.parse().map_err(|_| StoreError::Corrupt(format!("stage {stage:?}")))?,
            part: r.try_get("part")?,
        })
    })
    .collect()
}
