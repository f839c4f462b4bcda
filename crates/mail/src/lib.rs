//! Outgoing email. One [`Mailer`] sends through an SMTP server (TLS, STARTTLS, or a relay on the same
//! machine) or writes `.eml` files into a folder (development, tests, and the browser journeys, which
//! read the links people are sent). Every message is plain text, with an HTML alternative when the caller
//! gives one.
//!
//! Used by the digests (`kindling digest send` and `serve`'s timer) and by the web layer for the emails
//! that cannot wait for a digest: invitations and password resets.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Where email goes, as configured.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// `smtps://user:password@host`, `smtp://user:password@host:587?tls=required` or `smtp://host:25`.
    pub smtp_url: Option<String>,
    /// A folder to write `.eml` files into instead of sending.
    pub mail_dir: Option<PathBuf>,
    /// The sender, `Name <address>`.
    pub from: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the sender {0:?} is not an email address")]
    From(String),
    #[error("the SMTP URL is not valid: {0}")]
    SmtpUrl(String),
    #[error("could not prepare the mail folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("the address {0:?} is not an email address")]
    To(String),
    #[error("the message could not be built: {0}")]
    Build(String),
    #[error("sending through SMTP failed: {0}")]
    Smtp(String),
    #[error("writing {path} failed: {source}")]
    Write { path: String, source: std::io::Error },
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(PathBuf),
}

/// A configured way to send email.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let transport = match &self.transport {
            Transport::Smtp(_) => "smtp".to_owned(),
            Transport::Folder(dir) => format!("folder {}", dir.display()),
        };
        f.debug_struct("Mailer").field("transport", &transport).field("from", &self.from.to_string()).finish()
    }
}

/// One email to one person.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub to_name: String,
    pub to_email: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// The `.eml` file's name when writing to a folder (unique per message).
    pub file_stem: String,
}

impl Mailer {
    /// `None` when neither SMTP nor a folder is configured: email then waits (digests) or is not sent.
    pub fn from_settings(settings: &Settings) -> Result<Option<Self>, MailError> {
        let from: Mailbox = settings.from.parse().map_err(|_| MailError::From(settings.from.clone()))?;
        let transport = match (&settings.smtp_url, &settings.mail_dir) {
            (Some(url), _) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| MailError::SmtpUrl(e.to_string()))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
            ),
            (None, Some(dir)) => {
                std::fs::create_dir_all(dir)
                    .map_err(|source| MailError::Folder { path: dir.display().to_string(), source })?;
                Transport::Folder(dir.clone())
            }
            (None, None) => return Ok(None),
        };
        Ok(Some(Self { transport, from }))
    }

    /// Sends one message; an error means it was not taken by the transport.
    pub async fn send(&self, email: &Outgoing) -> Result<(), MailError> {
        // The name is given to lettre as a name, never parsed as part of an address: a name such as
        // "June (family carer)" or "Okafor, Amara" would otherwise read as a comment or a list.
        let display = email.to_name.replace(['<', '>', '"', '\r', '\n'], "");
        let address: lettre::Address = email.to_email.parse().map_err(|_| MailError::To(email.to_email.clone()))?;
        let to = Mailbox::new(Some(display.trim().to_owned()).filter(|d| !d.is_empty()), address);
        let builder = Message::builder().from(self.from.clone()).to(to).subject(email.subject.clone());
        let message = match &email.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(email.text.clone(), html.clone())),
            None => builder.singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone())),
        }
        .map_err(|e| MailError::Build(e.to_string()))?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.map_err(|e| MailError::Smtp(e.to_string()))?;
            }
            Transport::Folder(dir) => {
                let path = dir.join(format!("{}.eml", email.file_stem));
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|source| MailError::Write { path: path.display().to_string(), source })?;
            }
        }
        tracing::debug!(email.subject = %email.subject, "email sent");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_message_with_html_is_written_as_multipart_alternative() {
        let dir = std::env::temp_dir().join(format!("kindling-mail-{}", std::process::id()));
        let settings =
            Settings { smtp_url: None, mail_dir: Some(dir.clone()), from: "Kindling <k@example.test>".into() };
        let mailer = Mailer::from_settings(&settings).unwrap().unwrap();
        let email = Outgoing {
            to_name: "Amara \"<Okafor>\"".into(),
            to_email: "amara@example.test".into(),
            subject: "You are invited".into(),
            text: "Open the link".into(),
            html: Some("<p>Open the link</p>".into()),
            file_stem: "one".into(),
        };
        mailer.send(&email).await.unwrap();
        let written = std::fs::read_to_string(dir.join("one.eml")).unwrap();
        assert!(written.contains("multipart/alternative"), "{written}");
        assert!(written.contains("To: \"Amara Okafor\" <amara@example.test>"), "{written}");
        assert!(written.contains("Open the link") && written.contains("<p>Open the link</p>"));
        // Names with the characters addresses use for comments and lists are still only names.
        for (name, file) in [("June (family carer)", "two"), ("Okafor, Amara; Ward 3 @ night", "three")] {
            let email = Outgoing { to_name: name.into(), file_stem: file.into(), ..email.clone() };
            mailer.send(&email).await.unwrap();
            let written = std::fs::read_to_string(dir.join(format!("{file}.eml"))).unwrap();
            // lettre writes such a name as an RFC 2047 encoded word, which mail programs decode.
            use base64::Engine as _;
            let encoded = base64::engine::general_purpose::STANDARD.encode(name);
            assert!(written.contains(&format!("To: =?utf-8?b?{encoded}?= <amara@example.test>")), "{written}");
        }
        let bad = Outgoing { to_email: "not an address".into(), file_stem: "two".into(), ..email };
        assert!(matches!(mailer.send(&bad).await, Err(MailError::To(_))));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn no_transport_means_no_mailer_and_a_bad_sender_is_refused() {
        assert!(
            Mailer::from_settings(&Settings { from: "K <k@example.test>".into(), ..Settings::default() })
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            Mailer::from_settings(&Settings { from: "nobody".into(), ..Settings::default() }),
            Err(MailError::From(_))
        ));
    }
}
