//! `kindling match`: optimal mentor matching from CSV files. The solve is certified (LP duality for
//! `total`, `coverage` and `maxmin`; no blocking pair for `stable`); a failed check is an error.

use std::path::PathBuf;

use anyhow::{Result, anyhow};
use clap::{Args, Subcommand, ValueEnum};
use kindling_matching::explain::{WhyNot, WhyUnmatched, why_not, why_unmatched};
use kindling_matching::input::{Which, parse, parse_profiles};
use kindling_matching::profiles::{ProfessionRule, Profile, Rules, Weights, build};
use kindling_matching::{Objective, solve};
use serde_json::json;

use crate::csv_field;

#[derive(Subcommand, Debug)]
pub enum MatchCommand {
    /// Solve from scored pairs: EDGES.csv (mentee,mentor,score) and MENTORS.csv (mentor,capacity).
    Solve(SolveArgs),
    /// Score pairs from participant profiles, solve, and print each pair with its score breakdown.
    Profiles(ProfilesArgs),
    /// A programme's round from a participant file (the web import's format), at any size: the most
    /// mentees matched, then the highest total score, with the certificate; default weights and rules.
    Round(RoundArgs),
    /// Split people (PEOPLE.csv: id,profession) into mixed teams of at most K, keeping apart the pairs
    /// in PAIRS.csv (a,b) who already work together.
    Teams(TeamsArgs),
}

#[derive(Args, Debug)]
pub struct RoundArgs {
    /// side,reference,name,…: the columns of the web page's participant import.
    #[arg(long)]
    participants: PathBuf,
}

#[derive(Args, Debug)]
pub struct TeamsArgs {
    #[arg(long)]
    people: PathBuf,
    #[arg(long)]
    size: usize,
    #[arg(long)]
    history: Option<PathBuf>,
    /// Time budget for the local search.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
}

fn simple_rows(text: &str, header: &[&str], file: &str) -> Result<Vec<Vec<String>>> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, first)) = lines.next() else { return Err(anyhow!("{file}: line 1: the file is empty")) };
    let found: Vec<&str> = first.trim_start_matches('\u{feff}').split(',').map(str::trim).collect();
    if found != header {
        return Err(anyhow!("{file}: line 1: the header must be {}", header.join(",")));
    }
    lines
        .map(|(n, l)| {
            let f: Vec<String> = l.split(',').map(|x| x.trim().to_owned()).collect();
            if f.len() != header.len() || f.iter().any(String::is_empty) {
                return Err(anyhow!("{file}: line {}: expected {} non-empty fields", n + 1, header.len()));
            }
            Ok(f)
        })
        .collect()
}

fn teams_text(people: &str, history: Option<&str>, size: usize, seconds: f64, files: (&str, &str)) -> Result<String> {
    let rows = simple_rows(people, &["id", "profession"], files.0)?;
    let mut index = std::collections::HashMap::new();
    let mut professions_named: Vec<String> = Vec::new();
    let mut professions = Vec::new();
    for (k, r) in rows.iter().enumerate() {
        if index.insert(r[0].clone(), k).is_some() {
            return Err(anyhow!("{}: {:?} is listed twice", files.0, r[0]));
        }
        let p = professions_named.iter().position(|x| *x == r[1]).unwrap_or_else(|| {
            professions_named.push(r[1].clone());
            professions_named.len() - 1
        });
        professions.push(p as u32);
    }
    let mut pairs = Vec::new();
    if let Some(text) = history {
        for r in simple_rows(text, &["a", "b"], files.1)? {
            let (Some(&a), Some(&b)) = (index.get(&r[0]), index.get(&r[1])) else {
                return Err(anyhow!("{}: {}–{} names someone not in {}", files.1, r[0], r[1], files.0));
            };
            pairs.push((a, b));
        }
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs_f64(seconds.max(0.0));
    let teams =
        kindling_matching::teams::form_teams(&professions, &pairs, size, || std::time::Instant::now() < deadline)
            .map_err(|e| anyhow!("{e}"))?;
    let doc = json!({
        "objective": teams.objective,
        "upper_bound": teams.upper_bound,
        "prior_pairs_together": teams.prior_pairs_together,
        "teams": teams.teams.iter().map(|t| {
            let mut mix: Vec<&str> = t.iter().map(|&i| rows[i][1].as_str()).collect();
            mix.sort_unstable();
            mix.dedup();
            json!({"members": t.iter().map(|&i| json!({"id": rows[i][0], "profession": rows[i][1]})).collect::<Vec<_>>(), "professions": mix})
        }).collect::<Vec<_>>(),
    });
    Ok(format!("{}\n", serde_json::to_string(&doc)?))
}

#[derive(Args, Debug)]
pub struct ProfilesArgs {
    /// id,profession,grade,site,expertise,learning_style,availability,line_manager,track,capacity
    #[arg(long)]
    mentors: PathBuf,
    /// id,profession,grade,site,goals,learning_style,availability,line_manager,track
    #[arg(long)]
    mentees: PathBuf,
    /// Weights and rules (TOML); the defaults apply to anything it leaves out.
    #[arg(long)]
    weights: Option<PathBuf>,
    #[arg(long, default_value = "total")]
    objective: String,
    /// Explain one mentee's result: breakdown, why not each other mentor, exclusions, why unmatched.
    #[arg(long)]
    explain: Option<String>,
}

/// The weights file: every key optional.
#[derive(serde::Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct WeightsFile {
    shared_goal: Option<i64>,
    same_learning_style: Option<i64>,
    same_site: Option<i64>,
    different_profession: Option<i64>,
    shared_slot: Option<i64>,
    ideal_grade_gap: Option<u8>,
    grade_gap_penalty: Option<i64>,
    base: Option<i64>,
    #[serde(default)]
    rules: RulesFile,
}

#[derive(serde::Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    profession: Option<String>,
    #[serde(default)]
    same_site_only: bool,
    #[serde(default)]
    require_shared_availability: bool,
    #[serde(default)]
    must_pair: Vec<(String, String)>,
    #[serde(default)]
    must_not_pair: Vec<(String, String)>,
}

fn weights_and_rules(text: &str, file: &str) -> Result<(Weights, Rules)> {
    let f: WeightsFile = toml::from_str(text).map_err(|e| anyhow!("{file}: {e}"))?;
    let d = Weights::default();
    let weights = Weights {
        shared_goal: f.shared_goal.unwrap_or(d.shared_goal),
        same_learning_style: f.same_learning_style.unwrap_or(d.same_learning_style),
        same_site: f.same_site.unwrap_or(d.same_site),
        different_profession: f.different_profession.unwrap_or(d.different_profession),
        shared_slot: f.shared_slot.unwrap_or(d.shared_slot),
        ideal_grade_gap: f.ideal_grade_gap.unwrap_or(d.ideal_grade_gap),
        grade_gap_penalty: f.grade_gap_penalty.unwrap_or(d.grade_gap_penalty),
        base: f.base.unwrap_or(d.base),
    };
    let profession = match f.rules.profession.as_deref() {
        None | Some("any") => ProfessionRule::Any,
        Some("same") => ProfessionRule::Same,
        Some("different") => ProfessionRule::Different,
        Some(other) => return Err(anyhow!("{file}: rules.profession {other:?} must be any, same or different")),
    };
    let rules = Rules {
        profession,
        same_site_only: f.rules.same_site_only,
        require_shared_availability: f.rules.require_shared_availability,
        must_pair: f.rules.must_pair,
        must_not_pair: f.rules.must_not_pair,
    };
    Ok((weights, rules))
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
        MatchCommand::Profiles(args) => {
            let read = |p: &PathBuf| std::fs::read_to_string(p).map_err(|e| anyhow!("{}: {e}", p.display()));
            let mentors =
                parse_profiles(&read(&args.mentors)?, true).map_err(|e| anyhow!("{}: {e}", args.mentors.display()))?;
            let mentees =
                parse_profiles(&read(&args.mentees)?, false).map_err(|e| anyhow!("{}: {e}", args.mentees.display()))?;
            let (weights, rules) = match &args.weights {
                Some(p) => weights_and_rules(&read(p)?, &p.display().to_string())?,
                None => (Weights::default(), Rules::default()),
            };
            profiles_text(&mentees, &mentors, &weights, &rules, &args.objective, args.explain.as_deref())
        }
        MatchCommand::Round(args) => {
            let text = std::fs::read_to_string(&args.participants)
                .map_err(|e| anyhow!("{}: {e}", args.participants.display()))?;
            round_text(&text, &args.participants.display().to_string())
        }
        MatchCommand::Teams(args) => {
            let read = |p: &PathBuf| std::fs::read_to_string(p).map_err(|e| anyhow!("{}: {e}", p.display()));
            let people = read(&args.people)?;
            let history = args.history.as_ref().map(read).transpose()?;
            let history_name = args.history.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
            teams_text(
                &people,
                history.as_deref(),
                args.size,
                args.seconds,
                (&args.people.display().to_string(), &history_name),
            )
        }
    }
}

/// Scores, solves and prints pairs with breakdowns (and, with `explain`, one mentee's explanation).
fn profiles_text(
    mentees: &[Profile],
    mentors: &[Profile],
    weights: &Weights,
    rules: &Rules,
    objective: &str,
    explain: Option<&str>,
) -> Result<String> {
    let objective: Objective = objective.parse().map_err(|e: String| anyhow!(e))?;
    let scored = build(mentees, mentors, weights, rules).map_err(|e| anyhow!("{e}"))?;
    let solution = solve(&scored.problem, objective).map_err(|e| anyhow!("{e}"))?;
    let describe = |b: &kindling_matching::profiles::Breakdown| {
        b.parts.iter().map(|(name, p)| format!("{name} {p:+}")).collect::<Vec<_>>().join(", ")
    };
    let mut out = String::from("mentee,mentor,score,breakdown\n");
    for (i, j, b) in &scored.fixed {
        let line = format!("{} (must-pair)", describe(b));
        out.push_str(&format!(
            "{},{},{},{}\n",
            csv_field(&mentees[*i].id),
            csv_field(&mentors[*j].id),
            b.total(),
            csv_field(&line)
        ));
    }
    for (k, a) in solution.assigned_edge.iter().enumerate() {
        let i = scored.mentee_of[k];
        match a {
            Some(e) => {
                let j = scored.problem.edges[*e].mentor as usize;
                let score = scored.problem.edges[*e].score;
                let line = describe(&scored.breakdowns[*e]);
                out.push_str(&format!(
                    "{},{},{score},{}\n",
                    csv_field(&mentees[i].id),
                    csv_field(&mentors[j].id),
                    csv_field(&line)
                ));
            }
            None => out.push_str(&format!("{},,,unmatched\n", csv_field(&mentees[i].id))),
        }
    }
    let Some(who) = explain else { return Ok(out) };
    let Some(i) = mentees.iter().position(|m| m.id == who) else { return Err(anyhow!("--explain: no mentee {who:?}")) };
    let mut text = format!("\nExplanation for {who}\n");
    if let Some((_, j, b)) = scored.fixed.iter().find(|(x, _, _)| *x == i) {
        text.push_str(&format!(
            "  fixed by a must-pair with {} (score {}: {})\n",
            mentors[*j].id,
            b.total(),
            describe(b)
        ));
        return Ok(out + &text);
    }
    let k = scored.mentee_of.iter().position(|&x| x == i).expect("not fixed, so in the problem") as u32;
    match why_unmatched(&scored.problem, &solution, k) {
        WhyUnmatched::Matched => {
            let e = solution.assigned_edge[k as usize].expect("matched");
            let j = scored.problem.edges[e].mentor as usize;
            let line = describe(&scored.breakdowns[e]);
            text.push_str(&format!(
                "  matched with {} (score {}: {line})\n",
                mentors[j].id, scored.problem.edges[e].score
            ));
        }
        WhyUnmatched::NoEligibleMentor => {
            text.push_str("  unmatched: no mentor is eligible (see the exclusions below)\n")
        }
        WhyUnmatched::TooFewPlaces { mentees: group, mentors: wanted, places } => {
            let names: Vec<&str> = wanted.iter().map(|&j| mentors[j as usize].id.as_str()).collect();
            text.push_str(&format!(
                "  unmatched: {} mentees compete for {places} places with mentors {}\n",
                group.len(),
                names.join(", ")
            ));
        }
        WhyUnmatched::NotWorthIt { best_score } => text.push_str(&format!(
            "  unmatched: its best pair scores {best_score}, less than the places are worth to others\n"
        )),
    }
    for (e, edge) in scored.problem.edges.iter().enumerate().filter(|(_, x)| x.mentee == k) {
        let name = &mentors[edge.mentor as usize].id;
        match why_not(&scored.problem, &solution, k, edge.mentor) {
            Some(WhyNot::ScoreTooLow { score, raise, mentor_price, .. }) => {
                let line = describe(&scored.breakdowns[e]);
                text.push_str(&format!(
                    "  not {name}: score {score} ({line}) would need to be {raise} higher; {name}'s places are worth {mentor_price}\n"
                ));
            }
            Some(WhyNot::NoPlaces) => text.push_str(&format!("  not {name}: no places this round\n")),
            Some(WhyNot::WouldLeaveOthersUnmatched { fewer }) => {
                text.push_str(&format!("  not {name}: {fewer} other mentee(s) would be left unmatched\n"));
            }
            _ => {}
        }
    }
    for (_, j, reason) in scored.exclusions.iter().filter(|(x, _, _)| *x == i) {
        text.push_str(&format!("  not {}: excluded ({})\n", mentors[*j].id, reason.code()));
    }
    Ok(out + &text)
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
            let unmatched = solution
                .assigned_edge
                .iter()
                .enumerate()
                .filter(|(_, a)| a.is_none())
                .map(|(i, _)| named.mentee_ids[i].as_str())
                .collect();
            let mut mentor_prices: Vec<(&str, i64)> =
                named.mentor_ids.iter().map(String::as_str).zip(solution.v.iter().copied()).collect();
            mentor_prices.sort_unstable_by_key(|&(id, _)| id);
            let doc = SolveOutput {
                certificate: "verified",
                certificate_kind: if objective == Objective::Stable { "no blocking pair" } else { "LP duality" },
                matched: solution.matched,
                mentor_prices: Prices(mentor_prices),
                min_score: solution.min_score,
                objective: objective.name(),
                pairs: pairs
                    .iter()
                    .map(|&(i, j, score)| PairOutput {
                        mentee: &named.mentee_ids[i],
                        mentor: &named.mentor_ids[j],
                        score,
                    })
                    .collect(),
                total_score: solution.total_score,
                unmatched,
            };
            let mut out = serde_json::to_string(&doc)?;
            out.push('\n');
            out
        }
    })
}

/// `match solve`'s JSON, serialised straight from borrowed ids (a solve of 20,000 mentees writes
/// 20,000 pairs; building a `serde_json::Value` first cost a tenth of the command). The fields keep the
/// alphabetical order the document has always had.
#[derive(serde::Serialize)]
struct SolveOutput<'a> {
    certificate: &'static str,
    certificate_kind: &'static str,
    matched: usize,
    mentor_prices: Prices<'a>,
    min_score: Option<i64>,
    objective: &'static str,
    pairs: Vec<PairOutput<'a>>,
    total_score: i64,
    unmatched: Vec<&'a str>,
}

#[derive(serde::Serialize)]
struct PairOutput<'a> {
    mentee: &'a str,
    mentor: &'a str,
    score: i64,
}

/// Each mentor's price, by id in text order, as one JSON object.
struct Prices<'a>(Vec<(&'a str, i64)>);

impl serde::Serialize for Prices<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(id, price)| (id, price)))
    }
}

/// Runs a round on a participant file with a new programme's default settings and prints the
/// certificate and the time the engine took (reading the file excluded).
fn round_text(text: &str, file: &str) -> Result<String> {
    use kindling_domain::mentoring::imports::parse_participants;
    use kindling_domain::mentoring::{ProgrammeForm, Side};
    let mut form = ProgrammeForm::new_programme();
    form.name = "command line".into();
    form.eligibility = "everyone in the file".into();
    let settings = form.parse().map_err(|e| anyhow!("default settings: {e:?}"))?.settings;
    let people =
        parse_participants(text, &kindling_domain::mentoring::Roster::default(), &settings).map_err(|rows| {
            let first = rows.first().map(|r| format!("line {}: {}", r.line, r.message)).unwrap_or_default();
            anyhow!("{file}: {} bad rows, the first {first}", rows.len())
        })?;
    let (weights, rules) = (settings.weights(), settings.rules(Vec::new(), Vec::new()));
    let started = std::time::Instant::now();
    let side = |s: Side| people.iter().filter(|p| p.side == s).map(|p| p.profile()).collect::<Vec<_>>();
    let (mentees, mentors) = (side(Side::Mentee), side(Side::Mentor));
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let input =
        kindling_matching::round::RoundInput { mentees: &mentees, mentors: &mentors, weights: &weights, rules: &rules };
    let round = kindling_matching::round::run(&input, threads).map_err(|e| anyhow!("{e}"))?;
    let elapsed_ms = started.elapsed().as_millis();
    let doc = json!({
        "mentees": mentees.len(),
        "mentors": mentors.len(),
        "matched": round.certificate.matched,
        "total_score": round.certificate.total_score,
        "proven": round.certificate.proven(),
        "certificate": round.certificate,
        "elapsed_ms": elapsed_ms,
    });
    Ok(format!("{}\n", serde_json::to_string(&doc)?))
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
    fn profiles_are_scored_solved_and_explained() {
        let mentors = parse_profiles(
            "id,profession,grade,site,expertise,learning_style,availability,line_manager,track,capacity\n\
             drk,doctor,8,A,leadership;qi,visual,mon-am,,standard,1\n\
             nrs,nurse,7,A,qi,verbal,tue-pm,,standard,1\n",
            true,
        )
        .unwrap();
        let mentees = parse_profiles(
            "id,profession,grade,site,goals,learning_style,availability,line_manager,track\n\
             amy,nurse,5,A,leadership;qi,visual,mon-am,nrs,standard\n\
             ben,ahp,5,A,qi,verbal,tue-pm,,standard\n",
            false,
        )
        .unwrap();
        let out =
            profiles_text(&mentees, &mentors, &Weights::default(), &Rules::default(), "total", Some("amy")).unwrap();
        assert!(out.starts_with("mentee,mentor,score,breakdown\n"), "{out}");
        assert!(out.contains("amy,drk,"), "{out}");
        assert!(out.contains("ben,nrs,"), "{out}");
        assert!(out.contains("Explanation for amy"), "{out}");
        // amy's line manager is nrs: the pair is excluded, and the explanation says so.
        assert!(out.contains("not nrs: excluded (line_manager)"), "{out}");
    }

    #[test]
    fn a_weights_file_changes_weights_and_rules_and_refuses_unknown_keys() {
        let (w, r) = weights_and_rules(
            "shared_goal = 50\n[rules]\nprofession = \"different\"\nmust_pair = [[\"a\", \"b\"]]\n",
            "w.toml",
        )
        .unwrap();
        assert_eq!(w.shared_goal, 50);
        assert_eq!(w.base, Weights::default().base);
        assert_eq!(r.profession, ProfessionRule::Different);
        assert_eq!(r.must_pair, [("a".to_owned(), "b".to_owned())]);
        assert!(weights_and_rules("sharedgoal = 1\n", "w.toml").unwrap_err().to_string().starts_with("w.toml: "));
    }

    #[test]
    fn teams_are_mixed_and_keep_colleagues_apart() {
        let people = "id,profession\na,nurse\nb,nurse\nc,doctor\nd,doctor\n";
        let out = teams_text(people, Some("a,b\na,c\n"), 2, 1.0, ("p.csv", "h.csv")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["objective"], 4);
        assert_eq!(doc["upper_bound"], 4);
        assert_eq!(doc["prior_pairs_together"], 0);
        assert!(
            teams_text(people, Some("a,b\nzz,a\n"), 2, 1.0, ("p.csv", "h.csv"))
                .unwrap_err()
                .to_string()
                .starts_with("h.csv: ")
        );
        assert_eq!(
            teams_text(people, None, 0, 1.0, ("p.csv", "h.csv")).unwrap_err().to_string(),
            "team size must be at least 1"
        );
    }

    #[test]
    fn a_round_from_a_participant_file_is_proven_optimal() {
        let header = "side,reference,name,email,profession,grade,site,unit,tags,learning_style,availability,capacity,line_manager,track";
        // One place, two mentees: the one who shares a goal with the mentor scores 10 more.
        let file = format!(
            "{header}\nmentor,M1,Ada,,doctor,8,A,,leadership;qi,,,1,,\nmentee,E1,Ben,,nurse,6,A,,qi,,,,,\nmentee,E2,Cy,,nurse,6,A,,research,,,,,\n"
        );
        let doc: serde_json::Value = serde_json::from_str(&round_text(&file, "p.csv").unwrap()).unwrap();
        assert_eq!(doc["mentees"], 2);
        assert_eq!(doc["matched"], 1);
        assert_eq!(doc["proven"], true);
        assert_eq!(doc["certificate"]["primal"], doc["certificate"]["dual"]);
        let bad = format!("{header}\nmentor,M1,Ada,,doctor,eight,A,,qi,,,1,,\n");
        assert_eq!(
            round_text(&bad, "p.csv").unwrap_err().to_string(),
            "p.csv: 1 bad rows, the first line 2: grade: Enter the grade or band as a whole number from 1 to 20"
        );
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
