//! The `kindling` binary: one program for the web application and the command-line tools.
//!
//! `kindling serve` runs the web application (embedded SQLite by default, PostgreSQL with a URL);
//! `kindling admin token` issues a personal API token; `kindling audit verify` checks the audit chain;
//! `kindling backup` takes a consistent online copy.

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use kindling_domain::people::Email;
use kindling_store::audit::Verification;
use kindling_store::{Db, demo, redact_url, tokens, users};

/// jemalloc for every command, with its background threads returning freed pages to the system after
/// a few seconds. Under load, glibc's malloc gave each thread its own arena and kept their freed pages:
/// the server's resident memory grew for half an hour while its live heap stayed under 30 MiB
/// (docs/PERFORMANCE.md, "Soak").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod anchor;
mod digest;
mod match_command;
mod spc_command;

#[derive(Parser, Debug)]
#[command(
    name = "kindling",
    version,
    about = "Kindling: responsible innovation and improvement for health and social care"
)]
struct Cli {
    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, global = true, env = "KINDLING_LOG_FORMAT", default_value = "text")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web application.
    Serve(Box<ServeArgs>),
    /// Set up an empty installation: its first organisation and administrator (prints a one-time link).
    Setup(SetupArgs),
    /// Administration tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Run chart or SPC analysis of a CSV file, with the Making Data Count rules and icons.
    Spc(spc_command::SpcArgs),
    /// Optimal, certified mentor matching from CSV files.
    Match {
        #[command(subcommand)]
        command: match_command::MatchCommand,
    },
    /// Email digests of notifications.
    Digest {
        #[command(subcommand)]
        command: DigestCommand,
    },
    /// Print the OpenAPI 3.1 description of the JSON API.
    Openapi,
    /// Write a consistent copy of the SQLite database while the server runs (PostgreSQL: use pg_dump).
    Backup {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The file to write; it must not exist yet.
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(Args, Debug, Clone)]
struct DatabaseArgs {
    /// Folder of the embedded SQLite database (used unless a database URL is given).
    #[arg(long, env = "KINDLING_DATA_DIR", default_value = "./kindling-data")]
    data_dir: PathBuf,
    /// PostgreSQL URL (postgres://user:password@host/db); overrides --data-dir.
    #[arg(long, env = "KINDLING_DATABASE_URL")]
    database_url: Option<String>,
}

impl DatabaseArgs {
    /// The SQLite data directory, unless a database URL is given.
    fn sqlite_dir(&self) -> Option<&std::path::Path> {
        self.database_url.is_none().then_some(self.data_dir.as_path())
    }

    async fn open(&self) -> Result<Db> {
        let db = match &self.database_url {
            Some(url) => Db::connect(url).await.with_context(|| format!("connecting to {}", redact_url(url)))?,
            None => Db::open_data_dir(&self.data_dir)
                .await
                .with_context(|| format!("opening {}", self.data_dir.display()))?,
        };
        db.migrate().await.context("running database migrations")?;
        Ok(db)
    }
}

#[derive(Args, Debug)]
struct SetupArgs {
    /// The first organisation's name.
    #[arg(long)]
    organisation: String,
    /// What kind of organisation it is ("NHS trust", "Local authority", "Care provider"…).
    #[arg(long)]
    kind: String,
    /// The first administrator's work email address.
    #[arg(long)]
    admin_email: String,
    /// The first administrator's name (defaults to the part of the email before the @).
    #[arg(long)]
    admin_name: Option<String>,
    /// The address people use to reach Kindling, for the link printed.
    #[arg(long, env = "KINDLING_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    public_url: String,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Single sign-on for the whole installation (an organisation's own is set on `/admin/sign-in`).
#[derive(Args, Debug, Clone, Default)]
struct OidcArgs {
    /// The OpenID Connect issuer, e.g. `https://login.microsoftonline.com/TENANT-ID/v2.0` (http only on a
    /// loopback address, for tests).
    #[arg(long, env = "KINDLING_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    /// The client (application) id registered with the provider.
    #[arg(long, env = "KINDLING_OIDC_CLIENT_ID", requires = "oidc_issuer")]
    oidc_client_id: Option<String>,
    /// The sign-in button's label.
    #[arg(long, env = "KINDLING_OIDC_LABEL", default_value = "Sign in with your organisation's account")]
    oidc_label: String,
    /// Email domains whose people may sign in, comma-separated.
    #[arg(long, env = "KINDLING_OIDC_ALLOWED_DOMAINS", value_delimiter = ',')]
    oidc_allowed_domains: Vec<String>,
    /// Create people in the allowed domains on their first sign-in (off by default).
    #[arg(long, env = "KINDLING_OIDC_CREATE_PEOPLE")]
    oidc_create_people: bool,
    /// The role people created on first sign-in get.
    #[arg(long, env = "KINDLING_OIDC_DEFAULT_ROLE", default_value = "clinician")]
    oidc_default_role: String,
    /// The claim holding groups or app roles (`groups` or `roles` for Entra ID).
    #[arg(long, env = "KINDLING_OIDC_ROLES_CLAIM", default_value = "")]
    oidc_roles_claim: String,
    /// Group-to-role mappings, `group=role`, comma-separated.
    #[arg(long, env = "KINDLING_OIDC_ROLE_MAP", value_delimiter = ',')]
    oidc_role_map: Vec<String>,
}

impl OidcArgs {
    /// The installation's provider, if configured; the client secret comes only from the environment.
    fn provider(&self) -> Result<Option<kindling_web::sso::InstallationProvider>> {
        let Some(issuer) = &self.oidc_issuer else { return Ok(None) };
        let issuer = issuer.trim_end_matches('/').to_owned();
        kindling_web::sso::issuer_allowed(&issuer).map_err(|why| anyhow::anyhow!("--oidc-issuer: {why}"))?;
        let client_id = self.oidc_client_id.clone().context("--oidc-client-id is needed with --oidc-issuer")?;
        let client_secret = std::env::var("KINDLING_OIDC_CLIENT_SECRET")
            .context("KINDLING_OIDC_CLIENT_SECRET must hold the client secret when --oidc-issuer is given")?;
        let default_role = self.oidc_default_role.parse().map_err(|e| anyhow::anyhow!("--oidc-default-role: {e}"))?;
        let role_map = kindling_domain::accounts::sso::parse_role_map(&self.oidc_role_map.join("\n"))
            .map_err(|why| anyhow::anyhow!("--oidc-role-map: {why}"))?;
        let allowed_domains: Vec<String> =
            self.oidc_allowed_domains.iter().map(|d| d.trim().to_lowercase()).filter(|d| !d.is_empty()).collect();
        if self.oidc_create_people && allowed_domains.is_empty() {
            bail!("--oidc-create-people needs --oidc-allowed-domains");
        }
        Ok(Some(kindling_web::sso::InstallationProvider {
            issuer,
            client_id,
            client_secret,
            label: self.oidc_label.clone(),
            allowed_domains,
            create_people: self.oidc_create_people,
            default_role,
            roles_claim: self.oidc_roles_claim.clone(),
            role_map,
        }))
    }
}

#[derive(Args, Debug)]
struct ServeArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "KINDLING_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Seed a demonstration hub when the database is empty.
    #[arg(long)]
    demo: bool,
    /// The address people use to reach Kindling; an https address turns on secure cookies.
    #[arg(long, env = "KINDLING_PUBLIC_URL")]
    public_url: Option<String>,
    #[command(flatten)]
    mail: digest::MailArgs,
    #[command(flatten)]
    oidc: OidcArgs,
    #[command(flatten)]
    anchors: anchor::AnchorArgs,
    /// Reverse proxies (addresses or networks, comma-separated) whose `Forwarded` / `X-Forwarded-For`
    /// headers name the client; from anyone else those headers are ignored.
    #[arg(long, env = "KINDLING_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<kindling_web::client::Cidr>,
    /// Days read notifications are kept.
    #[arg(long, env = "KINDLING_RETAIN_NOTIFICATIONS_DAYS", default_value_t = 365, value_parser = clap::value_parser!(i64).range(1..=3650))]
    retain_notifications_days: i64,
    /// Days the free text of public feedback is kept (its rating stays, in the measure).
    #[arg(long, env = "KINDLING_RETAIN_FEEDBACK_TEXT_DAYS", default_value_t = 730, value_parser = clap::value_parser!(i64).range(1..=3650))]
    retain_feedback_text_days: i64,
    /// Days sign-in attempts and expired links are kept.
    #[arg(long, env = "KINDLING_RETAIN_SIGN_IN_DAYS", default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=3650))]
    retain_sign_in_days: i64,
    /// The bearer token Prometheus sends for `/metrics`; without it, only this machine may read them.
    #[arg(long, env = "KINDLING_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// 64 hex digits that seal organisations' single sign-on client secrets in the database. Without it,
    /// a key is kept in `secret.key` in the data directory (SQLite), or secrets come from the environment.
    #[arg(long = "secret-key", env = "KINDLING_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// How often to check for due email digests, in minutes.
    #[arg(long, env = "KINDLING_DIGEST_CHECK_MINUTES", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1440))]
    digest_check_minutes: u64,
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Print a new personal API token for a user (shown once; only its hash is stored).
    Token {
        #[arg(long)]
        email: String,
        /// A label to recognise the token by later.
        #[arg(long, default_value = "command line")]
        label: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Subcommand, Debug)]
enum DigestCommand {
    /// Send every digest that is due now, then exit (`serve` also sends them while it runs).
    Send {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        mail: digest::MailArgs,
        /// The address people use to reach Kindling, for the links in the email.
        #[arg(long, env = "KINDLING_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Check every link of the audit chain, and against its signed anchors; exit 0 with the entry count
    /// if intact, 2 naming the problem otherwise.
    Verify {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        anchors: anchor::AnchorArgs,
    },
    /// Anchor the audit chain now: sign its newest entry into the anchor file (serve does every minute).
    Anchor {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        anchors: anchor::AnchorArgs,
    },
    /// Write the audit log as JSON Lines (one entry per line, oldest first) for a SIEM.
    Export {
        /// Only entries on or after this date (YYYY-MM-DD, UTC).
        #[arg(long)]
        since: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    // The file commands (spc, match) are synchronous and use their own threads: they start no async
    // runtime, whose worker threads they would only have to start and stop again.
    let outcome = match cli.command {
        Command::Spc(args) => spc_command::run(&args).map(print_and_succeed),
        Command::Match { command } => match_command::run(&command).map(print_and_succeed),
        command => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|runtime| runtime.block_on(run(command))),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn print_and_succeed(out: String) -> ExitCode {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::SUCCESS
}

async fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Serve(args) => serve(*args).await.map(|()| ExitCode::SUCCESS),
        Command::Setup(args) => setup(args).await,
        Command::Admin { command: AdminCommand::Token { email, label, database } } => {
            let db = database.open().await?;
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let Some(user) = users::find_by_email(&db, &email).await? else {
                bail!("no user with email {email}");
            };
            // Issued from the command line by whoever operates the server: no acting user.
            let by = tokens::Audited { actor: None, organisation: user.home_organisation(), now_ms: now_ms() };
            // Issued by whoever operates the server, for integrations: read and write, a year.
            let grant = tokens::Grant {
                scope: kindling_domain::accounts::TokenScope::ReadWrite,
                expires_ms: Some(now_ms() + kindling_domain::accounts::MAX_TOKEN_DAYS * 24 * 60 * 60 * 1000),
            };
            let issued = tokens::issue(&db, user.id, &label, grant, by).await?;
            print_out(&issued.secret);
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Anchor { database, anchors } } => {
            let db = database.open().await?;
            let Some(anchoring) = anchors.resolve(database.sqlite_dir())? else {
                bail!("give --audit-anchor-file (anchoring needs a file outside the database)");
            };
            match anchoring.anchor(&db, now_ms()).await? {
                Some(a) => println!("anchored entry {} in {}", a.seq, anchoring.file.display()),
                None => println!("nothing new to anchor"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Verify { database, anchors } } => {
            let db = database.open().await?;
            match kindling_store::audit::verify(&db).await? {
                Verification::Intact { entries } => {
                    let anchoring = anchors.resolve(database.sqlite_dir())?;
                    match &anchoring {
                        Some(a) if a.file.exists() => match a.verify(&db, &a.file).await? {
                            Ok(Some(seq)) => {
                                println!(
                                    "audit chain intact: {entries} entries; matches its anchors up to entry {seq} ({})",
                                    a.file.display()
                                );
                            }
                            Ok(None) => println!("audit chain intact: {entries} entries; no anchors yet"),
                            Err(problem) => {
                                eprintln!("{problem}");
                                return Ok(ExitCode::from(2));
                            }
                        },
                        _ => println!("audit chain intact: {entries} entries"),
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken(broken) => {
                    eprintln!("{broken}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Audit { command: AuditCommand::Export { since, database } } => {
            let db = database.open().await?;
            let since_ms = match since.as_deref() {
                None => 0,
                Some(raw) => kindling_domain::initiatives::CivilDate::parse_iso(raw)
                    .map(kindling_domain::initiatives::CivilDate::unix_ms)
                    .with_context(|| format!("--since {raw:?} is not a date like 2026-12-01"))?,
            };
            audit_export(&db, since_ms).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Spc(args) => spc_command::run(&args).map(print_and_succeed),
        Command::Match { command } => match_command::run(&command).map(print_and_succeed),
        Command::Digest { command: DigestCommand::Send { database, mail, public_url } } => {
            let db = database.open().await?;
            let Some(mailer) = mail.mailer()? else {
                bail!("no mail transport: give --smtp-url or --mail-dir");
            };
            let sent = digest::send_due(&db, &mailer, &public_url, now_ms()).await?;
            println!("{sent} digest(s) sent");
            Ok(ExitCode::SUCCESS)
        }
        Command::Openapi => {
            print_out(&kindling_web::api::openapi_json());
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { database, to } => {
            let db = database.open().await?;
            kindling_store::backup::backup_to(&db, &to).await?;
            println!("backup written to {}", to.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes the audit log as JSON Lines, page by page, so a log of any size streams out.
async fn audit_export(db: &Db, since_ms: i64) -> Result<()> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut after = 0;
    loop {
        let page = kindling_store::audit::page_since(db, after, since_ms, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for entry in &page {
            let at = jiff::Timestamp::from_millisecond(entry.event.at_ms).map(|t| t.to_string()).unwrap_or_default();
            let line = serde_json::json!({
                "seq": entry.seq, "at": at, "at_ms": entry.event.at_ms,
                "actor_id": entry.event.actor.map(|a| a.get()), "organisation_id": entry.event.organisation.map(|o| o.get()),
                "action": entry.event.action, "subject": entry.event.subject, "summary": entry.event.summary,
                "prev_hash": entry.prev_hash, "hash": entry.hash,
            });
            if writeln!(out, "{line}").is_err() {
                return Ok(());
            }
        }
    }
    let _ = out.flush();
    Ok(())
}

/// `kindling setup`: exit 0 with the link, or 2 (changing nothing) when the installation is set up already.
async fn setup(args: SetupArgs) -> Result<ExitCode> {
    let db = args.database.open().await?;
    let email = Email::parse(&args.admin_email).map_err(|e| anyhow::anyhow!("--admin-email: {e}"))?;
    let organisation = args.organisation.trim();
    let kind = args.kind.trim();
    if organisation.is_empty() || kind.is_empty() {
        bail!("--organisation and --kind must not be empty");
    }
    let name = args
        .admin_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| email.as_str().split('@').next().unwrap_or_default().replace(['.', '_'], " "));
    let first = kindling_store::accounts::FirstRun { organisation, kind, admin_email: &email, admin_name: name.trim() };
    match kindling_store::accounts::setup(&db, &first, now_ms()).await? {
        Some(done) => {
            let link = format!("{}/set-password?token={}", args.public_url.trim_end_matches('/'), done.token);
            print_out(&format!("Kindling is set up for {organisation}."));
            print_out(&format!(
                "{email} can choose a password (or sign in with single sign-on) at this link, once, within 24 hours:"
            ));
            print_out(&link);
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!(
                "This Kindling is already set up; nothing was changed. Administrators invite people from Administration, People."
            );
            Ok(ExitCode::from(2))
        }
    }
}

/// The key that seals client secrets: given, or kept in the data directory for SQLite (created once,
/// readable by the service alone).
fn secret_key(args: &ServeArgs) -> Result<Option<kindling_web::sso::SecretKey>> {
    if let Some(hex) = &args.secret_key {
        return kindling_web::sso::SecretKey::from_hex(hex).map(Some).context("--secret-key must be 64 hex digits");
    }
    if args.database.database_url.is_some() {
        return Ok(None);
    }
    let path = args.database.data_dir.join("secret.key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return kindling_web::sso::SecretKey::from_hex(&text)
            .map(Some)
            .with_context(|| format!("{} is not a key", path.display()));
    }
    // 32 random bytes as 64 hex digits.
    let hex = kindling_store::accounts::fresh_token();
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).with_context(|| format!("creating {}", path.display()))?;
        file.write_all(hex.as_bytes())?;
    }
    Ok(kindling_web::sso::SecretKey::from_hex(&hex))
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}

/// Writes a line to standard output; a closed pipe (`| head`) ends output quietly instead of panicking.
fn print_out(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

pub(crate) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

async fn serve(args: ServeArgs) -> Result<()> {
    let db = args.database.open().await?;
    let mut demo_ready = false;
    if args.demo {
        let password = std::env::var("KINDLING_DEMO_PASSWORD").unwrap_or_else(|_| demo::DEFAULT_PASSWORD.to_owned());
        match demo::seed_if_empty(&db, &password, now_ms()).await? {
            Some(seeded) => tracing::info!(
                organisations = seeded.organisations,
                users = seeded.users,
                initiatives = seeded.initiatives,
                "demo hub seeded"
            ),
            None => tracing::info!("database already has data; demo seed skipped"),
        }
        demo_ready = true;
        let shown = if std::env::var_os("KINDLING_DEMO_PASSWORD").is_some() {
            "the value of KINDLING_DEMO_PASSWORD".to_owned()
        } else {
            password
        };
        eprintln!(
            "Demo accounts: <role>@{} (for example clinician@{}), password: {shown}",
            demo::EMAIL_DOMAIN,
            demo::EMAIL_DOMAIN
        );
    }
    let anchoring = match args.anchors.resolve(args.database.sqlite_dir())? {
        Some(a) => {
            let a = std::sync::Arc::new(a);
            tokio::spawn(anchor::run(db.clone(), a.clone()));
            Some(a)
        }
        None => {
            tracing::warn!(
                "the audit chain is not anchored: give --audit-anchor-file to sign checkpoints outside the database"
            );
            None
        }
    };
    let retention = kindling_store::data_protection::Retention {
        notifications_days: args.retain_notifications_days,
        feedback_text_days: args.retain_feedback_text_days,
        sign_in_records_days: args.retain_sign_in_days,
    };
    tokio::spawn(retention_job(db.clone(), retention));
    if db.dialect() == kindling_store::Dialect::Sqlite {
        tokio::spawn(checkpoint_job(db.clone()));
    }
    tokio::spawn(metrics_upkeep_job());
    let listener = tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("binding {}", args.bind))?;
    let local = listener.local_addr()?;
    let public_url =
        args.public_url.clone().unwrap_or_else(|| format!("http://{local}")).trim_end_matches('/').to_owned();
    let mailer = args.mail.mailer()?.map(std::sync::Arc::new);
    // An installation nobody can sign in to yet: a one-time setup token, printed in the log only.
    let setup_token = if kindling_store::accounts::is_set_up(&db).await? {
        None
    } else {
        let token = kindling_store::accounts::fresh_token();
        tracing::warn!(
            setup_url = format!("{public_url}/setup?token={token}"),
            "Kindling is not set up yet: open the setup address (or run `kindling setup`)"
        );
        eprintln!("Kindling is not set up yet. Open {public_url}/setup?token={token} or run `kindling setup --help`.");
        Some(token)
    };
    let config = kindling_web::Config {
        secure_cookies: public_url.starts_with("https://"),
        demo: demo_ready,
        public_url: public_url.clone(),
        setup_token,
        mailer: mailer.clone(),
        sso: args.oidc.provider()?,
        secret_key: secret_key(&args)?,
        trusted_proxies: args.trusted_proxies.clone(),
        metrics_token: args.metrics_token.clone(),
    };
    let state = kindling_web::AppState::new(db.clone(), config);
    match mailer {
        Some(mailer) => {
            let every = std::time::Duration::from_secs(args.digest_check_minutes * 60);
            tokio::spawn(digest::run(db.clone(), mailer, public_url.clone(), every));
        }
        None => tracing::info!(
            "no mail transport configured (--smtp-url or --mail-dir): email digests wait, invitations are shown to administrators"
        ),
    }
    tracing::info!(address = %local, "listening");
    eprintln!("Kindling is running at http://{local}/");
    let app = kindling_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    if let Some(anchoring) = anchoring {
        // The last entries of this run are anchored before the process ends.
        if let Err(e) = anchoring.anchor(&db, now_ms()).await {
            tracing::warn!(error = format!("{e:#}"), "anchoring the audit chain at shutdown failed");
        }
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// SQLite's write-ahead log, restarted every few seconds so that it cannot grow without bound under
/// steady reads (`Db::checkpoint`).
async fn checkpoint_job(db: Db) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = db.checkpoint().await {
            tracing::warn!(error = %e, "checkpointing the write-ahead log failed");
        }
    }
}

/// The request metrics' histograms, folded into their buckets every few seconds
/// (`kindling_web::run_metrics_upkeep`), so that memory does not grow with every request served between
/// two scrapes of `/metrics`, or for ever where nothing scrapes it.
async fn metrics_upkeep_job() {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        kindling_web::run_metrics_upkeep();
    }
}

/// The retention schedule, looked at every ten minutes; whichever node holds the hour's lease applies it.
async fn retention_job(db: Db, retention: kindling_store::data_protection::Retention) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match kindling_store::data_protection::apply_retention(&db, retention, now_ms()).await {
            Ok(Some(applied)) => tracing::info!(
                notifications = applied.notifications,
                feedback_texts = applied.feedback_texts,
                sessions = applied.sessions,
                sign_in_records = applied.sign_in_records,
                "retention schedule applied"
            ),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "applying the retention schedule failed"),
        }
    }
}

/// Ctrl-C or SIGTERM: stop accepting, finish the requests in flight, close the database cleanly.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("ward a"), "ward a");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }
}
