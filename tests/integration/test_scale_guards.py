"""Scale guards: what the run database holds per task must not grow with the size of the plan.

Counts and bytes only, never times, so a busy machine cannot make them fail (timing stays in
bench/). Each run goes through the real graph, task nodes and SQLite checkpointer with a trivial
agent. They caught the plan riding in every Send (stored once per task by LangGraph, so the
database grew with the square of the plan: 13 KB per added task at 100 tasks, 108 KB at 1,000).
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from autodevos.domain.dag import Task
from autodevos.domain.spec import AppSpec
from autodevos.graph.runner import RunSettings, start_run
from autodevos.graph.store import close_stores

from tests.conftest import make_plan

FILE_BYTES = 10_000


@dataclass
class Stats:
    tasks: int
    db_bytes: int
    """The database file, its WAL folded in."""
    checkpoints: int
    """Rows of LangGraph's checkpoints table."""
    writes: int
    """Rows of LangGraph's writes table (pending writes, Sends included)."""
    largest_send: int
    """Bytes of the largest Send stored (channel __pregel_tasks)."""
    generated: int = 0
    """Bytes of the files the run generated."""


async def _nothing(task: Task, spec: AppSpec, ws=None) -> dict[str, str]:
    return {}


async def _one_file(task: Task, spec: AppSpec, ws=None) -> dict[str, str]:
    seed = hashlib.sha256(task.id.encode()).hexdigest()
    return {f"gen/{task.id}.txt": (seed * (FILE_BYTES // len(seed) + 1))[:FILE_BYTES]}


def fan_out(n: int) -> dict[str, list[str]]:
    return {f"t{i}": [] for i in range(n)}


def groups_of_ten(n: int) -> dict[str, list[str]]:
    """Ten chains side by side, n / 10 deep: many waves of dependencies."""
    return {f"t{i}": [f"t{i - 10}"] if i >= 10 else [] for i in range(n)}


def run(where: Path, edges: dict[str, list[str]], work=_nothing) -> Stats:
    where.mkdir(parents=True)
    db = where / "db.sqlite"
    settings = RunSettings(request="scale guard", out_dir=str(where / "out"), db_path=str(db), plan=make_plan(edges))
    result = asyncio.run(start_run(settings, agents={"worker": work}))
    close_stores()
    assert result.ok, {t: r for t, r in result.tasks.items() if r["status"] != "completed"}
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        checkpoints = conn.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0]
        writes = conn.execute("SELECT COUNT(*) FROM writes").fetchone()[0]
        largest_send = conn.execute("SELECT MAX(LENGTH(value)) FROM writes WHERE channel = '__pregel_tasks'").fetchone()[0]
    size = sum(p.stat().st_size for p in where.glob("db.sqlite*"))
    generated = sum((where / "out" / path).stat().st_size for path in result.files)
    return Stats(len(edges), size, checkpoints, writes, largest_send or 0, generated)


@pytest.fixture(scope="module")
def fan_outs(tmp_path_factory) -> dict[int, Stats]:
    base = tmp_path_factory.mktemp("fan-out")
    return {n: run(base / str(n), fan_out(n)) for n in (10, 100, 1000)}


@pytest.fixture(scope="module")
def waves(tmp_path_factory) -> dict[int, Stats]:
    base = tmp_path_factory.mktemp("waves")
    return {n: run(base / str(n), groups_of_ten(n)) for n in (10, 100, 1000)}


def per_added_task(a: Stats, b: Stats, field: str) -> float:
    return (getattr(b, field) - getattr(a, field)) / (b.tasks - a.tasks)


def test_database_bytes_per_added_task_stay_flat_from_100_to_1000_tasks(fan_outs):
    at_100 = per_added_task(fan_outs[10], fan_outs[100], "db_bytes")
    at_1000 = per_added_task(fan_outs[100], fan_outs[1000], "db_bytes")
    assert at_1000 <= 1.25 * at_100, f"{at_1000:,.0f} bytes per added task at 1,000 tasks against {at_100:,.0f} at 100"


def test_a_send_carries_the_same_bytes_whatever_the_size_of_the_plan(fan_outs):
    # a task id grows by a few characters from t9 to t999; anything more is the plan riding along
    small, large = fan_outs[10].largest_send, fan_outs[1000].largest_send
    assert 0 < large <= small + 16, f"the largest Send is {large:,} bytes at 1,000 tasks against {small:,} at 10"


def test_checkpoint_and_write_rows_per_task_are_constant(waves):
    # the number of checkpoints does not depend on the plan (every task goes out in one step, each
    # waits for its own dependencies), and every task adds the same number of write rows
    assert waves[10].checkpoints == waves[100].checkpoints == waves[1000].checkpoints, \
        {n: s.checkpoints for n, s in waves.items()}
    assert per_added_task(waves[10], waves[100], "writes") == per_added_task(waves[100], waves[1000], "writes"), \
        {n: s.writes for n, s in waves.items()}


def test_database_is_at_most_three_times_what_200_files_weigh(tmp_path):
    stats = run(tmp_path / "200", groups_of_ten(200), _one_file)
    assert stats.generated == 200 * FILE_BYTES
    ratio = stats.db_bytes / stats.generated
    assert ratio <= 3.0, f"{stats.db_bytes:,} database bytes for {stats.generated:,} generated bytes: {ratio:.2f}x"
