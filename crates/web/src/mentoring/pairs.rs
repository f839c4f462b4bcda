//! The programme lead's view of every relationship after publishing: each pair with where it stands
//! (offered, no answer for two weeks, active, overdue for a meeting, declined with its reason, closed),
//! the counts, a filter, and a reminder for an offer nobody has answered.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::initiatives::CivilDate;
use kindling_domain::mentoring::MatchStatus;
use kindling_domain::mentoring::relationships::{PairDates, PairState, counts, state};
use kindling_store::mentoring::{self, Pair};
use serde::{Deserialize, Serialize};

use super::load_led;
use crate::auth::Viewer;
use crate::{AppError, AppState, now_ms, templates};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Filter {
    state: String,
}

#[derive(Serialize)]
struct Row {
    pair: Pair,
    state: PairState,
    label: &'static str,
    attention: bool,
    /// The latest session's date, written out.
    last_met: Option<String>,
}

/// The state of a pair now, judged against the programme's cadence.
fn judged(pair: Pair, cadence: kindling_domain::mentoring::Frequency, now: i64) -> Row {
    let m = &pair.relationship;
    let last_met = pair.last_held.as_deref().and_then(CivilDate::parse_iso);
    let dates = PairDates {
        status: m.status,
        offered_ms: m.offered_ms,
        answered_ms: m.answered_ms,
        last_met_ms: last_met.map(CivilDate::unix_ms),
    };
    let s = state(&dates, cadence, now);
    Row { state: s, label: s.label(), attention: s.needs_attention(), last_met: last_met.map(CivilDate::long), pair }
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(filter): Query<Filter>,
) -> Result<Response, AppError> {
    let programme = load_led(&state, &viewer, &id).await?;
    let now = now_ms();
    let rows: Vec<Row> = mentoring::pairs(state.db(), viewer.organisation, programme.id)
        .await?
        .into_iter()
        .map(|p| judged(p, programme.settings.frequency, now))
        .collect();
    let states: Vec<PairState> = rows.iter().map(|r| r.state).collect();
    let totals: Vec<minijinja::Value> = counts(&states)
        .into_iter()
        .map(|(s, n)| minijinja::context! { slug => s.slug(), label => s.label(), count => n, attention => s.needs_attention() })
        .collect();
    let chosen = filter.state.parse::<PairState>().ok();
    let shown: Vec<&Row> = rows.iter().filter(|r| chosen.is_none_or(|c| r.state == c)).collect();
    let html = templates::render(
        "mentoring/pairs.html",
        page! { title => format!("Relationships: {}", programme.name), section => "mentoring", viewer => viewer.view(), programme => programme, totals => totals, rows => shown, chosen => chosen.map(|c| c.slug()), chosen_label => chosen.map(|c| c.label()), total => rows.len() },
    )?;
    Ok(html.into_response())
}

/// Tells the pair (those with accounts) again that an offer is waiting for their answer.
pub async fn remind(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (m, programme, standing) = super::relationships::load(&state, &viewer, &id).await?;
    if standing != super::relationships::Standing::Lead {
        return Err(AppError::Forbidden("Only the programme's lead sends reminders.".into()));
    }
    if m.status != MatchStatus::Offered {
        return Err(AppError::Conflict("This match has already been answered.".into()));
    }
    mentoring::remind(state.db(), viewer.actor(now_ms()), &m).await?;
    Ok(Redirect::to(&format!("/mentoring/programmes/{}/relationships?state=no-answer#sent", programme.id))
        .into_response())
}
