//! Sending the email digests: find who is due one (the store), compose it (the domain), and hand it
//! to a transport: an SMTP server, or a folder of `.eml` files for development and tests.
//!
//! `serve` checks every few minutes; `kindling digest send` does one pass and exits (for cron, or a
//! second process beside several web nodes). A digest is marked sent only after the transport took
//! it, so a mail server that is down means a later retry, never a lost digest.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use kindling_domain::notifications::compose_digest;
use kindling_store::{Db, notifications};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Where digests go.
#[derive(Args, Debug, Clone, Default)]
pub struct MailArgs {
    /// SMTP server for the email digests, as a URL: `smtps://user:password@host` (TLS),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS) or `smtp://host:25` (unencrypted,
    /// for a relay on the same machine).
    #[arg(long, env = "KINDLING_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Write each digest as an `.eml` file in this folder instead of sending it (development, tests).
    #[arg(long, env = "KINDLING_MAIL_DIR", conflicts_with = "smtp_url")]
    pub mail_dir: Option<PathBuf>,
    /// The sender of digests.
    #[arg(long, env = "KINDLING_MAIL_FROM", default_value = "Kindling <kindling@localhost>")]
    pub mail_from: String,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(PathBuf),
}

/// A configured way to send digests.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// Links in the email start with this (the public address).
    base_url: String,
}

impl Mailer {
    /// `None` when neither SMTP nor a folder is configured: digests then wait, and notifications
    /// are read in Kindling.
    pub fn from_args(args: &MailArgs, base_url: &str) -> Result<Option<Self>> {
        let from: Mailbox = args.mail_from.parse().with_context(|| format!("--mail-from {:?}", args.mail_from))?;
        let transport = match (&args.smtp_url, &args.mail_dir) {
            (Some(url), _) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .with_context(|| format!("--smtp-url {}", kindling_store::redact_url(url)))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
            ),
            (None, Some(dir)) => {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
                Transport::Folder(dir.clone())
            }
            (None, None) => return Ok(None),
        };
        Ok(Some(Self { transport, from, base_url: base_url.trim_end_matches('/').to_owned() }))
    }

    async fn send(&self, message: Message, file_stem: &str) -> Result<()> {
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.context("sending through SMTP")?;
            }
            Transport::Folder(dir) => {
                let path = dir.join(format!("{file_stem}.eml"));
                tokio::fs::write(&path, message.formatted())
                    .await
                    .with_context(|| format!("writing {}", path.display()))?;
            }
        }
        Ok(())
    }
}

/// Sends every digest that is due at `now_ms`; how many were sent. One person's failure (a bad
/// address) is logged and does not stop the others; their digest is tried again next pass.
pub async fn send_due(db: &Db, mailer: &Mailer, now_ms: i64) -> Result<usize> {
    let mut sent = 0;
    for due in notifications::due_digests(db, now_ms).await? {
        let Some(email) = compose_digest(&due.name, due.preference, &due.items, &mailer.base_url) else { continue };
        let to: Mailbox = match format!("{} <{}>", due.name.replace(['<', '>', '"'], ""), due.email).parse() {
            Ok(to) => to,
            Err(e) => {
                tracing::warn!(user.id = %due.user, error = %e, "digest not sent: the address does not parse");
                continue;
            }
        };
        let message = Message::builder()
            .from(mailer.from.clone())
            .to(to)
            .subject(email.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(email.text)
            .context("building the digest email")?;
        match mailer.send(message, &format!("{now_ms}-{}", due.user)).await {
            Ok(()) => {
                notifications::mark_digest_sent(db, due.user, now_ms).await?;
                sent += 1;
            }
            Err(e) => tracing::warn!(user.id = %due.user, error = format!("{e:#}"), "digest not sent; will retry"),
        }
    }
    Ok(sent)
}

/// Checks for due digests every `every` until the process stops.
pub async fn run(db: Db, mailer: Mailer, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match send_due(&db, &mailer, crate::now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(digests = n, "email digests sent"),
            Err(e) => tracing::warn!(error = format!("{e:#}"), "checking for due digests failed"),
        }
    }
}
