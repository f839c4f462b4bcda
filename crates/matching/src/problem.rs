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
        }
        // Duplicates: group by mentee (counting sort, linear), then sort each mentee's few edges.
        let (start, order) = self.by_mentee();
        for i in 0..self.mentees {
            let mut slice: Vec<usize> = order[start[i]..start[i + 1]].to_vec();
            slice.sort_unstable_by_key(|&e| (self.edges[e].mentor, e));
            for pair in slice.windows(2) {
                let (first, index) = (pair[0], pair[1]);
                if self.edges[first].mentor == self.edges[index].mentor {
                    let e = self.edges[index];
                    return Err(ProblemError::DuplicatePair { index, first, mentee: e.mentee, mentor: e.mentor });
                }
            }
        }
        Ok(())
    }

    /// Edge indices grouped by mentee (stable within a mentee), with each mentee's start offset:
    /// mentee `i`'s edges are `order[start[i]..start[i + 1]]`. Linear time.
    pub fn by_mentee(&self) -> (Vec<usize>, Vec<usize>) {
        let mut start = vec![0_usize; self.mentees + 1];
        for e in &self.edges {
            start[e.mentee as usize + 1] += 1;
        }
        for i in 0..self.mentees {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut order = vec![0_usize; self.edges.len()];
        for (index, e) in self.edges.iter().enumerate() {
            let slot = &mut next[e.mentee as usize];
            order[*slot] = index;
            *slot += 1;
        }
        (start, order)
    }

    pub fn mentors(&self) -> usize {
        self.capacities.len()
    }
}
