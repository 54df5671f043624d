"""The graph's nodes: planner, one task node per agent, finish. Each takes state, returns an update.

A task node owns the bookkeeping every agent shares: it waits for its own dependencies, skips
when one of them did not complete, records the attempt in the ledger, runs the agent's work,
writes the files (checked, atomic) and records the result. The agent's work is a plain async
function of (task, spec) -> files; that is where the agents differ.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import ValidationError

from agents import planner as planner_agent
from agents.codegen import AgentResult, AgentWork, Workspace
from agents.files import FileSet, UnsafePathError
from agents.llm import chat_model
from graph.dag import TERMINAL, Plan, PlanError, Task, blocked_by, default_plan, next_step_task, validate_plan
from graph.output import place_files
from graph.routing import plan_repair
from graph.scheduler import COORDINATORS, Coordinator
from graph.spec import AppSpec
from graph.state import Context, State, TaskInput
from graph.store import RunStore, TaskRecord, open_store


class PermanentTaskError(RuntimeError):
    """A failure that a retry cannot mend (bad paths from the agent, bad input)."""


def _thread(runtime: Runtime[Context]) -> str:
    info = runtime.execution_info
    return (info.thread_id if info else None) or "no-thread"


def make_planner(agents: tuple[str, ...]):
    """The planner node for a graph whose task nodes are `agents`."""

    async def planner(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
        ctx = runtime.context or Context()
        model = await asyncio.to_thread(chat_model, ctx.model, ctx.base_url)
        feedback = (state.get("feedback") or {}).get("planner")
        if state.get("plan") and feedback:  # the plan was rejected at the gate with feedback
            spec, applied = planner_agent.apply_feedback(AppSpec.model_validate(state["plan"]["spec"]), feedback)
            plan, notes = default_plan(spec), applied
        elif state.get("plan"):  # a plan given as input (hand-written, edited, benchmark) is checked, not replaced
            plan, notes = validate_plan(Plan.model_validate(state["plan"]), agents), ["plan given as input"]
        elif model is None:
            plan, notes = await asyncio.to_thread(planner_agent.offline_plan, state["request"], state.get("spec_override"))
        else:
            plan, notes = await planner_agent.model_plan(state["request"], model, state.get("spec_override"), agents)
        if not state.get("plan") or feedback:
            plan, more = await asyncio.to_thread(planner_agent.place_verify, plan, ctx.verify and "verify" in agents)
            notes = [*notes, *more]
        store = await _store(ctx)
        await asyncio.to_thread(store.update_run, _thread(runtime), plan=plan.model_dump_json())
        return {"plan": plan.model_dump(), "planner_notes": notes, "tasks": _pending(plan, state), "gate": "",
                "feedback": {"planner": None}}

    return planner


def _pending(plan: Plan, state: State) -> dict[str, Any]:
    """Task records for a new plan: every task pending, tasks of an older plan removed."""
    records: dict[str, Any] = {t.id: {"agent": t.agent, "status": "pending", "attempts": 0} for t in plan.tasks}
    for old in state.get("tasks") or {}:
        if old not in records:
            records[old] = None
    return records


def make_plan_gate(agents: tuple[str, ...]):
    """The plan approval gate: a person approves, edits or rejects the plan before any task runs."""

    async def approve_plan(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
        ctx = runtime.context or Context()
        go_on = "step" if ctx.approval == "step" else "approved"
        if ctx.approval == "none":
            return {"gate": go_on}
        answer = interrupt({"kind": "plan", "plan": state["plan"], "notes": state.get("planner_notes", [])[-6:]})
        decision = planner_agent.read_decision(answer)
        record = {"gate": "plan", "action": decision["action"], "who": decision.get("who") or "user",
                  "when": time.time(), "feedback": decision.get("feedback")}
        if decision["action"] == "approve":
            return {"gate": go_on, "decisions": [record]}
        if decision["action"] == "reject":
            return {"gate": "replan", "feedback": {"planner": decision.get("feedback") or ""}, "decisions": [record]}
        try:  # edit
            plan = validate_plan(Plan.model_validate(decision.get("plan")), agents)
        except (PlanError, ValidationError) as exc:
            record["refused"] = _first_line(exc)
            return {"gate": "again", "decisions": [record]}
        store = await _store(ctx)
        await asyncio.to_thread(store.update_run, _thread(runtime), plan=plan.model_dump_json())
        return {"gate": "again", "plan": plan.model_dump(), "tasks": _pending(plan, state), "decisions": [record]}

    return approve_plan


def _first_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return str(exc).splitlines()[0]


async def _coordinator(store: RunStore, thread: str, runtime: Runtime[Context], ctx: Context) -> Coordinator:
    step = runtime.execution_info.checkpoint_id if runtime.execution_info else ""
    key = (str(store.path), thread, step)

    async def load() -> Coordinator:
        known = await asyncio.to_thread(store.task_records, thread)
        done = {tid: rec.status for tid, rec in known.items() if rec.status in TERMINAL}
        return Coordinator(done, ctx.max_parallel, known)

    return await COORDINATORS.get(key, load)


async def _store(ctx: Context) -> RunStore:
    """The run database, opened off the event loop (opening may create folders and tables)."""
    return await asyncio.to_thread(open_store, ctx.db_path)


def _update(rec: TaskRecord) -> dict[str, Any]:
    return {"tasks": {rec.task_id: rec.as_state()}, "files": dict(rec.files)}


def make_task_node(agent: str, work: AgentWork, max_attempts: int):
    """A node that runs the tasks owned by `agent` (one Send per task)."""

    async def task_node(inp: TaskInput, runtime: Runtime[Context]) -> dict[str, Any]:
        ctx = runtime.context or Context()
        task = Task.model_validate(inp["task"])
        thread = _thread(runtime)
        store = await _store(ctx)
        co = await _coordinator(store, thread, runtime, ctx)

        known: TaskRecord | None = co.known.get(task.id)
        if known is not None and known.status in TERMINAL:
            co.finished(task.id, known.status)  # it ended before a crash: do not run it again
            return _update(known)

        await co.wait_for(task.depends_on)
        culprit = blocked_by(task, co.status)
        if culprit is not None or co.stop_reason is not None:
            why = f"dependency {culprit!r} did not complete" if culprit else co.stop_reason
            rec = TaskRecord(task.id, agent, "skipped", attempts=known.attempts if known else 0, error=why)
            await store.write(store.mark_finished(thread, rec))
            co.finished(task.id, rec.status)
            return _update(rec)

        async with co.slot():
            attempts = (co.known[task.id].attempts if task.id in co.known else 0) + 1
            co.known[task.id] = rec = TaskRecord(task.id, agent, "running", attempts=attempts, started=time.time())
            store.submit(store.mark_started(thread, task.id, agent, rec.started))  # ordered before the finish write
            runtime.stream_writer({"kind": "task", "task_id": task.id, "agent": agent, "status": "running", "attempts": rec.attempts})
            t0 = time.monotonic()
            try:
                if ctx.task_delay:
                    await asyncio.sleep(ctx.task_delay)
                ws = Workspace(Path(ctx.out_dir), inp.get("feedback"), ctx.browser)
                out = await work(task, AppSpec.model_validate(inp["spec"]), ws)
                if isinstance(out, AgentResult):
                    out, rec.report = out.files, out.report
                files = FileSet(out)
                if files:
                    rec.files, put = store.blob_rows(dict(files))
                    store.submit(put)  # committed before the write intents below
                    placed, commit = await place_files(store, Path(ctx.out_dir), thread, dict(files))
                    store.submit(commit)  # committed with or before the finish write
                    if placed:
                        rec.report = {**(rec.report if isinstance(rec.report, dict) else {}), "merge": placed}
                rec.status, rec.error = "completed", None
            except Exception as exc:
                attempt = runtime.execution_info.node_attempt if runtime.execution_info else max_attempts
                permanent = isinstance(exc, (PermanentTaskError, UnsafePathError)) or getattr(exc, "permanent", False)
                if attempt < max_attempts and not permanent:
                    raise  # LangGraph's RetryPolicy runs the node again after a backoff
                rec.status, rec.error = "failed", f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
                rec.files, rec.report = {}, getattr(exc, "report", rec.report)
                if ctx.fail_fast:
                    co.stop(f"--fail-fast: task {task.id!r} failed")
            rec.finished = time.time()
            rec.duration = round(time.monotonic() - t0, 4)
            await store.write(store.mark_finished(thread, rec))
        co.finished(task.id, rec.status)
        return _update(rec)

    task_node.__name__ = f"{agent}_node"
    return task_node


def _record(gate: str, decision: dict[str, Any], task_id: str | None = None) -> dict[str, Any]:
    rec = {"gate": gate, "action": decision["action"], "who": decision.get("who") or "user", "when": time.time(),
           "feedback": decision.get("feedback")}
    if task_id:
        rec["task"] = task_id
    return rec


async def approve_task(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Step mode: ask before the next task runs (approve, skip, or quit and resume later)."""
    plan = Plan.model_validate(state["plan"])
    status = {tid: r["status"] for tid, r in (state.get("tasks") or {}).items()}
    task_id, culprit = next_step_task(plan, status)
    if task_id is None:
        return {"current": None}
    if culprit is None:
        task = plan.task(task_id)
        answer = interrupt({"kind": "task", "task": task.model_dump(),
                            "inputs": {d: (state["tasks"].get(d) or {}).get("files", []) for d in task.depends_on}})
        decision = planner_agent.read_decision(answer)
        if decision["action"] != "skip":
            return {"current": task_id, "decisions": [_record("task", decision, task_id)]}
        why, decisions = "skipped by a person", [_record("task", decision, task_id)]
    else:
        why, decisions = f"dependency {culprit!r} did not complete", []
    ctx = runtime.context or Context()
    rec = TaskRecord(task_id, plan.task(task_id).agent, "skipped", error=why)
    store = await _store(ctx)
    await store.write(store.mark_finished(_thread(runtime), rec))
    return {"current": None, "tasks": {task_id: rec.as_state()}, "decisions": decisions}


async def review(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """After tasks ran. Step mode: a person approves the task's files or rejects them with feedback.
    Otherwise: send a failed verify back to the agent that owns the failing files."""
    ctx = runtime.context or Context()
    current = state.get("current")
    if ctx.approval == "step" and current:
        rec = state["tasks"][current]
        answer = interrupt({"kind": "result", "task": current, "status": rec["status"], "error": rec.get("error"),
                            "files": rec.get("files", []), "out_dir": ctx.out_dir})
        decision = planner_agent.read_decision(answer)
        record = _record("result", decision, current)
        if decision["action"] == "reject":
            store = await _store(ctx)
            await store.write(store.mark_pending(_thread(runtime), [current]))
            return {"tasks": {current: {**rec, "status": "pending"}}, "feedback": {current: decision.get("feedback") or ""},
                    "decisions": [record]}
        return {"current": None, "feedback": {current: None}, "decisions": [record]}
    repair = plan_repair(state, ctx.max_repairs)
    if repair is None:
        return {}
    owner, again, text = repair
    store = await _store(ctx)
    await store.write(store.mark_pending(_thread(runtime), sorted(again)))
    tasks = {tid: {**state["tasks"][tid], "status": "pending"} for tid in again}
    return {"tasks": tasks, "feedback": {owner: text}, "repairs": state.get("repairs", 0) + 1,
            "planner_notes": [f"verify failed: task {owner!r} runs again with the error (repair {state.get('repairs', 0) + 1})"]}


async def finish(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context or Context()
    thread = _thread(runtime)
    tasks = state.get("tasks", {})
    counts: dict[str, int] = {}
    for rec in tasks.values():
        counts[rec["status"]] = counts.get(rec["status"], 0) + 1
    ok = bool(tasks) and all(rec["status"] == "completed" for rec in tasks.values())
    outcome = {"status": "completed" if ok else "failed", "counts": counts, "files": len(state.get("files", {}))}
    store = await _store(ctx)
    await asyncio.to_thread(store.update_run, thread, status=outcome["status"])
    COORDINATORS.drop((str(store.path), thread))
    return {"outcome": outcome}
