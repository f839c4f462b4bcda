//! `cargo xtask bench-soak [MINUTES]`: the release server on SQLite under 64 connections for ten minutes
//! (by default): 48 on a signed-in page (`/initiatives`) and 16 creating initiatives through the API, with
//! requests per second, p50, p99 and errors for each, the server's resident memory at minutes 1, 5 and 10,
//! and `/healthz` under the same 64 connections before and after, in the same run.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bench::{Guard, sign_in, wait_ready};

const PORT: u16 = 18191;

/// wrk's figures: requests/s, p50 ms, p99 ms, errors (socket errors and non-2xx answers), requests.
struct Figures {
    rps: f64,
    p50: f64,
    p99: f64,
    errors: u64,
    requests: u64,
}

fn spawn_wrk(url: &str, connections: u32, seconds: u64, extra: &[String]) -> Result<std::process::Child> {
    let mut args = vec![
        "-t1".to_owned(),
        format!("-c{connections}"),
        format!("-d{seconds}s"),
        "--latency".to_owned(),
        "--timeout".to_owned(),
        "10s".to_owned(),
    ];
    args.extend_from_slice(extra);
    args.push(url.to_owned());
    Command::new("wrk").args(&args).stdout(Stdio::piped()).spawn().context("running wrk (apt-get install wrk)")
}

fn figures(output: std::process::Output) -> Result<Figures> {
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let ms = |raw: &str| -> Result<f64> {
        Ok(if let Some(n) = raw.strip_suffix("us") {
            n.parse::<f64>()? / 1000.0
        } else if let Some(n) = raw.strip_suffix("ms") {
            n.parse()?
        } else if let Some(n) = raw.strip_suffix('s') {
            n.parse::<f64>()? * 1000.0
        } else {
            bail!("unknown latency {raw}")
        })
    };
    let percentile = |p: &str| -> Result<f64> {
        let line =
            text.lines().find(|l| l.trim_start().starts_with(p)).with_context(|| format!("no {p} in\n{text}"))?;
        ms(line.split_whitespace().nth(1).unwrap_or_default())
    };
    let rps = text.lines().find_map(|l| l.strip_prefix("Requests/sec:")).context("no Requests/sec")?.trim().parse()?;
    let requests = text
        .lines()
        .find_map(|l| l.split_once(" requests in ").map(|(n, _)| n.trim().to_owned()))
        .unwrap_or_default()
        .parse()
        .unwrap_or(0);
    let non_2xx: u64 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .map_or(0, |n| n.trim().parse().unwrap_or(0));
    let socket: u64 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Socket errors:"))
        .map_or(0, |rest| rest.split(',').filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok()).sum());
    Ok(Figures { rps, p50: percentile("50%")?, p99: percentile("99%")?, errors: non_2xx + socket, requests })
}

/// A line of `/proc/PID/status` in MiB (`VmRSS`, and its parts `RssAnon`, `RssFile`, `RssShmem`).
pub(crate) fn status_mib(pid: u32, field: &str) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .with_context(|| field.to_owned())?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()?;
    Ok(kib / 1024.0)
}

fn resident_mib(pid: u32) -> Result<f64> {
    status_mib(pid, "VmRSS")
}

pub fn run(root: &Path, minutes: u64) -> Result<()> {
    super::run("cargo", &["build", "--locked", "--release", "-p", "kindling", "--bin", "kindling"])?;
    let data = std::env::temp_dir().join(format!("kindling-soak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let binary = root.join("target/release/kindling");
    let server = Guard(
        Command::new(&binary)
            .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{PORT}"), "--data-dir"])
            .arg(&data)
            .env("KINDLING_DEMO_PASSWORD", "bench-password")
            .env("RUST_LOG", "warn")
            .stderr(Stdio::null())
            .spawn()?,
    );
    let base = format!("http://127.0.0.1:{PORT}");
    wait_ready(&format!("{base}/readyz"))?;
    let cookie = sign_in(&base)?;
    let token = String::from_utf8(
        Command::new(&binary)
            .args(["admin", "token", "--email", "improvement-lead@demo.kindling.test", "--data-dir"])
            .arg(&data)
            .output()?
            .stdout,
    )?
    .trim()
    .to_owned();
    let script = data.join("write.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\n\
             wrk.body = '{{\"title\": \"Soak idea\", \"problem\": \"A problem to solve\", \"proposed_change\": \"A change to try\"}}'\n"
        ),
    )?;
    let pid = server.0.id();
    let healthz = |label: &str| -> Result<Figures> {
        let f = figures(spawn_wrk(&format!("{base}/healthz"), 64, 20, &[])?.wait_with_output()?)?;
        println!("/healthz {label}: {:.0}/s p50 {:.2} ms p99 {:.2} ms errors {}", f.rps, f.p50, f.p99, f.errors);
        Ok(f)
    };
    let before = healthz("before")?;
    let seconds = minutes * 60;
    let page = spawn_wrk(&format!("{base}/initiatives"), 48, seconds, &["-H".into(), format!("Cookie: {cookie}")])?;
    let writes = spawn_wrk(
        &format!("{base}/api/v1/initiatives"),
        16,
        seconds,
        &["-s".into(), script.to_string_lossy().into_owned()],
    )?;
    let started = Instant::now();
    let mut samples = Vec::new();
    let reported = [1, minutes / 2, minutes];
    for minute in 1..=minutes {
        let at = Duration::from_secs(minute * 60).saturating_sub(Duration::from_secs(2));
        if let Some(wait) = at.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
        let mib = resident_mib(pid)?;
        // Where the memory is: the heap (anonymous) or pages of mapped files (the binary, SQLite's
        // shared-memory index), which the kernel can drop.
        println!(
            "resident memory at minute {minute}: {mib:.1} MiB (anonymous {:.1}, file {:.1}, shared {:.1})",
            status_mib(pid, "RssAnon")?,
            status_mib(pid, "RssFile")?,
            status_mib(pid, "RssShmem")?
        );
        if reported.contains(&minute) {
            samples.push((minute, mib));
        }
    }
    let page = figures(page.wait_with_output()?)?;
    let writes = figures(writes.wait_with_output()?)?;
    let after = healthz("after")?;
    println!("\n| work, {minutes} minutes, 64 connections | requests | requests/s | p50 ms | p99 ms | errors |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for (name, f) in [
        ("`/initiatives`, signed in (48 connections)", &page),
        ("`POST /api/v1/initiatives` (16 connections)", &writes),
    ] {
        println!("| {name} | {} | {:.0} | {:.2} | {:.2} | {} |", f.requests, f.rps, f.p50, f.p99, f.errors);
    }
    for (name, f) in [("`/healthz` before (64 connections, 20 s)", &before), ("`/healthz` after", &after)] {
        println!("| {name} | {} | {:.0} | {:.2} | {:.2} | {} |", f.requests, f.rps, f.p50, f.p99, f.errors);
    }
    let first = samples[0].1;
    let spread = samples.iter().map(|(_, m)| (m - first).abs() / first).fold(0.0, f64::max);
    println!(
        "\nresident memory: {} (largest change from minute 1: {:.1} %)",
        samples.iter().map(|(m, mib)| format!("minute {m} {mib:.1} MiB")).collect::<Vec<_>>().join(", "),
        spread * 100.0
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}
