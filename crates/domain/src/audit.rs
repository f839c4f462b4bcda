//! The tamper-evident audit log: every change of state appends an entry whose hash covers the entry and
//! the hash of the entry before it, so altering, deleting or reordering any stored row breaks the chain
//! from that row on.
//!
//! This module computes and checks hashes; the storage layer decides where entries live and serialises
//! appends so that each entry sees its true predecessor.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ids::{OrganisationId, UserId};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, before it is stored: the caller supplies everything, including the time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// Who did it; `None` for the system itself (start-up seeding, scheduled jobs).
    pub actor: Option<UserId>,
    /// The organisation whose data changed, if any.
    pub organisation: Option<OrganisationId>,
    /// A dotted verb, `initiative.created`, `initiative.stage_changed`, `session.signed_in`.
    pub action: String,
    /// What it happened to, `initiative:42`.
    pub subject: String,
    /// A short before/after summary for people reading the log.
    pub summary: String,
}

/// An entry as stored, with its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// 1, 2, 3… with no gaps.
    pub seq: i64,
    pub event: AuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// Chains `event` after the entry with sequence `seq - 1` and hash `prev_hash`.
    pub fn chain(seq: i64, event: AuditEvent, prev_hash: &str) -> Self {
        let hash = entry_hash(seq, &event, prev_hash);
        Self { seq, event, prev_hash: prev_hash.to_owned(), hash }
    }
}

/// SHA-256 over a length-prefixed encoding of every field, so no two different entries encode alike.
pub fn entry_hash(seq: i64, event: &AuditEvent, prev_hash: &str) -> String {
    let mut hasher = Sha256::new();
    let mut field = |value: &str| {
        hasher.update(value.len().to_string().as_bytes());
        hasher.update(b":");
        hasher.update(value.as_bytes());
        hasher.update(b";");
    };
    field(prev_hash);
    field(&seq.to_string());
    field(&event.at_ms.to_string());
    field(&event.actor.map(|a| a.to_string()).unwrap_or_default());
    field(&event.organisation.map(|o| o.to_string()).unwrap_or_default());
    field(&event.action);
    field(&event.subject);
    field(&event.summary);
    hex(&hasher.finalize())
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// The first entry at which the chain is broken, and how.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at entry {seq}: {problem}")]
pub struct ChainBreak {
    pub seq: i64,
    pub problem: ChainProblem,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainProblem {
    #[error("expected entry {expected} here (an entry is missing or out of order)")]
    Gap { expected: i64 },
    #[error("its previous-hash does not match the entry before it")]
    PrevMismatch,
    #[error("its contents do not match its hash (the row was altered)")]
    HashMismatch,
}

/// Walks entries in sequence order and returns how many there were, or the first break.
pub fn verify_chain(entries: impl IntoIterator<Item = AuditEntry>) -> Result<u64, ChainBreak> {
    let mut verifier = ChainVerifier::default();
    for entry in entries {
        verifier.push(&entry)?;
    }
    Ok(verifier.count())
}

/// Incremental verification, so a long log can be streamed from the database in pages.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { expected_seq: 1, prev_hash: GENESIS.to_owned() }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, entry: &AuditEntry) -> Result<(), ChainBreak> {
        let fail = |problem| Err(ChainBreak { seq: entry.seq, problem });
        if entry.seq != self.expected_seq {
            return fail(ChainProblem::Gap { expected: self.expected_seq });
        }
        if entry.prev_hash != self.prev_hash {
            return fail(ChainProblem::PrevMismatch);
        }
        if entry_hash(entry.seq, &entry.event, &entry.prev_hash) != entry.hash {
            return fail(ChainProblem::HashMismatch);
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&entry.hash);
        Ok(())
    }

    /// Entries verified so far.
    pub fn count(&self) -> u64 {
        u64::try_from(self.expected_seq - 1).unwrap_or(0)
    }

    /// The hash the next entry must carry as its `prev_hash`.
    pub fn head(&self) -> &str {
        &self.prev_hash
    }
}

/// A checkpoint of the chain kept outside the database: the newest entry's number and hash at a moment,
/// signed with a key the database does not hold. A chain that verifies on its own can still have been
/// cut short (its newest entries deleted) or rewritten from some entry on with every later hash
/// recomputed; neither survives a comparison with the anchors written before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
    pub at_ms: i64,
}

/// What an anchor's signature covers.
impl Anchor {
    pub fn message(&self) -> String {
        format!("kindling-audit-anchor:v1:{}:{}:{}", self.seq, self.hash, self.at_ms)
    }

    /// One line of the anchor file: `seq hash at_ms signature-hex`.
    pub fn line(&self, signature_hex: &str) -> String {
        format!("{} {} {} {signature_hex}", self.seq, self.hash, self.at_ms)
    }

    /// Reads a line of the anchor file into the anchor and its signature (hex).
    pub fn parse_line(line: &str) -> Option<(Self, String)> {
        let mut parts = line.split_whitespace();
        let seq = parts.next()?.parse().ok()?;
        let hash = parts.next()?.to_owned();
        let at_ms = parts.next()?.parse().ok()?;
        let signature = parts.next()?.to_owned();
        (parts.next().is_none() && hash.len() == 64).then_some((Self { seq, hash, at_ms }, signature))
    }
}

/// How the stored chain stands against its anchors.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnchorProblem {
    #[error("audit log cut short: entry {seq} was anchored on {at_ms} (ms) but the log ends at entry {last}")]
    Truncated { seq: i64, at_ms: i64, last: i64 },
    #[error("audit entry {seq} does not match its anchor: the log was rewritten from there on")]
    Rewritten { seq: i64 },
    #[error("anchor line {line} is not signed by the audit key: the anchor file was altered")]
    BadSignature { line: usize },
    #[error("anchor line {line} cannot be read")]
    Unreadable { line: usize },
}

/// Checks anchors (already signature-checked, in file order) against the stored hashes: `stored(seq)`
/// gives the hash of entry `seq`, if it exists; `last` is the newest entry's number.
pub fn check_anchors(
    anchors: &[Anchor],
    last: i64,
    mut stored: impl FnMut(i64) -> Option<String>,
) -> Result<Option<i64>, AnchorProblem> {
    let mut newest = None;
    for anchor in anchors {
        if anchor.seq > last {
            return Err(AnchorProblem::Truncated { seq: anchor.seq, at_ms: anchor.at_ms, last });
        }
        if stored(anchor.seq).as_deref() != Some(anchor.hash.as_str()) {
            return Err(AnchorProblem::Rewritten { seq: anchor.seq });
        }
        newest = newest.max(Some(anchor.seq));
    }
    Ok(newest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_catch_truncation_and_rewriting() {
        let stored = |seq: i64| Some(format!("{seq:064}"));
        let anchor = |seq: i64| Anchor { seq, hash: format!("{seq:064}"), at_ms: 1 };
        assert_eq!(check_anchors(&[anchor(3), anchor(7)], 9, stored), Ok(Some(7)));
        assert_eq!(check_anchors(&[], 9, stored), Ok(None));
        assert_eq!(
            check_anchors(&[anchor(3), anchor(12)], 9, stored),
            Err(AnchorProblem::Truncated { seq: 12, at_ms: 1, last: 9 })
        );
        let rewritten = |seq: i64| Some(if seq >= 5 { "f".repeat(64) } else { format!("{seq:064}") });
        assert_eq!(check_anchors(&[anchor(3), anchor(7)], 9, rewritten), Err(AnchorProblem::Rewritten { seq: 7 }));
        let line = anchor(7).line("abcd");
        assert_eq!(Anchor::parse_line(&line), Some((anchor(7), "abcd".to_owned())));
        assert_eq!(Anchor::parse_line("7 short 1 ab"), None);
        assert_eq!(Anchor::message(&anchor(7)), format!("kindling-audit-anchor:v1:7:{}:1", "0".repeat(63) + "7"));
    }

    fn event(n: i64) -> AuditEvent {
        AuditEvent {
            at_ms: 1_700_000_000_000 + n,
            actor: Some(UserId::new(n)),
            organisation: Some(OrganisationId::new(1)),
            action: "initiative.created".into(),
            subject: format!("initiative:{n}"),
            summary: format!("created {n}"),
        }
    }

    fn chain(len: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_owned();
        (1..=len)
            .map(|seq| {
                let entry = AuditEntry::chain(seq, event(seq), &prev);
                prev.clone_from(&entry.hash);
                entry
            })
            .collect()
    }

    /// An independent check of the encoding: SHA-256 of the documented byte string, computed by hand.
    #[test]
    fn hash_is_sha256_of_the_length_prefixed_fields() {
        let e = AuditEvent {
            at_ms: 5,
            actor: None,
            organisation: None,
            action: "a".into(),
            subject: "s".into(),
            summary: String::new(),
        };
        let encoded = format!("64:{GENESIS};1:1;1:5;0:;0:;1:a;1:s;0:;");
        assert_eq!(entry_hash(1, &e, GENESIS), hex(&Sha256::digest(encoded.as_bytes())));
        // The SHA-256 of "abc" from FIPS 180-2, appendix B.1, checks `hex` and the digest together.
        assert_eq!(hex(&Sha256::digest(b"abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify_chain(chain(5)), Ok(5));
        assert_eq!(verify_chain(Vec::new()), Ok(0));
    }

    #[test]
    fn any_alteration_is_found_at_the_altered_entry() {
        type Alteration = fn(&mut AuditEntry);
        let alterations: Vec<(&str, Alteration)> = vec![
            ("summary", |e| e.event.summary.push('!')),
            ("actor", |e| e.event.actor = None),
            ("time", |e| e.event.at_ms += 1),
            ("action", |e| e.event.action = "x".into()),
            ("subject", |e| e.event.subject = "initiative:9".into()),
            ("organisation", |e| e.event.organisation = Some(OrganisationId::new(2))),
        ];
        for (what, alter) in alterations {
            let mut entries = chain(5);
            alter(&mut entries[2]);
            assert_eq!(
                verify_chain(entries),
                Err(ChainBreak { seq: 3, problem: ChainProblem::HashMismatch }),
                "{what}"
            );
        }
    }

    #[test]
    fn rehashing_an_altered_row_breaks_the_next_link() {
        let mut entries = chain(5);
        entries[2].event.summary = "rewritten".into();
        entries[2].hash = entry_hash(3, &entries[2].event, &entries[2].prev_hash);
        assert_eq!(verify_chain(entries), Err(ChainBreak { seq: 4, problem: ChainProblem::PrevMismatch }));
    }

    #[test]
    fn deleting_or_reordering_is_a_gap() {
        let mut entries = chain(5);
        entries.remove(1);
        assert_eq!(verify_chain(entries), Err(ChainBreak { seq: 3, problem: ChainProblem::Gap { expected: 2 } }));
        let mut entries = chain(5);
        entries.swap(3, 4);
        assert_eq!(verify_chain(entries), Err(ChainBreak { seq: 5, problem: ChainProblem::Gap { expected: 4 } }));
    }
}
