//! Tidy: the architecture and house-style rules that a compiler cannot check.
//!
//! - Pure crates (spc, matching, domain, charts, workbook) depend on nothing that does I/O, and their code does not
//!   reach for the file system, the network, the clock or a random source.
//! - Every Rust source file starts with a `//!` header saying what it owns.
//! - The SQLite and PostgreSQL migration folders hold the same migrations.
//! - Lints are silenced with `#[expect(…, reason = "…")]`, never a bare `#[allow]`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Result;

const PURE_CRATES: &[&str] = &["spc", "matching", "domain", "charts", "workbook"];

/// Dependencies a pure crate may have: other pure crates and computation-only libraries.
const PURE_ALLOWED: &[&str] = &[
    "kindling-spc",
    "kindling-matching",
    "kindling-domain",
    "kindling-charts",
    "serde",
    "thiserror",
    "sha2",
    "sha1",
    "hmac",
    "proptest",
    "serde_json",
    "toml",
    // A hash function (FxHash) for interning identifiers read from the user's own files.
    "rustc-hash",
    // The workbook reader's archive and XML readers, used on bytes in memory only.
    "zip",
    "quick-xml",
];

/// Text that means a pure crate is doing I/O or reading the clock or randomness.
const PURE_FORBIDDEN: &[&str] =
    &["std::fs", "std::net", "std::process", "tokio", "sqlx", "SystemTime", "Instant::now", "getrandom", "std::env"];

pub fn check(root: &Path) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for name in PURE_CRATES {
        let dir = root.join("crates").join(name);
        for dep in dependencies(&std::fs::read_to_string(dir.join("Cargo.toml"))?) {
            if !PURE_ALLOWED.contains(&dep.as_str()) {
                problems.push(format!("pure crate {name} depends on {dep}, which is not on the pure list"));
            }
        }
        for file in rust_files(&dir.join("src"))? {
            let text = std::fs::read_to_string(&file)?;
            for word in PURE_FORBIDDEN {
                if text.contains(word) {
                    problems.push(format!("{}: pure crate code mentions {word}", rel(root, &file)));
                }
            }
        }
    }
    let mut sources = Vec::new();
    for dir in std::fs::read_dir(root.join("crates"))? {
        let dir = dir?.path();
        sources.extend(rust_files(&dir.join("src"))?);
        sources.extend(rust_files(&dir.join("tests"))?);
        sources.extend(rust_files(&dir.join("benches"))?);
    }
    sources.extend(rust_files(&root.join("xtask/src"))?);
    for file in &sources {
        let text = std::fs::read_to_string(file)?;
        if !text.trim_start().starts_with("//!") {
            problems.push(format!("{}: the file does not start with a //! header", rel(root, file)));
        }
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("#[allow(") || code.starts_with("#![allow(") {
                problems.push(format!(
                    "{}:{}: use #[expect(lint, reason = \"…\")] instead of #[allow]",
                    rel(root, file),
                    n + 1
                ));
            }
        }
    }
    let migrations = root.join("crates/store/migrations");
    let (sqlite, postgres) = (file_names(&migrations.join("sqlite"))?, file_names(&migrations.join("postgres"))?);
    if sqlite != postgres {
        let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
        let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
        problems.push(format!(
            "migration folders differ: only in sqlite {only_sqlite:?}, only in postgres {only_postgres:?}"
        ));
    }
    Ok(problems)
}

/// Names in `[dependencies]` (not dev-dependencies) of a Cargo.toml.
fn dependencies(manifest: &str) -> Vec<String> {
    let mut in_deps = false;
    let mut deps = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps && let Some((name, _)) = line.split_once('=') {
            let name = name.trim().trim_end_matches(".workspace").trim();
            if !name.is_empty() && !name.starts_with('#') {
                deps.push(name.to_owned());
            }
        }
    }
    deps
}

fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if !dir.exists() {
        return Ok(files);
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn file_names(dir: &Path) -> Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(dir)? {
        names.insert(entry?.file_name().to_string_lossy().into_owned());
    }
    Ok(names)
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_is_tidy() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let problems = check(root).unwrap();
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn dependency_parsing_reads_only_the_dependencies_table() {
        let manifest = "[package]\nname = \"x\"\n[dependencies]\nserde.workspace = true\ntokio = \"1\"\n[dev-dependencies]\nproptest = \"1\"\n";
        assert_eq!(dependencies(manifest), ["serde", "tokio"]);
    }
}
