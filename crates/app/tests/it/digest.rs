//! Email digests from the command line: one email per person with everything new since their last
//! digest, through a folder of `.eml` files and through a real SMTP conversation.

use std::sync::{Arc, Mutex};

use kindling_domain::ids::UserId;
use kindling_domain::notifications::Digest;
use kindling_store::{Actor, notifications, users};
use kindling_testkit::demo_db;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::kindling;

async fn user_id(db: &kindling_store::Db, email: &str) -> anyhow::Result<UserId> {
    let email = kindling_domain::people::Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(users::find_by_email(db, &email).await?.expect("demo user").id)
}

#[tokio::test]
async fn due_digests_go_to_a_folder_once_per_period_and_never_empty() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let db = &test_db.db;
    let lead = user_id(db, "improvement-lead@demo.kindling.test").await?;
    let unread = notifications::list(db, lead, 500).await?.iter().filter(|n| !n.read).count();
    assert!(unread > 0, "the demo's history notifies the improvement lead");
    // The executive reads everything in Kindling and wants no email.
    let executive = user_id(db, "executive@demo.kindling.test").await?;
    let organisation = users::get(db, executive).await?.and_then(|u| u.home_organisation()).expect("member");
    notifications::set_digest_preference(db, Actor { organisation, user: executive, now_ms: 1 }, Digest::Off).await?;

    let dir = std::env::temp_dir().join(format!("kindling-mail-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let args = ["digest", "send", "--database-url", &test_db.url, "--mail-dir", dir.to_str().unwrap()];
    let send = |extra: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend_from_slice(extra);
        kindling(&all)
    };
    let out = send(&["--public-url", "https://kindling.example.nhs.uk"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let emails: Vec<String> =
        std::fs::read_dir(&dir)?.map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("read")).collect();
    let sent = String::from_utf8(out.stdout)?;
    assert_eq!(sent.trim(), format!("{} digest(s) sent", emails.len()));
    let to_lead: Vec<&String> =
        emails.iter().filter(|e| e.contains("To: ") && e.contains("<improvement-lead@demo.kindling.test>")).collect();
    assert_eq!(to_lead.len(), 1, "one email per person, not one per event");
    let plural = if unread == 1 { "" } else { "s" };
    assert!(
        to_lead[0].contains(&format!("Subject: Kindling: {unread} update{plural} for you today")),
        "{}",
        to_lead[0]
    );
    assert!(to_lead[0].contains("https://kindling.example.nhs.uk/notifications"));
    assert!(!emails.iter().any(|e| e.contains("executive@demo.kindling.test")), "digest off means no email");

    // A second pass straight away sends nothing: a day has not passed.
    let again = send(&[]);
    assert_eq!(String::from_utf8(again.stdout)?.trim(), "0 digest(s) sent");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A minimal SMTP server that accepts one session and keeps what it was sent.
async fn smtp_sink(listener: tokio::net::TcpListener, received: Arc<Mutex<Vec<String>>>) -> anyhow::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 sink ESMTP\r\n").await?;
        let mut data: Option<String> = None;
        while let Some(line) = lines.next_line().await? {
            if let Some(body) = data.as_mut() {
                if line == "." {
                    received.lock().expect("lock").push(std::mem::take(body));
                    data = None;
                    write.write_all(b"250 queued\r\n").await?;
                } else {
                    body.push_str(&line);
                    body.push('\n');
                }
                continue;
            }
            let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250 sink\r\n",
                "DATA" => {
                    data = Some(String::new());
                    b"354 go ahead\r\n"
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await?;
                    break;
                }
                _ => b"250 ok\r\n",
            };
            write.write_all(reply).await?;
        }
    }
}

#[tokio::test]
async fn digests_are_sent_through_smtp() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let received = Arc::new(Mutex::new(Vec::new()));
    tokio::spawn(smtp_sink(listener, received.clone()));
    let url = format!("smtp://127.0.0.1:{port}");
    let test_url = test_db.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        kindling(&[
            "digest",
            "send",
            "--database-url",
            &test_url,
            "--smtp-url",
            &url,
            "--mail-from",
            "Kindling <kindling@trust.example>",
        ])
    })
    .await?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let count: usize = String::from_utf8(out.stdout)?.split_whitespace().next().unwrap_or("0").parse()?;
    let received = received.lock().expect("lock").clone();
    assert!(count > 0);
    assert_eq!(received.len(), count, "every digest the command counted reached the server");
    assert!(
        received
            .iter()
            .all(|m| m.contains("From: Kindling <kindling@trust.example>") && m.contains("Subject: Kindling: "))
    );
    Ok(())
}

/// Issue 19 §3: a planned mentoring meeting is reminded of in the digest before it, even when there is
/// nothing else new to read; a meeting beyond the next digest waits for that one.
#[tokio::test]
async fn the_digest_reminds_a_pair_of_their_next_meeting() -> anyhow::Result<()> {
    use kindling_domain::mentoring::{MatchStatus, SessionMode};
    use kindling_store::mentoring;

    let test_db = demo_db().await?;
    let db = &test_db.db;
    let mentor = user_id(db, "mentor@demo.kindling.test").await?;
    let organisation = users::get(db, mentor).await?.and_then(|u| u.home_organisation()).expect("member");
    let now = kindling_testkit::now_ms();
    let programme = mentoring::programmes(db, organisation).await?.remove(0);
    let pair = mentoring::matches(db, organisation, programme.id)
        .await?
        .into_iter()
        .find(|m| m.mentee_reference == "NE-JT")
        .expect("the demo pair");
    let mentee = pair.mentee_user.expect("an account");
    mentoring::answer(db, Actor { organisation, user: mentee, now_ms: now }, &pair, MatchStatus::Active, None).await?;
    let pair = mentoring::find_match(db, organisation, pair.id).await?.expect("the pair");
    let hour = 60 * 60 * 1000;
    for starts_ms in [now + 30 * hour, now + 5 * 24 * hour] {
        let meeting = mentoring::NewMeeting {
            starts_ms,
            minutes: 45,
            mode: SessionMode::InPerson,
            place: Some("Pharmacy seminar room".into()),
            link: None,
        };
        mentoring::plan_meeting(db, Actor { organisation, user: mentee, now_ms: now }, &pair, &meeting).await?;
    }
    // The mentor has read everything, including what the digest pass itself would raise first (offer
    // reminders and feedback at milestones of his other relationships), so only the meeting is left.
    mentoring::remind_unanswered(db, now).await?;
    mentoring::ask_feedback_due(db, now).await?;
    notifications::mark_read(db, mentor, None, now).await?;

    let dir = std::env::temp_dir().join(format!("kindling-mail-meetings-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = kindling(&["digest", "send", "--database-url", &test_db.url, "--mail-dir", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let emails: Vec<String> =
        std::fs::read_dir(&dir)?.map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("read")).collect();
    let to_mentor: Vec<&String> = emails.iter().filter(|e| e.contains("<mentor@demo.kindling.test>")).collect();
    assert_eq!(to_mentor.len(), 1);
    let email = to_mentor[0];
    assert!(email.contains("Subject: Kindling: 1 meeting coming up today"), "{email}");
    assert!(email.contains("Coming up (1)"), "the meeting in five days waits for a later digest: {email}");
    assert!(email.contains("Mentoring meeting with Jess Taylor"));
    assert!(email.contains(&format!("/mentoring/matches/{}#meetings", pair.id)));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
