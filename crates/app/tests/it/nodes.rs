//! More than one node (issue 17): two `kindling serve` processes started together with `--demo` on one
//! empty database (PostgreSQL in the full check, SQLite otherwise) seed it once; writes through both are
//! all kept; digests sent from both nodes' timers and from two `kindling digest send` at once reach each
//! person exactly once; and the audit chain stays intact.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use kindling_testkit::{PASSWORD, fresh_db};

use super::BIN;

struct Node {
    child: Child,
    base: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_node(database_url: &str, mail_dir: &Path) -> Child {
    Command::new(BIN)
        .args([
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            database_url,
            "--digest-check-minutes",
            "1",
        ])
        .arg("--mail-dir")
        .arg(mail_dir)
        .env("KINDLING_DEMO_PASSWORD", PASSWORD)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start a node")
}

fn wait_listening(mut child: Child) -> Node {
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines.next().expect("the node exited before listening").expect("read stderr");
        if let Some(rest) = line.strip_prefix("Kindling is running at ") {
            break rest.trim_end_matches('/').to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Node { child, base }
}

/// Recipients of every `.eml` file in the folders, with how many each got.
fn recipients(dirs: &[PathBuf]) -> BTreeMap<String, usize> {
    let mut count = BTreeMap::new();
    for dir in dirs {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if let Some(to) = text.lines().find(|l| l.starts_with("To: ")) {
                *count.entry(to.to_owned()).or_insert(0) += 1;
            }
        }
    }
    count
}

#[tokio::test]
async fn two_nodes_seed_once_keep_every_write_and_send_each_digest_once() -> anyhow::Result<()> {
    let test_db = fresh_db().await?;
    let scratch = std::env::temp_dir().join(format!("kindling-nodes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let dirs: Vec<PathBuf> = ["a", "b", "c", "d"].iter().map(|n| scratch.join(n)).collect();
    // Started together on an empty database: both seed if empty, and it must happen once.
    let (a, b) = (start_node(&test_db.url, &dirs[0]), start_node(&test_db.url, &dirs[1]));
    let (a, b) = (wait_listening(a), wait_listening(b));
    assert_eq!(kindling_store::orgs::all(&test_db.db).await?.len(), 2, "the demo hub was seeded once");

    // Writes through both nodes at once.
    let out = Command::new(BIN)
        .args(["admin", "token", "--email", "clinician@demo.kindling.test", "--database-url", &test_db.url])
        .output()?;
    let token = String::from_utf8(out.stdout)?.trim().to_owned();
    let client = kindling_testkit::http();
    let writers: Vec<_> = (0..40)
        .map(|n| {
            let (client, token) = (client.clone(), token.clone());
            let base = if n % 2 == 0 { a.base.clone() } else { b.base.clone() };
            tokio::spawn(async move {
                let body =
                    serde_json::json!({"title": format!("Two nodes idea {n}"), "problem": "p", "proposed_change": "c"});
                client
                    .post(format!("{base}/api/v1/initiatives"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    for writer in writers {
        assert_eq!(writer.await??, 201);
    }
    let filter = kindling_store::initiatives::Filter::default();
    let (items, _) = kindling_store::initiatives::list(
        &test_db.db,
        kindling_domain::ids::OrganisationId::new(1),
        &filter,
        kindling_domain::paging::Page::parse(None, 1000),
    )
    .await?;
    assert_eq!(items.iter().filter(|i| i.title.starts_with("Two nodes idea")).count(), 40);

    // Digests from both nodes' timers (which ran at start) and from two commands at once.
    let send = |dir: &PathBuf| {
        Command::new(BIN)
            .args(["digest", "send", "--database-url", &test_db.url])
            .arg("--mail-dir")
            .arg(dir)
            .env("RUST_LOG", "warn")
            .spawn()
            .expect("digest send")
    };
    let (mut c, mut d) = (send(&dirs[2]), send(&dirs[3]));
    assert!(c.wait()?.success() && d.wait()?.success());
    let got = recipients(&dirs);
    assert!(got.len() >= 5, "the demo's people were due digests: {got:?}");
    let twice: Vec<_> = got.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "each person gets exactly one digest: {twice:?}");

    drop((a, b));
    // The chain, anchored outside the database, verifies against its anchor.
    let anchors = scratch.join("anchors.log");
    let anchor_args = ["--audit-anchor-file", anchors.to_str().unwrap()];
    let anchored =
        Command::new(BIN).args(["audit", "anchor", "--database-url", &test_db.url]).args(anchor_args).output()?;
    assert!(anchored.status.success(), "{}", String::from_utf8_lossy(&anchored.stderr));
    let verify =
        Command::new(BIN).args(["audit", "verify", "--database-url", &test_db.url]).args(anchor_args).output()?;
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    assert!(String::from_utf8(verify.stdout)?.contains("matches its anchors up to entry"));
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}
