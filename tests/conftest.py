"""Shared fixtures: fake agents with scripted timing and failures, and a runner on a real SQLite file."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autodevos.domain.dag import Plan, Task  # noqa: E402
from autodevos.domain.spec import AppSpec, Entity  # noqa: E402
from autodevos.graph.runner import RunSettings, start_run  # noqa: E402

SPEC = AppSpec(name="t", title="T", entities=[Entity(name="Note")])


class Timeline:
    """Fake agents for plans whose tasks sleep, fail a number of times, or fail for good."""

    def __init__(self, durations: dict[str, float] | None = None, fail: dict[str, int] | None = None):
        self.durations = durations or {}
        self.fail = dict(fail or {})  # task id -> failures before success (-1: always)
        self.starts: dict[str, float] = {}
        self.ends: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    async def work(self, task: Task, spec: AppSpec, ws: Any = None) -> dict[str, str]:
        self.calls[task.id] = self.calls.get(task.id, 0) + 1
        self.starts.setdefault(task.id, time.monotonic())
        await asyncio.sleep(self.durations.get(task.id, 0.0))
        left = self.fail.get(task.id, 0)
        if left:
            if left > 0:
                self.fail[task.id] = left - 1
            raise RuntimeError(f"scripted failure of {task.id}")
        self.ends[task.id] = time.monotonic()
        return {f"{task.id}.txt": f"made by {task.id}\n"}

    def agents(self, names=("worker", "other")) -> dict[str, Any]:
        return {name: self.work for name in names}


def make_plan(edges: dict[str, list[str]], agent: str = "worker") -> dict[str, Any]:
    tasks = [Task(id=tid, agent=agent, depends_on=deps) for tid, deps in edges.items()]
    return Plan(spec=SPEC, tasks=tasks).model_dump()


@pytest.fixture
def run_plan(tmp_path):
    """Run a plan through the real graph and SQLite checkpointer with fake agents."""

    def _run(plan: dict[str, Any], timeline: Timeline, **settings: Any):
        s = RunSettings(request="test", out_dir=str(tmp_path / "out"), db_path=str(tmp_path / "db.sqlite"),
                        plan=plan, retry_interval=0.01, force=True, **settings)
        return asyncio.run(start_run(s, agents=timeline.agents()))

    return _run
