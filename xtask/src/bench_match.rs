//! `cargo xtask bench-match`: the matching solver beside SciPy (dense one-to-one) and OR-Tools
//! (capacitated min-cost flow), on the same instance files, in one run; and issue 21's figure, the
//! whole `kindling match solve` process (read, solve, certify, write JSON) on 20,000 × 4,000 with
//! scores 0–1,000, beside OR-Tools' solve call alone on the same files.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// 20,000 mentees with 50 distinct random candidates each among 4,000 mentors, scores below `scores_below`.
fn capacitated_edges(rng: &mut Rng, scores_below: u64) -> String {
    let mut edges = String::from("mentee,mentor,score\n");
    for i in 0..20_000 {
        let mut picked = std::collections::BTreeSet::new();
        while picked.len() < 50 {
            picked.insert(rng.below(4000));
        }
        for j in picked {
            let _ = writeln!(edges, "{i},{j},{}", rng.below(scores_below));
        }
    }
    edges
}

fn write(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut rng = Rng(0x1234_5678_9abc_def1);
    // Dense 2000 × 2000: every pair, integer scores in [0, 1e6) ("uniform int" in the survey).
    let mut edges = String::from("mentee,mentor,score\n");
    for i in 0..2000 {
        for j in 0..2000 {
            let _ = writeln!(edges, "{i},{j},{}", rng.below(1_000_000));
        }
    }
    std::fs::write(dir.join("dense_edges.csv"), edges)?;
    let mentors: String =
        std::iter::once("mentor,capacity\n".to_owned()).chain((0..2000).map(|j| format!("{j},1\n"))).collect();
    std::fs::write(dir.join("dense_mentors.csv"), mentors)?;
    // 20,000 × 4,000, capacity 5, 50 distinct random candidates per mentee.
    std::fs::write(dir.join("cap_edges.csv"), capacitated_edges(&mut rng, 1_000_000))?;
    let mentors: String =
        std::iter::once("mentor,capacity\n".to_owned()).chain((0..4000).map(|j| format!("{j},5\n"))).collect();
    std::fs::write(dir.join("cap_mentors.csv"), &mentors)?;
    // Issue 21's instance: the same shape with integer scores 0–1,000, so many pairs tie.
    let edges = capacitated_edges(&mut rng, 1001);
    std::fs::write(dir.join("ties_edges.csv"), edges)?;
    std::fs::write(dir.join("ties_mentors.csv"), mentors)?;
    Ok(())
}

pub fn run(root: &Path) -> Result<()> {
    let dir = root.join("target/bench");
    write(&dir)?;
    println!("wrote the dense and capacitated instances to {}", dir.display());
    super::run("cargo", &["bench", "--locked", "-p", "kindling-matching", "--bench", "solve"])?;
    let venv = root.join("target/pyvenv");
    let python = venv.join("bin/python");
    if !python.exists() {
        super::run("python3", &["-m", "venv", venv.to_str().unwrap_or_default()])?;
    }
    let python = python.to_str().unwrap_or_default().to_owned();
    super::run(
        &python,
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "scipy==1.17.1",
            "ortools==9.15.6755",
            "numpy",
        ],
    )?;
    super::run("cargo", &["build", "--locked", "--release", "-p", "kindling", "--bin", "kindling"])?;
    let mut process = Vec::new();
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let out = Command::new(root.join("target/release/kindling"))
            .args(["match", "solve", "--format", "json", "--edges"])
            .arg(dir.join("ties_edges.csv"))
            .arg("--capacities")
            .arg(dir.join("ties_mentors.csv"))
            .output()?;
        if !out.status.success() {
            bail!("kindling match solve failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        process.push(started.elapsed().as_secs_f64());
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        if process.len() == 1 {
            println!("ties: kindling total_score {} matched {}", doc["total_score"], doc["matched"]);
        }
    }
    let median = crate::bench::median_of(process.clone());
    println!("ties: kindling match solve, whole process: {process:?} s; median {median:.3} s");
    let script = root.join("xtask/bench/matching_bench.py");
    for kind in ["dense", "capacitated", "ties"] {
        let out = Command::new(&python)
            .args([script.to_str().unwrap_or_default(), kind, dir.to_str().unwrap_or_default(), "5"])
            .output()?;
        if !out.status.success() {
            bail!("{kind}: {}", String::from_utf8_lossy(&out.stderr));
        }
        println!("{kind} reference:\n{}", String::from_utf8_lossy(&out.stdout));
    }
    println!("Compare the divan medians above with the reference solve medians; objectives must be equal.");
    Ok(())
}
