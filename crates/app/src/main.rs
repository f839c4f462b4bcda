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
    Serve(ServeArgs),
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
    /// Check every link of the audit chain; exit 0 with the entry count if intact.
    Verify {
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

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match run(cli.command).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Serve(args) => serve(args).await.map(|()| ExitCode::SUCCESS),
        Command::Admin { command: AdminCommand::Token { email, label, database } } => {
            let db = database.open().await?;
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let Some(user) = users::find_by_email(&db, &email).await? else {
                bail!("no user with email {email}");
            };
            // Issued from the command line by whoever operates the server: no acting user.
            let by = tokens::Audited { actor: None, organisation: user.home_organisation(), now_ms: now_ms() };
            let issued = tokens::issue(&db, user.id, &label, by).await?;
            print_out(&issued.secret);
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Verify { database } } => {
            let db = database.open().await?;
            match kindling_store::audit::verify(&db).await? {
                Verification::Intact { entries } => {
                    println!("audit chain intact: {entries} entries");
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken(broken) => {
                    eprintln!("{broken}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Spc(args) => {
            let out = spc_command::run(&args)?;
            use std::io::Write;
            let _ = std::io::stdout().lock().write_all(out.as_bytes());
            Ok(ExitCode::SUCCESS)
        }
        Command::Match { command } => {
            let out = match_command::run(&command)?;
            use std::io::Write;
            let _ = std::io::stdout().lock().write_all(out.as_bytes());
            Ok(ExitCode::SUCCESS)
        }
        Command::Digest { command: DigestCommand::Send { database, mail, public_url } } => {
            let db = database.open().await?;
            let Some(mailer) = digest::Mailer::from_args(&mail, &public_url)? else {
                bail!("no mail transport: give --smtp-url or --mail-dir");
            };
            let sent = digest::send_due(&db, &mailer, now_ms()).await?;
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
    let config = kindling_web::Config {
        secure_cookies: args.public_url.as_deref().is_some_and(|u| u.starts_with("https://")),
        demo: demo_ready,
    };
    let state = kindling_web::AppState::new(db.clone(), config);
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{}", args.bind));
    match digest::Mailer::from_args(&args.mail, &public_url)? {
        Some(mailer) => {
            let every = std::time::Duration::from_secs(args.digest_check_minutes * 60);
            tokio::spawn(digest::run(db.clone(), mailer, every));
        }
        None => tracing::info!("no mail transport configured (--smtp-url or --mail-dir): email digests wait"),
    }
    let listener = tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("binding {}", args.bind))?;
    let local = listener.local_addr()?;
    tracing::info!(address = %local, "listening");
    eprintln!("Kindling is running at http://{local}/");
    let app = kindling_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
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
