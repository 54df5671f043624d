"""Read-only views of runs for the CLI: run lists, one run's tasks, checkpoints, JSON results."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict
from typing import Any

from autodevos.agents.calls import call_totals
from autodevos.agents.review.report import findings_of
from autodevos.agents.understanding import understood
from autodevos.domain.spec import AppSpec
from autodevos.graph.runner import RunError, RunResult, stored_settings
from autodevos.graph.session import open_graph
from autodevos.graph.store import StoreError, open_store, project_of


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else ""


def _store(db_path: str):
    try:
        return open_store(db_path)
    except StoreError as exc:
        raise RunError(str(exc)) from None


def list_runs(db_path: str, project: str | None = None) -> list[dict[str, Any]]:
    """The newest runs (of one project when given)."""
    return [
        {"thread_id": r["thread_id"], "project": project_of(r), "status": r["status"], "created": _when(r["created"]),
         "request": r["request"] or "", "out_dir": r["out_dir"]}
        for r in _store(db_path).list_runs(project=project)
    ]


def list_projects(db_path: str) -> list[dict[str, Any]]:
    """One row per project in the run database, the most recently active first: its last run (thread,
    status, folder, when it last changed) and how many runs it has."""
    found: dict[str, dict[str, Any]] = {}
    for r in _store(db_path).list_runs(limit=None):  # newest first: the first row of a project is its last run
        name = project_of(r)
        if not name:
            continue  # a run with no folder (started in Studio): no project to list it under
        if name in found:
            found[name]["runs"] += 1
            continue
        found[name] = {"project": name, "runs": 1, "last_run": r["thread_id"], "status": r["status"],
                       "out_dir": r["out_dir"], "request": r["request"] or "", "updated": _when(r["updated"] or r["created"]),
                       "_at": r["updated"] or r["created"] or 0}
    rows = sorted(found.values(), key=lambda p: p["_at"], reverse=True)
    return [{k: v for k, v in p.items() if k != "_at"} for p in rows]


async def run_info(db_path: str, thread_id: str) -> dict[str, Any]:
    """One run: its row, the ledger's view of each planned task, and the decisions and notes in its state."""
    info = _ledger_info(db_path, thread_id)
    settings = await stored_settings(thread_id, db_path)
    async with open_graph(settings) as graph:
        snap = await graph.aget_state({"configurable": {"thread_id": thread_id}})
    values = snap.values or {}
    info["decisions"] = values.get("decisions", [])
    info["notes"] = values.get("planner_notes", []) or info["notes"]
    info["waiting"] = [i.value.get("kind") for i in snap.interrupts if isinstance(i.value, dict)]
    totals = await asyncio.to_thread(call_totals, db_path, thread_id)
    info["usage"] = {"run": asdict(totals.run), "tasks": {tid: asdict(u) for tid, u in sorted(totals.tasks.items())}}
    info["written_by"] = written_by(info["tasks"])
    info["review"] = findings_of(info["tasks"])
    return info


def _ledger_info(db_path: str, thread_id: str) -> dict[str, Any]:
    store = _store(db_path)
    row = store.get_run(thread_id)
    if row is None:
        raise RunError(f"no run with thread id {thread_id!r} in {db_path}")
    plan = json.loads(row["plan"]) if row["plan"] else None
    ledger = store.task_records(thread_id)
    tasks: dict[str, dict[str, Any]] = {}
    for task in (plan or {}).get("tasks", []):
        rec = ledger.get(task["id"])
        tasks[task["id"]] = rec.as_state() if rec else {"agent": task["agent"], "status": "pending", "attempts": 0}
    notes = [f"assumed: {a}" for a in (plan or {}).get("spec", {}).get("assumptions", [])]
    return {"thread_id": thread_id, "status": row["status"], "request": row["request"] or "", "out_dir": row["out_dir"],
            "created": _when(row["created"]), "tasks": tasks, "notes": notes}


async def checkpoints(db_path: str, thread_id: str, checkpointer: str | None = None) -> list[dict[str, Any]]:
    settings = await stored_settings(thread_id, db_path, checkpointer)
    config = {"configurable": {"thread_id": thread_id}}
    rows = []
    async with open_graph(settings) as graph:
        async for snap in graph.aget_state_history(config):
            meta = snap.metadata or {}
            tasks = (snap.values or {}).get("tasks", {})
            rows.append({
                "checkpoint_id": snap.config["configurable"]["checkpoint_id"],
                "step": meta.get("step"),
                "source": meta.get("source", ""),
                "next": sorted(set(snap.next)),
                "created_at": (snap.created_at or "")[:19].replace("T", " "),
                "tasks_done": sum(1 for r in tasks.values() if r.get("status") == "completed"),
            })
    return rows


OUTCOMES = {"model": "written by the model", "repaired": "repaired by the model after a failed verify",
            "baseline": "the offline baseline (the model's answers were not usable)"}
"""Where a model task's files came from (codegen.coder's report), as the summary says it."""


def written_by(tasks: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """For each task a model worked on: {"outcome": model | repaired | baseline, "reason": why (baseline)}."""
    found: dict[str, dict[str, str]] = {}
    for tid, rec in tasks.items():
        report = (rec or {}).get("report")
        model = report.get("model") if isinstance(report, dict) else None
        if isinstance(model, dict) and model.get("outcome") in OUTCOMES:
            found[tid] = {"outcome": model["outcome"], **({"reason": model["reason"]} if model.get("reason") else {})}
    return found


def from_baseline(tasks: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Task id -> why it kept the offline baseline instead of the model's files."""
    return {tid: w.get("reason", "") for tid, w in written_by(tasks).items() if w["outcome"] == "baseline"}


def rule_results(tasks: dict[str, dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Verify's result per spec rule ({text, status, test}), or None when no verify checked them."""
    for rec in tasks.values():
        report = rec.get("report")
        if isinstance(report, list):
            for step in report:
                if isinstance(step, dict) and step.get("step") == "rules" and step.get("rules") is not None:
                    return step["rules"]
    return None


def result_json(result: RunResult) -> dict[str, Any]:
    data = asdict(result)
    data["ok"] = result.ok
    data["merge"] = result.merge
    data["written_by"] = written_by(result.tasks)
    data["review"] = findings_of(result.tasks)
    if result.plan:
        data["understood"] = understood(AppSpec.model_validate(result.plan["spec"]), rule_results(result.tasks))
        data["rules"] = data["understood"]["rules"]
    return data
