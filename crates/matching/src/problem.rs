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
        // Duplicates: remember, per mentor, the last mentee seen and through which edge. Walking the
        // edges mentee by mentee (as given when they are already grouped, else after a linear counting
        // sort that keeps their order), a repeat of that mentee is a duplicate and `first` is the
        // earlier edge.
        let mut last_mentee = vec![u32::MAX; self.mentors()];
        let mut last_edge = vec![0_usize; self.mentors()];
        let check = |index: usize| {
            let e = self.edges[index];
            let j = e.mentor as usize;
            if last_mentee[j] == e.mentee {
                let first = last_edge[j];
                return Err(ProblemError::DuplicatePair { index, first, mentee: e.mentee, mentor: e.mentor });
            }
            last_mentee[j] = e.mentee;
            last_edge[j] = index;
            Ok(())
        };
        if self.grouped_by_mentee() {
            (0..self.edges.len()).try_for_each(check)?;
        } else {
            self.by_mentee().1.into_iter().try_for_each(check)?;
        }
        Ok(())
    }

    /// Edge indices grouped by mentee (stable within a mentee), with each mentee's start offset:
    /// mentee `i`'s edges are `order[start[i]..start[i + 1]]`. Linear time.
    pub fn by_mentee(&self) -> (Vec<usize>, Vec<usize>) {
        let start = self.offsets();
        let mut next = start.clone();
        let mut order = vec![0_usize; self.edges.len()];
        for (index, e) in self.edges.iter().enumerate() {
            let slot = &mut next[e.mentee as usize];
            order[*slot] = index;
            *slot += 1;
        }
        (start, order)
    }

    /// Whether each mentee's edges are already together, in increasing mentee order (as files and the
    /// profile scorer write them); then `by_mentee`'s order is the identity.
    pub fn grouped_by_mentee(&self) -> bool {
        self.edges.windows(2).all(|pair| pair[0].mentee <= pair[1].mentee)
    }

    /// Each mentee's start offset when the edges are grouped by mentee: mentee `i`'s edges are
    /// `start[i]..start[i + 1]` (of `by_mentee`'s order).
    fn offsets(&self) -> Vec<usize> {
        let mut start = vec![0_usize; self.mentees + 1];
        for e in &self.edges {
            start[e.mentee as usize + 1] += 1;
        }
        for i in 0..self.mentees {
            start[i + 1] += start[i];
        }
        start
    }

    /// Like `by_mentee`, without the order when it would be the identity.
    pub fn mentee_offsets(&self) -> (Vec<usize>, Option<Vec<usize>>) {
        if self.grouped_by_mentee() {
            (self.offsets(), None)
        } else {
            let (start, order) = self.by_mentee();
            (start, Some(order))
        }
    }

    pub fn mentors(&self) -> usize {
        self.capacities.len()
    }
}
