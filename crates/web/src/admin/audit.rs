//! The audit log for administrators (and executives): every entry about their organisation, filtered by
//! person, action, subject and dates, a page at a time, and downloadable as CSV. Reading the log is itself
//! recorded: it holds who did what to whom.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kindling_domain::ids::UserId;
use kindling_domain::initiatives::CivilDate;
use kindling_domain::paging::Page;
use kindling_domain::permissions::{Action, allows};
use kindling_store::audit::{self, Filter};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::{AppError, AppState, templates};

const PER_PAGE: u32 = 50;
/// The most rows one CSV download holds; narrow the dates for more.
const CSV_LIMIT: u32 = 100_000;

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AuditQuery {
    person: String,
    action: String,
    subject: String,
    from: String,
    until: String,
    page: Option<String>,
}

fn require_reader(viewer: &Viewer) -> Result<(), AppError> {
    if allows(&viewer.standing(false, false), Action::ViewAuditLog) {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only administrators and executives can read the audit log.".into()))
    }
}

/// The filter the query asks for, and the problems with what was typed (shown, not thrown).
fn filter(query: &AuditQuery) -> (Filter, Vec<String>) {
    let mut problems = Vec::new();
    let day = |raw: &str, what: &str, problems: &mut Vec<String>| -> Option<i64> {
        if raw.trim().is_empty() {
            return None;
        }
        match CivilDate::parse_iso(raw) {
            Some(date) => Some(date.unix_ms()),
            None => {
                problems.push(format!("The {what} date must be a date like 2026-12-02"));
                None
            }
        }
    };
    let from_ms = day(&query.from, "from", &mut problems);
    // Until the end of that day.
    let until_ms = day(&query.until, "until", &mut problems).map(|ms| ms + 24 * 60 * 60 * 1000);
    let actor = match query.person.trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(id) => Some(UserId::new(id)),
            Err(_) => {
                problems.push("Choose a person from the list".to_owned());
                None
            }
        },
    };
    let text = |raw: &str| Some(raw.trim().to_owned()).filter(|s| !s.is_empty());
    (Filter { actor, action: text(&query.action), subject: text(&query.subject), from_ms, until_ms }, problems)
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    require_reader(&viewer)?;
    let (filter, problems) = filter(&query);
    let page = Page::parse(query.page.as_deref(), PER_PAGE);
    let (entries, total) =
        audit::list(state.db(), viewer.organisation, &filter, page.per_page(), page.offset()).await?;
    let people = kindling_store::users::members(state.db(), viewer.organisation).await?;
    let pages = page.count_for(total);
    let link = |n: u32| {
        let params = [
            ("person", query.person.as_str()),
            ("action", &query.action),
            ("subject", &query.subject),
            ("from", &query.from),
            ("until", &query.until),
            ("page", &n.to_string()),
        ];
        serde_urlencoded::to_string(params).unwrap_or_default()
    };
    let csv_link = format!("/admin/audit.csv?{}", link(1));
    let html = templates::render(
        "admin/audit.html",
        page! { title => "Audit log", section => "admin", viewer => viewer.view(), entries => entries, total => total, query => &query, problems => problems, people => people, page => page.number(), pages => pages, prev => (page.number() > 1).then(|| format!("/admin/audit?{}", link(page.number() - 1))), next => (page.number() < pages).then(|| format!("/admin/audit?{}", link(page.number() + 1))), csv_link => csv_link },
    )?;
    Ok(html.into_response())
}

/// The filtered log as CSV, newest first, with formula-like text defused for spreadsheets.
pub async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    require_reader(&viewer)?;
    let (filter, _) = filter(&query);
    let (entries, _) = audit::list(state.db(), viewer.organisation, &filter, CSV_LIMIT, 0).await?;
    let mut out = String::from("seq,at_utc,person_id,person,action,subject,summary\n");
    for e in &entries {
        let at = jiff::Timestamp::from_millisecond(e.at_ms).map(|t| t.to_string()).unwrap_or_default();
        let fields = [
            e.seq.to_string(),
            at,
            e.actor.map(|a| a.to_string()).unwrap_or_default(),
            e.actor_name.clone().unwrap_or_default(),
            e.action.clone(),
            e.subject.clone(),
            e.summary.clone(),
        ];
        out.push_str(&fields.iter().map(|f| crate::measures::csv_cell(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    tracing::info!(user.id = %viewer.user.id, rows = entries.len(), "audit log downloaded");
    let read = kindling_domain::audit::AuditEvent {
        at_ms: crate::now_ms(),
        actor: Some(viewer.user.id),
        organisation: Some(viewer.organisation),
        action: "audit.downloaded".into(),
        subject: format!("organisation:{}", viewer.organisation),
        summary: format!("Audit log downloaded as CSV ({} entries)", entries.len()),
    };
    audit::append_alone(state.db(), &read).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"kindling-audit-log.csv\"".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        out,
    )
        .into_response())
}
