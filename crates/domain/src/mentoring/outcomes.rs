//! A programme's outcomes, month by month, ready for SPC: participation, match rate, time to match,
//! sessions, goal attainment, satisfaction, retention against non-participants, innovation
//! participation, and incident rates in units with active mentoring against the rest; and the
//! training gaps that recur in mentees' goals. Pure: the store gathers the facts, the web draws them.

use std::collections::{BTreeMap, BTreeSet};

use kindling_spc::{Chart, Improvement};

use super::imports::{HrMonth, UnitMonth};
use super::{MatchStatus, Side};

/// A participant, as the outcomes need them.
#[derive(Clone, Debug)]
pub struct ParticipantFact {
    pub side: Side,
    pub reference: String,
    pub unit: String,
    pub tags: BTreeSet<String>,
    pub enrolled_month: String,
    pub enrolled_day: i64,
    /// Months in which the person (through their account) submitted or joined an initiative, whether
    /// or not they were enrolled yet.
    pub innovation_months: Vec<String>,
}

/// A match, by the references of its two people.
#[derive(Clone, Debug)]
pub struct MatchFact {
    pub mentee: String,
    pub mentor: String,
    pub status: MatchStatus,
    pub offered_month: String,
    pub offered_day: i64,
    /// The month the mentee accepted, if they did.
    pub active_from: Option<String>,
    pub closed_month: Option<String>,
}

/// Everything the dashboard is computed from.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub participants: Vec<ParticipantFact>,
    pub matches: Vec<MatchFact>,
    /// The month of each session held.
    pub sessions: Vec<String>,
    /// Goal attainment ratings (−2 to +2) by the month they were rated.
    pub ratings: Vec<(String, i8)>,
    /// Each feedback response's mean answer (1 to 5) by month.
    pub feedback: Vec<(String, f64)>,
    pub hr: Vec<HrMonth>,
    pub incidents: Vec<UnitMonth>,
}

/// One point of a series: a value, or a numerator with its denominator for p and u charts.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub month: String,
    pub y: f64,
    pub n: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub key: &'static str,
    pub title: &'static str,
    /// What a point is, for the reader.
    pub unit: &'static str,
    pub chart: Chart,
    pub improvement: Improvement,
    pub points: Vec<Point>,
}

/// The months from `first` to `last` inclusive, as `YYYY-MM`.
pub fn months_between(first: &str, last: &str) -> Vec<String> {
    let parse = |m: &str| -> Option<(i32, u32)> {
        let (y, n) = m.split_once('-')?;
        Some((y.parse().ok()?, n.parse().ok()?))
    };
    let (Some((mut y, mut n)), Some(end)) = (parse(first), parse(last)) else { return Vec::new() };
    let mut out = Vec::new();
    while (y, n) <= end && out.len() < 600 {
        out.push(format!("{y}-{n:02}"));
        n += 1;
        if n == 13 {
            n = 1;
            y += 1;
        }
    }
    out
}

fn xmr(
    key: &'static str,
    title: &'static str,
    unit: &'static str,
    improvement: Improvement,
    points: Vec<Point>,
) -> Series {
    Series { key, title, unit, chart: Chart::Xmr, improvement, points }
}

/// Whether `month` falls within a match's active spell.
fn active_in(m: &MatchFact, month: &str) -> bool {
    m.active_from.as_deref().is_some_and(|from| from <= month)
        && m.closed_month.as_deref().is_none_or(|closed| month <= closed)
}

/// Every series, over the months from the first enrolment to `this_month`.
pub fn series(facts: &Facts, this_month: &str) -> Vec<Series> {
    let Some(first) = facts.participants.iter().map(|p| p.enrolled_month.as_str()).min() else { return Vec::new() };
    let months = months_between(first, this_month);
    let mut out = Vec::new();

    let enrolled = |side: Option<Side>, m: &str| {
        facts.participants.iter().filter(|p| side.is_none_or(|s| p.side == s) && p.enrolled_month.as_str() == m).count()
    };
    out.push(xmr(
        "participation",
        "People enrolled each month",
        "people enrolled",
        Improvement::Increase,
        months.iter().map(|m| Point { month: m.clone(), y: enrolled(None, m) as f64, n: None }).collect(),
    ));

    // Match rate by enrolment cohort: of the mentees who joined in a month, how many have been matched.
    let matched: BTreeSet<&str> =
        facts.matches.iter().filter(|m| m.status != MatchStatus::Declined).map(|m| m.mentee.as_str()).collect();
    let cohort: Vec<Point> = months
        .iter()
        .filter_map(|m| {
            let joined: Vec<&ParticipantFact> =
                facts.participants.iter().filter(|p| p.side == Side::Mentee && p.enrolled_month == *m).collect();
            (!joined.is_empty()).then(|| Point {
                month: m.clone(),
                y: joined.iter().filter(|p| matched.contains(p.reference.as_str())).count() as f64,
                n: Some(joined.len() as f64),
            })
        })
        .collect();
    out.push(Series {
        key: "match-rate",
        title: "Mentees matched, by the month they enrolled",
        unit: "share of the month's new mentees matched",
        chart: Chart::P,
        improvement: Improvement::Increase,
        points: cohort,
    });

    // Time to match: the mean days from enrolment to a mentee's first offer, by the month of the offer.
    let enrolled_day: BTreeMap<&str, i64> = facts
        .participants
        .iter()
        .filter(|p| p.side == Side::Mentee)
        .map(|p| (p.reference.as_str(), p.enrolled_day))
        .collect();
    let mut first_offer: BTreeMap<&str, &MatchFact> = BTreeMap::new();
    for m in &facts.matches {
        let entry = first_offer.entry(m.mentee.as_str()).or_insert(m);
        if m.offered_day < entry.offered_day {
            *entry = m;
        }
    }
    let mut waits: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (mentee, m) in &first_offer {
        if let Some(day) = enrolled_day.get(mentee) {
            waits.entry(m.offered_month.as_str()).or_default().push((m.offered_day - day).max(0) as f64);
        }
    }
    out.push(xmr(
        "time-to-match",
        "Days from enrolment to a first match",
        "mean days, by the month of the match",
        Improvement::Decrease,
        waits
            .iter()
            .map(|(m, w)| Point { month: (*m).to_owned(), y: w.iter().sum::<f64>() / w.len() as f64, n: None })
            .collect(),
    ));

    let per_month = |items: &mut dyn Iterator<Item = &String>| {
        let mut counts: BTreeMap<&str, f64> = months.iter().map(|m| (m.as_str(), 0.0)).collect();
        for m in items {
            if let Some(c) = counts.get_mut(m.as_str()) {
                *c += 1.0;
            }
        }
        counts.into_iter().map(|(m, y)| Point { month: m.to_owned(), y, n: None }).collect::<Vec<_>>()
    };
    out.push(xmr(
        "sessions",
        "Mentoring sessions held",
        "sessions in the month",
        Improvement::Increase,
        per_month(&mut facts.sessions.iter()),
    ));

    let means = |items: &[(String, f64)]| {
        let mut by: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for (m, v) in items {
            let e = by.entry(m.as_str()).or_default();
            e.0 += v;
            e.1 += 1.0;
        }
        by.into_iter().map(|(m, (sum, n))| Point { month: m.to_owned(), y: sum / n, n: None }).collect::<Vec<_>>()
    };
    let ratings: Vec<(String, f64)> = facts.ratings.iter().map(|(m, r)| (m.clone(), f64::from(*r))).collect();
    out.push(xmr(
        "goal-attainment",
        "Goal attainment",
        "mean rating from −2 (much less than expected) to +2",
        Improvement::Increase,
        means(&ratings),
    ));
    out.push(xmr(
        "satisfaction",
        "Satisfaction with mentoring",
        "mean feedback answer from 1 (strongly disagree) to 5",
        Improvement::Increase,
        means(&facts.feedback),
    ));

    // Retention: leavers among participants in post, and among everyone else, month by month.
    let references: BTreeSet<&str> = facts.participants.iter().map(|p| p.reference.as_str()).collect();
    let mut participant_leavers = Vec::new();
    let mut other_leavers = Vec::new();
    for h in &facts.hr {
        let in_post = facts.participants.iter().filter(|p| p.enrolled_month <= h.month).count() as f64;
        let left = h.leaver_references.iter().filter(|r| references.contains(r.as_str())).count() as f64;
        if in_post > 0.0 {
            participant_leavers.push(Point { month: h.month.clone(), y: left, n: Some(in_post) });
        }
        let others = h.staff_in_post as f64 - in_post;
        if others > 0.0 {
            other_leavers.push(Point {
                month: h.month.clone(),
                y: (h.leavers as f64 - left).max(0.0),
                n: Some(others),
            });
        }
    }
    out.push(Series {
        key: "leavers-participants",
        title: "Leavers among participants",
        unit: "share of participants who left in the month",
        chart: Chart::P,
        improvement: Improvement::Decrease,
        points: participant_leavers,
    });
    out.push(Series {
        key: "leavers-others",
        title: "Leavers among staff not in the programme",
        unit: "share of other staff who left in the month",
        chart: Chart::P,
        improvement: Improvement::Decrease,
        points: other_leavers,
    });

    out.push(xmr(
        "innovation",
        "Participants taking part in initiatives",
        "participants who submitted or joined an initiative in the month",
        Improvement::Increase,
        months
            .iter()
            .map(|m| Point {
                month: m.clone(),
                // Only after enrolment: an initiative from before someone joined is not the programme's.
                y: facts
                    .participants
                    .iter()
                    .filter(|p| p.enrolled_month <= *m && p.innovation_months.contains(m))
                    .count() as f64,
                n: None,
            })
            .collect(),
    ));

    // Incidents per 1,000 occupied bed days: units with an active pair that month against the rest.
    let mut with: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    let mut without: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    let unit_of: BTreeMap<&str, &str> =
        facts.participants.iter().map(|p| (p.reference.as_str(), p.unit.as_str())).collect();
    for row in &facts.incidents {
        let mentoring = facts.matches.iter().any(|m| {
            active_in(m, &row.month)
                && [m.mentee.as_str(), m.mentor.as_str()]
                    .iter()
                    .any(|r| unit_of.get(r).is_some_and(|u| !u.is_empty() && *u == row.unit))
        });
        let e = if mentoring { &mut with } else { &mut without }.entry(row.month.as_str()).or_default();
        e.0 += row.incidents as f64;
        e.1 += row.bed_days as f64 / 1000.0;
    }
    for (key, title, map) in [
        ("incidents-mentoring", "Incidents in units with active mentoring", with),
        ("incidents-others", "Incidents in other units", without),
    ] {
        out.push(Series {
            key,
            title,
            unit: "incidents per 1,000 occupied bed days",
            chart: Chart::U,
            improvement: Improvement::Decrease,
            points: map.into_iter().map(|(m, (y, n))| Point { month: m.to_owned(), y, n: Some(n) }).collect(),
        });
    }
    out
}

/// Two groups' values month by month on one chart: participants against comparable staff who are
/// not in the programme (issue 19 §4). Values are as the groups' own charts read them: a proportion
/// as a percentage, a rate per its unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub key: &'static str,
    pub title: &'static str,
    /// Written after each value: "%" or " incidents per 1,000 occupied bed days".
    pub suffix: &'static str,
    pub names: [&'static str; 2],
    pub months: Vec<String>,
    pub values: [Vec<Option<f64>>; 2],
}

/// The comparisons the outcome series allow: leavers among participants against other staff, and
/// incidents in units with active mentoring against other units; one is left out when either of its
/// series has no points.
pub fn comparisons(all: &[Series]) -> Vec<Comparison> {
    let find = |key: &str| all.iter().find(|s| s.key == key);
    let pairs = [
        (
            "leavers",
            "Leavers: participants against staff not in the programme",
            "%",
            ["Participants", "Staff not in the programme"],
            "leavers-participants",
            "leavers-others",
            100.0,
        ),
        (
            "incidents",
            "Incidents: units with active mentoring against other units",
            " per 1,000 occupied bed days",
            ["Units with active mentoring", "Other units"],
            "incidents-mentoring",
            "incidents-others",
            1.0,
        ),
    ];
    let mut out = Vec::new();
    for (key, title, suffix, names, a, b, scale) in pairs {
        let (Some(a), Some(b)) = (find(a), find(b)) else { continue };
        if a.points.is_empty() || b.points.is_empty() {
            continue;
        }
        let months: Vec<String> = a
            .points
            .iter()
            .chain(&b.points)
            .map(|p| p.month.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let value = |s: &Series, month: &str| {
            s.points.iter().find(|p| p.month == month).and_then(|p| match p.n {
                Some(n) if n > 0.0 => Some(scale * p.y / n),
                _ => None,
            })
        };
        let values = [months.iter().map(|m| value(a, m)).collect(), months.iter().map(|m| value(b, m)).collect()];
        out.push(Comparison { key, title, suffix, names, months, values });
    }
    out
}

/// A goal that recurs among mentees, and how often the mentor they were matched with has it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Gap {
    pub tag: String,
    pub mentees: usize,
    /// Mentees with this goal whose current mentor lists it as expertise.
    pub met_by_mentor: usize,
    /// Mentors in the programme offering it.
    pub mentors_offering: usize,
}

/// The goals named by at least `min_mentees` mentees, most common first: where training is
/// needed, and where mentors are too few to meet it.
pub fn recurring_gaps(facts: &Facts, min_mentees: usize) -> Vec<Gap> {
    let by_reference: BTreeMap<(Side, &str), &ParticipantFact> =
        facts.participants.iter().map(|p| ((p.side, p.reference.as_str()), p)).collect();
    let mentor_of: BTreeMap<&str, &str> = facts
        .matches
        .iter()
        .filter(|m| matches!(m.status, MatchStatus::Offered | MatchStatus::Active))
        .map(|m| (m.mentee.as_str(), m.mentor.as_str()))
        .collect();
    let mut gaps: BTreeMap<&str, Gap> = BTreeMap::new();
    for p in facts.participants.iter().filter(|p| p.side == Side::Mentee) {
        let mentor_tags =
            mentor_of.get(p.reference.as_str()).and_then(|m| by_reference.get(&(Side::Mentor, m))).map(|m| &m.tags);
        for tag in &p.tags {
            let g = gaps.entry(tag.as_str()).or_insert_with(|| Gap {
                tag: tag.clone(),
                mentees: 0,
                met_by_mentor: 0,
                mentors_offering: facts
                    .participants
                    .iter()
                    .filter(|m| m.side == Side::Mentor && m.tags.contains(tag))
                    .count(),
            });
            g.mentees += 1;
            if mentor_tags.is_some_and(|t| t.contains(tag)) {
                g.met_by_mentor += 1;
            }
        }
    }
    let mut out: Vec<Gap> = gaps.into_values().filter(|g| g.mentees >= min_mentees).collect();
    out.sort_by(|a, b| b.mentees.cmp(&a.mentees).then(a.tag.cmp(&b.tag)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(side: Side, reference: &str, unit: &str, month: &str, day: i64, tags: &[&str]) -> ParticipantFact {
        ParticipantFact {
            side,
            reference: reference.into(),
            unit: unit.into(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            enrolled_month: month.into(),
            enrolled_day: day,
            innovation_months: Vec::new(),
        }
    }

    fn facts() -> Facts {
        Facts {
            participants: vec![
                person(Side::Mentee, "e1", "Ward 7", "2026-01", 0, &["qi", "rota"]),
                person(Side::Mentee, "e2", "", "2026-01", 10, &["qi"]),
                person(Side::Mentee, "e3", "", "2026-02", 40, &["qi"]),
                person(Side::Mentor, "m1", "ED", "2026-01", 0, &["qi"]),
            ],
            matches: vec![MatchFact {
                mentee: "e1".into(),
                mentor: "m1".into(),
                status: MatchStatus::Active,
                offered_month: "2026-02".into(),
                offered_day: 31,
                active_from: Some("2026-02".into()),
                closed_month: None,
            }],
            sessions: vec!["2026-02".into(), "2026-02".into(), "2026-03".into()],
            hr: vec![HrMonth {
                month: "2026-02".into(),
                staff_in_post: 104,
                leavers: 3,
                leaver_references: ["e2".to_owned(), "x9".to_owned()].into(),
            }],
            incidents: vec![
                UnitMonth { unit: "Ward 7".into(), month: "2026-02".into(), incidents: 2, bed_days: 800 },
                UnitMonth { unit: "ED".into(), month: "2026-02".into(), incidents: 3, bed_days: 600 },
                UnitMonth { unit: "Ward 9".into(), month: "2026-02".into(), incidents: 6, bed_days: 1000 },
                UnitMonth { unit: "Ward 7".into(), month: "2026-01".into(), incidents: 5, bed_days: 800 },
            ],
            ..Facts::default()
        }
    }

    fn find<'a>(all: &'a [Series], key: &str) -> &'a Series {
        all.iter().find(|s| s.key == key).unwrap()
    }

    #[test]
    fn each_series_counts_what_it_says() {
        let all = series(&facts(), "2026-03");
        let months = |s: &Series| s.points.iter().map(|p| p.month.clone()).collect::<Vec<_>>();
        let participation = find(&all, "participation");
        assert_eq!(months(participation), ["2026-01", "2026-02", "2026-03"]);
        assert_eq!(participation.points.iter().map(|p| p.y).collect::<Vec<_>>(), [3.0, 1.0, 0.0]);
        // January's cohort: e1 matched, e2 not: 1 of 2. February's: e3 not matched: 0 of 1.
        let rate = find(&all, "match-rate");
        assert_eq!((rate.points[0].y, rate.points[0].n), (1.0, Some(2.0)));
        assert_eq!((rate.points[1].y, rate.points[1].n), (0.0, Some(1.0)));
        // e1 enrolled on day 0 and was offered on day 31.
        assert_eq!(find(&all, "time-to-match").points, [Point { month: "2026-02".into(), y: 31.0, n: None }]);
        assert_eq!(find(&all, "sessions").points.iter().map(|p| p.y).collect::<Vec<_>>(), [0.0, 2.0, 1.0]);
        // February: all 4 participants in post; e2 left (x9 is not a participant). Others: 100 in
        // post, 3 leavers of whom 1 was a participant, so 2.
        assert_eq!(
            find(&all, "leavers-participants").points[0],
            Point { month: "2026-02".into(), y: 1.0, n: Some(4.0) }
        );
        assert_eq!(find(&all, "leavers-others").points[0], Point { month: "2026-02".into(), y: 2.0, n: Some(100.0) });
        // February: Ward 7 (e1) and ED (m1) have an active pair: 5 incidents over 1.4 thousand bed
        // days; Ward 9 has none. January: no pair was active yet, so Ward 7 counts with the rest.
        let with = find(&all, "incidents-mentoring");
        assert_eq!(with.points, [Point { month: "2026-02".into(), y: 5.0, n: Some(1.4) }]);
        let without = find(&all, "incidents-others");
        assert_eq!(without.points.len(), 2);
        assert_eq!(without.points[1], Point { month: "2026-02".into(), y: 6.0, n: Some(1.0) });
    }

    #[test]
    fn innovation_counts_only_after_enrolment() {
        let mut f = facts();
        // e3 enrolled in February: a January initiative is not the programme's; March's is.
        f.participants[2].innovation_months = vec!["2026-01".into(), "2026-03".into()];
        f.participants[0].innovation_months = vec!["2026-03".into()];
        let all = series(&f, "2026-03");
        let counts: Vec<f64> = find(&all, "innovation").points.iter().map(|p| p.y).collect();
        assert_eq!(counts, [0.0, 0.0, 2.0]);
    }

    #[test]
    fn recurring_gaps_rank_goals_and_say_how_often_they_are_met() {
        let gaps = recurring_gaps(&facts(), 1);
        assert_eq!(gaps[0], Gap { tag: "qi".into(), mentees: 3, met_by_mentor: 1, mentors_offering: 1 });
        assert_eq!(gaps[1], Gap { tag: "rota".into(), mentees: 1, met_by_mentor: 0, mentors_offering: 0 });
        assert_eq!(recurring_gaps(&facts(), 2).len(), 1);
    }

    #[test]
    fn months_run_across_the_year_end() {
        assert_eq!(months_between("2025-11", "2026-02"), ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert!(months_between("2026-02", "2026-01").is_empty());
    }

    #[test]
    fn comparisons_put_two_groups_on_the_same_months_in_their_charts_units() {
        let series = |key: &'static str, chart: Chart, points: &[(&str, f64, f64)]| Series {
            key,
            title: key,
            unit: "",
            chart,
            improvement: Improvement::Decrease,
            points: points.iter().map(|(m, y, n)| Point { month: (*m).to_owned(), y: *y, n: Some(*n) }).collect(),
        };
        let all = vec![
            series("leavers-participants", Chart::P, &[("2026-02", 1.0, 200.0), ("2026-03", 0.0, 210.0)]),
            series("leavers-others", Chart::P, &[("2026-01", 30.0, 2000.0), ("2026-03", 26.0, 2080.0)]),
            series("incidents-mentoring", Chart::U, &[("2026-03", 26.0, 3.2)]),
            series("incidents-others", Chart::U, &[]),
        ];
        let found = comparisons(&all);
        assert_eq!(found.len(), 1, "incidents are left out: other units have no months");
        let leavers = &found[0];
        assert_eq!(leavers.months, ["2026-01", "2026-02", "2026-03"]);
        // 1 of 200 is 0.5%; 30 of 2,000 is 1.5%; 26 of 2,080 is 1.25%.
        assert_eq!(leavers.values[0], [None, Some(0.5), Some(0.0)]);
        assert_eq!(leavers.values[1], [Some(1.5), None, Some(1.25)]);
        assert_eq!(leavers.suffix, "%");
    }
}
