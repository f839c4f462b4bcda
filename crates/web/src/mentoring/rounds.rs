//! Matching rounds: run the engine on the people waiting, review the proposal (each pair's breakdown,
//! each mentor's load, why a mentee was not matched, why not another mentor), override and re-run,
//! then publish.

use std::collections::HashMap;
use std::time::Instant;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::ids::OrganisationId;
use kindling_domain::mentoring::{MatchStatus, Settings, Side};
use kindling_domain::validation::FieldErrors;
use kindling_matching::profiles::{Breakdown, Exclusion, Profile, score_pair};
use kindling_matching::round::{self, Pair, Round, RoundError, RoundInput, Unmatched};
use kindling_matching::shortlist::{Choice, shortlists};
use kindling_store::Actor;
use kindling_store::mentoring::{self, NewRound, Participant, Pool, Programme, RoundRecord};
use serde::{Deserialize, Serialize};

use super::{load_led, load_led_id, parse_number};
use crate::auth::Viewer;
use crate::initiatives::field_errors;
use crate::{AppError, AppState, now_ms, templates};

pub(crate) async fn pool(
    state: &AppState,
    organisation: OrganisationId,
    programme: &Programme,
) -> Result<Pool, AppError> {
    Ok(mentoring::pool(state.db(), organisation, programme).await?)
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// How many mentors a mentee chooses from, where the programme lets mentees choose.
const SHORTLIST: usize = 3;

/// Solves on a blocking thread: a national-size round must not hold up the server's other requests.
/// With `shortlist` (at least 2), each matched mentee's shortlist comes back too; otherwise none.
async fn solve(
    mentees: Vec<Profile>,
    mentors: Vec<Profile>,
    settings: Settings,
    must_pair: Vec<(String, String)>,
    must_not_pair: Vec<(String, String)>,
    shortlist: usize,
) -> Result<Result<(Round, Vec<Vec<Choice>>), RoundError>, AppError> {
    tokio::task::spawn_blocking(move || {
        let (weights, rules) = (settings.weights(), settings.rules(must_pair, must_not_pair));
        let input = RoundInput { mentees: &mentees, mentors: &mentors, weights: &weights, rules: &rules };
        let round = round::run(&input, threads())?;
        let lists = if shortlist >= 2 { shortlists(&input, &round, shortlist)? } else { Vec::new() };
        Ok((round, lists))
    })
    .await
    .map_err(|e| AppError::BadRequest(format!("the matching task failed: {e}")))
}

/// Runs and stores a round with the given overrides; a refused override comes back as its message.
pub(crate) async fn run_round(
    state: &AppState,
    by: Actor,
    programme: &Programme,
    must_pair: Vec<(String, String)>,
    must_not_pair: Vec<(String, String)>,
) -> Result<Result<i64, String>, AppError> {
    let started = Instant::now();
    let pool = pool(state, by.organisation, programme).await?;
    // The engine knows only the pool; someone outside it is named with the reason they are.
    for (mentee, mentor) in &must_pair {
        if let Some(why) = pool.absent(Side::Mentee, mentee).or_else(|| pool.absent(Side::Mentor, mentor)) {
            return Ok(Err(format!("must-pair {mentee}–{mentor}: {why}")));
        }
    }
    let (mentees, mentors) = pool.profiles();
    let (mentee_count, mentor_count) = (mentees.len(), mentors.len());
    let mut apart = must_not_pair.clone();
    apart.extend(pool.kept_apart.iter().cloned());
    let shortlist = if programme.settings.mentees_choose { SHORTLIST } else { 0 };
    let (round, lists) =
        match solve(mentees, mentors, programme.settings.clone(), must_pair.clone(), apart, shortlist).await? {
            Ok(solved) => solved,
            Err(e) => return Ok(Err(e.to_string())),
        };
    let entries = pool.entries(&round);
    let alternatives = pool.alternatives(&lists);
    // The time recorded is everything the person waits for except the final write.
    let record = NewRound {
        must_pair,
        must_not_pair,
        mentees: mentee_count,
        mentors: mentor_count,
        elapsed_ms: started.elapsed().as_millis() as i64,
        certificate: round.certificate,
        entries,
        alternatives,
    };
    let id = mentoring::save_round(state.db(), by, programme.id, &record).await?;
    Ok(Ok(id))
}

pub async fn run(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Response, AppError> {
    let programme = load_led(&state, &viewer, &id).await?;
    match run_round(&state, viewer.actor(now_ms()), &programme, Vec::new(), Vec::new()).await? {
        Ok(round) => Ok(Redirect::to(&format!("/mentoring/rounds/{round}")).into_response()),
        Err(message) => Err(AppError::Conflict(message)),
    }
}

/// A stored round rebuilt for explaining: its people as they are now, its pairs and duals as solved.
struct Rebuilt {
    mentees: Vec<Participant>,
    mentors: Vec<Participant>,
    mentee_profiles: Vec<Profile>,
    mentor_profiles: Vec<Profile>,
    round: Round,
}

async fn rebuild(
    state: &AppState,
    viewer: &Viewer,
    programme: &Programme,
    record: &RoundRecord,
) -> Result<Rebuilt, AppError> {
    let entries = mentoring::entries(state.db(), record.id).await?;
    let everyone: HashMap<i64, Participant> = mentoring::participants(state.db(), viewer.organisation, programme.id)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut mentees = Vec::new();
    let mut mentors = Vec::new();
    let (mut values, mut prices) = (Vec::new(), Vec::new());
    let mut mentee_entries = Vec::new();
    for e in &entries {
        let Some(p) = everyone.get(&e.participant) else { continue };
        match p.side {
            Side::Mentee => {
                mentees.push(p.clone());
                values.push(e.dual);
                mentee_entries.push(e);
            }
            Side::Mentor => {
                mentors.push(p.clone());
                prices.push(e.dual);
            }
        }
    }
    let places: HashMap<i64, u32> =
        entries.iter().filter(|e| e.mentor.is_none() && e.places > 0).map(|e| (e.participant, e.places)).collect();
    let mentee_profiles: Vec<Profile> = mentees.iter().map(Participant::profile).collect();
    let mentor_profiles: Vec<Profile> =
        mentors.iter().map(|p| Profile { capacity: places.get(&p.id).copied().unwrap_or(0), ..p.profile() }).collect();
    let mentor_index: HashMap<i64, usize> = mentors.iter().enumerate().map(|(j, p)| (p.id, j)).collect();
    let pairs = mentee_entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let j = *mentor_index.get(&e.mentor?)?;
            Some(Pair { mentee: i, mentor: j, score: e.score.unwrap_or(0), fixed: e.fixed })
        })
        .collect();
    Ok(Rebuilt {
        mentees,
        mentors,
        mentee_profiles,
        mentor_profiles,
        round: Round { pairs, mentee_value: values, mentor_price: prices, certificate: record.certificate.clone() },
    })
}

/// A score's breakdown as one line: "base +20, shared goals +20, …".
fn describe(b: &Breakdown) -> String {
    b.parts.iter().map(|(name, points)| format!("{name} {points:+}")).collect::<Vec<_>>().join(", ")
}

#[derive(Serialize)]
struct PairRow<'a> {
    mentee: &'a Participant,
    mentor: &'a Participant,
    score: i64,
    fixed: bool,
    breakdown: String,
}

#[derive(Serialize)]
struct LoadRow<'a> {
    mentor: &'a Participant,
    places: u32,
    proposed: usize,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RoundQuery {
    page: Option<String>,
}

const PER_PAGE: usize = 50;

async fn load_round(state: &AppState, viewer: &Viewer, raw: &str) -> Result<(Programme, RoundRecord), AppError> {
    let record =
        mentoring::round(state.db(), viewer.organisation, parse_number(raw)?).await?.ok_or(AppError::NotFound)?;
    let programme = load_led_id(state, viewer, record.programme).await?;
    Ok((programme, record))
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct OverrideForm {
    /// must-pair or must-not-pair
    kind: String,
    mentee: String,
    mentor: String,
}

async fn render_round(
    state: &AppState,
    viewer: &Viewer,
    programme: &Programme,
    record: &RoundRecord,
    page: usize,
    form: &OverrideForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let rebuilt = rebuild(state, viewer, programme, record).await?;
    let settings = &programme.settings;
    // Breakdowns under the rules without must-not-pairs: a must-pair may override one.
    let (weights, rules) = (settings.weights(), settings.rules(record.must_pair.clone(), Vec::new()));
    let mut rows: Vec<PairRow> = Vec::new();
    let mut proposed = vec![0_usize; rebuilt.mentors.len()];
    for p in &rebuilt.round.pairs {
        proposed[p.mentor] += 1;
    }
    let pages = rebuilt.round.pairs.len().div_ceil(PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    // Overrides first, so the lead sees at once what they changed.
    let mut ordered: Vec<&Pair> = rebuilt.round.pairs.iter().collect();
    ordered.sort_by_key(|p| !p.fixed);
    for p in ordered.into_iter().skip((page - 1) * PER_PAGE).take(PER_PAGE) {
        let breakdown =
            score_pair(&rebuilt.mentee_profiles[p.mentee], &rebuilt.mentor_profiles[p.mentor], &weights, &rules)
                .map(|b| describe(&b))
                .unwrap_or_default();
        rows.push(PairRow {
            mentee: &rebuilt.mentees[p.mentee],
            mentor: &rebuilt.mentors[p.mentor],
            score: p.score,
            fixed: p.fixed,
            breakdown,
        });
    }
    let matched: Vec<bool> = {
        let mut m = vec![false; rebuilt.mentees.len()];
        for p in &rebuilt.round.pairs {
            m[p.mentee] = true;
        }
        m
    };
    let unmatched: Vec<&Participant> =
        rebuilt.mentees.iter().zip(&matched).filter(|(_, m)| !**m).map(|(p, _)| p).take(200).collect();
    let unmatched_count = matched.iter().filter(|m| !**m).count();
    let mut loads: Vec<LoadRow> = rebuilt
        .mentors
        .iter()
        .zip(&rebuilt.mentor_profiles)
        .zip(&proposed)
        .map(|((mentor, profile), &proposed)| LoadRow { mentor, places: profile.capacity, proposed })
        .collect();
    loads.sort_by(|a, b| b.proposed.cmp(&a.proposed).then(a.mentor.name.cmp(&b.mentor.name)));
    loads.truncate(100);
    // Pairs from earlier rounds stand: their mentees are not in this one and their mentors offer only
    // the places left, which the lead should see rather than infer.
    let kept = mentoring::matches(state.db(), viewer.organisation, programme.id)
        .await?
        .iter()
        .filter(|m| m.round != record.id && matches!(m.status, MatchStatus::Offered | MatchStatus::Active))
        .count();
    let (choosing, held) = mentoring::shortlisted(state.db(), record.id).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "mentoring/round.html",
        page! { title => format!("Matching round {}", record.id), section => "mentoring", viewer => viewer.view(), programme => programme, round => record, rows => rows, page => page, pages => pages, unmatched => unmatched, unmatched_count => unmatched_count, loads => loads, mentor_count => rebuilt.mentors.len(), kept => kept, choosing => choosing, held => held, form => form, errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<RoundQuery>,
) -> Result<Response, AppError> {
    let (programme, record) = load_round(&state, &viewer, &id).await?;
    let page = query.page.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1);
    render_round(&state, &viewer, &programme, &record, page, &OverrideForm::default(), &FieldErrors::new()).await
}

/// Adds an override to the round's and runs it again; a refused override leaves everything as it was.
pub async fn add_override(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<OverrideForm>,
) -> Result<Response, AppError> {
    let (programme, record) = load_round(&state, &viewer, &id).await?;
    let mut errors = FieldErrors::new();
    let (mentee, mentor) = (form.mentee.trim().to_owned(), form.mentor.trim().to_owned());
    if mentee.is_empty() {
        errors.add("mentee", "Enter the mentee's reference");
    }
    if mentor.is_empty() {
        errors.add("mentor", "Enter the mentor's reference");
    }
    if !matches!(form.kind.as_str(), "must-pair" | "must-not-pair") {
        errors.add("kind", "Choose whether to pair them or keep them apart");
    }
    if record.status != kindling_domain::mentoring::RoundStatus::Proposed {
        errors.add("kind", "Only the current proposal can be changed: run a new round");
    }
    if errors.is_empty() {
        let (mut must_pair, mut must_not_pair) = (record.must_pair.clone(), record.must_not_pair.clone());
        let pair = (mentee, mentor);
        if form.kind == "must-pair" {
            must_pair.retain(|(a, _)| *a != pair.0);
            must_pair.push(pair);
        } else {
            must_not_pair.push(pair);
        }
        match run_round(&state, viewer.actor(now_ms()), &programme, must_pair, must_not_pair).await? {
            Ok(round) => return Ok(Redirect::to(&format!("/mentoring/rounds/{round}")).into_response()),
            Err(message) => {
                errors.add("kind", format!("This override cannot be applied, so nothing was changed: {message}"))
            }
        }
    }
    render_round(&state, &viewer, &programme, &record, 1, &form, &errors).await
}

pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (programme, record) = load_round(&state, &viewer, &id).await?;
    mentoring::publish_round(state.db(), viewer.actor(now_ms()), &record).await?;
    Ok(Redirect::to(&format!("/mentoring/programmes/{}", programme.id)).into_response())
}

pub(crate) fn exclusion_label(code: &str) -> &'static str {
    [
        Exclusion::SamePerson,
        Exclusion::LineManager,
        Exclusion::MustNotPair,
        Exclusion::ProfessionRule,
        Exclusion::NoSharedAvailability,
        Exclusion::SiteRule,
        Exclusion::TrackRule,
    ]
    .into_iter()
    .find(|e| e.code() == code)
    .map_or("Another rule", |e| match e {
        Exclusion::SamePerson => "The same person (enrolled as mentee and as mentor)",
        Exclusion::LineManager => "One is the other's line manager",
        Exclusion::MustNotPair => "Kept apart by an override or an earlier decline",
        Exclusion::ProfessionRule => "The programme's profession rule",
        Exclusion::NoSharedAvailability => "No free time in common",
        Exclusion::SiteRule => "Not at the same site",
        Exclusion::TrackRule => "Grade: a mentor must be at least as senior (more junior for reverse mentoring)",
    })
}

#[derive(Serialize)]
struct AlternativeRow<'a> {
    mentor: &'a Participant,
    score: i64,
    breakdown: String,
    short_by: i64,
    full: bool,
}

/// Why a mentee got the mentor they got, or none; and why not each of the best other mentors.
pub async fn explain(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, participant)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (programme, record) = load_round(&state, &viewer, &id).await?;
    let participant = parse_number(&participant)?;
    let rebuilt = rebuild(&state, &viewer, &programme, &record).await?;
    let i = rebuilt.mentees.iter().position(|p| p.id == participant).ok_or(AppError::NotFound)?;
    let settings = &programme.settings;
    let mut apart = record.must_not_pair.clone();
    apart.extend(mentoring::kept_apart(state.db(), viewer.organisation, programme.id).await?);
    let (weights, rules) = (settings.weights(), settings.rules(record.must_pair.clone(), apart));
    let input = RoundInput {
        mentees: &rebuilt.mentee_profiles,
        mentors: &rebuilt.mentor_profiles,
        weights: &weights,
        rules: &rules,
    };
    let why = round::explain(&input, &rebuilt.round, i, 10);
    let matched = why.matched.as_ref().map(|(p, b)| (&rebuilt.mentors[p.mentor], b.total(), describe(b), p.fixed));
    let alternatives: Vec<AlternativeRow> = why
        .alternatives
        .iter()
        .map(|a| AlternativeRow {
            mentor: &rebuilt.mentors[a.mentor],
            score: a.breakdown.total(),
            breakdown: describe(&a.breakdown),
            short_by: a.short_by,
            full: a.mentor_full,
        })
        .collect();
    let excluded: Vec<(&str, usize)> = why.excluded.iter().map(|(code, n)| (exclusion_label(code), *n)).collect();
    let unmatched = why.unmatched.as_ref().map(|u| match u {
        Unmatched::NoEligibleMentor => minijinja::context! { kind => "none" },
        Unmatched::TooFewPlaces { mentees, mentors, places } => {
            let names: Vec<String> = mentors.iter().take(8).map(|&j| rebuilt.mentors[j].name.clone()).collect();
            minijinja::context! { kind => "places", mentees => mentees, mentors => mentors.len(), places => places, names => names }
        }
    });
    let html = templates::render(
        "mentoring/explain.html",
        page! { title => format!("Why: {}", rebuilt.mentees[i].name), section => "mentoring", viewer => viewer.view(), programme => programme, round => record, mentee => &rebuilt.mentees[i], matched => matched, alternatives => alternatives, excluded => excluded, unmatched => unmatched },
    )?;
    Ok(html.into_response())
}

/// Solves the current pool with the current and the proposed settings and compares the pairs.
pub(crate) async fn preview(
    state: &AppState,
    viewer: &Viewer,
    programme: &Programme,
    proposed: &Settings,
) -> Result<Option<super::Preview>, AppError> {
    let pool = pool(state, viewer.organisation, programme).await?;
    if pool.mentees.is_empty() || pool.mentors.is_empty() {
        return Ok(None);
    }
    let mentees: Vec<Profile> = pool.mentees.iter().map(Participant::profile).collect();
    let mentors: Vec<Profile> = pool.mentors.iter().map(Participant::profile).collect();
    let now =
        solve(mentees.clone(), mentors.clone(), programme.settings.clone(), Vec::new(), pool.kept_apart.clone(), 0)
            .await?;
    let then =
        solve(mentees.clone(), mentors.clone(), proposed.clone(), Vec::new(), pool.kept_apart.clone(), 0).await?;
    let (Ok((now, _)), Ok((then, _))) = (now, then) else { return Ok(None) };
    let (w, r) = (programme.settings.weights(), programme.settings.rules(Vec::new(), Vec::new()));
    let input = RoundInput { mentees: &mentees, mentors: &mentors, weights: &w, rules: &r };
    let before: HashMap<usize, usize> = now.pairs.iter().map(|p| (p.mentee, p.mentor)).collect();
    let changed = then.pairs.iter().filter(|p| before.get(&p.mentee) != Some(&p.mentor)).count()
        + now.pairs.len().saturating_sub(then.pairs.len());
    Ok(Some(super::Preview {
        current: round::character(&input, &now.pairs),
        proposed: round::character(&input, &then.pairs),
        changed,
        pool: mentees.len(),
    }))
}
