//! `cargo xtask bench-http`: requests per second and latency of Kindling's hot pages on SQLite, measured
//! with wrk on loopback, each beside a minimal axum hello-world measured in the same run.
//!
//! Each target is warmed up, then measured `ROUNDS` times for `SECONDS` seconds with 2 wrk threads and
//! 32 connections, the targets taking turns; the report gives the median round and the median of the
//! rounds' ratios to the hello-world. Client and server share the machine's two cores, so compare the
//! ratio to the hello-world, not the absolute figures, across machines.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

const ROUNDS: usize = 5;
const SECONDS: u32 = 10;

pub(crate) struct Guard(pub(crate) Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn wait_ready(url: &str) -> Result<()> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if Command::new("curl").args(["-fsS", "-o", "/dev/null", url]).status().is_ok_and(|s| s.success()) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("{url} did not become ready")
}

/// One wrk run with 2 threads and 32 connections: (requests per second, p50 ms, p99 ms).
pub(crate) fn wrk(url: &str, cookie: Option<&str>) -> Result<(f64, f64, f64)> {
    wrk_with(url, cookie, 32)
}

/// One wrk run with 2 threads and `connections` connections.
pub(crate) fn wrk_with(url: &str, cookie: Option<&str>, connections: u32) -> Result<(f64, f64, f64)> {
    wrk_threads(url, cookie, 2, connections)
}

/// One wrk run with `threads` threads and `connections` connections.
pub(crate) fn wrk_threads(url: &str, cookie: Option<&str>, threads: u32, connections: u32) -> Result<(f64, f64, f64)> {
    let text = wrk_output(url, cookie, threads, connections, SECONDS)?;
    let rps = text.lines().find_map(|l| l.strip_prefix("Requests/sec:")).context("no Requests/sec")?.trim().parse()?;
    let percentile = |p: &str| -> Result<f64> {
        let line = text.lines().find(|l| l.trim_start().starts_with(p)).with_context(|| format!("no {p} line"))?;
        parse_ms(line.split_whitespace().nth(1).unwrap_or_default())
    };
    Ok((rps, percentile("50%")?, percentile("99%")?))
}

/// wrk's report of a run of `seconds` seconds; an error if any answer was not 2xx.
fn wrk_output(url: &str, cookie: Option<&str>, threads: u32, connections: u32, seconds: u32) -> Result<String> {
    let mut args =
        vec![format!("-t{threads}"), format!("-c{connections}"), format!("-d{seconds}s"), "--latency".to_owned()];
    if let Some(cookie) = cookie {
        args.push("-H".into());
        args.push(format!("Cookie: {cookie}"));
    }
    args.push(url.into());
    let out = Command::new("wrk").args(&args).output().context("running wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if text.contains("Non-2xx") {
        bail!("wrk saw error responses from {url}:\n{text}");
    }
    Ok(text)
}

fn parse_ms(raw: &str) -> Result<f64> {
    let (number, factor) = if let Some(n) = raw.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = raw.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = raw.strip_suffix('s') {
        (n, 1000.0)
    } else {
        bail!("unknown latency {raw}")
    };
    Ok(number.parse::<f64>()? * factor)
}

pub(crate) fn median(mut runs: Vec<(f64, f64, f64)>) -> (f64, f64, f64) {
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    runs[runs.len() / 2]
}

/// The middle of some timings (the upper middle of an even count).
pub(crate) fn median_of(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// The CSRF token of a page's forms.
pub(crate) fn csrf_token(html: &str) -> Result<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).context("no csrf token")? + marker.len();
    Ok(html[start..start + 64].to_owned())
}

pub(crate) fn sign_in(base: &str) -> Result<String> {
    sign_in_as(base, "clinician@demo.kindling.test")
}

/// Signs a demo account in (password `bench-password`) and returns its session cookie.
pub(crate) fn sign_in_as(base: &str, email: &str) -> Result<String> {
    let jar = std::env::temp_dir().join(format!("kindling-bench-{}.jar", std::process::id()));
    let jar = jar.to_str().unwrap_or_default().to_owned();
    let page = Command::new("curl").args(["-fsS", "-c", &jar, "-b", &jar, &format!("{base}/sign-in")]).output()?;
    let html = String::from_utf8_lossy(&page.stdout);
    let token = csrf_token(&html)?;
    let form = format!("csrf_token={token}&email={}&password=bench-password&next=%2F", email.replace('@', "%40"));
    let status = Command::new("curl")
        .args(["-fsS", "-o", "/dev/null", "-c", &jar, "-b", &jar, "-d", &form, &format!("{base}/sign-in")])
        .status()?;
    if !status.success() {
        bail!("sign-in failed");
    }
    let cookies = std::fs::read_to_string(&jar)?;
    let _ = std::fs::remove_file(&jar);
    let value = cookies
        .lines()
        .find_map(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            (fields.len() == 7 && fields[5] == "kindling_session").then(|| fields[6].to_owned())
        })
        .context("no session cookie")?;
    Ok(format!("kindling_session={value}"))
}

pub fn run(root: &Path) -> Result<()> {
    super::run(
        "cargo",
        &["build", "--locked", "--release", "-p", "kindling", "--bin", "kindling", "--example", "hello_axum"],
    )?;
    let data = std::env::temp_dir().join(format!("kindling-bench-data-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let kindling = Guard(
        Command::new(root.join("target/release/kindling"))
            .args(["serve", "--demo", "--bind", "127.0.0.1:18181", "--data-dir"])
            .arg(&data)
            .env("KINDLING_DEMO_PASSWORD", "bench-password")
            .env("RUST_LOG", "warn")
            .stderr(Stdio::null())
            .spawn()?,
    );
    let hello = Guard(
        Command::new(root.join("target/release/examples/hello_axum"))
            .arg("127.0.0.1:18182")
            .stderr(Stdio::null())
            .spawn()?,
    );
    wait_ready("http://127.0.0.1:18181/readyz")?;
    wait_ready("http://127.0.0.1:18182/")?;
    let cookie = sign_in("http://127.0.0.1:18181")?;
    let targets: [(&str, &str, Option<&str>); 3] = [
        ("axum hello-world `/`", "http://127.0.0.1:18182/", None),
        ("Kindling `/healthz`", "http://127.0.0.1:18181/healthz", None),
        (
            "Kindling `/initiatives` (signed in, 12 rows, SQLite)",
            "http://127.0.0.1:18181/initiatives",
            Some(cookie.as_str()),
        ),
    ];
    // Each target is warmed up unmeasured (statement caches, SQLite's page cache, connections opened),
    // then the rounds go round the targets in turn, so that a quieter or busier minute of this shared
    // machine falls on every target alike; each round's ratio is to the hello-world of that round.
    for (_, url, cookie) in &targets {
        wrk_output(url, *cookie, 2, 32, 3)?;
    }
    let mut runs: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new(); targets.len()];
    for _ in 0..ROUNDS {
        for ((_, url, cookie), runs) in targets.iter().zip(&mut runs) {
            runs.push(wrk(url, *cookie)?);
        }
    }
    println!(
        "\n| target | requests/s (median of {ROUNDS}) | p50 ms | p99 ms | throughput vs hello-world (median of the rounds' ratios) |"
    );
    println!("| --- | --- | --- | --- | --- |");
    for ((name, _, _), target_runs) in targets.iter().zip(&runs) {
        println!("{name}: {target_runs:?}");
        let ratios = target_runs.iter().zip(&runs[0]).map(|(t, hello)| t.0 / hello.0).collect::<Vec<_>>();
        let each = ratios.iter().map(|r| format!("{r:.3}")).collect::<Vec<_>>().join(", ");
        let (rps, p50, p99) = median(target_runs.clone());
        println!("| {name} | {rps:.0} | {p50:.2} | {p99:.2} | {:.3}× (rounds {each}) |", median_of(ratios));
    }
    drop(kindling);
    drop(hello);
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}
