"""References for docs/PERFORMANCE.md: SciPy's linear_sum_assignment on the dense instance and OR-Tools'
SimpleMinCostFlow on the capacitated one, on the same files the Rust benchmark reads.

usage: python matching_bench.py dense|capacitated|ties DIR REPS
(ties: issue 21's instance, the capacitated shape with integer scores 0-1,000.)
Prints 'solve SECONDS objective' per repetition (and 'build SECONDS' for OR-Tools).
"""
import sys
import time

import numpy as np


def read_edges(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.int64)
    return data[:, 0], data[:, 1], data[:, 2]


def dense(directory, reps):
    from scipy.optimize import linear_sum_assignment
    i, j, w = read_edges(f"{directory}/dense_edges.csv")
    n = int(i.max()) + 1
    m = int(j.max()) + 1
    matrix = np.zeros((n, m), dtype=np.float64)
    matrix[i, j] = w
    for _ in range(reps):
        started = time.perf_counter()
        rows, cols = linear_sum_assignment(matrix, maximize=True)
        elapsed = time.perf_counter() - started
        print(f"solve {elapsed:.6f} {int(matrix[rows, cols].sum())}", flush=True)


def capacitated(directory, reps, prefix="cap"):
    from ortools.graph.python import min_cost_flow
    i, j, w = read_edges(f"{directory}/{prefix}_edges.csv")
    caps = np.loadtxt(f"{directory}/{prefix}_mentors.csv", delimiter=",", skiprows=1, dtype=np.int64)[:, 1]
    n = int(i.max()) + 1
    m = len(caps)
    source, sink = n + m, n + m + 1
    for _ in range(reps):
        started = time.perf_counter()
        flow = min_cost_flow.SimpleMinCostFlow()
        # source -> mentee, mentee -> mentor (cost -w), mentor -> sink, mentee -> sink (unmatched, cost 0)
        tails = np.concatenate([np.full(n, source), i, n + np.arange(m), np.arange(n)])
        heads = np.concatenate([np.arange(n), n + j, np.full(m, sink), np.full(n, sink)])
        capacity = np.concatenate([np.ones(n), np.ones(len(i)), caps, np.ones(n)]).astype(np.int64)
        cost = np.concatenate([np.zeros(n), -w, np.zeros(m), np.zeros(n)]).astype(np.int64)
        flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacity, cost)
        supplies = np.zeros(n + m + 2, dtype=np.int64)
        supplies[source] = n
        supplies[sink] = -n
        flow.set_nodes_supplies(np.arange(n + m + 2), supplies)
        built = time.perf_counter()
        status = flow.solve()
        solved = time.perf_counter()
        assert status == flow.OPTIMAL, status
        print(f"build {built - started:.6f}", flush=True)
        print(f"solve {solved - built:.6f} {-flow.optimal_cost()}", flush=True)


if __name__ == "__main__":
    kinds = {"dense": dense, "capacitated": capacitated, "ties": lambda d, r: capacitated(d, r, "ties")}
    kinds[sys.argv[1]](sys.argv[2], int(sys.argv[3]))
