"""The reference for docs/PERFORMANCE.md: controlchartspy 0.1.3 (the PowerBI-SPC engine) on the same
series as `kindling spc`, one call per series, i chart with the four MDC rules, limits only.

usage: python controlchartspy_bench.py SERIES.csv N_SERIES REPS
Prints one line per repetition: seconds for N_SERIES series.
"""
import csv
import sys
import time
from collections import defaultdict

import controlchartspy


def main():
    path, n_series, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    series = defaultdict(list)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            series[row["series"]].append((row["x"], float(row["y"])))
    names = list(series)[:n_series]
    outliers = {
        "improvement_direction": "increase", "process_flag_type": "both",
        "astronomical": True, "astronomical_limit": "3 Sigma",
        "shift": True, "shift_n": 7, "trend": True, "trend_n": 7,
        "two_in_three": True, "two_in_three_limit": "2 Sigma",
    }
    for _ in range(reps):
        started = time.perf_counter()
        for name in names:
            rows = series[name]
            controlchartspy.spc(
                data={"x": [x for x, _ in rows], "y": [y for _, y in rows]},
                keys="x", numerators="y",
                spc_settings={"chart_type": "i"}, outlier_settings=outliers,
                return_objs="limits",
            )
        print(f"{time.perf_counter() - started:.6f}", flush=True)


if __name__ == "__main__":
    main()
