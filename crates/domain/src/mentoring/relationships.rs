//! Where each relationship stands, for the programme's lead: an offer waiting for an answer (and one
//! waiting too long), an active pair (and one overdue for a meeting against the programme's cadence),
//! a decline, a close. Pure: the store gives the dates, the page shows the states and their counts.

use super::{Frequency, MatchStatus};
use crate::people::slug_enum;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// An offer with no answer after this many days is flagged, so the lead can chase or record it.
pub const NO_ANSWER_DAYS: i64 = 14;

slug_enum!(
    /// A relationship's state as the lead manages it: the match's status, with the two that need the
    /// lead's attention told apart.
    PairState, "relationship state" {
        Offered = ("offered", "Offered, waiting for an answer"),
        NoAnswer = ("no-answer", "No answer for two weeks"),
        Active = ("active", "Active"),
        Overdue = ("overdue", "Overdue for a meeting"),
        Declined = ("declined", "Declined"),
        Closed = ("closed", "Closed"),
    }
);

impl PairState {
    /// Whether the lead should act on it.
    pub fn needs_attention(self) -> bool {
        matches!(self, PairState::NoAnswer | PairState::Overdue)
    }
}

impl Frequency {
    /// The days between meetings the programme expects.
    pub fn days(self) -> i64 {
        match self {
            Frequency::Weekly => 7,
            Frequency::Fortnightly => 14,
            Frequency::Monthly => 31,
        }
    }
}

/// What the state of one relationship is judged from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PairDates {
    pub status: MatchStatus,
    pub offered_ms: i64,
    /// When the offer was accepted or declined.
    pub answered_ms: Option<i64>,
    /// The start of the day of the latest session held, if any.
    pub last_met_ms: Option<i64>,
}

/// A feedback point that came due longer ago than this is not asked for any more: a programme that
/// starts asking (or a pass that was down) does not flood people with months-old prompts.
pub const FEEDBACK_ASK_WINDOW_DAYS: i64 = 14;

/// The feedback points (of [`super::FEEDBACK_POINTS`]) whose time has come for a relationship and
/// that should be asked for now: a month after it was accepted, halfway through the programme's
/// duration, and when it closed; each within [`FEEDBACK_ASK_WINDOW_DAYS`] of falling due.
pub fn feedback_due(accepted_ms: i64, closed_ms: Option<i64>, duration_months: u32, now_ms: i64) -> Vec<&'static str> {
    // A month is 30 days here, as the programme's duration is counted in whole months of meetings.
    let halfway = i64::from(duration_months) * 30 / 2;
    let due = [
        ("first-month", Some(accepted_ms + 30 * DAY_MS)),
        ("midpoint", Some(accepted_ms + halfway * DAY_MS)),
        ("closure", closed_ms),
    ];
    let oldest = now_ms - FEEDBACK_ASK_WINDOW_DAYS * DAY_MS;
    due.into_iter()
        .filter_map(|(point, at)| at.filter(|at| *at <= now_ms && *at > oldest).map(|_| point))
        // Once closed, only the closing feedback is asked: the others' moment has passed.
        .filter(|point| closed_ms.is_none_or(|c| c > now_ms) || *point == "closure")
        .collect()
}

/// A pair is overdue when more than one and a half meeting intervals have passed since they last met
/// (or since they accepted, if they have not met): a meeting a few days late is ordinary, a missed one
/// is worth a word from the lead.
pub fn state(pair: &PairDates, cadence: Frequency, now_ms: i64) -> PairState {
    match pair.status {
        MatchStatus::Offered if now_ms - pair.offered_ms > NO_ANSWER_DAYS * DAY_MS => PairState::NoAnswer,
        MatchStatus::Offered => PairState::Offered,
        MatchStatus::Active => {
            let since = pair.last_met_ms.or(pair.answered_ms).unwrap_or(pair.offered_ms);
            if 2 * (now_ms - since) > 3 * cadence.days() * DAY_MS { PairState::Overdue } else { PairState::Active }
        }
        MatchStatus::Declined => PairState::Declined,
        MatchStatus::Closed => PairState::Closed,
    }
}

/// How many relationships are in each state, every state listed (zero included), in a fixed order.
pub fn counts(states: &[PairState]) -> Vec<(PairState, usize)> {
    PairState::ALL.iter().map(|s| (*s, states.iter().filter(|x| *x == s).count())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000 * DAY_MS;

    fn pair(status: MatchStatus, offered_days_ago: i64, answered: Option<i64>, met: Option<i64>) -> PairDates {
        let ago = |d: i64| NOW - d * DAY_MS;
        PairDates {
            status,
            offered_ms: ago(offered_days_ago),
            answered_ms: answered.map(ago),
            last_met_ms: met.map(ago),
        }
    }

    #[test]
    fn an_offer_is_flagged_after_two_weeks_without_an_answer() {
        assert_eq!(state(&pair(MatchStatus::Offered, 14, None, None), Frequency::Monthly, NOW), PairState::Offered);
        assert_eq!(state(&pair(MatchStatus::Offered, 15, None, None), Frequency::Monthly, NOW), PairState::NoAnswer);
    }

    #[test]
    fn a_pair_is_overdue_after_one_and_a_half_intervals_without_meeting() {
        // Monthly: 31 days expected, overdue after 46.5.
        let monthly = |met| state(&pair(MatchStatus::Active, 90, Some(88), met), Frequency::Monthly, NOW);
        assert_eq!(monthly(Some(46)), PairState::Active);
        assert_eq!(monthly(Some(47)), PairState::Overdue);
        // Never met: counted from the acceptance, 88 days ago.
        assert_eq!(monthly(None), PairState::Overdue);
        // Weekly: overdue after 10.5 days.
        let weekly = |met| state(&pair(MatchStatus::Active, 30, Some(20), met), Frequency::Weekly, NOW);
        assert_eq!((weekly(Some(10)), weekly(Some(11))), (PairState::Active, PairState::Overdue));
    }

    #[test]
    fn declined_and_closed_are_never_flagged() {
        for status in [MatchStatus::Declined, MatchStatus::Closed] {
            let s = state(&pair(status, 400, Some(390), None), Frequency::Weekly, NOW);
            assert!(!s.needs_attention());
        }
        let all = counts(&[PairState::Active, PairState::Overdue, PairState::Active]);
        assert_eq!(all.len(), PairState::ALL.len());
        assert_eq!(all.iter().find(|(s, _)| *s == PairState::Active).unwrap().1, 2);
    }

    #[test]
    fn feedback_is_asked_at_each_milestone_once_it_falls_due_and_not_long_after() {
        let accepted = 1_000 * DAY_MS;
        // A six-month programme: after 30 days, at 90 days, and at closure.
        assert!(feedback_due(accepted, None, 6, accepted + 29 * DAY_MS).is_empty());
        assert_eq!(feedback_due(accepted, None, 6, accepted + 30 * DAY_MS), ["first-month"]);
        assert_eq!(feedback_due(accepted, None, 6, accepted + 43 * DAY_MS), ["first-month"]);
        assert!(feedback_due(accepted, None, 6, accepted + 44 * DAY_MS).is_empty(), "two weeks late is too late");
        assert_eq!(feedback_due(accepted, None, 6, accepted + 90 * DAY_MS), ["midpoint"]);
        // A three-month programme's midpoint falls in the first month's window: both are due.
        assert_eq!(feedback_due(accepted, None, 3, accepted + 45 * DAY_MS), ["midpoint"]);
        assert_eq!(feedback_due(accepted, None, 2, accepted + 31 * DAY_MS), ["first-month", "midpoint"]);
        let closed = accepted + 100 * DAY_MS;
        assert_eq!(feedback_due(accepted, Some(closed), 6, closed + DAY_MS), ["closure"]);
        assert_eq!(feedback_due(accepted, Some(accepted + 31 * DAY_MS), 6, accepted + 32 * DAY_MS), ["closure"]);
    }
}
