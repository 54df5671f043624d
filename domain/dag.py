"""The plan: a spec plus a DAG of tasks. Validation, default plan, scheduling facts.

Pure: no LangGraph import, no I/O. Everything here is unit-tested directly.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from typing import Any, Literal

from autodevos.domain.spec import AppSpec
from pydantic import BaseModel, ConfigDict, Field

TaskStatus = Literal["pending", "running", "completed", "failed", "skipped"]
TERMINAL: frozenset[str] = frozenset({"completed", "failed", "skipped"})


class PlanError(ValueError):
    """A plan that cannot run; the message names the culprit."""


class Task(BaseModel):
    """One unit of work for one agent."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    agent: str
    description: str = ""
    depends_on: list[str] = Field(default_factory=list)


class Plan(BaseModel):
    """The app spec and the DAG of tasks that builds it."""

    model_config = ConfigDict(extra="forbid")

    spec: AppSpec
    tasks: list[Task]

    def task(self, task_id: str) -> Task:
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise KeyError(task_id)


@dataclass(frozen=True)
class Slot:
    """Where one agent's task sits in the default plan. Plain data: the agent registry
    (agents.registry) hands the layout down; the domain knows no agent by name."""

    agent: str
    """The agent (the task's id is the agent's name)."""
    after: tuple[str, ...] = ()
    """Agents whose planned tasks this task depends on (an agent the spec leaves out is passed over)."""
    when: str | None = None
    """A boolean field of the spec: the task is planned only when it is true (None: always)."""
    describe: Callable[[AppSpec], str] | str = ""
    """The task's description, or how to write it from the spec."""
    reads: tuple[str, ...] | None = None
    """The parts of the spec the agent's files depend on (None: all of it): an improve runs the task again when they change."""


Layout = Sequence[Slot]
"""The default plan's agents, each after the agents it follows."""


def validate_plan(plan: Plan, agents: Collection[str]) -> Plan:
    """Raise PlanError naming the first culprit; return the plan unchanged when it is sound.

    `agents`: the names a task may be owned by (each is a node of the graph)."""
    if not plan.tasks:
        raise PlanError("the plan has no tasks")
    ids: set[str] = set()
    for t in plan.tasks:
        if t.id in ids:
            raise PlanError(f"duplicate task id {t.id!r}")
        ids.add(t.id)
    for t in plan.tasks:
        if t.agent not in agents:
            raise PlanError(f"task {t.id!r} is owned by unknown agent {t.agent!r} (known: {', '.join(agents)})")
        for dep in t.depends_on:
            if dep not in ids:
                raise PlanError(f"task {t.id!r} depends on unknown task {dep!r}")
            if dep == t.id:
                raise PlanError(f"task {t.id!r} depends on itself")
        if len(set(t.depends_on)) != len(t.depends_on):
            raise PlanError(f"task {t.id!r} lists a dependency twice")
    if not _acyclic(plan.tasks):
        try:
            topological_order(plan)  # graphlib names the cycle
        except CycleError as exc:
            cycle = exc.args[1]
            raise PlanError(f"the plan has a cycle: {' -> '.join(reversed(cycle))}") from None
    return plan


def _acyclic(tasks: Sequence[Task]) -> bool:
    """Whether every task can be ordered after its dependencies (Kahn's algorithm; ids unique and
    dependencies known). A quarter of graphlib's time, which a plan pays twice per run."""
    waiting = {t.id: len(t.depends_on) for t in tasks}
    children: dict[str, list[str]] = {t.id: [] for t in tasks}
    for t in tasks:
        for dep in t.depends_on:
            children[dep].append(t.id)
    ready = [tid for tid, n in waiting.items() if n == 0]
    placed = 0
    while ready:
        placed += 1
        for child in children[ready.pop()]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    return placed == len(waiting)


def topological_order(plan: Plan) -> list[str]:
    """Task ids in an order where every task follows its dependencies (raises CycleError)."""
    sorter = TopologicalSorter({t.id: t.depends_on for t in plan.tasks})
    return list(sorter.static_order())


def default_plan(spec: AppSpec, layout: Layout) -> Plan:
    """One task per agent of the layout whose condition the spec meets, each after the planned
    tasks of the agents it follows (built in: planner -> {backend, frontend, devops};
    {backend, frontend} -> tests -> docs, minus what the spec leaves out).

    The planner adds a verify task after it (agents.planner.place_verify) when verify is on.
    """
    tasks: list[Task] = []
    planned: set[str] = set()
    for slot in layout:
        if slot.when is not None and not getattr(spec, slot.when):
            continue
        text = slot.describe(spec) if callable(slot.describe) else slot.describe
        tasks.append(Task(id=slot.agent, agent=slot.agent, description=text, depends_on=[a for a in slot.after if a in planned]))
        planned.add(slot.agent)
    return validate_plan(Plan(spec=spec, tasks=tasks), [s.agent for s in layout])


def _reads(slot: Slot | None, spec: AppSpec) -> dict[str, Any]:
    data = spec.model_dump()
    keys = slot.reads if slot is not None else None
    return data if keys is None else {k: data[k] for k in keys}


def improvement_plan(old: Plan, spec: AppSpec, layout: Layout, checks: Collection[str] = ("verify",)) -> tuple[Plan, list[str]]:
    """The tasks a change of the spec touches: those whose part of the spec changed or that are
    new; their dependencies on untouched tasks are dropped (those tasks' files stay as they are).
    `checks`: the agents the planner places after the layout's (verify, a review): never 'no longer planned'."""
    full = default_plan(spec, layout)
    slots = {s.agent: s for s in layout}
    before = {t.id: t for t in default_plan(old.spec, layout).tasks} | {t.id: t for t in old.tasks}  # an improve's plan holds only what it ran
    touched = [t for t in full.tasks if t.id not in before or _reads(slots.get(t.agent), old.spec) != _reads(slots.get(t.agent), spec)]
    ids = {t.id for t in touched}
    tasks = [t.model_copy(update={"depends_on": [d for d in t.depends_on if d in ids]}) for t in touched]
    left = sorted(t.id for t in full.tasks if t.id not in ids and t.id in before)
    gone = sorted(t for t in before if t not in {x.id for x in full.tasks} and before[t].agent not in checks)
    notes = [f"improve: runs {', '.join(t.id for t in tasks) or 'no task'}" + (f"; unchanged: {', '.join(left)}" if left else "")]
    if gone:
        notes.append(f"improve: no longer planned: {', '.join(gone)} (their files are left in place)")
    return Plan(spec=spec, tasks=tasks), notes


def ready_tasks(plan: Plan, status: dict[str, str]) -> list[str]:
    """Pending tasks whose dependencies have all completed, in plan order."""
    return [
        t.id
        for t in plan.tasks
        if status.get(t.id, "pending") == "pending" and all(status.get(d) == "completed" for d in t.depends_on)
    ]


def blocked_by(task: Task, status: dict[str, str], waived: Collection[str] = ()) -> str | None:
    """The first dependency that ended without completing, if any (the task must be skipped).

    `waived`: tasks whose skip holds nothing up (a review: nothing after it needs its files); a
    failure of theirs still does."""
    for dep in task.depends_on:
        if status.get(dep) == "failed" or (status.get(dep) == "skipped" and dep not in waived):
            return dep
    return None


def dependants(plan: Plan, task_id: str) -> set[str]:
    """Every task that depends on task_id, directly or through others."""
    children: dict[str, list[str]] = {t.id: [] for t in plan.tasks}
    for t in plan.tasks:
        for d in t.depends_on:
            children[d].append(t.id)
    out: set[str] = set()
    stack = list(children.get(task_id, []))
    while stack:
        n = stack.pop()
        if n not in out:
            out.add(n)
            stack.extend(children[n])
    return out


def critical_path(plan: Plan, durations: dict[str, float]) -> float:
    """Length of the longest chain of dependent tasks, by their durations."""
    finish: dict[str, float] = {}
    by_id = {t.id: t for t in plan.tasks}
    for tid in topological_order(plan):
        start = max((finish[d] for d in by_id[tid].depends_on), default=0.0)
        finish[tid] = start + durations.get(tid, 0.0)
    return max(finish.values(), default=0.0)


def next_step_task(plan: Plan, status: dict[str, str], waived: Collection[str] = ()) -> tuple[str | None, str | None]:
    """Step mode: (the next pending task in dependency order, the dependency that blocks it, if any).
    `waived`: as for blocked_by."""
    by_id = {t.id: t for t in plan.tasks}
    for tid in topological_order(plan):
        if status.get(tid, "pending") != "pending":
            continue
        task = by_id[tid]
        culprit = blocked_by(task, status, waived)
        if culprit is not None or all(status.get(d) == "completed" or (d in waived and status.get(d) == "skipped")
                                      for d in task.depends_on):
            return tid, culprit
    return None, None
