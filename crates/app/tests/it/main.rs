//! The `kindling` binary end to end: the command-line tools, and durability when the server is killed.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use kindling_testkit::{PASSWORD, demo_db};

mod digest;
mod nodes;
mod uploads;

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_kindling");

fn kindling(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).env("RUST_LOG", "warn").output().expect("run kindling")
}

#[tokio::test]
async fn admin_token_then_the_api_returns_the_demo_initiatives() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let out = kindling(&["admin", "token", "--email", "clinician@demo.kindling.test", "--database-url", &test_db.url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout)?.trim().to_owned();
    assert!(token.starts_with("kdl_") && token.len() == 68, "{token}");
    let user = kindling_store::tokens::authenticate(&test_db.db, &token, kindling_testkit::now_ms()).await?;
    assert!(user.is_some());
    // Issued from the command line, so audited with no acting user.
    let entries = kindling_store::audit::for_subject(&test_db.db, "token:1").await?;
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].event.action.as_str(), entries[0].event.actor), ("token.issued", None));
    let unknown = kindling(&["admin", "token", "--email", "nobody@demo.kindling.test", "--database-url", &test_db.url]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no user with email nobody@demo.kindling.test"));
    Ok(())
}

#[tokio::test]
async fn audit_verify_passes_on_demo_data_and_names_the_first_altered_entry() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let out = kindling(&["audit", "verify", "--database-url", &test_db.url]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout)?;
    assert!(stdout.starts_with("audit chain intact: ") && stdout.trim_end().ends_with(" entries"), "{stdout}");
    kindling_store::raw_execute(&test_db.db, "UPDATE audit_log SET summary = summary || '!' WHERE seq = 7").await?;
    let out = kindling(&["audit", "verify", "--database-url", &test_db.url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr)?;
    assert!(stderr.contains("audit chain broken at entry 7"), "{stderr}");
    Ok(())
}

/// A server process with its address read from its start-up line.
struct Server {
    child: Child,
    base: String,
}

fn start_server(data_dir: &std::path::Path) -> Server {
    let mut command = Command::new(BIN);
    command.args(["serve", "--demo", "--bind", "127.0.0.1:0", "--data-dir"]).arg(data_dir);
    spawn_server(command)
}

/// The server on an existing database (a test's own, on SQLite or PostgreSQL).
fn start_server_on(database_url: &str) -> Server {
    let mut command = Command::new(BIN);
    command.args(["serve", "--bind", "127.0.0.1:0", "--database-url", database_url]);
    spawn_server(command)
}

fn spawn_server(mut command: Command) -> Server {
    let mut child = command
        .env("KINDLING_DEMO_PASSWORD", PASSWORD)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start server");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines.next().expect("server exited before listening").expect("read stderr");
        if let Some(rest) = line.strip_prefix("Kindling is running at ") {
            break rest.trim_end_matches('/').to_owned();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

#[tokio::test]
async fn killing_the_server_mid_write_loses_no_acknowledged_data() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("kindling-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut server = start_server(&dir);
    let token = {
        let out = kindling(&[
            "admin",
            "token",
            "--email",
            "clinician@demo.kindling.test",
            "--data-dir",
            dir.to_str().unwrap(),
        ]);
        String::from_utf8(out.stdout)?.trim().to_owned()
    };
    let client = kindling_testkit::http();
    let mut acknowledged = Vec::new();
    // Each writer reports every acknowledged write; the test kills the server once 40 are in.
    let (acks, mut ack_count) = tokio::sync::watch::channel(0_usize);
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (client, base, token, acks) = (client.clone(), server.base.clone(), token.clone(), acks.clone());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for n in 0..400 {
                    let body = serde_json::json!({"title": format!("Writer {w} idea {n}"), "problem": "p", "proposed_change": "c"});
                    match client.post(format!("{base}/api/v1/initiatives")).bearer_auth(&token).json(&body).send().await {
                        Ok(r) if r.status() == 201 => {
                            ids.push(r.json::<serde_json::Value>().await.map(|v| v["id"].as_i64()).ok().flatten());
                            acks.send_modify(|n| *n += 1);
                        }
                        _ => break,
                    }
                }
                ids
            })
        })
        .collect();
    ack_count.wait_for(|n| *n >= 40).await?;
    // Kill the process outright while the writers are still writing (SIGKILL: no shutdown code runs).
    server.child.kill()?;
    server.child.wait()?;
    for writer in writers {
        acknowledged.extend(writer.await?.into_iter().flatten());
    }
    assert!(acknowledged.len() >= 40, "{} writes acknowledged", acknowledged.len());

    let mut restarted = start_server(&dir);
    for id in &acknowledged {
        let r = client.get(format!("{}/api/v1/initiatives/{id}", restarted.base)).bearer_auth(&token).send().await?;
        assert_eq!(r.status(), 200, "acknowledged initiative {id} was lost");
    }
    restarted.child.kill()?;
    restarted.child.wait()?;
    let verify = kindling(&["audit", "verify", "--data-dir", dir.to_str().unwrap()]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[tokio::test]
async fn backup_copies_a_live_database_consistently() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("kindling-backup-{}", std::process::id()));
    let copy = std::env::temp_dir().join(format!("kindling-backup-copy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&copy);
    let mut server = start_server(&dir);
    std::fs::create_dir_all(&copy)?;
    let target = copy.join("kindling.sqlite3");
    let out = kindling(&["backup", "--data-dir", dir.to_str().unwrap(), "--to", target.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    server.child.kill()?;
    server.child.wait()?;
    let verify = kindling(&["audit", "verify", "--data-dir", copy.to_str().unwrap()]);
    assert!(verify.status.success());
    let again = kindling(&["backup", "--data-dir", dir.to_str().unwrap(), "--to", target.to_str().unwrap()]);
    assert!(!again.status.success(), "an existing file is never overwritten");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&copy);
    Ok(())
}

fn kindling_with_input(args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kindling");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("wait")
}

#[test]
fn spc_reads_standard_input_and_writes_json_lines() {
    let mut csv = String::from("series,x,y\n");
    for s in ["ward a", "ward b"] {
        for i in 1..=20 {
            csv.push_str(&format!("{s},2025-01-{i:02},{}\n", 10 + i % 3));
        }
    }
    let out = kindling_with_input(&["spc", "--input", "-", "--chart", "xmr"], &csv);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["series"], "ward b");
    assert_eq!(lines[0]["points"].as_array().unwrap().len(), 20);
    assert_eq!(lines[0]["variation"], "common_cause");
}

#[test]
fn spc_errors_name_the_file_and_line_and_write_nothing_to_standard_output() {
    let dir = std::env::temp_dir().join(format!("kindling-spc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.csv");
    // The first series is fine; the second has a bad number on line 5.
    std::fs::write(&file, "series,x,y\na,1,3\na,2,4\nb,1,5\nb,2,five\n").unwrap();
    let out = kindling(&["spc", "--input", file.to_str().unwrap(), "--chart", "xmr"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing on standard output");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("bad.csv: line 5, column y: \"five\" is not a number"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn setup_creates_the_first_organisation_once_and_then_changes_nothing() -> anyhow::Result<()> {
    let test_db = kindling_testkit::fresh_db().await?;
    let args = |org: &str| {
        vec![
            "setup".to_owned(),
            "--organisation".into(),
            org.into(),
            "--kind".into(),
            "NHS trust".into(),
            "--admin-email".into(),
            "First.Admin@northfield.nhs.uk".into(),
            "--public-url".into(),
            "https://kindling.northfield.nhs.uk/".into(),
            "--database-url".into(),
            test_db.url.clone(),
        ]
    };
    let first = Command::new(BIN).args(args("Northfield NHS Trust")).env("RUST_LOG", "warn").output()?;
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let out = String::from_utf8(first.stdout)?;
    assert!(out.contains("Kindling is set up for Northfield NHS Trust."), "{out}");
    let link = out
        .lines()
        .find(|l| l.starts_with("https://kindling.northfield.nhs.uk/set-password?token="))
        .expect("the link");
    let token = link.rsplit('=').next().unwrap();
    assert_eq!(token.len(), 64);
    let check = kindling_store::accounts::check_link(
        &test_db.db,
        token,
        &[kindling_domain::accounts::LinkPurpose::Setup],
        kindling_testkit::now_ms(),
    )
    .await?;
    let kindling_store::accounts::LinkCheck::Valid(valid) = check else { panic!("{check:?}") };
    // Valid for a day.
    assert!(valid.expires_ms - kindling_testkit::now_ms() > 23 * 3_600_000);
    let admin = kindling_store::users::get(&test_db.db, valid.user.unwrap()).await?.unwrap();
    assert_eq!((admin.email.as_str(), admin.hub_admin), ("first.admin@northfield.nhs.uk", true));
    assert_eq!(admin.roles_in(valid.organisation.unwrap()), [kindling_domain::people::Role::Admin]);
    // Again: exit 2, one clear sentence, nothing changed.
    let second = Command::new(BIN).args(args("Another Trust")).env("RUST_LOG", "warn").output()?;
    assert_eq!(second.status.code(), Some(2));
    assert!(second.stdout.is_empty());
    let said = String::from_utf8(second.stderr)?;
    assert!(said.starts_with("This Kindling is already set up; nothing was changed."), "{said}");
    assert_eq!(kindling_store::orgs::all(&test_db.db).await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn serve_on_an_empty_database_logs_a_setup_address_that_the_home_page_never_shows() -> anyhow::Result<()> {
    let test_db = kindling_testkit::fresh_db().await?;
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", &test_db.url])
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut setup = None;
    let base = loop {
        let line = lines.next().expect("server exited before listening")?;
        if let Some(at) = line.find("/setup?token=") {
            let token: String =
                line[at + "/setup?token=".len()..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
            setup = Some(token);
        }
        if let Some(rest) = line.strip_prefix("Kindling is running at ") {
            break rest.trim_end_matches('/').to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let token = setup.expect("a setup address in the log");
    assert_eq!(token.len(), 64);
    let client = kindling_testkit::http();
    let home = client.get(format!("{base}/")).send().await?.text().await?;
    assert!(home.contains("Set up Kindling") && !home.contains(&token));
    assert_eq!(client.get(format!("{base}/setup")).send().await?.status(), 404);
    assert_eq!(client.get(format!("{base}/setup?token={token}")).send().await?.status(), 200);
    child.kill()?;
    child.wait()?;
    Ok(())
}

#[tokio::test]
async fn audit_export_writes_json_lines_for_a_siem() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let out = kindling(&["audit", "export", "--database-url", &test_db.url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout)?.lines().map(serde_json::from_str).collect::<Result<_, _>>()?;
    let count = match kindling_store::audit::verify(&test_db.db).await? {
        kindling_store::audit::Verification::Intact { entries } => entries,
        kindling_store::audit::Verification::Broken(b) => panic!("{b}"),
    };
    assert_eq!(lines.len() as u64, count);
    assert_eq!(lines[0]["seq"], 1);
    assert!(lines.windows(2).all(|w| w[1]["prev_hash"] == w[0]["hash"]), "each line chains onto the one before");
    let future = kindling(&["audit", "export", "--since", "2999-01-01", "--database-url", &test_db.url]);
    assert!(future.status.success() && future.stdout.is_empty());
    let bad = kindling(&["audit", "export", "--since", "last week", "--database-url", &test_db.url]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a date like 2026-12-01"));
    Ok(())
}

/// Issue 17: deleting the newest audit entries, or editing one and recomputing every later hash, passed
/// `kindling audit verify`. Against its signed anchors, neither does.
#[tokio::test]
async fn audit_anchors_catch_a_chain_cut_short_or_rewritten() -> anyhow::Result<()> {
    use kindling_domain::audit::{AuditEvent, entry_hash};
    let scratch = std::env::temp_dir().join(format!("kindling-anchors-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    let (file, key) = (scratch.join("anchors.log"), scratch.join("anchor.key"));
    let with_anchors = |command: &str, url: &str| {
        kindling(&[
            "audit",
            command,
            "--database-url",
            url,
            "--audit-anchor-file",
            file.to_str().unwrap(),
            "--audit-key-file",
            key.to_str().unwrap(),
        ])
    };
    // Cut short: the newest three entries deleted.
    let test_db = demo_db().await?;
    let anchored = with_anchors("anchor", &test_db.url);
    assert!(anchored.status.success(), "{}", String::from_utf8_lossy(&anchored.stderr));
    let (last, _) = kindling_store::audit::head(&test_db.db).await?.unwrap();
    assert_eq!(String::from_utf8(anchored.stdout)?.trim(), format!("anchored entry {last} in {}", file.display()));
    let ok = with_anchors("verify", &test_db.url);
    assert!(String::from_utf8(ok.stdout)?.contains(&format!("matches its anchors up to entry {last}")));
    kindling_store::raw_execute(&test_db.db, &format!("DELETE FROM audit_log WHERE seq > {}", last - 3)).await?;
    assert!(
        kindling(&["audit", "verify", "--database-url", &test_db.url]).status.success(),
        "the chain alone cannot tell"
    );
    let cut = with_anchors("verify", &test_db.url);
    assert_eq!(cut.status.code(), Some(2));
    assert!(String::from_utf8(cut.stderr)?.contains(&format!("audit log cut short: entry {last} was anchored")));

    // Rewritten: entry 5 edited and every later hash recomputed.
    let _ = std::fs::remove_file(&file);
    let test_db = demo_db().await?;
    assert!(with_anchors("anchor", &test_db.url).status.success());
    let entries = kindling_store::audit::page_since(&test_db.db, 0, 0, 100_000).await?;
    let mut prev = entries[3].hash.clone();
    for entry in &entries[4..] {
        let mut event: AuditEvent = entry.event.clone();
        if entry.seq == 5 {
            event.summary = "Nothing happened here".into();
        }
        let hash = entry_hash(entry.seq, &event, &prev);
        let sql = format!(
            "UPDATE audit_log SET summary = '{}', prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
            event.summary.replace('\'', "''"),
            entry.seq
        );
        kindling_store::raw_execute(&test_db.db, &sql).await?;
        prev = hash;
    }
    assert!(
        kindling(&["audit", "verify", "--database-url", &test_db.url]).status.success(),
        "the chain alone cannot tell"
    );
    let rewritten = with_anchors("verify", &test_db.url);
    assert_eq!(rewritten.status.code(), Some(2));
    assert!(String::from_utf8(rewritten.stderr)?.contains("does not match its anchor: the log was rewritten"));

    // The anchor file itself altered.
    let text = std::fs::read_to_string(&file)?;
    std::fs::write(&file, text.replacen(' ', " 1", 1))?;
    let forged = with_anchors("verify", &test_db.url);
    assert_eq!(forged.status.code(), Some(2));
    let said = String::from_utf8(forged.stderr)?;
    assert!(said.contains("not signed by the audit key") || said.contains("cannot be read"), "{said}");
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}
