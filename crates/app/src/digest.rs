//! Sending the email digests: find who is due one (the store), compose it (the domain), and hand it
//! to a transport: an SMTP server, or a folder of `.eml` files for development and tests.
//!
//! `serve` checks every few minutes; `kindling digest send` does one pass and exits (for cron, or a
//! second process beside several web nodes). A digest is marked sent only after the transport took
//! it, so a mail server that is down means a later retry, never a lost digest.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use kindling_domain::notifications::{Upcoming, compose_digest};
use kindling_mail::{Mailer, Outgoing, Settings};
use kindling_store::{Db, notifications};

/// Where email goes: digests, and the invitations and password resets that are sent at once.
#[derive(Args, Debug, Clone, Default)]
pub struct MailArgs {
    /// SMTP server for email, as a URL: `smtps://user:password@host` (TLS),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS) or `smtp://host:25` (unencrypted,
    /// for a relay on the same machine).
    #[arg(long, env = "KINDLING_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Write each email as an `.eml` file in this folder instead of sending it (development, tests).
    #[arg(long, env = "KINDLING_MAIL_DIR", conflicts_with = "smtp_url")]
    pub mail_dir: Option<PathBuf>,
    /// The sender of every email.
    #[arg(long, env = "KINDLING_MAIL_FROM", default_value = "Kindling <kindling@localhost>")]
    pub mail_from: String,
}

impl MailArgs {
    /// The mailer these settings describe, or `None` when neither SMTP nor a folder is given.
    pub fn mailer(&self) -> Result<Option<Mailer>> {
        let settings =
            Settings { smtp_url: self.smtp_url.clone(), mail_dir: self.mail_dir.clone(), from: self.mail_from.clone() };
        Ok(Mailer::from_settings(&settings)?)
    }
}

/// Sends every digest that is due at `now_ms`; how many were sent. One person's failure (a bad
/// address) is logged and does not stop the others; their digest is tried again next pass.
pub async fn send_due(db: &Db, mailer: &Mailer, base_url: &str, now_ms: i64) -> Result<usize> {
    // Offers nobody has answered for two weeks are re-sent first, so this pass's digests carry them.
    let reminded = kindling_store::mentoring::remind_unanswered(db, now_ms).await?;
    if reminded > 0 {
        tracing::info!(reminded, "unanswered mentoring offers re-sent");
    }
    // So is feedback at each relationship's milestones.
    let asked = kindling_store::mentoring::ask_feedback_due(db, now_ms).await?;
    if asked > 0 {
        tracing::info!(asked, "mentoring feedback asked at milestones");
    }
    let mut sent = 0;
    let base_url = base_url.trim_end_matches('/');
    for due in notifications::due_digests(db, now_ms).await? {
        let upcoming: Vec<Upcoming> = due
            .meetings
            .iter()
            .map(|m| Upcoming {
                when: kindling_web::date_and_time(m.starts_ms),
                summary: format!("Mentoring meeting with {}", m.with),
                href: m.href.clone(),
            })
            .collect();
        let Some(email) = compose_digest(&due.name, due.preference, &due.items, &upcoming, base_url) else { continue };
        // Several nodes (and `kindling digest send`) may find the same person due: one sends.
        if !notifications::claim_digest(db, &due, now_ms).await? {
            continue;
        }
        let outgoing = Outgoing {
            to_name: due.name.clone(),
            to_email: due.email.clone(),
            subject: email.subject,
            text: email.text,
            html: None,
            file_stem: format!("{now_ms}-{}", due.user),
        };
        match mailer.send(&outgoing).await {
            Ok(()) => {
                notifications::mark_digest_sent(db, due.user, now_ms).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(user.id = %due.user, error = format!("{e:#}"), "digest not sent; will retry");
                notifications::release_digest(db, due.user).await?;
            }
        }
    }
    Ok(sent)
}

/// Checks for due digests every `every` until the process stops.
pub async fn run(db: Db, mailer: std::sync::Arc<Mailer>, base_url: String, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match send_due(&db, &mailer, &base_url, crate::now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(digests = n, "email digests sent"),
            Err(e) => tracing::warn!(error = format!("{e:#}"), "checking for due digests failed"),
        }
    }
}
