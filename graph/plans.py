"""The plan a task works from: kept once in the run database, read once per process.

LangGraph writes every `Send` into its checkpoint tables, so whatever a Send carries is stored
once per task; a plan in each Send made the database grow with the square of the plan. A Send
therefore carries only its task's id and the plan's key, the SHA-256 of the plan's canonical
JSON. Whoever puts a plan into the state keeps it in the run database first (`keep_plan`: the
planner, the plan gate's edit, a fork); a task node reads it by key (`PLANS.get`), parsed once per
process. The key names the content, so a plan changed by improve, a rejection or an edit has a
new key, and a process that resumes after a crash reads the same plan from the database.

No LangGraph import.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from autodevos.agents.db import content_hash
from autodevos.domain.dag import Plan, Task


def plan_json(plan: dict[str, Any]) -> str:
    """The plan's canonical JSON (sorted keys, no spaces): the same text for the same plan."""
    return json.dumps(plan, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def plan_key(plan: dict[str, Any]) -> str:
    """The key a Send names its plan by."""
    return content_hash(plan_json(plan))


class PlanMissing(LookupError):
    """A Send names a plan the run database does not hold."""


@dataclass(frozen=True)
class TaskPlan:
    """A parsed plan and its tasks by id (shared by every task of the plan in this process: read only)."""

    plan: Plan
    tasks: dict[str, Task]

    def task(self, task_id: str) -> Task:
        try:
            return self.tasks[task_id]
        except KeyError:
            raise PlanMissing(f"the plan has no task {task_id!r}") from None


async def keep_plan(store: Any, thread: str, plan: Plan) -> dict[str, Any]:
    """Keep plan in the run database (by its key, and as the run's plan); return it as state data."""
    data = plan.model_dump()
    text = plan_json(data)
    manifest, put = store.blob_rows({"plan.json": text})
    await store.write(put)  # committed before the state that names it is checkpointed
    await asyncio.to_thread(store.update_run, thread, plan=text)
    PLANS.put(store, manifest["plan.json"], Plan.model_validate(data))  # this process's tasks need not read it back
    return data


class PlanCache:
    """Parsed plans by (run database, key); the last few are kept, each loaded once per process."""

    def __init__(self, size: int = 8):
        self._size = size
        self._done: OrderedDict[tuple[str, str], TaskPlan] = OrderedDict()
        self._loading: dict[tuple[str, str], asyncio.Future[TaskPlan]] = {}

    async def get(self, store: Any, key: str) -> TaskPlan:
        where = (str(store.path), key)
        found = self._done.get(where)
        if found is not None:
            self._done.move_to_end(where)
            return found
        loop = asyncio.get_running_loop()
        fut = self._loading.get(where)
        if fut is not None and fut.get_loop() is loop:  # another task of this step is loading it
            return await fut
        fut = self._loading[where] = loop.create_future()
        try:
            loaded = await asyncio.to_thread(_load, store, key)
        except BaseException as exc:
            self._loading.pop(where, None)
            fut.set_exception(exc)
            fut.exception()  # retrieved: waiting tasks get it, nobody else must
            raise
        self._done[where] = loaded
        while len(self._done) > self._size:
            self._done.popitem(last=False)
        self._loading.pop(where, None)
        fut.set_result(loaded)
        return loaded

    def put(self, store: Any, key: str, plan: Plan) -> None:
        """Keep a plan just written under key (the same content a load would parse)."""
        self._done[(str(store.path), key)] = TaskPlan(plan, {t.id: t for t in plan.tasks})
        self._done.move_to_end((str(store.path), key))
        while len(self._done) > self._size:
            self._done.popitem(last=False)

    def clear(self) -> None:
        self._done.clear()
        self._loading.clear()


def _load(store: Any, key: str) -> TaskPlan:
    try:
        text = store.get_blob(key)
    except KeyError:
        raise PlanMissing(f"plan {key[:12]} is not in the run database {store.path} (a plan reaches the tasks "
                          "through the planner, the plan gate or a fork, which keep it there)") from None
    plan = Plan.model_validate_json(text)
    return TaskPlan(plan, {t.id: t for t in plan.tasks})


PLANS = PlanCache()
"""This process's parsed plans."""
