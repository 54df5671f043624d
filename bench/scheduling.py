"""Wall time against the critical path, and the speedup over one task at a time.

Every plan runs through the real agent-node path (tasks sleep their duration) with the real
SQLite checkpointer. Target: wall / critical path <= 1.10 on every plan (median of 3 runs).
Wall times depend on what else the machine runs: each row shows the 1-minute load average
(os.getloadavg) when its runs started, next to the number of cores.

    python bench/scheduling.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics

from autodevos.domain.dag import critical_path
from common import plan_of, random_dag, run_plan, skewed_durations
from rich.console import Console
from rich.table import Table


def suite() -> list[tuple[str, dict[str, list[str]], dict[str, float]]]:
    plans = []
    plans.append(("a(1)->c(1)->d(.2), b(2)->d", {"a": [], "b": [], "c": ["a"], "d": ["c", "b"]},
                  {"a": 1.0, "b": 2.0, "c": 1.0, "d": 0.2}))
    fan = {"root": [], **{f"f{i}": ["root"] for i in range(50)}}
    fan["join"] = [f"f{i}" for i in range(50)]
    plans.append(("fan-out 50", fan, {"root": 0.1, "join": 0.1, **skewed_durations([f"f{i}" for i in range(50)], 1, 0.3)}))
    chain = {f"c{i}": ([f"c{i - 1}"] if i else []) for i in range(50)}
    plans.append(("chain 50", chain, dict.fromkeys(chain, 0.05)))
    for n, median in ((20, 0.25), (100, 0.1), (500, 0.1)):
        edges = random_dag(n, seed=n)
        plans.append((f"random {n}", edges, skewed_durations(list(edges), seed=n + 1, median=median)))
    return plans


def measure(runs: int = 3) -> list[dict]:
    """Per plan: critical path, median wall of `runs` runs, their ratio, and one task at a time."""
    rows = []
    for name, edges, durations in suite():
        plan = plan_of(edges)
        cp = critical_path(plan, durations)
        load = os.getloadavg()[0]
        wall = statistics.median(run_plan(plan, durations)[0] for _ in range(runs))
        serial = run_plan(plan, durations, max_parallel=1)[0]
        rows.append({"plan": name, "tasks": len(edges), "critical": cp, "wall": wall, "ratio": wall / cp, "serial": serial,
                     "load": load})
    return rows


def table(rows: list[dict], runs: int = 3) -> Table:
    out = Table(title=f"Scheduling (median of {runs}; target wall/critical <= 1.10)")
    for col in ("plan", "tasks", "critical path s", "wall s", "wall/critical", "one-at-a-time s", "speedup",
                f"load ({os.cpu_count()} cores)"):
        out.add_column(col, justify="right")
    for r in rows:
        out.add_row(r["plan"], str(r["tasks"]), f"{r['critical']:.2f}", f"{r['wall']:.2f}", f"{r['ratio']:.3f}",
                    f"{r['serial']:.2f}", f"{r['serial'] / r['wall']:.1f}x", f"{r['load']:.2f}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    Console(width=200).print(table(measure(args.runs), args.runs))


if __name__ == "__main__":
    main()
