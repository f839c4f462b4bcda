//! A matching instance: mentees, mentors with capacities, and the eligible pairs with integer scores.

/// One eligible pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Edge {
    pub mentee: u32,
    pub mentor: u32,
    /// How good the pair is (higher is better), at least 0.
    pub score: i64,
}

/// The largest score accepted: sums of a million of them still fit comfortably in an i64, with room
/// for the coverage objective's offset.
pub const MAX_SCORE: i64 = 1 << 30;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub mentees: usize,
    /// Capacity of each mentor (0 allowed: the mentor takes nobody this round).
    pub capacities: Vec<u32>,
    pub edges: Vec<Edge>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProblemError {
    #[error("edge {index}: mentee {mentee} does not exist")]
    UnknownMentee { index: usize, mentee: u32 },
    #[error("edge {index}: mentor {mentor} does not exist")]
    UnknownMentor { index: usize, mentor: u32 },
    #[error("edge {index}: score {score} is outside 0..={MAX_SCORE}")]
    BadScore { index: usize, score: i64 },
    #[error("edge {index}: mentee {mentee} and mentor {mentor} are already paired by edge {first}")]
    DuplicatePair { index: usize, first: usize, mentee: u32, mentor: u32 },
}

impl Problem {
    /// Checks every edge refers to a real mentee and mentor, has a valid score, and appears once.
    pub fn validate(&self) -> Result<(), ProblemError> {
        let mut seen = std::collections::HashMap::with_capacity(self.edges.len());
        for (index, e) in self.edges.iter().enumerate() {
            if e.mentee as usize >= self.mentees {
                return Err(ProblemError::UnknownMentee { index, mentee: e.mentee });
            }
            if e.mentor as usize >= self.capacities.len() {
                return Err(ProblemError::UnknownMentor { index, mentor: e.mentor });
            }
            if !(0..=MAX_SCORE).contains(&e.score) {
                return Err(ProblemError::BadScore { index, score: e.score });
            }
            if let Some(first) = seen.insert((e.mentee, e.mentor), index) {
                return Err(ProblemError::DuplicatePair { index, first, mentee: e.mentee, mentor: e.mentor });
            }
        }
        Ok(())
    }

    pub fn mentors(&self) -> usize {
        self.capacities.len()
    }
}
