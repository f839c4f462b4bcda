//! Anchoring the audit chain outside the database: the newest entry's number and hash, signed with an
//! Ed25519 key kept in a file the database does not hold, appended to an anchor file (put it on another
//! volume, make it append-only, or ship it to a SIEM) and written to the log as it is made. `serve`
//! anchors every minute and when it stops; `kindling audit anchor` anchors once; `kindling audit verify
//! --anchors FILE` checks the chain against every anchor, so deleting the newest entries, or rewriting the
//! log from some entry on with every later hash recomputed, is detected up to the latest anchor.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use kindling_domain::audit::{Anchor, AnchorProblem, check_anchors};
use kindling_store::Db;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};

#[derive(Args, Debug, Clone, Default)]
pub struct AnchorArgs {
    /// The append-only file of signed audit anchors (default: `audit-anchors.log` in the data directory;
    /// with PostgreSQL, anchoring is off unless this is given).
    #[arg(long, env = "KINDLING_AUDIT_ANCHOR_FILE")]
    pub audit_anchor_file: Option<PathBuf>,
    /// The Ed25519 key that signs anchors, created on first use (default: `audit-anchor.key` in the data
    /// directory). Keep it away from the database's backups.
    #[arg(long, env = "KINDLING_AUDIT_KEY_FILE")]
    pub audit_key_file: Option<PathBuf>,
}

/// Where anchors go and what signs them, once resolved.
pub struct Anchoring {
    pub file: PathBuf,
    key: Ed25519KeyPair,
}

impl AnchorArgs {
    /// The anchoring configured, falling back to files in the SQLite data directory.
    pub fn resolve(&self, data_dir: Option<&Path>) -> Result<Option<Anchoring>> {
        let (file, key_file) = match (&self.audit_anchor_file, &self.audit_key_file, data_dir) {
            (Some(f), Some(k), _) => (f.clone(), k.clone()),
            (Some(f), None, Some(d)) => (f.clone(), d.join("audit-anchor.key")),
            (None, k, Some(d)) => {
                (d.join("audit-anchors.log"), k.clone().unwrap_or_else(|| d.join("audit-anchor.key")))
            }
            (Some(f), None, None) => (f.clone(), f.with_extension("key")),
            (None, _, None) => return Ok(None),
        };
        Ok(Some(Anchoring { file, key: load_or_create_key(&key_file)? }))
    }
}

fn load_or_create_key(path: &Path) -> Result<Ed25519KeyPair> {
    if let Ok(bytes) = std::fs::read(path) {
        return Ed25519KeyPair::from_pkcs8(&bytes)
            .map_err(|_| anyhow::anyhow!("{} is not an Ed25519 key", path.display()));
    }
    let document = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new())
        .map_err(|_| anyhow::anyhow!("could not make an audit anchor key"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut f| f.write_all(document.as_ref()))
        .with_context(|| format!("creating {}", path.display()))?;
    tracing::info!(key_file = %path.display(), "audit anchor key created");
    Ed25519KeyPair::from_pkcs8(document.as_ref()).map_err(|_| anyhow::anyhow!("the new key does not load"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    text.len().is_multiple_of(2).then_some(())?;
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

impl Anchoring {
    /// Anchors the chain's newest entry now, unless the newest anchor already covers it.
    pub async fn anchor(&self, db: &Db, now_ms: i64) -> Result<Option<Anchor>> {
        let Some((seq, hash)) = kindling_store::audit::head(db).await? else { return Ok(None) };
        if let Some(last) = read_lines(&self.file)?.last().and_then(|l| Anchor::parse_line(l)).map(|(a, _)| a)
            && last.seq >= seq
        {
            return Ok(None);
        }
        let anchor = Anchor { seq, hash, at_ms: now_ms };
        let signature = hex(self.key.sign(anchor.message().as_bytes()).as_ref());
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)
            .with_context(|| format!("opening {}", self.file.display()))?;
        writeln!(file, "{}", anchor.line(&signature))?;
        file.sync_all()?;
        tracing::info!(audit.seq = anchor.seq, audit.hash = %anchor.hash, audit.signature = %signature, "audit chain anchored");
        Ok(Some(anchor))
    }

    /// Checks the stored chain against every anchor in `file`: their signatures, then their entries.
    /// The newest anchored entry, or the problem.
    pub async fn verify(&self, db: &Db, file: &Path) -> Result<std::result::Result<Option<i64>, AnchorProblem>> {
        let public = UnparsedPublicKey::new(&ED25519, self.key.public_key().as_ref().to_vec());
        let mut anchors = Vec::new();
        for (n, line) in read_lines(file)?.iter().enumerate() {
            let Some((anchor, signature)) = Anchor::parse_line(line) else {
                return Ok(Err(AnchorProblem::Unreadable { line: n + 1 }));
            };
            let signed = unhex(&signature).is_some_and(|sig| public.verify(anchor.message().as_bytes(), &sig).is_ok());
            if !signed {
                return Ok(Err(AnchorProblem::BadSignature { line: n + 1 }));
            }
            anchors.push(anchor);
        }
        let last = kindling_store::audit::head(db).await?.map_or(0, |(seq, _)| seq);
        let mut stored = std::collections::HashMap::new();
        for anchor in &anchors {
            if let Some(hash) = kindling_store::audit::hash_of(db, anchor.seq).await? {
                stored.insert(anchor.seq, hash);
            }
        }
        Ok(check_anchors(&anchors, last, |seq| stored.get(&seq).cloned()))
    }
}

fn read_lines(path: &Path) -> Result<Vec<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => bail!("reading {}: {e}", path.display()),
    }
}

/// Anchors every minute until the process stops.
pub async fn run(db: Db, anchoring: std::sync::Arc<Anchoring>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = anchoring.anchor(&db, crate::now_ms()).await {
            tracing::warn!(error = format!("{e:#}"), "anchoring the audit chain failed");
        }
    }
}
