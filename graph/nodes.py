"""The graph's nodes: planner, one task node per agent, finish. Each takes state, returns an update.

A task node owns the bookkeeping every agent shares: it waits for its own dependencies, skips
when one of them did not complete, records the attempt in the ledger, runs the agent's work,
writes the files (checked, atomic) and records the result. The agent's work is a plain async
function of (task, spec) -> files; that is where the agents differ.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from autodevos.agents import planner as planner_agent
from autodevos.agents import registry
from autodevos.agents.answers import first_error
from autodevos.agents.ask import RoleAsk, role_ask
from autodevos.agents.budget import Budget, BudgetReached
from autodevos.agents.calls import ModelCallError, call_totals
from autodevos.agents.codegen import AgentResult, AgentWork, Workspace
from autodevos.agents.files import FileSet, UnsafePathError
from autodevos.agents.llm import ModelError, parse_model
from autodevos.domain.dag import TERMINAL, Plan, PlanError, Task, blocked_by, next_step_task, validate_plan
from autodevos.domain.spec import AppSpec
from autodevos.graph.output import drop_stale, place_files, remove_if_unchanged
from autodevos.graph.plans import PLANS, PlanMissing, TaskPlan, keep_plan
from autodevos.graph.routing import packages_to_approve, plan_repair, plan_restore, plan_review_repair
from autodevos.graph.scheduler import COORDINATORS, Coordinator
from autodevos.graph.settings import Context
from autodevos.graph.state import State, TaskInput
from autodevos.graph.store import RunStore, TaskRecord, open_store, opened_store
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import ValidationError


class PermanentTaskError(RuntimeError):
    """A failure that a retry cannot mend (bad paths from the agent, bad input)."""


def asker(ctx: Context, role: str, thread: str) -> RoleAsk | None:
    """The model a role asks in this run, or None when the role runs offline."""
    model, base_url = ctx.model_for(role)
    if role not in registry.model_roles() or parse_model(model)[0].name == "offline":
        return None
    return role_ask(model, base_url, ctx.db_path, thread, cache=ctx.cache, replay=ctx.replay, timeout=ctx.call_timeout,
                    prices=ctx.prices, budget=Budget(ctx.max_tokens_total, ctx.max_cost), streaming=ctx.streaming,
                    keys=ctx.key_source())


def model_written(ctx: Context) -> bool:
    """Whether a model writes any of the app's files in this run (the planner's model writes none)."""
    return any(parse_model(ctx.model_for(role)[0])[0].name != "offline" for role in registry.renderers())


def _thread(runtime: Runtime[Context]) -> str:
    info = runtime.execution_info
    return (info.thread_id if info else None) or "no-thread"


def make_planner(agents: tuple[str, ...]):
    """The planner node for a graph whose task nodes are `agents`."""

    async def planner(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
        ctx = runtime.context or Context()
        ask = None if state.get("plan") else asker(ctx, "planner", _thread(runtime))
        feedback = (state.get("feedback") or {}).get("planner")
        if state.get("plan") and feedback:  # the plan was rejected at the gate with feedback
            spec, applied = planner_agent.apply_feedback(AppSpec.model_validate(state["plan"]["spec"]), feedback)
            plan, notes = registry.default_plan(spec), applied
        elif state.get("plan"):  # a plan given as input (hand-written, edited, benchmark) is checked, not replaced
            plan, notes = validate_plan(Plan.model_validate(state["plan"]), agents), ["plan given as input"]
        elif ask is None:
            plan, notes = await asyncio.to_thread(planner_agent.offline_plan, state["request"], state.get("spec_override"))
        else:
            try:
                plan, notes = await planner_agent.model_plan(state["request"], ask, state.get("spec_override"), agents)
            except BudgetReached as exc:  # a person raises the budget; planning then starts again (answers cached)
                return {"hold": str(exc)}
            except ModelCallError as exc:  # the server failed after its retries: plan by rules, say why
                plan, notes = await asyncio.to_thread(planner_agent.offline_plan, state["request"], state.get("spec_override"))
                notes = [f"the planner's model failed ({exc}); used the default plan", *notes]
            finally:
                await ask.aclose()
        if not state.get("plan") or feedback:
            plan, more = await asyncio.to_thread(planner_agent.place_verify, plan, ctx.verify and "verify" in agents, agents)
            notes = [*notes, *more]
        plan = planner_agent.with_request(plan, state.get("request") or "")
        store = await _store(ctx)
        kept = await keep_plan(store, _thread(runtime), plan)
        return {"plan": kept, "planner_notes": notes, "tasks": _pending(plan, state), "gate": "",
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
        kept = await keep_plan(store, _thread(runtime), plan)
        return {"gate": "again", "plan": kept, "tasks": _pending(plan, state), "decisions": [record]}

    return approve_plan


def _first_line(exc: Exception) -> str:
    return first_error(exc) if isinstance(exc, ValidationError) else str(exc).splitlines()[0]


async def _coordinator(store: RunStore, thread: str, runtime: Runtime[Context], ctx: Context) -> Coordinator:
    step = runtime.execution_info.checkpoint_id if runtime.execution_info else ""
    key = (str(store.path), thread, step)

    async def load() -> Coordinator:
        known = await asyncio.to_thread(store.task_records, thread)
        done = {tid: rec.status for tid, rec in known.items() if rec.status in TERMINAL}
        return Coordinator(done, ctx.max_parallel, known)

    return await COORDINATORS.get(key, load)


async def _store(ctx: Context) -> RunStore:
    """The run database: opened off the event loop the first time (opening may create folders and
    tables), then found at once (every task of a step asks)."""
    return opened_store(ctx.db_path) or await asyncio.to_thread(open_store, ctx.db_path)


def _update(rec: TaskRecord) -> dict[str, Any]:
    return {"tasks": {rec.task_id: rec.as_state()}, "files": dict(rec.files)}


def make_task_node(agent: str, work: AgentWork, max_attempts: int):
    """A node that runs the tasks owned by `agent` (one Send per task)."""

    async def task_node(inp: TaskInput, runtime: Runtime[Context]) -> dict[str, Any]:
        ctx = runtime.context or Context()
        thread = _thread(runtime)
        store = await _store(ctx)
        co = await _coordinator(store, thread, runtime, ctx)
        task_id = inp["task_id"] if "task_id" in inp else inp["task"]["id"]

        known: TaskRecord | None = co.known.get(task_id)
        if known is not None and known.status in TERMINAL:
            co.finished(task_id, known.status)  # it ended before a crash: do not run it again
            return _update(known)
        try:
            plan = await _task_plan(store, inp)
            task = plan.task(task_id)
        except PlanMissing as exc:  # nothing to work from: the task fails and says why
            rec = TaskRecord(task_id, agent, "failed", attempts=known.attempts if known else 0, error=str(exc))
            await store.write(store.mark_finished(thread, rec))
            co.finished(task_id, rec.status)
            return _update(rec)

        await co.wait_for(task.depends_on)
        if co.paused:
            return _held(task, agent, known, co.paused)
        culprit = blocked_by(task, co.status, waived(plan.plan))
        if culprit is not None or co.stop_reason is not None:
            why = f"dependency {culprit!r} did not complete" if culprit else co.stop_reason
            rec = TaskRecord(task.id, agent, "skipped", attempts=known.attempts if known else 0, error=why)
            await store.write(store.mark_finished(thread, rec))
            co.finished(task.id, rec.status)
            return _update(rec)

        async with co.slot():
            if co.paused:
                return _held(task, agent, known, co.paused)
            attempts = (co.known[task.id].attempts if task.id in co.known else 0) + 1
            co.known[task.id] = rec = TaskRecord(task.id, agent, "running", attempts=attempts, started=time.time())
            store.submit(store.mark_started(thread, task.id, agent, rec.started))  # ordered before the finish write
            runtime.stream_writer({"kind": "task", "task_id": task.id, "agent": agent, "status": "running", "attempts": rec.attempts})
            t0 = time.monotonic()
            dropped: list[str] = []
            try:
                if ctx.task_delay:
                    await asyncio.sleep(ctx.task_delay)
                ws = Workspace(Path(ctx.out_dir), inp.get("feedback"), ctx.browser, ask=asker(ctx, agent, thread),
                               plan=plan.plan, previous=inp.get("previous") or [], sandbox=ctx.sandbox,
                               model_written=model_written(ctx), trust_model=ctx.trust_model, trusted=tuple(inp.get("trusted") or ()),
                               allow_data_loss=ctx.allow_data_loss,
                               inputs=_inputs(plan.plan, task, co.known), last_report=known.report if known is not None else None,
                               max_repairs=0 if ctx.approval == "step" else ctx.max_repairs)
                try:
                    out = await work(task, plan.plan.spec, ws)
                finally:
                    if ws.ask is not None:
                        await ws.ask.aclose()
                stale = out.remove if isinstance(out, AgentResult) else []
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
                if stale:
                    dropped = await _drop_unedited(store, Path(ctx.out_dir), [p for p in stale if p not in files])
                if sum(1 for t in plan.plan.tasks if t.agent == agent) == 1:  # this task is all its agent makes now
                    gone, kept = await _drop_no_longer_made(store, Path(ctx.out_dir), thread, agent, set(files))
                    dropped += gone
                    merge = {k: v for k, v in (("removed", gone), ("stale-kept", kept)) if v}
                    if merge:
                        report = rec.report if isinstance(rec.report, dict) else {}
                        rec.report = {**report, "merge": {**(report.get("merge") or {}), **merge}}
                rec.status, rec.error = "completed", None
            except BudgetReached as exc:  # not a failure, not a try: the task runs again once a person raises the budget
                await store.write(store.mark_unstarted(thread, task.id))
                co.pause(str(exc))
                held = replace(known or rec, attempts=rec.attempts - 1)
                return _held(task, agent, held, str(exc))
            except Exception as exc:
                attempt = runtime.execution_info.node_attempt if runtime.execution_info else max_attempts
                # a model call was already retried by its client (backoff, Retry-After, deadline)
                permanent = isinstance(exc, (PermanentTaskError, UnsafePathError, ModelCallError, ModelError)) or getattr(exc, "permanent", False)
                if attempt < max_attempts and not permanent:
                    raise  # LangGraph's RetryPolicy runs the node again after a backoff
                rec.status, rec.error = "failed", f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
                rec.files, rec.report = {}, getattr(exc, "report", rec.report)
                if ctx.fail_fast:
                    co.stop(f"--fail-fast: task {task.id!r} failed")
            rec.finished = time.time()
            rec.duration = round(time.monotonic() - t0, 4)
            recorded = store.submit(store.mark_finished(thread, rec))
        # dependants may start before the commit: their ledger writes queue behind this one, so
        # none of them is ever recorded as started while this task is not recorded as ended
        co.finished(task.id, rec.status)
        await asyncio.wrap_future(recorded)  # in the ledger before LangGraph records the node's output
        update = _update(rec)
        update["files"].update({p: None for p in dropped})
        return update

    task_node.__name__ = f"{agent}_node"
    return task_node


async def _drop_unedited(store: RunStore, out_dir: Path, paths: list[str]) -> list[str]:
    """Remove the files a task gave up (they are still as it wrote them: nobody edited them); return those removed."""
    rows = await asyncio.to_thread(store.generated, str(out_dir), paths)
    removed = await asyncio.to_thread(remove_if_unchanged, out_dir, {p: (rows.get(p) or {}).get("written") for p in paths})
    if removed:
        await store.write(store.forget_generated(str(out_dir), removed))
    return removed


async def _drop_no_longer_made(store: RunStore, out_dir: Path, thread: str, agent: str, made: set[str]) -> tuple[list[str], list[str]]:
    """A changed request on a folder generated before: the files this agent made there in earlier
    runs and does not make now are removed when nobody edited them, and kept (and listed) when
    somebody did. Returns (removed, kept)."""
    before = await asyncio.to_thread(store.made_before, str(out_dir), thread, agent)
    if not before:
        return [], []
    removed, kept, forget = await asyncio.to_thread(drop_stale, out_dir, before, made)
    if forget:
        await store.write(store.forget_generated(str(out_dir), forget))
    return removed, kept


async def _task_plan(store: RunStore, inp: TaskInput) -> TaskPlan:
    """The plan a Send names, read once per process from the run database. A Send written by an
    older AutoDevOS (still pending in a checkpoint) carries its task and the spec instead."""
    if "plan_key" not in inp:
        old: dict[str, Any] = dict(inp)
        plan = Plan(spec=AppSpec.model_validate(old["spec"]), tasks=old.get("plan_tasks") or [old["task"]])
        return TaskPlan(plan, {t.id: t for t in plan.tasks})
    return await PLANS.get(store, inp["plan_key"])


def waived(plan: Plan) -> set[str]:
    """The tasks whose skip holds nothing up: reviews (nothing after them needs their files)."""
    reviewers = set(registry.reviewers())
    return {t.id for t in plan.tasks if t.agent in reviewers}


def _inputs(plan: Plan, task: Task, known: dict[str, TaskRecord]) -> dict[str, list[str]]:
    """The files of every task this one follows, directly or through others, as the ledger has them."""
    by_id = {t.id: t for t in plan.tasks}
    seen: set[str] = set()
    stack = list(task.depends_on)
    while stack:
        tid = stack.pop()
        if tid not in seen and tid in by_id:
            seen.add(tid)
            stack.extend(by_id[tid].depends_on)
    return {tid: sorted(known[tid].files) for tid in sorted(seen) if tid in known}


def _held(task: Task, agent: str, known: TaskRecord | None, why: str) -> dict[str, Any]:
    """The update of a task left pending because the run holds (its budget is used up)."""
    rec = known.as_state() if known is not None else {"agent": agent, "attempts": 0}
    return {"tasks": {task.id: {**rec, "status": "pending", "files": rec.get("files", [])}}, "hold": why}


async def budget_gate(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """The model budget is used up: a person raises it (`resume --max-tokens-total N`) or stops here."""
    ctx = runtime.context or Context()
    spent = await asyncio.to_thread(call_totals, ctx.db_path, _thread(runtime))
    answer = interrupt({"kind": "budget", "reason": state.get("hold"), "tokens": spent.run.total_tokens, "cost": round(spent.run.cost, 6),
                        "max_tokens_total": ctx.max_tokens_total, "max_cost": ctx.max_cost})
    decision = planner_agent.read_decision(answer)
    update: dict[str, Any] = {"hold": None, "decisions": [_record("budget", decision)]}
    if decision["action"] == "reject":  # stop here: what has not run is skipped, the run ends
        store = await _store(ctx)
        left = {tid: rec for tid, rec in (state.get("tasks") or {}).items() if rec.get("status") not in TERMINAL}
        update["tasks"] = {}
        for tid, rec in left.items():
            skipped = TaskRecord(tid, rec["agent"], "skipped", attempts=rec.get("attempts", 0), error="stopped at the model budget")
            await store.write(store.mark_finished(_thread(runtime), skipped))
            update["tasks"][tid] = skipped.as_state()
    return update


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
    task_id, culprit = next_step_task(plan, status, waived(plan))
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
    """After tasks ran. Verify refused model-written package files: a person approves them (verify
    runs again, trusting those exact files) or rejects them (they go back to their agent as a
    failed verify does). Then the tasks' review."""
    asked = None if state.get("hold") else packages_to_approve(state)
    if asked is None:
        return await review_tasks(state, runtime)
    verify_id, files = asked
    answer = interrupt({"kind": "packages", "task": verify_id, "files": files,
                        "findings": next(s["output"] for s in state["tasks"][verify_id]["report"] if s.get("step") == "packages")})
    decision = planner_agent.read_decision(answer)
    record = {**_record("packages", decision), "files": files}
    if decision["action"] != "approve":
        rest = await review_tasks(state, runtime)
        return {**rest, "decisions": [record, *rest.get("decisions", [])]}
    ctx = runtime.context or Context()
    store = await _store(ctx)
    await store.write(store.mark_pending(_thread(runtime), [verify_id]))
    return {"trusted": list(files.values()), "tasks": {verify_id: {**state["tasks"][verify_id], "status": "pending"}},
            "decisions": [record], "planner_notes": [f"package files approved by {record['who']}: {', '.join(files)}; verify runs again"]}


async def review_tasks(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Step mode: a person approves the task's files or rejects them with feedback.
    Otherwise: send a failed verify back to the agent that owns the failing files."""
    ctx = runtime.context or Context()
    if state.get("hold"):  # the budget gate asks first; nothing ran that could be reviewed
        return {}
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
    reviewed = plan_review_repair(state, ctx.max_repairs)
    if reviewed is not None:  # blocking findings go back to the tasks that wrote their files
        review_id, feedback, again, note = reviewed
        store = await _store(ctx)
        await store.write(store.mark_pending(_thread(runtime), sorted(again)))
        tasks = {tid: {**state["tasks"][tid], "status": "pending"} for tid in again}
        return {"tasks": tasks, "feedback": feedback, "planner_notes": [note]}
    repair = plan_repair(state, ctx.max_repairs)
    if repair is None:
        restore = plan_restore(state, ctx.max_repairs)
        return await _restore(state, ctx, _thread(runtime), restore) if restore else {}
    owner, again, text = repair
    store = await _store(ctx)
    await store.write(store.mark_pending(_thread(runtime), sorted(again)))
    tasks = {tid: {**state["tasks"][tid], "status": "pending"} for tid in again}
    return {"tasks": tasks, "feedback": {owner: text}, "repairs": state.get("repairs", 0) + 1, "repaired": [owner],
            "planner_notes": [f"verify failed: task {owner!r} runs again with the error (repair {state.get('repairs', 0) + 1})"]}


async def _restore(state: State, ctx: Context, thread: str, task_ids: list[str]) -> dict[str, Any]:
    """Repairs ran out and verify still fails: put the repaired tasks' files back to the offline
    generator's (the last version known to pass), merged with the user's edits as any write is;
    files the model added are removed when they are still as it wrote them. The run stays failed."""
    plan = Plan.model_validate(state["plan"])
    store = await _store(ctx)
    out = Path(ctx.out_dir)
    files_update: dict[str, Any] = {}
    said = []
    for tid in task_ids:
        agent = plan.task(tid).agent
        render_files = registry.renderers().get(agent)
        if render_files is None:
            continue
        baseline = await asyncio.to_thread(render_files, plan.spec)
        if agent == "backend":  # the schema's history stays as the databases have it; the next migration is kept
            from autodevos.agents.migrations import with_history

            baseline = (await asyncio.to_thread(with_history, baseline, plan.spec, out, True))[0]
        manifest, put = store.blob_rows(baseline)
        store.submit(put)
        _, commit = await place_files(store, out, thread, baseline)
        await store.write(commit)
        added = [p for p in (state["tasks"].get(tid) or {}).get("files", []) if p not in baseline]
        removed = await asyncio.to_thread(remove_if_unchanged, out, {p: state.get("files", {}).get(p) for p in added})
        if removed:
            await store.write(store.forget_generated(str(out), removed))
        files_update.update(manifest)
        files_update.update({p: None for p in removed})
        said.append(f"{tid} ({len(baseline)} files" + (f", {len(removed)} model-added removed" if removed else "") + ")")
    note = (f"verify still fails after {state.get('repairs', 0)} repair(s): restored the last files known to pass "
            f"(the offline generator's) for {', '.join(said)}; the run is reported as failed")
    return {"restored": task_ids, "files": files_update, "planner_notes": [note]}


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
