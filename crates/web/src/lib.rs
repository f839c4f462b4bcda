//! Kindling's web layer: the axum router, thin handlers, sessions and CSRF, templates, static assets,
//! the JSON API and the operational endpoints.
//!
//! Architecture invariant: handlers are short. Each one authorises (through the [`auth::Viewer`] or
//! [`api::ApiUser`] extractor), loads through `kindling_store`, asks `kindling_domain` to decide, stores
//! the outcome and renders. Business rules never live here.
//!
//! Architecture invariant: a record of another organisation is answered with 404, exactly as if it did
//! not exist, and the attempt is logged.

#![forbid(unsafe_code)]

/// A template context: `page! { title => "Home", items => items }`. Each value is serialised once.
macro_rules! page {
    ($($key:ident => $value:expr),* $(,)?) => {{
        let mut map = ::std::collections::BTreeMap::<&'static str, ::minijinja::Value>::new();
        $( map.insert(stringify!($key), ::minijinja::Value::from(::minijinja::value::Serde(&$value))); )*
        map
    }};
}

mod account;
mod accounts;
mod admin;
pub mod api;
mod approvals;
mod assets;
pub mod auth;
mod cache;
mod challenges;
pub mod client;
mod dashboard;
mod drivers;
mod error;
mod evidence;
mod exports;
mod feedback;
mod follows;
mod form_fields;
mod governance;
mod home;
mod initiatives;
mod learning;
mod measures;
mod mentoring;
mod multipart;
mod notifications;
mod ops;
mod packages;
mod papers;
mod pathways;
mod pdsa;
mod policy;
mod public_page;
mod qr;
mod recognition;
mod security;
mod setup;
mod sign_in;
mod spaces;
mod spread;
pub mod sso;
mod support;
mod templates;
mod uploads;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use kindling_store::Db;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::AppError;
pub use ops::run_metrics_upkeep;
/// A moment written in UK civil time as pages (and the digest emails) write it.
pub use templates::date_and_time;

/// Settings that shape how the application behaves, fixed at start-up.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Mark cookies `Secure` and use the `__Host-` prefix. On whenever the public address is https.
    pub secure_cookies: bool,
    /// The database holds the demo hub: the sign-in page says how to sign in.
    pub demo: bool,
    /// The address people use to reach Kindling (`https://kindling.example.nhs.uk`), without a trailing
    /// slash: every link sent by email starts with it, and single sign-on returns to it.
    pub public_url: String,
    /// The one-time token that lets `/setup` set up an empty installation (printed in the log, never in a
    /// page); `None` once set up or when started on a database that already is.
    pub setup_token: Option<String>,
    /// Where invitations and password resets are sent from; without it, they are not sent and the
    /// administrator copies the link from the page.
    pub mailer: Option<Arc<kindling_mail::Mailer>>,
    /// Single sign-on for the whole installation, from flags and the environment.
    pub sso: Option<sso::InstallationProvider>,
    /// The key that seals organisations' single sign-on client secrets in the database.
    pub secret_key: Option<sso::SecretKey>,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` headers say who the client is; from anyone
    /// else those headers are ignored.
    pub trusted_proxies: Vec<client::Cidr>,
    /// A bearer token `/metrics` asks for; without one, only loopback connections may read it.
    pub metrics_token: Option<String>,
}

impl Config {
    /// A link to a path of this site, as sent by email.
    pub fn link(&self, path: &str) -> String {
        let base =
            if self.public_url.is_empty() { "http://127.0.0.1:8080" } else { self.public_url.trim_end_matches('/') };
        format!("{base}{path}")
    }
}

/// Shared by every request: the database, the settings and the metrics registry.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Db,
    config: Config,
    evidence: evidence::EvidenceCache,
    pages: cache::PageCache,
    fonts: exports::FontCache,
    sso: sso::SsoClient,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Self {
        ops::install_metrics();
        Self {
            inner: Arc::new(Inner {
                db,
                config,
                evidence: evidence::EvidenceCache::default(),
                pages: cache::PageCache::default(),
                fonts: exports::FontCache::default(),
                sso: sso::SsoClient::default(),
            }),
        }
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Analyses of measures, kept until they change.
    pub(crate) fn evidence(&self) -> &evidence::EvidenceCache {
        &self.inner.evidence
    }

    /// People and organisations as every page reads them, valid at one cache revision.
    pub(crate) fn pages(&self) -> &cache::PageCache {
        &self.inner.pages
    }

    /// The single sign-on client and what it has discovered about providers.
    pub(crate) fn sso(&self) -> &sso::SsoClient {
        &self.inner.sso
    }

    /// The fonts PDF and PNG exports draw with, found on first use.
    pub(crate) fn fonts(&self) -> &exports::FontCache {
        &self.inner.fonts
    }
}

/// The current time in milliseconds since the Unix epoch: the one place the web layer reads the clock.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Today's date (UTC). The clock is always inside the calendar's range; the epoch stands in only so
/// that no handler has to handle an impossible error.
pub fn today() -> kindling_domain::initiatives::CivilDate {
    kindling_domain::initiatives::CivilDate::from_unix_ms(now_ms()).unwrap_or(kindling_domain::initiatives::CivilDate {
        year: 1970,
        month: 1,
        day: 1,
    })
}

/// The largest request body accepted (forms and JSON alike).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The largest participant file a programme lead may upload: a national programme's 6,500 people
/// are about 500 KiB. Only that route accepts more than [`MAX_BODY_BYTES`].
pub const MAX_UPLOAD_BYTES: usize = 4 * 1024 * 1024;

/// The largest spread package file upload: the file's 20 MiB and room for the form around it. Only
/// that route accepts it.
pub const MAX_RESOURCE_UPLOAD_BYTES: usize = kindling_domain::packages::MAX_RESOURCE_BYTES + 64 * 1024;

/// The body limit for a path: forms and the API get [`MAX_BODY_BYTES`], participant and people files
/// more (a trust's whole workforce is a few hundred kilobytes), a spread package's files the most.
pub(crate) fn body_limit(path: &str) -> usize {
    if path.starts_with("/initiatives/") && path.ends_with("/package/resources") {
        MAX_RESOURCE_UPLOAD_BYTES
    } else if (path.starts_with("/mentoring/programmes/") && path.ends_with("/participants/import"))
        || path.starts_with("/admin/people/import")
    {
        MAX_UPLOAD_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home::show))
        .route("/sign-in", get(sign_in::form).post(sign_in::submit))
        .route("/sign-in/two-factor", get(sign_in::code_form).post(sign_in::code_submit))
        .route("/sign-in/set-up-two-factor", get(sign_in::enrol_form).post(sign_in::enrol_submit))
        .route("/sign-in/sso/callback", get(sso::callback))
        .route("/sign-in/sso/{key}", get(sso::start))
        .route("/sign-out", post(sign_in::sign_out))
        .route("/setup", get(setup::form).post(setup::submit))
        .route("/set-password", get(accounts::set_password_form).post(accounts::set_password_submit))
        .route("/password/forgot", get(accounts::forgot_form).post(accounts::forgot_submit))
        .route("/password/forgot/sent", get(accounts::forgot_sent))
        .route("/switch-organisation", post(admin::switch_organisation))
        .route("/admin", get(admin::index))
        .route("/admin/organisation", get(admin::organisation::show).post(admin::organisation::update))
        .route("/admin/sites", post(admin::organisation::add_site))
        .route("/admin/sites/{id}", get(admin::organisation::site_form).post(admin::organisation::update_site))
        .route("/admin/sites/{id}/retire", post(admin::organisation::retire_site))
        .route("/admin/sites/{id}/restore", post(admin::organisation::restore_site))
        .route("/admin/sign-in", get(admin::organisation::sign_in_page))
        .route("/admin/sign-in/policy", post(admin::organisation::save_policy))
        .route("/admin/sign-in/sso", post(admin::organisation::save_sso))
        .route("/admin/sign-in/sso/remove", post(admin::organisation::remove_sso))
        .route("/admin/people", get(admin::people::list))
        .route("/admin/people/invite", get(admin::people::invite_form).post(admin::people::invite))
        .route("/admin/people/import", get(admin::people::import_form).post(admin::people::import_upload))
        .route("/admin/people/import/confirm", post(admin::people::import_confirm))
        .route("/admin/people/{id}", get(admin::people::show))
        .route("/admin/people/{id}/roles", post(admin::people::set_roles))
        .route("/admin/people/{id}/{action}", get(admin::people::download).post(admin::people::act))
        .route("/admin/audit", get(admin::audit::list))
        .route("/admin/audit.csv", get(admin::audit::csv))
        .route("/admin/hub", get(admin::hub::show).post(admin::hub::add))
        .route("/initiatives", get(initiatives::list))
        .route("/initiatives/new", get(initiatives::new_form).post(initiatives::create))
        .route("/initiatives/{id}", get(initiatives::show))
        .route("/initiatives/{id}/edit", get(initiatives::edit_form).post(initiatives::update))
        .route("/initiatives/{id}/stage", post(initiatives::change_stage))
        .route("/initiatives/{id}/comments", post(initiatives::comment))
        .route("/initiatives/{id}/team", post(initiatives::add_team_member))
        .route("/initiatives/{id}/measures/new", get(measures::new_form).post(measures::create))
        .route("/initiatives/{id}/measures/{measure}", get(measures::show))
        .route("/initiatives/{id}/measures/{measure}/edit", get(measures::edit_form).post(measures::update))
        .route("/initiatives/{id}/measures/{measure}/points", post(measures::add_point))
        .route("/initiatives/{id}/measures/{measure}/paste", post(measures::paste))
        .route("/initiatives/{id}/measures/{measure}/import", post(measures::import))
        .route("/initiatives/{id}/measures/{measure}/import/confirm", post(measures::confirm_import))
        .route("/initiatives/{id}/measures/{measure}/phases", post(measures::adjust_phase))
        .route("/initiatives/{id}/measures/{measure}/subgroups", post(measures::subgroups))
        .route("/initiatives/{id}/measures/{measure}/chart.svg", get(measures::chart_svg))
        .route("/initiatives/{id}/measures/{measure}/chart.png", get(measures::chart_png))
        .route("/initiatives/{id}/measures/{measure}/data.csv", get(measures::data_csv))
        .route("/initiatives/{id}/pdsa/new", get(pdsa::plan_form).post(pdsa::start))
        .route("/initiatives/{id}/pdsa/{cycle}", get(pdsa::show))
        .route("/initiatives/{id}/pdsa/{cycle}/progress", post(pdsa::progress))
        .route("/initiatives/{id}/governance", get(governance::show))
        .route("/initiatives/{id}/governance/facts", post(governance::save_facts))
        .route("/initiatives/{id}/risks/new", get(governance::new_risk).post(governance::create_risk))
        .route("/initiatives/{id}/risks/{risk}", get(governance::edit_risk).post(governance::update_risk))
        .route("/initiatives/{id}/risks/{risk}/actions", post(governance::add_action))
        .route("/initiatives/{id}/risks/{risk}/actions/done", post(governance::complete_action))
        .route("/initiatives/{id}/risks/{risk}/close", post(governance::close_risk))
        .route("/initiatives/{id}/gates/{gate}", get(governance::gate_page))
        .route("/initiatives/{id}/hazards/{hazard}", get(governance::hazard_page).post(governance::update_hazard))
        .route("/initiatives/{id}/hazards/{hazard}/review", post(governance::review_hazard))
        .route("/initiatives/{id}/gates/{gate}/sign-off", post(governance::sign_off))
        .route("/initiatives/{id}/gates/{gate}/{what}", post(governance::save_gate))
        .route("/risks", get(governance::register))
        .route("/initiatives/similar", get(learning::similar))
        .route("/initiatives/{id}/learning-review", get(learning::review_form).post(learning::save_review))
        .route("/initiatives/{id}/sites", get(packages::spread_map))
        .route("/initiatives/{id}/sites.pdf", get(packages::spread_map_pdf))
        .route("/initiatives/{id}/package", get(packages::edit).post(packages::save))
        .route("/initiatives/{id}/package/resources", post(packages::upload))
        .route("/packages", get(packages::library))
        .route("/packages/{id}", get(packages::show))
        .route("/packages/{id}/adopt", get(packages::adopt_form).post(packages::adopt))
        .route("/packages/{id}/resources/{resource}", get(packages::download))
        .route("/adoptions/{id}", get(packages::adoption))
        .route("/follows", get(follows::list).post(follows::follow))
        .route("/follows/{id}/remove", post(follows::unfollow))
        .route("/adoptions/{id}/messages", post(packages::post_message))
        .route("/adoptions/{id}/fidelity", post(packages::check_fidelity))
        .route("/adoptions/{id}/adaptations", post(packages::log_adaptation))
        .route("/learning", get(learning::library))
        .route("/learning/reviews/{id}", get(learning::show_review))
        .route("/learning/reviews/{id}/adopt", get(learning::adopt_form).post(learning::adopt))
        .route("/learning/reviews/{id}/reviewers", post(learning::ask_reviewer))
        .route("/learning/reviews/{id}/reviewed", post(learning::mark_reviewed))
        .route("/initiatives/{id}/complexity", get(spread::show).post(spread::save))
        .route("/initiatives/{id}/drivers", get(drivers::show).post(drivers::add))
        .route("/initiatives/{id}/drivers/{node}/link", post(drivers::link))
        .route("/initiatives/{id}/drivers/{node}/remove", post(drivers::remove))
        .route("/support", get(support::directory))
        .route("/support/offers", post(support::publish))
        .route("/support/offers/new", get(support::new_offer))
        .route("/support/offers/{id}/ask", get(support::ask_form).post(support::ask_directly))
        .route("/support/performance", get(support::performance))
        .route("/support/requests/{id}", get(support::request).post(support::respond))
        .route("/initiatives/{id}/support", get(support::initiative).post(support::ask))
        .route("/initiatives/{id}/public-page", get(public_page::show).post(public_page::save))
        .route("/initiatives/{id}/public-page/publish", post(public_page::publish))
        .route("/initiatives/{id}/public-page/send-back", post(public_page::send_back))
        .route("/approvals/{id}/paper", get(papers::paper))
        .route("/approvals/{id}/paper.pdf", get(papers::paper_pdf))
        .route("/initiatives/{id}/safety-case", get(papers::safety_case_html))
        .route("/initiatives/{id}/safety-case.pdf", get(papers::safety_case_pdf))
        .route("/people/{id}/appraisal", get(papers::appraisal_html))
        .route("/people/{id}/appraisal.pdf", get(papers::appraisal_pdf))
        .route("/people/{id}/appraisal.csv", get(papers::appraisal_csv_download))
        .route("/pathways", get(pathways::list))
        .route("/pathways/templates/{template}", get(pathways::template))
        .route("/pathways/{slug}", get(pathways::show))
        .route("/pathways/{slug}/{step}", post(pathways::complete))
        .route("/mentoring", get(mentoring::index))
        .route("/mentoring/programmes", post(mentoring::create_programme))
        .route("/mentoring/programmes/new", get(mentoring::new_programme))
        .route("/mentoring/programmes/{id}", get(mentoring::programme))
        .route("/mentoring/programmes/{id}/edit", get(mentoring::edit_programme).post(mentoring::update_programme))
        .route("/mentoring/programmes/{id}/participants", post(mentoring::enrol))
        .route("/mentoring/programmes/{id}/participants/new", get(mentoring::new_participant))
        .route(
            "/mentoring/programmes/{id}/apply",
            get(mentoring::applications::new_application).post(mentoring::applications::apply),
        )
        .route("/mentoring/programmes/{id}/applications", get(mentoring::applications::list))
        .route("/mentoring/applications/{id}", get(mentoring::applications::show))
        .route("/mentoring/applications/{id}/approve", post(mentoring::applications::approve))
        .route("/mentoring/applications/{id}/decline", post(mentoring::applications::decline))
        .route("/mentoring/applications/{id}/withdraw", post(mentoring::applications::withdraw))
        .route("/mentoring/programmes/{id}/participants/import", post(mentoring::import))
        .route("/mentoring/programmes/{id}/rounds", post(mentoring::rounds::run))
        .route("/mentoring/programmes/{id}/outcomes", get(mentoring::outcomes::show))
        .route("/mentoring/programmes/{id}/outcomes.pdf", get(mentoring::outcomes::pdf))
        .route("/mentoring/programmes/{id}/outcomes/hr", post(mentoring::outcomes::import_hr))
        .route("/mentoring/programmes/{id}/outcomes/incidents", post(mentoring::outcomes::import_incidents))
        .route("/mentoring/participants/{id}", get(mentoring::participant))
        .route("/mentoring/participants/{id}/capacity", post(mentoring::set_capacity))
        .route("/mentoring/participants/{id}/invite", post(mentoring::invite_participant))
        .route("/mentoring/participants/{id}/pause", post(mentoring::set_paused))
        .route("/mentoring/participants/{id}/rematch", post(mentoring::return_to_pool))
        .route("/mentoring/participants/{id}/training", post(mentoring::record_training))
        .route("/mentoring/rounds/{id}", get(mentoring::rounds::show))
        .route("/mentoring/rounds/{id}/overrides", post(mentoring::rounds::add_override))
        .route("/mentoring/rounds/{id}/publish", post(mentoring::rounds::publish))
        .route("/mentoring/rounds/{id}/mentees/{participant}", get(mentoring::rounds::explain))
        .route("/mentoring/matches/{id}", get(mentoring::relationships::show))
        .route("/mentoring/matches/{id}/answer", post(mentoring::relationships::answer))
        .route("/mentoring/matches/{id}/remind", post(mentoring::pairs::remind))
        .route("/mentoring/matches/{id}/meetings", post(mentoring::relationships::plan_meeting))
        .route(
            "/mentoring/matches/{id}/meetings/{meeting}/calendar.ics",
            get(mentoring::relationships::meeting_calendar),
        )
        .route("/mentoring/programmes/{id}/relationships", get(mentoring::pairs::list))
        .route("/mentoring/matches/{id}/goals", post(mentoring::relationships::add_goal))
        .route("/mentoring/matches/{id}/goals/{goal}", post(mentoring::relationships::rate_goal))
        .route("/mentoring/matches/{id}/sessions", post(mentoring::relationships::log_session))
        .route("/mentoring/matches/{id}/notes", post(mentoring::relationships::add_note))
        .route("/mentoring/matches/{id}/feedback", post(mentoring::relationships::give_feedback))
        .route("/mentoring/matches/{id}/close", post(mentoring::relationships::close))
        .route("/spaces", get(spaces::list).post(spaces::create))
        .route("/spaces/new", get(spaces::new_form))
        .route("/spaces/{id}", get(spaces::show))
        .route("/spaces/{id}/join", post(spaces::join))
        .route("/spaces/{id}/partners", post(spaces::add_partner))
        .route("/spaces/{id}/members", post(spaces::invite))
        .route("/spaces/{id}/partner-accounts", post(spaces::give_partner_account))
        .route("/spaces/{id}/outputs", post(spaces::add_output))
        .route("/spaces/{id}/ideas", post(spaces::start_idea))
        .route("/spaces/{id}/teams", post(spaces::suggest_teams))
        .route("/spaces/{id}/teams/saved", post(spaces::save_teams))
        .route("/spaces/{id}/challenges", post(challenges::create))
        .route("/spaces/{id}/challenges/new", get(challenges::new_challenge))
        .route("/challenges/{id}", get(challenges::show))
        .route("/challenges/{id}/ideas", post(challenges::post_idea))
        .route("/challenges/{id}/close", post(challenges::close))
        .route("/challenges/{id}/decide", post(challenges::decide))
        .route("/challenges/{id}/panel", post(challenges::add_judge))
        .route("/challenges/{id}/ideas/{idea}", get(challenges::show_idea))
        .route("/challenges/{id}/ideas/{idea}/support", post(challenges::support))
        .route("/challenges/{id}/ideas/{idea}/comments", post(challenges::comment))
        .route("/challenges/{id}/ideas/{idea}/shortlist", post(challenges::shortlist))
        .route("/challenges/{id}/ideas/{idea}/scores", post(challenges::score))
        .route("/challenges/{id}/ideas/{idea}/initiative", post(challenges::start_initiative))
        .route("/notifications", get(notifications::list))
        .route("/notifications/read", post(notifications::mark_all_read))
        .route("/notifications/{id}", get(notifications::open))
        .route("/account/digest", post(notifications::set_digest))
        .route("/recognition", get(recognition::wall).post(recognition::give))
        .route("/recognition/new", get(recognition::new_form))
        .route("/people/{id}", get(recognition::profile))
        .route("/organisation", get(recognition::organisation))
        .route("/approvals", get(approvals::queue))
        .route("/approvals/performance", get(approvals::performance))
        .route("/approvals/{id}", get(approvals::show).post(approvals::decide))
        .route("/approvals/{id}/conditions/{condition}", post(approvals::meet_condition))
        .route("/admin/policy", get(policy::show).post(policy::load_pack))
        .route("/admin/policy/pack.toml", get(policy::download))
        .route("/admin/policy/built-in", post(policy::choose_built_in))
        .route("/dashboard", get(dashboard::show))
        .route("/dashboard/board-report", get(dashboard::board_report))
        .route("/dashboard/board-report.pdf", get(dashboard::board_report_pdf))
        .route("/initiatives/{id}/feedback", get(feedback::team))
        .route("/initiatives/{id}/feedback/reply", post(feedback::reply))
        .route("/initiatives/{id}/feedback/poster", get(feedback::poster))
        .route("/feedback/{token}", get(feedback::public_form).post(feedback::public_submit))
        .route("/feedback/{token}/thanks", get(feedback::public_thanks))
        .route("/account", get(account::show))
        .route("/account/tokens", post(account::create_token))
        .route("/account/password", post(account::change_password))
        .route("/account/sessions/{id}/end", post(account::end_session))
        .route("/account/two-factor", get(account::two_factor_form).post(account::two_factor_submit))
        .route("/account/two-factor/remove", post(account::two_factor_remove))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .nest("/api", api::router())
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(assets::router())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::csrf_guard))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::headers))
        // Every form's body is read (and limited by path) by the CSRF guard; this is the outer bound.
        .layer(RequestBodyLimitLayer::new(MAX_RESOURCE_UPLOAD_BYTES))
        // Extractors (`Bytes`, `Json`, `Form`) otherwise stop at axum's own 2 MB, below a participant file's
        // 4 MiB; the two limits above are the ones that apply.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_RESOURCE_UPLOAD_BYTES))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(axum::middleware::from_fn(ops::track_metrics))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
