//! The OpenAPI document against the running API: `openapi-spec-validator` reads the document, then
//! schemathesis runs all its phases (examples, coverage, fuzzing, stateful) and all its checks
//! against `kindling serve --demo` with an administrator's token. Both come from PyPI into a
//! virtualenv under `target/`. The failures schemathesis may not report are none; the rules the
//! document cannot express are listed, with their reasons, in the configuration file.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::bench::{Guard, wait_ready};

const VALIDATOR: &str = "openapi-spec-validator==0.9.0";
const SCHEMATHESIS: &str = "schemathesis==4.32.5";
const CONFIG: &str = "crates/web/tests/schemathesis/schemathesis.toml";
/// Examples per operation and phase: about a minute on two cores with one worker.
const MAX_EXAMPLES: &str = "50";
/// A fixed seed, so a failure in CI is the same failure on a laptop.
const SEED: &str = "20261203";

pub fn check(root: &Path) -> Result<()> {
    crate::run("cargo", &["build", "--locked", "-p", "kindling"])?;
    let python = virtualenv(root)?;
    crate::run(&python, &["-m", "pip", "install", "--quiet", "--disable-pip-version-check", VALIDATOR, SCHEMATHESIS])?;
    let kindling = root.join("target/debug/kindling");
    let doc = Command::new(&kindling).arg("openapi").output()?;
    if !doc.status.success() {
        bail!("kindling openapi failed");
    }
    let file = root.join("target/openapi.json");
    std::fs::write(&file, &doc.stdout)?;
    let file = file.to_str().unwrap_or_default();
    crate::run(&python, &["-m", "openapi_spec_validator", file])?;
    conformance(root, &kindling, file)
}

/// The Python of the checks' virtualenv under `target/`, created on first use.
pub(crate) fn virtualenv(root: &Path) -> Result<String> {
    let venv = root.join("target/pyvenv");
    let python = venv.join("bin/python");
    if !python.exists() {
        crate::run("python3", &["-m", "venv", venv.to_str().unwrap_or_default()])?;
    }
    Ok(python.to_str().unwrap_or_default().to_owned())
}

fn conformance(root: &Path, kindling: &Path, document: &str) -> Result<()> {
    let scratch = root.join("target/schemathesis");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    let data = scratch.join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let base = format!("http://127.0.0.1:{port}");
    let log = std::fs::File::create(scratch.join("serve.log"))?;
    let _server = Guard(
        Command::new(kindling)
            .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?,
    );
    wait_ready(&format!("{base}/healthz"))?;
    let token = Command::new(kindling)
        .args(["admin", "token", "--email", "admin@demo.kindling.test", "--data-dir"])
        .arg(&data)
        .output()?;
    let token = String::from_utf8_lossy(&token.stdout).lines().last().unwrap_or_default().trim().to_owned();
    if !token.starts_with("kdl_") {
        bail!("could not create an API token for the demo administrator");
    }
    let schemathesis = root.join("target/pyvenv/bin/schemathesis");
    let status = Command::new(schemathesis)
        .args(["--config-file", root.join(CONFIG).to_str().unwrap_or_default(), "--no-color", "run", document])
        // One worker, a fixed seed and deterministic generation (which keeps no example database
        // between runs): the same cases in the same order against the same fresh demo on every run, so CI is
        // not red by chance. Exploring further is for a longer run by hand (more examples, no seed).
        .args(["--url", &base, "--checks", "all", "--workers", "1"])
        .args(["--max-examples", MAX_EXAMPLES, "--seed", SEED, "--generation-deterministic"])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        // Hypothesis keeps its example database in the working directory.
        .current_dir(&scratch)
        .status()
        .context("running schemathesis")?;
    if !status.success() {
        bail!("schemathesis found failures (server log: target/schemathesis/serve.log)");
    }
    Ok(())
}
