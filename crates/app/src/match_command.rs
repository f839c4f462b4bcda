//! `kindling match`: optimal mentor matching from CSV files. The solve is certified (LP duality for
//! `total`, `coverage` and `maxmin`; no blocking pair for `stable`); a failed check is an error.

use std::path::PathBuf;

use anyhow::{Result, anyhow};
use clap::{Args, Subcommand, ValueEnum};
use kindling_matching::input::{Which, parse};
use kindling_matching::{Objective, solve};
use serde_json::json;

#[derive(Subcommand, Debug)]
pub enum MatchCommand {
    /// Solve from scored pairs: EDGES.csv (mentee,mentor,score) and MENTORS.csv (mentor,capacity).
    Solve(SolveArgs),
}

#[derive(Args, Debug)]
pub struct SolveArgs {
    #[arg(long)]
    edges: PathBuf,
    #[arg(long)]
    capacities: PathBuf,
    /// total, coverage, maxmin or stable.
    #[arg(long, default_value = "total")]
    objective: String,
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Json,
    Csv,
}

pub fn run(command: &MatchCommand) -> Result<String> {
    match command {
        MatchCommand::Solve(args) => {
            let read = |p: &PathBuf| std::fs::read_to_string(p).map_err(|e| anyhow!("{}: {e}", p.display()));
            let (mentors, edges) = (read(&args.capacities)?, read(&args.edges)?);
            solve_text(
                &mentors,
                &edges,
                args,
                &args.capacities.display().to_string(),
                &args.edges.display().to_string(),
            )
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}

fn solve_text(mentors: &str, edges: &str, args: &SolveArgs, mentors_name: &str, edges_name: &str) -> Result<String> {
    let objective: Objective = args.objective.parse().map_err(|e: String| anyhow!(e))?;
    let named = parse(mentors, edges).map_err(|(which, e)| {
        let file = if which == Which::Mentors { mentors_name } else { edges_name };
        anyhow!("{file}: {e}")
    })?;
    let solution = solve(&named.problem, objective).map_err(|e| anyhow!("{e}"))?;
    let pairs: Vec<(usize, usize, i64)> = solution
        .assigned_edge
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.map(|e| (i, named.problem.edges[e].mentor as usize, named.problem.edges[e].score)))
        .collect();
    Ok(match args.format {
        Format::Csv => {
            let mut out = String::from("mentee,mentor,score\n");
            for (i, j, s) in &pairs {
                out.push_str(&format!(
                    "{},{},{s}\n",
                    csv_field(&named.mentee_ids[*i]),
                    csv_field(&named.mentor_ids[*j])
                ));
            }
            out
        }
        Format::Json => {
            let unmatched: Vec<&str> = solution
                .assigned_edge
                .iter()
                .enumerate()
                .filter(|(_, a)| a.is_none())
                .map(|(i, _)| named.mentee_ids[i].as_str())
                .collect();
            let prices: serde_json::Map<String, serde_json::Value> =
                solution.v.iter().enumerate().map(|(j, v)| (named.mentor_ids[j].clone(), json!(v))).collect();
            let doc = json!({
                "objective": objective.name(),
                "matched": solution.matched,
                "total_score": solution.total_score,
                "min_score": solution.min_score,
                "certificate": "verified",
                "certificate_kind": if objective == Objective::Stable { "no blocking pair" } else { "LP duality" },
                "pairs": pairs.iter().map(|(i, j, s)| json!({"mentee": named.mentee_ids[*i], "mentor": named.mentor_ids[*j], "score": s})).collect::<Vec<_>>(),
                "unmatched": unmatched,
                "mentor_prices": prices,
            });
            format!("{}\n", serde_json::to_string(&doc)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(objective: &str, format: Format) -> SolveArgs {
        SolveArgs { edges: "e.csv".into(), capacities: "m.csv".into(), objective: objective.into(), format }
    }

    #[test]
    fn solves_and_reports_pairs_unmatched_and_the_certificate() {
        let mentors = "mentor,capacity\nM1,1\nM2,1\n";
        let edges = "mentee,mentor,score\nann,M1,5\nann,M2,2\nbob,M1,9\nbob,M2,1\ncat,M1,3\n";
        let out = solve_text(mentors, edges, &args("total", Format::Json), "m.csv", "e.csv").unwrap();
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        // By hand: bob–M1 (9) and ann–M2 (2) = 11 beats every other choice; cat has only M1.
        assert_eq!(doc["total_score"], 11);
        assert_eq!(doc["matched"], 2);
        assert_eq!(doc["min_score"], 2);
        assert_eq!(doc["certificate"], "verified");
        assert_eq!(doc["unmatched"], json!(["cat"]));
        let csv = solve_text(mentors, edges, &args("coverage", Format::Csv), "m.csv", "e.csv").unwrap();
        assert_eq!(csv, "mentee,mentor,score\nann,M2,2\nbob,M1,9\n");
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let err = |m: &str, e: &str| {
            solve_text(m, e, &args("total", Format::Json), "m.csv", "e.csv").unwrap_err().to_string()
        };
        assert_eq!(
            err("mentor,capacity\nM1,x\n", "mentee,mentor,score\n"),
            "m.csv: line 2: capacity \"x\" is not a whole number"
        );
        assert_eq!(
            err("mentor,capacity\nM1,1\n", "mentee,mentor,score\na,M9,1\n"),
            "e.csv: line 2: mentor \"M9\" is not in the mentors file"
        );
    }
}
