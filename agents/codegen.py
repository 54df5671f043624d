"""The agents' work: (task, spec, workspace) -> files. Offline, rendered from templates."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autodevos.agents import migrations, model_agents, packages, registry, render, verify
from autodevos.agents.files import resolve_inside
from autodevos.agents.model_agents import Ask
from autodevos.domain.dag import Plan, Task
from autodevos.domain.spec import AppSpec


@dataclass
class Workspace:
    """What an agent may look at besides the task and the spec."""

    out_dir: Path
    """The app's folder (read-only for agents: files reach it through the task node)."""
    feedback: str | None = None
    """Why this task runs again (a failed verify step, a person's rejection), if it does."""
    browser: bool = True
    """Whether verify runs the browser test."""
    ask: Ask | None = None
    """The model of this task's agent, or None: the offline generator writes the files."""
    plan: Plan | None = None
    """The whole plan (the model sees the other tasks)."""
    previous: list[str] = field(default_factory=list)
    """The paths this task wrote last time, when it runs again."""
    sandbox: str = "auto"
    """verify: the --sandbox policy (auto, required, off)."""
    model_written: bool = False
    """verify: a model writes some of the app's files in this run."""
    trust_model: bool = False
    """verify: run model-written package files that ask for more than the generator does, unasked."""
    trusted: tuple[str, ...] = ()
    """verify: SHA-256 of the package files a person approved."""
    allow_data_loss: bool = False
    """backend: a schema change may drop tables, columns or rows (agents/migrations.py)."""
    inputs: dict[str, list[str]] = field(default_factory=dict)
    """The files of the tasks this one follows (directly or through others), by task id: what a reviewer reads."""
    last_report: Any = None
    """This task's report from its previous run in this run, if it ran before (a reviewer's earlier findings)."""
    max_repairs: int = 0
    """How often a failure this task finds may send its owner back in this run (--max-repairs; 0 in step mode)."""


@dataclass
class AgentResult:
    """Files, and a report to keep in the task's record (e.g. verify's step results)."""

    files: dict[str, str]
    report: Any = None
    remove: list[str] = field(default_factory=list)
    """Paths this task wrote before and no longer gives (a repair that went back to the baseline):
    the task node removes each one nobody has edited since."""


MACHINE_FEEDBACK = ("verify step ", "code review")
"""How the feedback a failed check sends back starts (graph/routing.py): tool output, never a change to the spec."""


def with_feedback(spec: AppSpec, ws: Workspace) -> AppSpec:
    """Offline agents act on feedback a person gave that they understand ('add a field priority to
    task'); the rest is kept as is. A failed check's output is not read as a change ('... add a
    comment to the ticket ...' in a test's name would add a field only one agent sees)."""
    if not ws.feedback or ws.feedback.lstrip().lower().startswith(MACHINE_FEEDBACK):
        return spec
    from autodevos.agents.planner import apply_feedback

    return apply_feedback(spec, ws.feedback)[0]


AgentWork = Callable[[Task, AppSpec, Workspace], Awaitable["dict[str, str] | AgentResult"]]


def _read_current(out_dir: Path, paths: list[str]) -> dict[str, str]:
    """The task's files as they are on disk now (what a repair starts from)."""
    found: dict[str, str] = {}
    for path in paths:
        try:
            found[path] = resolve_inside(out_dir, path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError, ValueError):
            continue
    return found


def coder(agent: str, render_files: Callable[[AppSpec], dict[str, str]]) -> AgentWork:
    """A code agent: the offline generator's files, or, with a model, the model's edit of them.

    With a model, the task's report says where its files came from (report["model"]["outcome"]):
    "model" (the model's answer), "repaired" (the model's answer to a failed verify), or
    "baseline" (no usable answer after the re-asks, or a model too weak to ask: the offline
    generator's files, the last known to pass, with the reason)."""

    async def work(task: Task, spec: AppSpec, ws: Workspace) -> dict[str, str] | AgentResult:
        spec = with_feedback(spec, ws)
        baseline = await asyncio.to_thread(render_files, spec)  # templates are read from disk
        if ws.ask is None:
            return baseline
        interfaces = await asyncio.to_thread(model_agents.interfaces_for, agent, spec)
        current = await asyncio.to_thread(_read_current, ws.out_dir, ws.previous) if ws.feedback else None
        try:
            result = await model_agents.write_files(agent, task, spec, ws.plan or registry.default_plan(spec), ws.ask, baseline=baseline,
                                                    interfaces=interfaces, current=current, feedback=ws.feedback)
        except model_agents.ModelAnswerError as exc:  # degrade, don't fail: the files verify knows pass
            return AgentResult(baseline, {"model": {"outcome": "baseline", "how": "baseline", "reason": str(exc),
                                                    "asks": exc.asks, "changed": [], "notes": exc.notes}},
                               remove=[p for p in ws.previous if p not in baseline])
        outcome = "repaired" if ws.feedback else "model"
        return AgentResult(result.files, {"model": {"outcome": outcome, "how": result.how, "asks": result.asks,
                                                    "changed": result.changed, "notes": result.notes}})

    work.__name__ = agent
    return work


async def backend_work(task: Task, spec: AppSpec, ws: Workspace) -> AgentResult:
    """The backend agent: its files (offline or a model's), with the folder's migration history kept
    and the next migration added when the schema changed (agents/migrations.py)."""
    out = await _write_backend(task, spec, ws)
    result = out if isinstance(out, AgentResult) else AgentResult(out)
    files, notes = await asyncio.to_thread(migrations.with_history, result.files, with_feedback(spec, ws), ws.out_dir,
                                           ws.allow_data_loss)
    report = result.report
    if notes:
        report = {**(report if isinstance(report, dict) else {}), "migration": notes}
    return AgentResult(files, report, result.remove)


_write_backend = coder("backend", render.render_backend)


async def verify_app(task: Task, spec: AppSpec, ws: Workspace) -> AgentResult:
    """The verify agent's work: install, check, test and build the app; the steps are its report.
    With a model, package files that ask for more than the generator's are refused first, unless
    a person approved them or the run trusts the model."""
    if ws.model_written and not ws.trust_model:
        refused = await asyncio.to_thread(package_review, spec, ws.out_dir, ws.trusted)
        if refused is not None:
            raise verify.VerifyError([refused])
    steps = await verify.verify_app(ws.out_dir, browser=ws.browser, sandbox=ws.sandbox, model_written=ws.model_written,
                                    rules=tuple(r.text for r in spec.rules))
    return AgentResult({}, verify.steps_json(steps))


def package_review(spec: AppSpec, out_dir: Path, trusted: tuple[str, ...] = ()) -> verify.StepResult | None:
    """The refused 'packages' step when the app's package files ask for what the offline generator's
    do not (dependencies, scripts, overrides, an .npmrc) and nobody approved them; else None."""
    baseline = {path: text for render_files in registry.renderers().values() for path, text in render_files(spec).items()
                if Path(path).name in packages.PACKAGE_FILES}
    on_disk = packages.package_files(out_dir, verify.PACKAGES)
    on_disk = {p: t for p, t in on_disk.items() if packages.digest(t) not in trusted}
    found = packages.review(on_disk, baseline)
    if not found:
        return None
    files = {f.path: packages.digest(on_disk[f.path]) for f in found}
    first = found[0].path
    text = ("refused: the package files ask for what the generator does not write, and a model wrote this app; nothing "
            "was installed or run:\n" + "".join(f"- {f}\n" for f in found)
            + "A person approves these exact files (autodevos approve THREAD --decision approve), or the run trusts the "
            "model (--trust-model); rejected, they go back to the agent that wrote them.")
    return verify.StepResult(first.split("/")[0] if "/" in first else "app", "packages", False, 0.0, text, trust=files)
