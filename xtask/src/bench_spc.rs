//! `cargo xtask bench-spc`: the SPC engine and the whole `kindling spc` process on 5,000 and 10,000
//! series × 100 points (issue 21's goals: ≥ 300× and ≥ 500× controlchartspy), beside controlchartspy
//! 0.1.3 on the same series in the same run.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::bench::median_of;

pub const SERIES: usize = 10_000;
pub const POINTS: usize = 100;
/// controlchartspy takes about 25 ms a series, so it runs on a sample and its rate is scaled.
const REFERENCE_SAMPLE: usize = 200;

/// A small deterministic generator (xorshift64*), so every run measures the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// Standard normal by Box-Muller.
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next().max(1e-300), self.next());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Writes the series: noise around 50, with a step change in every fifth series and an outlier in
/// every seventh, so the rules have something to find. x is zero-padded because controlchartspy orders
/// keys as text.
fn write_series(path: &Path, series: usize) -> Result<()> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = String::with_capacity(series * POINTS * 20);
    out.push_str("series,x,y\n");
    for s in 0..series {
        for i in 0..POINTS {
            let mut y = 50.0 + 5.0 * rng.normal();
            if s % 5 == 0 && i >= 70 {
                y += 8.0;
            }
            if s % 7 == 0 && i == 90 {
                y += 30.0;
            }
            let _ = writeln!(out, "s{s:05},{:03},{y:.4}", i + 1);
        }
    }
    std::fs::create_dir_all(path.parent().context("no parent")?)?;
    std::fs::write(path, out)?;
    Ok(())
}

/// Runs the whole command `runs` times on `csv` and gives each wall-clock time, checking the row count.
fn time_process(root: &Path, csv: &Path, series: usize, runs: usize) -> Result<Vec<f64>> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let out = Command::new(root.join("target/release/kindling"))
            .args([
                "spc",
                "--input",
                csv.to_str().unwrap_or_default(),
                "--chart",
                "xmr",
                "--target",
                "50",
                "--format",
                "summary",
            ])
            .output()?;
        if !out.status.success() {
            bail!("kindling spc failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        times.push(started.elapsed().as_secs_f64());
        let rows = String::from_utf8_lossy(&out.stdout).lines().count();
        if rows != series + 1 {
            bail!("expected {} summary rows, got {rows}", series + 1);
        }
    }
    Ok(times)
}

pub fn run(root: &Path) -> Result<()> {
    let csv = root.join("target/bench/series.csv");
    write_series(&csv, SERIES)?;
    let half = root.join("target/bench/series-5000.csv");
    write_series(&half, SERIES / 2)?;
    println!("wrote {SERIES} and {} series × {POINTS} points to {}", SERIES / 2, csv.display());
    super::run("cargo", &["build", "--locked", "--release", "-p", "kindling", "--bin", "kindling"])?;
    super::run("cargo", &["bench", "--locked", "-p", "kindling-spc", "--bench", "engine"])?;

    let mut sizes = Vec::new();
    for (file, series) in [(&half, SERIES / 2), (&csv, SERIES)] {
        let times = time_process(root, file, series, 5)?;
        let median = median_of(times.clone());
        println!("kindling spc --format summary, {series} series, whole process: {times:?} s; median {median:.3} s");
        sizes.push((series, median));
    }

    let venv = root.join("target/pyvenv");
    let python = venv.join("bin/python");
    if !python.exists() {
        super::run("python3", &["-m", "venv", venv.to_str().unwrap_or_default()])?;
    }
    let python = python.to_str().unwrap_or_default().to_owned();
    super::run(&python, &["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "controlchartspy==0.1.3"])?;
    let script = root.join("xtask/bench/controlchartspy_bench.py");
    let out = Command::new(&python)
        .args([
            script.to_str().unwrap_or_default(),
            csv.to_str().unwrap_or_default(),
            &REFERENCE_SAMPLE.to_string(),
            "3",
        ])
        .output()?;
    if !out.status.success() {
        bail!("controlchartspy failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let reference: Vec<f64> =
        String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.trim().parse().ok()).collect();
    let reference_per_series = median_of(reference.clone()) / REFERENCE_SAMPLE as f64;
    println!(
        "controlchartspy 0.1.3, {REFERENCE_SAMPLE} series per rep: {reference:?} s; {:.2} ms per series",
        reference_per_series * 1e3
    );
    println!();
    for (series, median) in sizes {
        let per_series = median / series as f64;
        println!(
            "whole process, {series} series: {:.1} µs per series, {:.0}× controlchartspy's per-series throughput",
            per_series * 1e6,
            reference_per_series / per_series
        );
    }
    println!("engine: read the divan median above (10,000 series); per series = median / 10,000");
    Ok(())
}
