"""Routers: pure functions of the state that say where the run goes next (no LangGraph import)."""

from __future__ import annotations

from typing import Any

from graph.dag import TERMINAL


def tasks_to_dispatch(state: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(agent node, task input) for every planned task that has not ended yet.

    All of them go out in one step; each task node then waits for its own dependencies, so a
    task starts as soon as they are done instead of at the next step barrier.
    """
    plan = state.get("plan") or {}
    records = state.get("tasks", {})
    out = []
    for task in plan.get("tasks", []):
        if records.get(task["id"], {}).get("status") not in TERMINAL:
            out.append((task["agent"], {"task": task, "spec": plan["spec"]}))
    return out
