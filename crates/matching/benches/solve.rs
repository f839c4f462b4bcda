//! The solver on the instances `cargo xtask bench-match` writes to `target/bench/`: dense 2000 × 2000
//! one-to-one, and 20,000 mentees × 4,000 mentors with capacity 5 and 50 candidates each. The same files
//! are solved by SciPy and OR-Tools in the same run.

use kindling_matching::input::parse;
use kindling_matching::{Objective, Problem, solve};

fn main() {
    divan::main();
}

fn load(edges: &str, mentors: &str) -> Problem {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}: run `cargo xtask bench-match`"))
    };
    parse(&read(mentors), &read(edges)).expect("valid instance").problem
}

#[divan::bench(sample_count = 5)]
fn dense_2000x2000_one_to_one(bencher: divan::Bencher) {
    let p = load("dense_edges.csv", "dense_mentors.csv");
    bencher.bench(|| solve(divan::black_box(&p), Objective::Total).expect("certified").total_score);
}

#[divan::bench(sample_count = 5)]
fn capacitated_20000x4000_cap5_50_candidates(bencher: divan::Bencher) {
    let p = load("cap_edges.csv", "cap_mentors.csv");
    bencher.bench(|| solve(divan::black_box(&p), Objective::Total).expect("certified").total_score);
}
