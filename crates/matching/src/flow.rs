//! Maximum-weight b-matching as a min-cost flow: a Jonker–Volgenant-style auction start, then
//! successive shortest augmenting paths with Dijkstra on reduced costs (Johnson potentials).
//!
//! The network: each mentee supplies one unit; it flows to a mentor over an eligible pair (cost −weight)
//! and on to the sink T (capacity = the mentor's capacity), or straight to T (cost 0: unmatched is worth
//! nothing). In price terms a mentor `j` has a price `p_j ≥ 0` (its potential is `−p_j`, the sink's is 0)
//! and a mentee's potential is its profit `u_i = w_ij − p_j` at its mentor (0 if unmatched). Every
//! residual arc keeps a non-negative reduced cost, so each search is a Dijkstra, and the final
//! potentials are the LP duals: `u_i ≥ 0` for mentees and `v_j = p_j` for mentors.
//!
//! 1. **Auction start** (the capacitated form of JV's augmenting row reduction): each free mentee
//!    bids for the mentor with the best profit, offering up to the price at which its second-best
//!    option (another mentor, or staying unmatched at 0) would be as good. A full mentor keeps the
//!    highest bidders and charges the lowest kept bid, so every member is tight and still prefers it.
//!    Prices only rise, so everyone placed stays dual feasible. Two passes settle most mentees cheaply;
//!    ties that would only swap mentees at an unchanged price are left for the next stage.
//! 2. **Shortest augmenting paths** for whoever is left. Only mentors enter the heap: a matched mentee
//!    is reached solely from its own mentor, over a tight arc, so it is scanned as soon as that mentor
//!    is settled. A search stops at the first free place (a mentor with room, or a mentee's unmatched
//!    arc) that no queued mentor can beat.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::problem::Problem;

/// The result of one solve: an assignment and the dual values that prove it optimal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowSolution {
    /// For each mentee, the index of the edge it uses, if matched.
    pub assigned_edge: Vec<Option<usize>>,
    /// Dual value of each mentee's "at most one mentor" constraint.
    pub u: Vec<i64>,
    /// Dual value of each mentor's capacity constraint: the mentor's demand price.
    pub v: Vec<i64>,
}

/// Solves with the problem's scores as weights (maximising the total; unmatched is worth 0).
pub fn max_weight(problem: &Problem) -> FlowSolution {
    max_weight_with(problem, |score| score)
}

/// Solves with each edge's weight given by `weight(score)` (the coverage objective adds a large
/// constant to every edge so that matching more mentees always wins).
pub fn max_weight_with(problem: &Problem, weight: impl Fn(i64) -> i64) -> FlowSolution {
    let network = Network::new(problem, weight);
    let mut state = State::new(problem.mentees, &problem.capacities);
    state.auction(&network);
    state.augment_the_rest(&network);
    FlowSolution {
        assigned_edge: state.arc_of.iter().map(|a| a.map(|a| network.edge_of(a))).collect(),
        u: state.pi_mentee,
        v: state.pi_mentor.iter().map(|&p| (-p).max(0)).collect(),
    }
}

/// Arcs grouped by mentee (CSR), with each arc's mentor and weight stored contiguously: the searches
/// spend most of their time walking these.
struct Network {
    start: Vec<usize>,
    mentor: Vec<u32>,
    weight: Vec<i64>,
    /// The problem's edge index of each arc (`None`: the edges were already grouped, so arc = edge).
    edge: Option<Vec<usize>>,
}

impl Network {
    fn new(problem: &Problem, weight: impl Fn(i64) -> i64) -> Network {
        let (start, order) = problem.mentee_offsets();
        let (mentor, weight) = match &order {
            None => problem.edges.iter().map(|e| (e.mentor, weight(e.score))).unzip(),
            Some(order) => order.iter().map(|&e| (problem.edges[e].mentor, weight(problem.edges[e].score))).unzip(),
        };
        Network { start, mentor, weight, edge: order }
    }

    fn arcs(&self, mentee: usize) -> std::ops::Range<usize> {
        self.start[mentee]..self.start[mentee + 1]
    }

    fn edge_of(&self, arc: u32) -> usize {
        self.edge.as_ref().map_or(arc as usize, |order| order[arc as usize])
    }
}

/// Where a mentee stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Standing {
    /// Not yet placed: the next stage must find it a mentor or decide it stays unmatched.
    Free,
    /// Placed with a mentor (see `arc_of`).
    Matched,
    /// Settled as unmatched: its flow goes straight to the sink.
    Unmatched,
}

struct State<'a> {
    capacities: &'a [u32],
    standing: Vec<Standing>,
    /// The arc each matched mentee uses.
    arc_of: Vec<Option<u32>>,
    /// Each mentor's mentees, with the arc they use.
    members: Vec<Vec<(u32, u32)>>,
    /// Mentee potentials (profits) and mentor potentials (minus prices); the sink's potential is 0.
    pi_mentee: Vec<i64>,
    pi_mentor: Vec<i64>,
}

/// "No arc": the option of staying unmatched.
const UNMATCHED: u32 = u32::MAX;

impl<'a> State<'a> {
    fn new(mentees: usize, capacities: &'a [u32]) -> State<'a> {
        State {
            capacities,
            standing: vec![Standing::Free; mentees],
            arc_of: vec![None; mentees],
            members: vec![Vec::new(); capacities.len()],
            pi_mentee: vec![0; mentees],
            pi_mentor: vec![0; capacities.len()],
        }
    }

    fn is_full(&self, mentor: usize) -> bool {
        self.members[mentor].len() >= self.capacities[mentor] as usize
    }

    fn price(&self, mentor: usize) -> i64 {
        -self.pi_mentor[mentor]
    }

    /// The best and second-best options of a mentee at the current prices, as (profit, arc), where
    /// staying unmatched is an option worth 0 that is never full.
    fn best_two(&self, net: &Network, mentee: usize) -> ((i64, u32), (i64, u32)) {
        let mut best = (0_i64, UNMATCHED);
        let mut second = (i64::MIN, UNMATCHED);
        for a in net.arcs(mentee) {
            let profit = net.weight[a] + self.pi_mentor[net.mentor[a] as usize];
            if profit > best.0 {
                second = best;
                best = (profit, a as u32);
            } else if profit > second.0 {
                second = (profit, a as u32);
            }
        }
        (best, second)
    }

    fn place(&mut self, net: &Network, mentee: usize, arc: u32) {
        self.members[net.mentor[arc as usize] as usize].push((mentee as u32, arc));
        self.arc_of[mentee] = Some(arc);
        self.standing[mentee] = Standing::Matched;
    }

    /// Stage 1: the auction start. Afterwards every matched mentee is tight at its mentor and no
    /// other option beats it, every mentor with room has price 0, and every mentee settled as
    /// unmatched has no option worth more than 0.
    fn auction(&mut self, net: &Network) {
        let n = self.standing.len();
        // A mentor with no places is priced out: nobody gains from it, which is what its unbounded
        // capacity dual says, and it keeps every arc into it non-negative for the searches.
        for a in 0..net.mentor.len() {
            let j = net.mentor[a] as usize;
            if self.capacities[j] == 0 {
                self.pi_mentor[j] = self.pi_mentor[j].min(-net.weight[a]);
            }
        }
        // The highest price at which each member still prefers its mentor (its bid).
        let mut bid = vec![0_i64; n];
        let mut queue: VecDeque<u32> = (0..n as u32).collect();
        // Price wars between near-equal mentees can take many small steps; past this budget the
        // searches of stage 2 are the cheaper way to finish.
        let mut budget = 4 * (n + net.mentor.len());
        for _pass in 0..2 {
            let mut deferred = Vec::new();
            while let Some(i) = queue.pop_front() {
                if budget == 0 {
                    queue.push_front(i);
                    break;
                }
                budget -= 1;
                let i = i as usize;
                let ((u1, a1), (u2, a2)) = self.best_two(net, i);
                if a1 == UNMATCHED {
                    self.standing[i] = Standing::Unmatched;
                    continue;
                }
                let j1 = net.mentor[a1 as usize] as usize;
                if !self.is_full(j1) {
                    // u2 ≥ 0 here: staying unmatched is among the other options.
                    bid[i] = self.price(j1) + (u1 - u2);
                    self.place(net, i, a1);
                    continue;
                }
                if u1 == u2 {
                    // A tie with a full mentor would only swap mentees at the same price; take the
                    // equally good alternative if it has room.
                    if a2 == UNMATCHED {
                        self.standing[i] = Standing::Unmatched;
                        continue;
                    }
                    let j2 = net.mentor[a2 as usize] as usize;
                    if !self.is_full(j2) {
                        bid[i] = self.price(j2);
                        self.place(net, i, a2);
                        continue;
                    }
                }
                let offer = self.price(j1) + (u1 - u2);
                let (weakest, &(lowest, _)) = self.members[j1]
                    .iter()
                    .enumerate()
                    .min_by_key(|&(_, &(k, _))| bid[k as usize])
                    .expect("a full mentor has members: capacity 0 is never a best option");
                let lowest_bid = bid[lowest as usize];
                let old_price = self.price(j1);
                let out = if offer > lowest_bid {
                    // The newcomer displaces the weakest member.
                    self.members[j1].swap_remove(weakest);
                    self.arc_of[lowest as usize] = None;
                    self.standing[lowest as usize] = Standing::Free;
                    bid[i] = offer;
                    self.place(net, i, a1);
                    lowest as usize
                } else {
                    i
                };
                let new_price =
                    self.members[j1].iter().map(|&(k, _)| bid[k as usize]).min().expect("still full").max(old_price);
                self.pi_mentor[j1] = -new_price;
                if new_price > old_price {
                    queue.push_front(out as u32);
                } else {
                    deferred.push(out as u32);
                }
            }
            queue.extend(deferred);
        }
        // Potentials for the next stage: members are tight; free mentees start at their best profit,
        // which keeps every arc out of them non-negative at the current prices.
        for j in 0..self.members.len() {
            for &(k, a) in &self.members[j] {
                self.pi_mentee[k as usize] = net.weight[a as usize] + self.pi_mentor[j];
            }
        }
        for i in 0..n {
            if self.standing[i] == Standing::Free {
                self.pi_mentee[i] = self.best_two(net, i).0.0;
            }
        }
    }

    /// Stage 2: one shortest augmenting path per mentee still free.
    fn augment_the_rest(&mut self, net: &Network) {
        let n = self.standing.len();
        let m = self.members.len();
        let mut search = Search {
            reach_mentor: vec![UNREACHED; m],
            settled_mentors: Vec::new(),
            via_mentor: vec![(0, 0); m],
            dist_mentee: vec![i64::MAX; n],
            via_mentee: vec![0; n],
            touched_mentees: Vec::new(),
            touched_mentors: Vec::new(),
            heap: BinaryHeap::new(),
            best_sink: i64::MAX,
            end: None,
        };
        for root in 0..n {
            if self.standing[root] == Standing::Free {
                self.augment_from(net, root, &mut search);
            }
        }
    }

    fn augment_from(&mut self, net: &Network, root: usize, s: &mut Search) {
        s.best_sink = i64::MAX;
        s.end = None;
        s.heap.clear();
        self.scan_mentee(net, root, 0, s);
        while let Some(Reverse((d, j))) = s.heap.pop() {
            if d >= s.best_sink {
                break;
            }
            let j = j as usize;
            if s.reach_mentor[j] == SETTLED || d != s.reach_mentor[j] - self.pi_mentor[j] {
                continue; // settled already, or queued again since at a shorter distance
            }
            s.reach_mentor[j] = SETTLED;
            s.settled_mentors.push((j as u32, d));
            if !self.is_full(j) {
                let to_sink = d + self.pi_mentor[j];
                if to_sink < s.best_sink {
                    s.best_sink = to_sink;
                    s.end = Some(End::Mentor(j as u32));
                }
            }
            for index in 0..self.members[j].len() {
                let (k, a) = self.members[j][index];
                let k = k as usize;
                // The matched arc is tight, so this is d itself; computed in full for clarity.
                let dk = d + net.weight[a as usize] + self.pi_mentor[j] - self.pi_mentee[k];
                if dk < s.best_sink {
                    s.via_mentee[k] = j as u32;
                    self.scan_mentee(net, k, dk, s);
                }
            }
        }
        let (total, end) = (s.best_sink, s.end.expect("the root's unmatched arc always reaches the sink"));

        // Potentials: π(v) += min(d(v), D) − D keeps every residual reduced cost non-negative and makes
        // the path tight (untouched nodes and T are at distance ≥ D and keep theirs).
        for &k in &s.touched_mentees {
            let k = k as usize;
            self.pi_mentee[k] += s.dist_mentee[k].min(total) - total;
            s.dist_mentee[k] = i64::MAX;
        }
        // Mentors reached but not settled are at distance ≥ D: only the settled ones move.
        for &(j, d) in &s.settled_mentors {
            self.pi_mentor[j as usize] += d.min(total) - total;
        }
        for &j in &s.touched_mentors {
            s.reach_mentor[j as usize] = UNREACHED;
        }
        s.touched_mentees.clear();
        s.touched_mentors.clear();
        s.settled_mentors.clear();

        // Augment along root → j1 → k1 → j2 → … . The path ends either at a mentor with room (which
        // gains a mentee) or at a mentee who gives up their mentor to become unmatched. Walking back,
        // each mentor's new mentee is the one that reached it, who leaves the mentor it was reached
        // through; the root had no mentor, which ends the walk.
        let mut next_mentor = match end {
            End::Mentor(j) => Some(j as usize),
            End::Mentee(k) if k as usize == root => {
                self.standing[root] = Standing::Unmatched;
                None
            }
            End::Mentee(k) => {
                let k = k as usize;
                let j = s.via_mentee[k] as usize;
                self.members[j].retain(|&(x, _)| x as usize != k);
                self.arc_of[k] = None;
                self.standing[k] = Standing::Unmatched;
                Some(j)
            }
        };
        while let Some(j) = next_mentor {
            let (k, a) = s.via_mentor[j];
            let k = k as usize;
            next_mentor = if k == root {
                None
            } else {
                let old = s.via_mentee[k] as usize;
                self.members[old].retain(|&(x, _)| x as usize != k);
                Some(old)
            };
            self.place(net, k, a);
        }
    }

    /// Settles mentee `k` at distance `dk`: its unmatched arc may end the search, and its arcs to
    /// mentors not yet settled are relaxed.
    fn scan_mentee(&self, net: &Network, k: usize, dk: i64, s: &mut Search) {
        s.dist_mentee[k] = dk;
        s.touched_mentees.push(k as u32);
        // Staying unmatched (the root) or giving up a mentor (anyone matched) reaches the sink.
        let to_sink = dk + self.pi_mentee[k];
        if to_sink < s.best_sink {
            s.best_sink = to_sink;
            s.end = Some(End::Mentee(k as u32));
        }
        // The distance to mentor j over arc a is base − w_a + π_j, so comparing `base − w_a` with
        // the mentor's `reach` needs no potential in this, the hottest loop of the solver.
        let base = dk + self.pi_mentee[k];
        // A matched mentee is scanned only once its own mentor is settled, so its own arc, like every
        // arc into a settled mentor (marked SETTLED, below any value), is never relaxed.
        let arcs = net.arcs(k);
        let first = arcs.start;
        for (offset, (&j, &w)) in net.mentor[arcs.clone()].iter().zip(&net.weight[arcs]).enumerate() {
            let j = j as usize;
            let reach = base - w;
            if reach < s.reach_mentor[j] {
                if s.reach_mentor[j] == UNREACHED {
                    s.touched_mentors.push(j as u32);
                }
                s.reach_mentor[j] = reach;
                s.via_mentor[j] = (k as u32, (first + offset) as u32);
                s.heap.push(Reverse((reach - self.pi_mentor[j], j as u32)));
            }
        }
    }
}

/// Marks a settled mentor in `Search::reach_mentor`: no value is smaller, so no arc relaxes it.
const SETTLED: i64 = i64::MIN;
/// Marks a mentor not reached yet in `Search::reach_mentor`.
const UNREACHED: i64 = i64::MAX;

/// Where a search reaches the sink.
#[derive(Clone, Copy, Debug)]
enum End {
    /// A mentor with room.
    Mentor(u32),
    /// A mentee's unmatched arc (the root staying unmatched, or someone giving up their mentor).
    Mentee(u32),
}

/// Scratch space for the searches, reset through the touched lists so each search costs only what
/// it visits.
struct Search {
    /// Each mentor's tentative distance minus its potential (`d_j − π_j`), `UNREACHED`, or `SETTLED`
    /// once final.
    reach_mentor: Vec<i64>,
    /// Mentors settled in this search, with their final distances.
    settled_mentors: Vec<(u32, i64)>,
    /// How each mentor was reached: (mentee, arc).
    via_mentor: Vec<(u32, u32)>,
    dist_mentee: Vec<i64>,
    /// The mentor through which each mentee was reached (its own).
    via_mentee: Vec<u32>,
    touched_mentees: Vec<u32>,
    touched_mentors: Vec<u32>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
    best_sink: i64,
    end: Option<End>,
}
