"""Start, resume and inspect runs: the library behind the CLI (no printing here)."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from autodevos.agents.calls import ModelCallError, ReplayMiss
from autodevos.agents.codegen import OFFLINE_AGENTS, AgentWork
from autodevos.agents.llm import check_model, parse_model, price_of, resolve_model
from autodevos.domain.dag import Plan, PlanError, improvement_plan, validate_plan
from autodevos.graph.builder import DEFAULT_RETRIES, build_graph, retry_policy
from autodevos.graph.checkpoint import DURABILITY, CheckpointerError, open_checkpointer, redact
from autodevos.graph.nodes import MODEL_ROLES, asker
from autodevos.graph.plans import keep_plan
from autodevos.graph.state import Context
from autodevos.graph.store import RunStore, StoreError, open_store
from langgraph.types import Command
from pydantic import ValidationError

Event = dict[str, Any]


class RunError(RuntimeError):
    """A run that cannot start or resume; the message is meant for the user."""


@dataclass
class RunSettings:
    """Everything a run needs; stored with the run so `resume` needs only the thread id."""

    request: str
    out_dir: str = "out"
    db_path: str = "checkpoints/autodevos.sqlite"
    model: str = "offline"
    base_url: str | None = None
    fail_fast: bool = False
    max_parallel: int = 0
    retries: int = DEFAULT_RETRIES
    retry_interval: float = 0.5
    task_delay: float = 0.0
    spec_override: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None
    """A ready plan (spec + tasks) to run instead of planning; validated before the run starts."""
    force: bool = False
    verify: bool = True
    browser: bool = True
    max_repairs: int = 2
    approval: str = "none"
    """Where the run pauses for a person: none | plan."""
    checkpointer: str | None = None
    """postgres://... to keep checkpoints in PostgreSQL (stored without its password); None: the SQLite --db."""
    models: dict[str, str] = field(default_factory=dict)
    """Per-role model overrides: role -> 'PROVIDER:NAME[@URL]'."""
    cache: bool = True
    replay: bool = False
    max_tokens_total: int = 0
    max_cost: float = 0.0
    call_timeout: float = 120.0
    streaming: bool = False
    prices: dict[str, list[float]] = field(default_factory=dict)

    def context(self) -> Context:
        """The run context LangGraph hands the nodes: every Context field, taken from these settings, paths made absolute."""
        same = {f.name: copy.copy(getattr(self, f.name)) for f in fields(Context)}
        return Context(**{**same, "out_dir": str(Path(self.out_dir).resolve()), "db_path": str(Path(self.db_path).resolve())})


@dataclass
class RunResult:
    thread_id: str
    status: str
    """completed | failed | interrupted"""
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    plan: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    out_dir: str = ""
    pending: list[Any] = field(default_factory=list)
    """What the run waits for a person to answer, when it is interrupted."""
    decisions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "completed"

    @property
    def merge(self) -> dict[str, list[str]]:
        """What became of the user's edits, over all tasks: outcome -> paths (see agents.merge)."""
        found: dict[str, list[str]] = {}
        for rec in self.tasks.values():
            report = rec.get("report")
            for kind, paths in (report.get("merge") or {}).items() if isinstance(report, dict) else ():
                found.setdefault(kind, []).extend(paths)
        return {kind: sorted(set(paths)) for kind, paths in found.items()}


MAX_REQUEST = 20_000


def check_request(request: str, allow_empty: bool = False) -> None:
    if not request.strip() and not allow_empty:
        raise RunError("the request is empty; say what app to build")
    if len(request) > MAX_REQUEST:
        raise RunError(f"the request is {len(request):,} characters long; keep it under {MAX_REQUEST:,} (put the detail in --spec)")
    try:
        request.encode("utf-8")
    except UnicodeEncodeError:
        raise RunError("the request is not valid UTF-8 text") from None
    if "\x00" in request:
        raise RunError("the request holds a NUL byte; it must be plain text")


def check_output_folder(out_dir: str, force: bool, generated: bool = False) -> None:
    """The output folder must be new, empty, generated earlier (then the user's edits are merged), or forced."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise RunError(f"--out {out_dir} is a file, not a folder")
    if out.is_dir() and not generated and any(out.iterdir()) and not force:
        raise RunError(f"--out {out_dir} is not empty and was not generated by AutoDevOS with this --db; "
                       "pass --force to write into it (files that differ get conflict markers, nothing is overwritten)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"cannot create --out {out_dir}: {exc.strerror or exc}") from None
    if not os.access(out, os.W_OK):
        raise RunError(f"--out {out_dir} is not writable")


def check_models(settings: RunSettings) -> None:
    """Fail before a run starts when a role's model cannot be used (unknown provider or role, missing key)."""
    unknown = sorted(set(settings.models) - set(MODEL_ROLES))
    if unknown:
        raise RunError(f"no agent role {unknown[0]!r} to give a model; roles: {', '.join(MODEL_ROLES)}")
    if settings.replay:
        return  # answers come from the cache: no key, no server
    ctx = settings.context()
    prices = {name: (p[0], p[1]) for name, p in settings.prices.items()}
    for role in MODEL_ROLES:
        model, base_url = ctx.model_for(role)
        check_model(model, base_url)
        if settings.max_cost and parse_model(model)[0].name != "offline" and price_of(resolve_model(model, base_url), prices) is None:
            raise RunError(f"--max-cost needs the price of {model} ({role}); give it under prices: in --config "
                           "(USD per 1M input and output tokens), or use --max-tokens-total")


def _open(db_path: str) -> RunStore:
    try:
        return open_store(db_path)
    except StoreError as exc:
        raise RunError(str(exc)) from None


def new_thread_id() -> str:
    return uuid.uuid4().hex[:12]


async def start_run(
    settings: RunSettings,
    thread_id: str | None = None,
    on_event: Callable[[Event], None] | None = None,
    agents: Mapping[str, AgentWork] | None = None,
    notes: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> RunResult:
    """Start a new run; notes are shown as the planner's, extra is stored with the settings."""
    check_request(settings.request, allow_empty=bool(settings.spec_override or settings.plan))
    if settings.plan is not None:
        try:
            validate_plan(Plan.model_validate(settings.plan), tuple(agents or OFFLINE_AGENTS))
        except (PlanError, ValidationError) as exc:
            raise RunError(f"the plan is invalid: {exc}") from None
    check_models(settings)
    store = _open(settings.db_path)
    generated = await asyncio.to_thread(store.has_generated, str(Path(settings.out_dir).resolve()))
    check_output_folder(settings.out_dir, settings.force, generated)
    thread_id = thread_id or new_thread_id()
    stored = asdict(settings)
    stored["out_dir"] = str(Path(settings.out_dir).resolve())
    stored["checkpointer"] = redact(settings.checkpointer)
    stored.update(extra or {})
    await asyncio.to_thread(store.create_run, thread_id, settings.request, stored["out_dir"], settings.model, stored)
    if on_event:
        on_event({"kind": "started", "thread_id": thread_id})
    inputs: dict[str, Any] = {"request": settings.request, "spec_override": settings.spec_override}
    if settings.plan is not None:
        inputs["plan"] = settings.plan
    if notes:
        inputs["planner_notes"] = list(notes)
    return await _drive(settings, thread_id, inputs, on_event, agents)


async def improve_run(
    out_dir: str,
    change: str,
    db_path: str,
    thread_id: str | None = None,
    on_event: Callable[[Event], None] | None = None,
    agents: Mapping[str, AgentWork] | None = None,
) -> RunResult:
    """Change an app generated earlier: plan only the tasks the change touches, run them, and
    merge their files with the user's edits."""
    from autodevos.agents.planner import apply_feedback, model_change, place_verify

    check_request(change)
    where = str(Path(out_dir).resolve())
    store = _open(db_path)
    row = await asyncio.to_thread(store.last_run_for, where)
    if row is None:
        raise RunError(f"{out_dir} was not generated by AutoDevOS with --db {db_path}; use `autodevos run` (or the --db it was made with)")
    old = Plan.model_validate_json(row["plan"])
    previous = await stored_settings(row["thread_id"], db_path)
    previous.replay = False  # a change is new work, even in a folder a replay wrote
    thread_id = thread_id or new_thread_id()
    ask = asker(previous.context(), "planner", thread_id)
    if ask is None:
        spec, applied = apply_feedback(old.spec, change)
    else:
        check_models(previous)
        try:
            spec, applied = await model_change(old.spec, change, ask)
        except ModelCallError as exc:
            raise RunError(f"the planner's model could not apply the change: {exc}") from None
        finally:
            await ask.aclose()
    if spec == old.spec:
        raise RunError(f"the change leaves the app as it is ({'; '.join(applied)}); "
                       "say it like 'add a field priority to task', 'add an entity called tag', 'add login'")
    plan, notes = improvement_plan(old, spec)
    plan, more = await asyncio.to_thread(place_verify, plan, previous.verify and any(t.agent != "docs" for t in plan.tasks))
    settings = RunSettings(**{**asdict(previous), "request": f"{previous.request}\n\nchange: {change}", "out_dir": where,
                              "plan": plan.model_dump(), "spec_override": None, "force": False, "db_path": db_path,
                              "replay": False})
    return await start_run(settings, thread_id, on_event, agents, notes=[*applied, *notes, *more],
                           extra={"improved_from": row["thread_id"], "change": change})


async def stored_settings(thread_id: str, db_path: str, checkpointer: str | None = None) -> RunSettings:
    """A run's settings as stored when it started (a --checkpointer given now replaces the stored one)."""
    store = _open(db_path)
    row = await asyncio.to_thread(store.get_run, thread_id)
    if row is None or not row["settings"]:
        raise RunError(f"no run with thread id {thread_id!r} in {db_path}")
    known = {f.name for f in fields(RunSettings)} - {"db_path"}
    settings = RunSettings(**{k: v for k, v in row["settings"].items() if k in known}, db_path=db_path)
    if checkpointer:
        settings.checkpointer = checkpointer
    return settings


async def resume_run(
    thread_id: str,
    db_path: str,
    on_event: Callable[[Event], None] | None = None,
    agents: Mapping[str, AgentWork] | None = None,
    checkpointer: str | None = None,
    budget: dict[str, Any] | None = None,
) -> RunResult:
    """Carry on a stopped run. budget ({'max_tokens_total': N, 'max_cost': X}) raises the run's
    model budget first; a run paused at its budget then goes on at once."""
    settings = await stored_settings(thread_id, db_path, checkpointer)
    changes = {k: v for k, v in (budget or {}).items() if v is not None}
    if changes:
        settings = await _update_settings(thread_id, db_path, settings, changes)
    if on_event:
        on_event({"kind": "resumed", "thread_id": thread_id})
    check_models(settings)
    inputs: Any = None
    pending = await _pending_questions(settings, thread_id, agents)
    if changes and any(q.get("kind") == "budget" for q in pending):
        inputs = Command(resume={"action": "approve", "who": "resume", "feedback": _budget_text(settings)})
    return await _drive(settings, thread_id, inputs, on_event, agents)


def _budget_text(settings: RunSettings) -> str:
    parts = [f"max_tokens_total={settings.max_tokens_total}" if settings.max_tokens_total else "",
             f"max_cost={settings.max_cost}" if settings.max_cost else ""]
    return "budget now " + (", ".join(p for p in parts if p) or "unlimited")


async def _update_settings(thread_id: str, db_path: str, settings: RunSettings, changes: dict[str, Any]) -> RunSettings:
    """Store changed settings of a run (a raised budget) so this and every later resume uses them."""
    store = _open(db_path)
    row = await asyncio.to_thread(store.get_run, thread_id)
    stored = {**(row or {}).get("settings", {}), **changes}
    await asyncio.to_thread(store.update_run, thread_id, settings=json.dumps(stored))
    return RunSettings(**{**asdict(settings), **changes})


async def _pending_questions(settings: RunSettings, thread_id: str, agents: Mapping[str, AgentWork] | None) -> list[dict[str, Any]]:
    async with open_checkpointer(settings.context().db_path, settings.checkpointer) as saver:
        graph = build_graph(agents).compile(checkpointer=saver)
        snapshot = await graph.aget_state({"configurable": {"thread_id": thread_id}})
    return [i.value for i in snapshot.interrupts if isinstance(i.value, dict)]


async def replay_run(
    thread_id: str,
    db_path: str,
    out_dir: str,
    on_event: Callable[[Event], None] | None = None,
    agents: Mapping[str, AgentWork] | None = None,
) -> RunResult:
    """Run thread_id's request again into out_dir as a new thread, every model call answered from
    the response cache (no key, no network)."""
    previous = await stored_settings(thread_id, db_path)
    settings = RunSettings(**{**asdict(previous), "out_dir": out_dir, "force": False, "replay": True, "cache": True,
                              "approval": "none"})
    return await start_run(settings, None, on_event, agents, extra={"replay_of": thread_id})


async def answer_pause(
    thread_id: str,
    db_path: str,
    decision: dict[str, Any],
    on_event: Callable[[Event], None] | None = None,
    agents: Mapping[str, AgentWork] | None = None,
    checkpointer: str | None = None,
) -> RunResult:
    """Answer the question a paused run is waiting on, and carry the run on."""
    settings = await stored_settings(thread_id, db_path, checkpointer)
    check_models(settings)
    if not await _pending_questions(settings, thread_id, agents):
        raise RunError(f"run {thread_id!r} is not waiting for an answer")
    return await _drive(settings, thread_id, Command(resume=decision), on_event, agents)


LEASE_TTL = 30.0


async def _drive(settings, thread_id, inputs, on_event, agents) -> RunResult:
    ctx = settings.context()
    config = {"configurable": {"thread_id": thread_id}, "recursion_limit": 100 + 10 * settings.max_repairs}
    store = _open(settings.db_path)
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    holder = await asyncio.to_thread(store.acquire_lease, thread_id, owner, LEASE_TTL)
    if holder is not None:
        host, pid = holder.split(":")[:2]
        raise RunError(f"run {thread_id!r} is already running (process {pid} on {host}); wait for it to end or stop it first")
    heartbeat = asyncio.create_task(_keep_lease(store, thread_id, owner))
    try:
        return await _drive_with(settings, thread_id, inputs, on_event, agents, ctx, config)
    except (CheckpointerError, ReplayMiss) as exc:
        raise RunError(str(exc)) from None
    finally:
        heartbeat.cancel()
        await asyncio.to_thread(store.release_lease, thread_id, owner)


async def _keep_lease(store: RunStore, thread_id: str, owner: str) -> None:
    while True:
        await asyncio.sleep(LEASE_TTL / 3)
        await asyncio.to_thread(store.renew_lease, thread_id, owner, LEASE_TTL)


async def _drive_with(settings, thread_id, inputs, on_event, agents, ctx, config) -> RunResult:
    async with open_checkpointer(ctx.db_path, settings.checkpointer) as saver:
        graph = build_graph(agents, retry_policy(settings.retries, settings.retry_interval)).compile(checkpointer=saver)
        snapshot = await graph.aget_state(config)
        if inputs is None and not snapshot.next and snapshot.values.get("outcome"):
            return _result(thread_id, snapshot.values, settings)  # already finished
        if inputs is None and not snapshot.values and not snapshot.next:
            # killed before its first checkpoint: start it from the inputs stored with the run
            inputs = {"request": settings.request, "spec_override": settings.spec_override}
            if settings.plan is not None:
                inputs["plan"] = settings.plan
        async for mode, chunk in graph.astream(
            inputs, config, context=ctx, durability=DURABILITY, stream_mode=["updates", "custom"]
        ):
            if on_event:
                for event in _events(mode, chunk):
                    on_event(event)
        snapshot = await graph.aget_state(config)
    result = _result(thread_id, snapshot.values, settings)
    if snapshot.next:
        result.status = "interrupted"
        result.pending = [i.value for i in snapshot.interrupts]
    return result


def _events(mode: str, chunk: Any) -> list[Event]:
    if mode == "custom":
        return [chunk] if isinstance(chunk, dict) else []
    out = []
    for node, update in (chunk or {}).items():
        if not isinstance(update, dict):
            continue
        if node == "planner":
            out.append({"kind": "planned", "plan": update.get("plan"), "notes": update.get("planner_notes", [])})
        for task_id, rec in (update.get("tasks") or {}).items():
            if node != "planner":
                out.append({"kind": "task", "task_id": task_id, **rec})
    return out


def _result(thread_id: str, values: dict[str, Any], settings: RunSettings) -> RunResult:
    outcome = values.get("outcome") or {}
    return RunResult(
        thread_id=thread_id,
        status=outcome.get("status", "interrupted"),
        tasks=values.get("tasks", {}),
        plan=values.get("plan"),
        notes=values.get("planner_notes", []),
        files=values.get("files", {}),
        out_dir=str(Path(settings.out_dir).resolve()),
        decisions=values.get("decisions", []),
    )


async def fork_run(
    thread_id: str,
    db_path: str,
    checkpoint_id: str,
    out_dir: str,
    plan: dict[str, Any] | None = None,
    new_thread: str | None = None,
    on_event: Callable[[Event], None] | None = None,
    agents: Mapping[str, AgentWork] | None = None,
) -> RunResult:
    """Start a new thread from an earlier checkpoint of thread_id (optionally with an edited plan)
    and run it to the end. The original thread, its database rows and its files are not touched."""
    settings = await stored_settings(thread_id, db_path)
    source_cfg = {"configurable": {"thread_id": thread_id, "checkpoint_id": checkpoint_id}}
    async with open_checkpointer(settings.context().db_path, settings.checkpointer) as saver:
        graph = build_graph(agents).compile(checkpointer=saver)
        try:
            snap = await graph.aget_state(source_cfg)
        except Exception:
            snap = None
        if snap is None or not snap.values or snap.config["configurable"].get("checkpoint_id") != checkpoint_id:
            raise RunError(f"run {thread_id!r} has no checkpoint {checkpoint_id!r} (see `autodevos history {thread_id}`)")
    values = dict(snap.values)
    if plan is not None:
        try:
            new_plan = validate_plan(Plan.model_validate(plan), tuple(agents or OFFLINE_AGENTS))
        except (PlanError, ValidationError) as exc:
            raise RunError(f"the edited plan is invalid: {exc}") from None
        values["plan"] = new_plan.model_dump()
        values["tasks"] = {t.id: {"agent": t.agent, "status": "pending", "attempts": 0} for t in new_plan.tasks}
        values["files"] = {}
    settings = RunSettings(**{**asdict(settings), "out_dir": out_dir, "force": False})
    check_output_folder(out_dir, force=False)
    new_thread = new_thread or new_thread_id()
    store = _open(db_path)
    stored = {**asdict(settings), "out_dir": str(Path(out_dir).resolve()), "checkpointer": redact(settings.checkpointer),
              "forked_from": {"thread_id": thread_id, "checkpoint_id": checkpoint_id}}
    await asyncio.to_thread(store.create_run, new_thread, settings.request, stored["out_dir"], settings.model, stored)
    await asyncio.to_thread(_carry_over, store, thread_id, new_thread, values, Path(out_dir))
    if values.get("plan"):  # the fork's tasks read their plan from the run database by its key
        values["plan"] = await keep_plan(store, new_thread, Plan.model_validate(values["plan"]))
    if "planner" in snap.next or not values.get("plan"):  # forked before planning: plan afresh
        inputs = {"request": settings.request, "spec_override": settings.spec_override}
        return await _drive(settings, new_thread, inputs, on_event, agents)
    as_node = "planner" if snap.next == ("approve_plan",) and plan is None else "approve_plan"
    if as_node == "approve_plan":
        values["gate"] = "step" if settings.approval == "step" else "approved"
    values.pop("outcome", None)
    values.pop("hold", None)  # a budget pause of the source is not the fork's
    ctx = settings.context()
    async with open_checkpointer(ctx.db_path, settings.checkpointer) as saver:
        graph = build_graph(agents).compile(checkpointer=saver)
        await graph.aupdate_state({"configurable": {"thread_id": new_thread}}, values, as_node=as_node)
    if on_event:
        on_event({"kind": "started", "thread_id": new_thread})
    return await _drive(settings, new_thread, None, on_event, agents)


def _carry_over(store: RunStore, old: str, new: str, values: dict[str, Any], out: Path) -> None:
    """The fork starts with what the source had done at that checkpoint: completed tasks' ledger
    rows and their files (from the blob table), so it neither redoes nor loses them."""
    from autodevos.agents.files import write_files

    done = {tid for tid, rec in (values.get("tasks") or {}).items() if rec and rec.get("status") in ("completed", "skipped", "failed")}
    records = store.task_records(old)
    for tid in done:
        if tid in records:
            store.finish_task(new, records[tid])
    manifest = values.get("files") or {}
    files = {path: store.get_blob(digest) for path, digest in manifest.items()}
    if files:
        write_files(out, files)
        where = str(out.resolve())
        store.submit(store.intend_writes(where, new, {p: (d, d, "new") for p, d in manifest.items()}))
        store.submit(store.commit_writes(where, list(manifest))).result()


async def app_diff(db_path: str, thread_a: str, thread_b: str) -> dict[str, Any]:
    """How the apps generated by two runs differ: added, removed and changed paths, with unified diffs."""
    import difflib

    store = _open(db_path)
    manifests = []
    for thread in (thread_a, thread_b):
        settings = await stored_settings(thread, db_path)
        async with open_checkpointer(settings.context().db_path, settings.checkpointer) as saver:
            snap = await build_graph().compile(checkpointer=saver).aget_state({"configurable": {"thread_id": thread}})
        manifests.append((snap.values or {}).get("files") or {})
    a, b = manifests
    changed = sorted(p for p in set(a) & set(b) if a[p] != b[p])
    diffs = {}
    for path in changed:
        old, new = store.get_blob(a[path]).splitlines(keepends=True), store.get_blob(b[path]).splitlines(keepends=True)
        diffs[path] = "".join(difflib.unified_diff(old, new, f"{thread_a}/{path}", f"{thread_b}/{path}"))
    return {"a": thread_a, "b": thread_b, "added": sorted(set(b) - set(a)), "removed": sorted(set(a) - set(b)),
            "changed": changed, "same": sum(1 for p in set(a) & set(b) if a[p] == b[p]), "diffs": diffs}
