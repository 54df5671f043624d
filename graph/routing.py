"""Routers: pure functions of the state that say where the run goes next (no LangGraph import)."""

from __future__ import annotations

import re
from typing import Any

from autodevos.agents.review.findings import Finding, Rounds, feedback_for
from autodevos.domain.dag import TERMINAL, Plan, dependants
from autodevos.graph.plans import plan_key


def tasks_to_dispatch(state: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(agent node, task input) for every planned task that has not ended yet.

    All of them go out in one step; each task node then waits for its own dependencies, so a
    task starts as soon as they are done instead of at the next step barrier.
    """
    plan = state.get("plan") or {}
    records = state.get("tasks", {})
    feedback = state.get("feedback") or {}
    key = plan_key(plan) if plan else ""
    out = []
    for task in plan.get("tasks", []):
        if records.get(task["id"], {}).get("status") not in TERMINAL:
            out.append((task["agent"], _payload(key, task, records, feedback, state.get("trusted"))))
    return out


def _payload(key: str, task: dict[str, Any], records: dict[str, Any], feedback: dict[str, Any],
             trusted: list[str] | None = None) -> dict[str, Any]:
    """What one task node is sent: its task's id, the key of the plan it belongs to, and why it runs
    again with the paths it wrote last time (if it does). Never the plan or the spec: LangGraph
    stores every Send in the checkpoint tables, so the bytes per task must not grow with the plan."""
    payload: dict[str, Any] = {"task_id": task["id"], "plan_key": key}
    again = feedback.get(task["id"])
    if again:
        payload["feedback"] = again
        payload["previous"] = list((records.get(task["id"]) or {}).get("files") or [])
    if trusted and task["agent"] == "verify":
        payload["trusted"] = list(trusted)
    return payload


def packages_to_approve(state: dict[str, Any]) -> tuple[str, dict[str, str]] | None:
    """After verify refused model-written package files: (verify task id, path -> SHA-256 of the
    files a person is asked to approve), or None (nothing refused, or this very set was already
    answered with a reject, which goes to the repair instead)."""
    records = state.get("tasks") or {}
    for task in (state.get("plan") or {}).get("tasks", []):
        rec = records.get(task["id"]) or {}
        if task["agent"] != "verify" or rec.get("status") != "failed":
            continue
        for step in rec.get("report") or []:
            if step.get("step") == "packages" and not step.get("ok") and step.get("trust"):
                asked = dict(step["trust"])
                answered = [d for d in state.get("decisions") or [] if d.get("gate") == "packages" and d.get("files") == asked]
                return None if answered else (task["id"], asked)
    return None


def plan_repair(state: dict[str, Any], max_repairs: int) -> tuple[str, set[str], str] | None:
    """After a failed verify: (owner task, tasks to run again, feedback), or None when no repair is due.

    The owner is the task that wrote the files the failing step names; failing that, the task
    with the most files in the failing package. It runs again with the error as input, and so do
    the tasks after it (tests, verify, docs).
    """
    if state.get("repairs", 0) >= max_repairs or not state.get("plan"):
        return None
    plan = Plan.model_validate(state["plan"])
    records = state.get("tasks", {})
    failed = [t for t in plan.tasks if t.agent == "verify" and records.get(t.id, {}).get("status") == "failed"]
    if not failed:
        return None
    verify_task = failed[0]
    report = records[verify_task.id].get("report") or []
    bad = [s for s in report if not s.get("ok") and not s.get("skipped")]
    if not bad:
        return None
    owners = {p: tid for tid, rec in records.items() if tid != verify_task.id for p in rec.get("files", [])}
    owner = next((t.id for t in plan.tasks if t.agent == bad[0].get("owner")), None)  # the step names its owner
    for step in bad if owner is None else []:
        for path in _paths(step):
            if path in owners:
                owner = owners[path]
                break
        if owner:
            break
    if owner is None:
        package = bad[0].get("package", "")
        counts = {tid: sum(1 for p in rec.get("files", []) if p.startswith(package + "/")) for tid, rec in records.items()}
        owner = max(counts, key=lambda t: counts[t]) if counts and max(counts.values()) else None
    if owner is None:
        return None
    step = bad[0]
    what = step.get("step") if step.get("step") in ("packages", "hadolint", "rules", "schemathesis", "axe") else f"npm run {step.get('step')}"
    text = (f"verify step `{what}` in {step.get('package')}/ failed "
            f"(repair {state.get('repairs', 0) + 1} of {max_repairs}):\n{(step.get('output') or '')[-2000:]}")
    return owner, {owner, verify_task.id} | dependants(plan, owner), text


def plan_review_repair(state: dict[str, Any], max_repairs: int) -> tuple[str, dict[str, str], set[str], str] | None:
    """After a review sent blocking findings back: (review task, owner task -> the findings as its
    feedback, tasks to run again, a note), or None when no review did.

    The review decided which findings go back (agents/review: only while a round is left); this
    routes them: each owner runs again with its findings, and so do the tasks after it (the
    review, its tests, verify, docs). `max_repairs` bounds it again: a report claiming more
    rounds than the run allows sends nothing."""
    plan_data = state.get("plan")
    if not plan_data:
        return None
    plan = Plan.model_validate(plan_data)
    records = state.get("tasks", {})
    ids = {t.id for t in plan.tasks}
    for task in plan.tasks:
        rec = records.get(task.id) or {}
        report = rec.get("report")
        review = report.get("review") if isinstance(report, dict) else None
        if rec.get("status") != "failed" or not isinstance(review, dict):
            continue
        sent = [f for f in review.get("findings") or [] if f.get("fate") == "routed back" and f.get("owner") in ids - {task.id}]
        if not sent or int(review.get("rounds") or 0) > max_repairs:
            continue
        found = [Finding.from_dict(f) for f in sent]
        rounds = Rounds(done=int(review["rounds"]) - 1, allowed=max_repairs)
        owners = sorted({f.owner for f in found})
        feedback = {o: feedback_for(o, found, int(review.get("pass") or 1), rounds) for o in owners}
        again = {task.id, *owners}
        for owner in owners:
            again |= dependants(plan, owner)
        note = (f"code review: {len(found)} blocking finding{'s go' if len(found) != 1 else ' goes'} back to {', '.join(owners)} "
                f"(review round {rounds.done + 1} of {max_repairs})")
        return task.id, feedback, again, note
    return None


def _paths(step: dict[str, Any]) -> list[str]:
    found = re.findall(r"((?:src|tests|e2e|drizzle)/[\w./@-]+\.(?:ts|tsx|js|mjs|json|css|sql))", step.get("output") or "")
    return [f"{step.get('package')}/{p}" for p in found]


def after_plan_gate(state: dict[str, Any]) -> str:
    """Where the plan gate sends the run: back to itself, back to the planner, or on to the tasks."""
    gate = state.get("gate")
    if gate == "again":
        return "approve_plan"
    if gate == "replan":
        return "planner"
    return "step" if gate == "step" else "dispatch"


def after_step_gate(state: dict[str, Any]) -> str:
    """Step mode: run the approved task, ask about the next one, or finish."""
    current = state.get("current")
    if current and state.get("tasks", {}).get(current, {}).get("status") == "pending":
        return "dispatch_current"
    if any(r.get("status") == "pending" for r in (state.get("tasks") or {}).values()):
        return "approve_task"
    return "finish"


def current_task_payload(state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    plan = state["plan"]
    task = next(t for t in plan["tasks"] if t["id"] == state["current"])
    return task["agent"], _payload(plan_key(plan), task, state.get("tasks") or {}, state.get("feedback") or {}, state.get("trusted"))


def after_planner(state: dict[str, Any]) -> str:
    """The planner hit the model budget: a person decides; else on to the plan gate."""
    return "budget_gate" if state.get("hold") else "approve_plan"


def after_budget_gate(state: dict[str, Any]) -> str:
    """Once a person answered: stopped (reject) ends the run; else back to planning if there is no
    plan yet, or on with the tasks."""
    last = (state.get("decisions") or [{}])[-1]
    if last.get("gate") == "budget" and last.get("action") == "reject":
        return "finish" if not state.get("plan") else ("step" if state.get("gate") == "step" else "dispatch")
    if not state.get("plan"):
        return "planner"
    return "step" if state.get("gate") == "step" else "dispatch"


def plan_restore(state: dict[str, Any], max_repairs: int) -> list[str]:
    """After the last allowed repair, verify still fails: the repaired tasks, and the tasks built on
    them (their tests and docs), whose files go back to the last version known to pass (empty when
    there is nothing to restore)."""
    if state.get("restored") or state.get("repairs", 0) < max_repairs or not state.get("repaired"):
        return []
    records = state.get("tasks", {})
    plan = state.get("plan") or {}
    failed = any(t["agent"] == "verify" and (records.get(t["id"]) or {}).get("status") == "failed" for t in plan.get("tasks", []))
    if not failed:
        return []
    parsed = Plan.model_validate(plan)
    chosen = set(state["repaired"])
    for owner in state["repaired"]:
        chosen |= dependants(parsed, owner)
    return sorted(t for t in chosen if parsed.task(t).agent != "verify")
