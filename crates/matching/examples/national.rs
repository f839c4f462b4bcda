//! A national programme: 50,000 mentees × 10,000 mentors (capacity 5) from synthetic profiles, scored
//! on the fly (500 million pairs), solved by candidate lists plus pricing until no pair can improve the
//! answer: a proof of optimality over every pair. Run with `/usr/bin/time cargo run --release -p
//! kindling-matching --example national [MENTEES MENTORS CANDIDATES ADDED_PER_ROUND]`.

use std::collections::BTreeSet;
use std::time::Instant;

use kindling_matching::pricing::{solve_priced, top_candidates};
use kindling_matching::profiles::{Compiled, Profile, Rules, Track, Weights};

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn people(rng: &mut Rng, count: usize, prefix: &str, mentor: bool) -> Vec<Profile> {
    let set = |rng: &mut Rng, k: usize, of: u64, name: &str| -> BTreeSet<String> {
        (0..k).map(|_| format!("{name}{}", rng.below(of))).collect()
    };
    (0..count)
        .map(|k| Profile {
            id: format!("{prefix}{k}"),
            profession: format!("p{}", rng.below(8)),
            grade: if mentor { 5 + rng.below(5) as u8 } else { 3 + rng.below(5) as u8 },
            site: format!("s{}", rng.below(20)),
            tags: set(rng, 4, 40, "t"),
            learning_style: format!("l{}", rng.below(4)),
            availability: set(rng, 3, 10, "a"),
            line_manager: None,
            track: Track::Standard,
            capacity: 5,
        })
        .collect()
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let (n, m) = (args.first().copied().unwrap_or(50_000), args.get(1).copied().unwrap_or(10_000));
    // Candidates per mentee at the start, and violated pairs added per mentee per round.
    let (per_mentee, add_per_round) = (args.get(2).copied().unwrap_or(20), args.get(3).copied().unwrap_or(10));
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mentees = people(&mut rng, n, "e", false);
    let mentors = people(&mut rng, m, "m", true);
    let capacities: Vec<u32> = mentors.iter().map(|p| p.capacity).collect();
    let started = Instant::now();
    let compiled = Compiled::new(&mentees, &mentors, &Weights::default(), &Rules::default()).expect("packable");
    let score = |i: u32, j: u32| compiled.score(i, j);
    let candidates = top_candidates(n, m, &score, per_mentee, 2);
    let after_candidates = started.elapsed().as_secs_f64();
    let (_, solution, report) = solve_priced(n, &capacities, &score, candidates, add_per_round, 2).expect("certified");
    let total = started.elapsed().as_secs_f64();
    println!(
        "{n} × {m}: total score {}, matched {}, rounds {}, candidate pairs {}, pairs priced {}; candidates {after_candidates:.1} s, total {total:.1} s",
        solution.total_score, solution.matched, report.rounds, report.candidate_edges, report.pairs_priced
    );
}
