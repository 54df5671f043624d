"""A task reads its plan from the run database by key (graph/plans.py): what a Send carries, a plan
changed at the gate, a process that starts after the plan was made, and a plan that is not there."""

from __future__ import annotations

import asyncio
import sqlite3

from autodevos.domain.dag import Plan
from autodevos.graph.plans import PLANS, plan_key
from autodevos.graph.runner import RunSettings, answer_pause, start_run
from autodevos.graph.store import close_stores
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from tests.conftest import make_plan

EDGES = {"a": [], "b": ["a"], "c": ["a"]}


class Seen:
    """A fake agent that notes the task and plan each task was given."""

    def __init__(self):
        self.tasks: dict[str, str] = {}
        self.plans: dict[str, list[str]] = {}

    async def work(self, task, spec, ws=None):
        self.tasks[task.id] = task.description
        self.plans[task.id] = [t.id for t in ws.plan.tasks]
        return {f"{task.id}.txt": f"{task.id}\n"}


def paused(tmp_path, seen: Seen):
    settings = RunSettings(request="plan by key", out_dir=str(tmp_path / "out"), db_path=str(tmp_path / "db.sqlite"),
                           plan=make_plan(EDGES), approval="plan", force=True)
    result = asyncio.run(start_run(settings, thread_id="k1", agents={"worker": seen.work}))
    assert result.status == "interrupted" and not seen.tasks
    return settings, result


def answer(settings, seen: Seen, decision):
    return asyncio.run(answer_pause("k1", settings.db_path, decision, agents={"worker": seen.work}))


def sends(db) -> list[dict]:
    serde = JsonPlusSerializer()
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT type, value FROM writes WHERE channel = '__pregel_tasks'").fetchall()
    return [serde.loads_typed((kind, value)).arg for kind, value in rows]


def test_a_send_carries_the_task_id_and_the_plan_key_only(tmp_path):
    seen = Seen()
    settings, first = paused(tmp_path, seen)
    done = answer(settings, seen, {"action": "approve"})
    assert done.ok and set(seen.tasks) == set(EDGES)
    task_sends = [s for s in sends(settings.db_path) if "task_id" in s]
    assert sorted(s["task_id"] for s in task_sends) == ["a", "b", "c"]
    assert all(set(s) == {"task_id", "plan_key"} and s["plan_key"] == plan_key(done.plan) for s in task_sends)


def test_tasks_run_the_plan_edited_at_the_gate(tmp_path):
    seen = Seen()
    settings, first = paused(tmp_path, seen)
    edited = Plan.model_validate(first.plan)
    edited.tasks[1].description = "b, as edited"
    edited.tasks.append(edited.tasks[2].model_copy(update={"id": "d", "depends_on": ["b", "c"]}))
    again = answer(settings, seen, {"action": "edit", "plan": edited.model_dump()})
    assert again.status == "interrupted"  # an edited plan is shown again
    done = answer(settings, seen, {"action": "approve"})
    assert done.ok
    assert seen.tasks["b"] == "b, as edited" and set(seen.tasks) == {"a", "b", "c", "d"}
    assert all(plan == ["a", "b", "c", "d"] for plan in seen.plans.values())


def test_a_new_process_reads_the_plan_from_the_run_database(tmp_path):
    seen = Seen()
    settings, _ = paused(tmp_path, seen)
    PLANS.clear()  # as after a crash: nothing of this run is left in memory
    close_stores()
    done = answer(settings, seen, {"action": "approve"})
    assert done.ok and set(seen.tasks) == set(EDGES)


def test_a_plan_missing_from_the_database_fails_its_tasks_with_the_reason(tmp_path):
    seen = Seen()
    settings, first = paused(tmp_path, seen)
    with sqlite3.connect(settings.db_path) as conn:
        conn.execute("DELETE FROM adv_blobs WHERE hash = ?", (plan_key(first.plan),))
    PLANS.clear()
    close_stores()
    done = answer(settings, seen, {"action": "approve"})
    assert not done.ok and not seen.tasks
    assert {r["status"] for r in done.tasks.values()} == {"failed"}
    assert "is not in the run database" in done.tasks["a"]["error"]
