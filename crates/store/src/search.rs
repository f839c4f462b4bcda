//! Full-text search over initiatives, learning reviews and PDSA notes, within what the reader may see:
//! SQLite FTS5 on the embedded database, PostgreSQL full-text search on PostgreSQL, with the same
//! visibility rule in both (one SQL text per dialect, and this module is the only place they differ).
//!
//! Architecture invariant: a search never returns a document the reader may not read. The rule is
//! in SQL, in `VISIBLE`: a hub-wide review is readable by anyone signed in; anything else only
//! inside its own organisation, and a team-only review only by its initiative's team and submitter.
//! Documents are written by the functions here, inside the transaction of the change they index.

use crate::db::SingleRead;
use kindling_domain::ids::{InitiativeId, OrganisationId, UserId};
use kindling_domain::people::{CareSetting, Profession};
use serde::Serialize;
use sqlx::Row;

use crate::{Db, Dialect, StoreError, WriteTx};

/// What can be searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Initiative,
    Review,
    Pdsa,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Initiative, Kind::Review, Kind::Pdsa];

    /// The name the database, the API and the library's filter use.
    pub fn slug(self) -> &'static str {
        match self {
            Kind::Initiative => "initiative",
            Kind::Review => "review",
            Kind::Pdsa => "pdsa",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.slug() == raw)
    }
}

/// The reader's side of the visibility rule. Parameters: $1 organisation, $2 user.
const VISIBLE: &str = "(d.visibility = 'hub' OR (d.organisation_id = $1 AND (d.visibility = 'organisation'
    OR EXISTS (SELECT 1 FROM team_members t WHERE t.initiative_id = d.initiative_id AND t.user_id = $2)
    OR EXISTS (SELECT 1 FROM initiatives s WHERE s.id = d.initiative_id AND s.submitter_id = $2))))";

/// Re-indexes an initiative from its row (title, problem, change, aim, stage, tags).
pub async fn index_initiative(tx: &mut WriteTx, initiative: InitiativeId) -> Result<(), StoreError> {
    let tags: Vec<String> = sqlx::query("SELECT tag FROM initiative_tags WHERE initiative_id = $1 ORDER BY tag")
        .bind(initiative.get())
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get("tag"))
        .collect::<Result<_, _>>()?;
    let Some(row) =
        sqlx::query("SELECT * FROM initiatives WHERE id = $1").bind(initiative.get()).fetch_optional(&mut **tx).await?
    else {
        return Ok(());
    };
    let text = |c: &str| -> Result<String, StoreError> { Ok(row.try_get::<Option<String>, _>(c)?.unwrap_or_default()) };
    let body = format!("{} {} {}", text("problem")?, text("proposed_change")?, text("aim_what")?);
    upsert(
        tx,
        Doc {
            kind: Kind::Initiative,
            ref_id: initiative.get(),
            initiative: initiative.get(),
            organisation: row.try_get("organisation_id")?,
            visibility: "organisation",
            title: &text("title")?,
            body: &body,
            stage: &text("stage")?,
            tags: &tags.join(" "),
            updated_ms: row.try_get("updated_ms")?,
        },
    )
    .await?;
    // The initiative's other documents carry its stage and tags for filtering.
    sqlx::query("UPDATE search_documents SET stage = $2, tags = $3 WHERE initiative_id = $1 AND kind <> 'initiative'")
        .bind(initiative.get())
        .bind(text("stage")?)
        .bind(tags.join(" "))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One document as written.
pub(crate) struct Doc<'a> {
    pub kind: Kind,
    pub ref_id: i64,
    pub initiative: i64,
    pub organisation: i64,
    pub visibility: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub stage: &'a str,
    pub tags: &'a str,
    pub updated_ms: i64,
}

pub(crate) async fn upsert(tx: &mut WriteTx, doc: Doc<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO search_documents (kind, ref_id, initiative_id, organisation_id, visibility, title, body, stage, tags, updated_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (kind, ref_id) DO UPDATE SET visibility = excluded.visibility, title = excluded.title,
            body = excluded.body, stage = excluded.stage, tags = excluded.tags, updated_ms = excluded.updated_ms",
    )
    .bind(doc.kind.slug())
    .bind(doc.ref_id)
    .bind(doc.initiative)
    .bind(doc.organisation)
    .bind(doc.visibility.to_owned())
    .bind(doc.title.to_owned())
    .bind(doc.body.to_owned())
    .bind(doc.stage.to_owned())
    .bind(doc.tags.to_owned())
    .bind(doc.updated_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Re-indexes a PDSA cycle's notes.
pub async fn index_pdsa(tx: &mut WriteTx, cycle: i64) -> Result<(), StoreError> {
    let Some(row) = sqlx::query(
        "SELECT c.*, i.organisation_id, i.stage FROM pdsa_cycles c JOIN initiatives i ON i.id = c.initiative_id WHERE c.id = $1",
    )
    .bind(cycle)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(());
    };
    let text = |c: &str| -> Result<String, StoreError> { Ok(row.try_get::<Option<String>, _>(c)?.unwrap_or_default()) };
    let change = text("change_tested")?;
    let body = format!(
        "{} {} {} {} {}",
        change,
        text("prediction")?,
        text("do_notes")?,
        text("study")?,
        text("decision_notes")?
    );
    let initiative: i64 = row.try_get("initiative_id")?;
    upsert(
        tx,
        Doc {
            kind: Kind::Pdsa,
            ref_id: cycle,
            initiative,
            organisation: row.try_get("organisation_id")?,
            visibility: "organisation",
            title: &format!("PDSA cycle: {change}"),
            body: &body,
            stage: &text("stage")?,
            tags: "",
            updated_ms: row.try_get("updated_ms")?,
        },
    )
    .await?;
    // Keep the filterable stage that of the initiative, not the cycle.
    sqlx::query("UPDATE search_documents SET stage = (SELECT stage FROM initiatives WHERE id = $1) WHERE kind = 'pdsa' AND ref_id = $2")
        .bind(initiative)
        .bind(cycle)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Filters besides the words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    pub kind: Option<Kind>,
    pub stage: Option<String>,
    pub tag: Option<String>,
    /// Only this organisation's documents.
    pub organisation: Option<OrganisationId>,
    /// Only initiatives adopted from another site ("adapted").
    pub adapted: bool,
    /// Only initiatives at a site of this care setting.
    pub setting: Option<CareSetting>,
    /// Only initiatives with someone of this profession among their submitter and team.
    pub profession: Option<Profession>,
}

/// One result, with the matching words marked (`\u{2}` before and `\u{3}` after each).
#[derive(Clone, Debug, Serialize)]
pub struct Hit {
    pub kind: Kind,
    pub ref_id: i64,
    pub initiative: i64,
    pub organisation: String,
    pub own_organisation: bool,
    pub title: String,
    pub snippet: String,
    pub stage: String,
}

pub use kindling_domain::search::{Wanted, terms};

/// Searches what the reader may see, best first: documents matching every group of `wanted`, a group
/// matching when any of its words does. Each word also matches words it begins. With nothing wanted,
/// the documents that pass the filters, newest first (browsing the library by its filters).
pub async fn search(
    db: &Db,
    reader: (OrganisationId, UserId),
    wanted: &Wanted,
    filters: &Filters,
    limit: i64,
) -> Result<Vec<Hit>, StoreError> {
    let words = wanted.words();
    let ids = if wanted.is_empty() {
        browse(db, reader, filters, limit).await?
    } else {
        ranked(db, reader, wanted, filters, limit).await?
    };
    hits(db, reader, &ids, &words).await
}

/// The documents that pass the filters, newest first.
async fn browse(
    db: &Db,
    reader: (OrganisationId, UserId),
    filters: &Filters,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    // `$3 = $3` uses the query parameter, which browsing does not need, so that the filters bind the
    // same parameters in the same order as the ranking query.
    let sql = format!(
        "SELECT d.id FROM search_documents d WHERE {VISIBLE} {FILTERS} AND $3 = $3
         ORDER BY d.updated_ms DESC, d.id DESC LIMIT $8"
    );
    bind_filters(sqlx::query(sqlx::AssertSqlSafe(sql)), reader, String::new(), filters, limit)
        .read_all(db)
        .await?
        .iter()
        .map(|r| r.try_get("id").map_err(StoreError::from))
        .collect()
}

/// Binds the reader, the query text and the filters as `$1`…`$11`, the order `VISIBLE` and `FILTERS`
/// use.
fn bind_filters<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    reader: (OrganisationId, UserId),
    text: String,
    filters: &Filters,
    limit: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query
        .bind(reader.0.get())
        .bind(reader.1.get())
        .bind(text)
        .bind(filters.kind.map(|k| k.slug().to_owned()))
        .bind(filters.stage.clone())
        .bind(filters.tag.clone())
        .bind(filters.organisation.map(|o| o.get()))
        .bind(limit)
        .bind(i64::from(filters.adapted))
        .bind(filters.setting.map(|s| s.slug().to_owned()))
        .bind(filters.profession.map(|p| p.slug().to_owned()))
}

/// The ids of the best matches for `wanted`, best first.
async fn ranked(
    db: &Db,
    reader: (OrganisationId, UserId),
    wanted: &Wanted,
    filters: &Filters,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    // Terms are letters and digits only (see `terms`), so they are safe inside the query strings.
    let group = |words: &[String], term: &dyn Fn(&String) -> String, or: &str| match words {
        [one] => term(one),
        many => format!("({})", many.iter().map(term).collect::<Vec<_>>().join(or)),
    };
    let (query, sql) = match db.dialect() {
        // The ranking query carries ids only: every column it selects is copied for each matching
        // row before the limit, and common words match thousands. The page of results is read
        // afterwards, and snippets are cut in Rust (`domain::search::snippet`).
        Dialect::Sqlite => (
            wanted.groups.iter().map(|g| group(g, &|w| format!("\"{w}\"*"), " OR ")).collect::<Vec<_>>().join(" "),
            format!(
                "SELECT d.id FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid
                 WHERE search_fts MATCH $3 AND {VISIBLE} {FILTERS}
                 ORDER BY bm25(search_fts, 8.0, 1.0) LIMIT $8"
            ),
        ),
        Dialect::Postgres => (
            wanted.groups.iter().map(|g| group(g, &|w| format!("{w}:*"), " | ")).collect::<Vec<_>>().join(" & "),
            format!(
                "SELECT d.id FROM search_documents d
                 WHERE d.tsv @@ to_tsquery('english', $3) AND {VISIBLE} {FILTERS}
                 ORDER BY ts_rank_cd(d.tsv, to_tsquery('english', $3)) DESC, d.id LIMIT $8"
            ),
        ),
    };
    let ranked = |sql: String, query: String, limit: i64| {
        bind_filters(sqlx::query(sqlx::AssertSqlSafe(sql)), reader, query, filters, limit).read_all(db)
    };
    // On SQLite, rank the best few times `limit` matches alone first (as fast as a bare match), then
    // apply the visibility rule and filters to those; only when too few survive is the rule applied
    // to every match. Common words match tens of thousands of documents.
    let rows = match db.dialect() {
        Dialect::Sqlite => {
            let window = limit.saturating_mul(4);
            let candidates: Vec<i64> = sqlx::query(
                "SELECT rowid FROM search_fts WHERE search_fts MATCH $1 ORDER BY bm25(search_fts, 8.0, 1.0) LIMIT $2",
            )
            .bind(query.clone())
            .bind(window)
            .read_all(db)
            .await?
            .iter()
            .map(|r| r.try_get("rowid"))
            .collect::<Result<_, _>>()?;
            let in_list: Vec<String> = candidates.iter().map(i64::to_string).collect();
            let visible = if candidates.is_empty() {
                Vec::new()
            } else {
                // The candidate ids are integers from the database. `$3 = $3 AND $8 = $8` uses the
                // query and limit parameters this check does not need, so that it binds the same
                // parameters in the same order as the ranking query.
                let check = format!(
                    "SELECT d.id FROM search_documents d WHERE d.id IN ({}) AND {VISIBLE} {FILTERS} AND $3 = $3 AND $8 = $8",
                    in_list.join(",")
                );
                let allowed: Vec<i64> = ranked(check, query.clone(), limit)
                    .await?
                    .iter()
                    .map(|r| r.try_get("id"))
                    .collect::<Result<_, _>>()?;
                candidates
                    .into_iter()
                    .filter(|id| allowed.contains(id))
                    .take(usize::try_from(limit).unwrap_or(50))
                    .collect()
            };
            if i64::try_from(visible.len()).unwrap_or(0) >= limit || i64::try_from(in_list.len()).unwrap_or(0) < window
            {
                visible
            } else {
                ranked(sql, query, limit).await?.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>()?
            }
        }
        Dialect::Postgres => {
            ranked(sql, query, limit).await?.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>()?
        }
    };
    Ok(rows)
}

/// The documents `ids` as hits in that order, with snippets around `words`.
async fn hits(
    db: &Db,
    reader: (OrganisationId, UserId),
    ids: &[i64],
    words: &[String],
) -> Result<Vec<Hit>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // The ids are integers from the database.
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let page = format!(
        "SELECT d.id, d.kind, d.ref_id, d.initiative_id, d.organisation_id, d.title, d.stage, d.body, o.name AS organisation
         FROM search_documents d JOIN organisations o ON o.id = d.organisation_id WHERE d.id IN ({})",
        list.join(",")
    );
    let mut hits: Vec<(usize, Hit)> = Vec::with_capacity(ids.len());
    for r in sqlx::query(sqlx::AssertSqlSafe(page)).read_all(db).await? {
        let id: i64 = r.try_get("id")?;
        let kind: String = r.try_get("kind")?;
        let organisation: i64 = r.try_get("organisation_id")?;
        let hit = Hit {
            kind: Kind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("search kind {kind:?}")))?,
            ref_id: r.try_get("ref_id")?,
            initiative: r.try_get("initiative_id")?,
            organisation: r.try_get("organisation")?,
            own_organisation: organisation == reader.0.get(),
            title: r.try_get("title")?,
            snippet: kindling_domain::search::snippet(&r.try_get::<String, _>("body")?, words, 28),
            stage: r.try_get("stage")?,
        };
        hits.push((ids.iter().position(|x| *x == id).unwrap_or(usize::MAX), hit));
    }
    hits.sort_by_key(|(rank, _)| *rank);
    Ok(hits.into_iter().map(|(_, h)| h).collect())
}

/// The optional filters, each off when its parameter is NULL. Parameters: $4 kind, $5 stage, $6 tag
/// (one word of the space-separated list), $7 organisation, $9 adapted only (1) or not (0), $10 the
/// care setting of the initiative's site, $11 a profession among the initiative's people.
const FILTERS: &str = "AND ($4 IS NULL OR d.kind = $4)
    AND ($5 IS NULL OR d.stage = $5)
    AND ($6 IS NULL OR (' ' || d.tags || ' ') LIKE ('% ' || $6 || ' %'))
    AND ($7 IS NULL OR d.organisation_id = $7)
    AND ($9 = 0 OR EXISTS (SELECT 1 FROM adoptions a WHERE a.adopted_initiative_id = d.initiative_id))
    AND ($10 IS NULL OR EXISTS (SELECT 1 FROM initiatives si JOIN sites st ON st.id = si.site_id
        WHERE si.id = d.initiative_id AND st.setting = $10))
    AND ($11 IS NULL OR EXISTS (SELECT 1 FROM initiatives pi JOIN users pu ON pu.id = pi.submitter_id
        WHERE pi.id = d.initiative_id AND pu.profession = $11)
        OR EXISTS (SELECT 1 FROM team_members pt JOIN users pu ON pu.id = pt.user_id
        WHERE pt.initiative_id = d.initiative_id AND pu.profession = $11))";
