"""Helpers shared by the benchmarks: synthetic plans and runs of them through the real graph."""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autodevos.domain.dag import Plan, Task  # noqa: E402
from autodevos.domain.spec import AppSpec, Entity  # noqa: E402
from autodevos.graph.runner import RunSettings, start_run  # noqa: E402
from autodevos.graph.store import close_stores  # noqa: E402

SPEC = AppSpec(name="bench", title="Bench", entities=[Entity(name="Note")])


def plan_of(edges: dict[str, list[str]]) -> Plan:
    return Plan(spec=SPEC, tasks=[Task(id=t, agent="worker", depends_on=d) for t, d in edges.items()])


def random_dag(n: int, seed: int, max_deps: int = 3) -> dict[str, list[str]]:
    rng = random.Random(seed)
    edges: dict[str, list[str]] = {}
    for i in range(n):
        k = rng.randint(0, min(i, max_deps))
        edges[f"t{i}"] = sorted({f"t{j}" for j in rng.sample(range(i), k)}) if i else []
    return edges


def skewed_durations(ids: list[str], seed: int, median: float) -> dict[str, float]:
    """Lognormal durations: most tasks short, a few long (like model calls)."""
    rng = random.Random(seed)
    return {t: round(min(median * rng.lognormvariate(0, 0.9), median * 12), 4) for t in ids}


def sleeper(durations: dict[str, float]):
    async def work(task: Task, spec: AppSpec, ws=None) -> dict[str, str]:
        await asyncio.sleep(durations.get(task.id, 0.0))
        return {}

    return work


def run_plan(plan: Plan, durations: dict[str, float], max_parallel: int = 0, checkpointer: bool = True) -> tuple[float, Path | None]:
    """Wall seconds of one run of plan through the real graph (real SQLite file)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "db.sqlite"
        settings = RunSettings(request="bench", out_dir=str(Path(tmp) / "out"), db_path=str(db),
                               plan=plan.model_dump(), max_parallel=max_parallel, force=True)
        t0 = time.perf_counter()
        result = asyncio.run(start_run(settings, agents={"worker": sleeper(durations)}))
        wall = time.perf_counter() - t0
        assert result.ok, {k: v for k, v in result.tasks.items() if v["status"] != "completed"}
        close_stores()
        return wall, db_size(db)


def db_size(db: Path) -> int:
    """Bytes of the database once its WAL is folded in (the WAL alone grows in jumps)."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
