//! `cargo xtask bench-exports`: how long the server takes to draw the demo trust's board report as a
//! PDF and a chart as a PNG, each beside the form it is drawn from (the HTML report, the SVG chart)
//! measured in the same run. One connection at a time: these are downloads someone waits for, so the
//! latency of one request is what matters.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use crate::bench::{Guard, median, sign_in, wait_ready, wrk_threads};

const BASE: &str = "http://127.0.0.1:18185";
const ROUNDS: usize = 3;

pub fn run(root: &Path) -> Result<()> {
    super::run("cargo", &["build", "--locked", "--release", "-p", "kindling", "--bin", "kindling"])?;
    let data = std::env::temp_dir().join(format!("kindling-bench-exports-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let server = Guard(
        Command::new(root.join("target/release/kindling"))
            .args(["serve", "--demo", "--bind", "127.0.0.1:18185", "--data-dir"])
            .arg(&data)
            .env("KINDLING_DEMO_PASSWORD", "bench-password")
            .env("RUST_LOG", "warn")
            .stderr(Stdio::null())
            .spawn()?,
    );
    wait_ready(&format!("{BASE}/readyz"))?;
    let cookie = sign_in(BASE)?;
    // The first measure on the dashboard whose chart shows special cause.
    let dashboard = Command::new("curl")
        .args(["-fsS", "-H", &format!("Cookie: {cookie}"), &format!("{BASE}/dashboard")])
        .output()?;
    let html = String::from_utf8_lossy(&dashboard.stdout);
    let measure = html
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|href| href.starts_with("/initiatives/") && href.contains("/measures/"))
        .context("no measure link on the dashboard")?
        .to_owned();
    // The first open request in the approvals queue.
    let first_link = |page: &str, prefix: &str| -> Result<String> {
        let out = Command::new("curl")
            .args(["-fsS", "-H", &format!("Cookie: {cookie}"), &format!("{BASE}{page}")])
            .output()?;
        let html = String::from_utf8_lossy(&out.stdout).into_owned();
        html.split("href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .find(|href| {
                href.strip_prefix(prefix).is_some_and(|id| id.chars().all(|c| c.is_ascii_digit()) && !id.is_empty())
            })
            .map(str::to_owned)
            .with_context(|| format!("no {prefix}N link on {page}"))
    };
    let request = first_link("/approvals", "/approvals/")?;
    // The signed-in clinician's own record (anyone else's is refused to a clinician).
    let person = {
        let out = Command::new("curl")
            .args(["-fsS", "-H", &format!("Cookie: {cookie}"), &format!("{BASE}/organisation")])
            .output()?;
        let html = String::from_utf8_lossy(&out.stdout).into_owned();
        let before = html.split("\">Priya Shah</a>").next().context("the clinician is not on the organisation page")?;
        before.rsplit("href=\"").next().context("no link to the clinician's profile")?.to_owned()
    };
    let targets = [
        ("board report, HTML (reference)", format!("{BASE}/dashboard/board-report")),
        ("board report, PDF", format!("{BASE}/dashboard/board-report.pdf")),
        ("chart, SVG (reference)", format!("{BASE}{measure}/chart.svg")),
        ("chart, PNG at 2×", format!("{BASE}{measure}/chart.png")),
        ("committee paper, HTML (reference)", format!("{BASE}{request}/paper")),
        ("committee paper, PDF", format!("{BASE}{request}/paper.pdf")),
        ("appraisal record, HTML (reference)", format!("{BASE}{person}/appraisal")),
        ("appraisal record, PDF", format!("{BASE}{person}/appraisal.pdf")),
    ];
    // Issue 21's goal is per page: count the board report's pages.
    let board = Command::new("curl")
        .args(["-fsS", "-H", &format!("Cookie: {cookie}"), &format!("{BASE}/dashboard/board-report.pdf")])
        .output()?;
    let pdf = String::from_utf8_lossy(&board.stdout);
    let board_pages = pdf.matches("/Type /Page").count() - pdf.matches("/Type /Pages").count();
    let mut results = Vec::new();
    for (name, url) in &targets {
        let runs = (0..ROUNDS).map(|_| wrk_threads(url, Some(&cookie), 1, 1)).collect::<Result<Vec<_>>>()?;
        println!("{name}: {runs:?}");
        results.push((name, median(runs)));
    }
    println!("\n| target | requests/s (median of {ROUNDS}) | p50 ms | p99 ms |");
    println!("| --- | --- | --- | --- |");
    for (name, (rps, p50, p99)) in &results {
        println!("| {name} | {rps:.1} | {p50:.1} | {p99:.1} |");
    }
    if let Some((_, (_, p50, _))) = results.iter().find(|(name, _)| **name == "board report, PDF") {
        println!(
            "\nboard report PDF: {board_pages} pages, {:.1} ms per page at the median (goal ≤ 60 ms)",
            p50 / board_pages.max(1) as f64
        );
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}
