"""The code review agent: after the code agents, before verify, it reviews what this run's tasks wrote.

Offline, three analyzers read the files of the tasks it follows (agents/review/tools.py,
agents/review/routes.py):
- ESLint with eslint-plugin-security (and no-eval, no-implied-eval, no-new-func), run from the
  review's own toolchain and config, never the app's;
- jscpd for duplicated code, leaving out the duplication the offline generator makes by design;
- the routes check: every route of the backend against the spec, both ways.
With a model (role `code_review`), the reviewer also reads each task's diff against the offline
baseline and its part of the spec, and answers findings (agents/review/model.py).

A blocking finding goes back to the task that wrote its file, with the findings as its input: the
review fails with `ReviewBlocked` (verify, after it, is skipped), and the graph's review node sends
the owners and the tasks after them to run again (graph.routing.plan_review_repair), at most
--max-repairs times per run. The other findings, and blocking ones once the rounds are used up, are
listed: in the task's report (kept in the run's task ledger, shown by `autodevos status THREAD`),
the run's summary and REVIEW.md in the app. Each finding carries its fate (findings.py).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from autodevos.agents.review.findings import Finding, Rounds, counts, decide_fates, one_line, routed

__all__ = ["Finding", "ReviewBlocked", "review_app"]

REVIEW_FILE = "REVIEW.md"
MAX_BYTES = 400_000


class ReviewBlocked(RuntimeError):
    """Blocking findings go back to their owners; carries the review's report (every finding and its fate)."""

    permanent = True  # reviewing the same files again cannot help: their owners must change them

    def __init__(self, findings: list[Finding], report: dict[str, Any]):
        self.report = report
        sent = routed(findings)
        owners = sorted({f.owner for f in sent})
        shown = "; ".join(one_line(f) for f in sent[:3]) + (f"; and {len(sent) - 3} more" if len(sent) > 3 else "")
        super().__init__(f"{len(sent)} blocking finding{'s go' if len(sent) != 1 else ' goes'} back to {', '.join(owners)}: {shown}")


def _read(out_dir: Path, paths: list[str]) -> dict[str, str]:
    from autodevos.agents.files import resolve_inside

    found: dict[str, str] = {}
    for path in paths:
        try:
            file = resolve_inside(out_dir, path)
            if file.stat().st_size <= MAX_BYTES:
                found[path] = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError, ValueError):
            continue
    return found


def _baselines(spec: Any, agents: dict[str, str]) -> dict[str, dict[str, str]]:
    """Task id -> the offline generator's files for its agent (tasks of agents without one: none)."""
    from autodevos.agents import registry

    renderers = registry.renderers()
    return {tid: renderers[agent](spec) for tid, agent in agents.items() if agent in renderers}


async def review_app(task: Any, spec: Any, ws: Any) -> Any:
    """The code_review agent's work (an AgentWork): findings and their fates, REVIEW.md when nothing goes back."""
    from autodevos.agents.codegen import AgentResult
    from autodevos.agents.review import model as reviewer
    from autodevos.agents.review import report as said
    from autodevos.agents.review.routes import check_routes
    from autodevos.agents.review.tools import ToolRun, code_files, duplication, eslint, toolchain

    t0 = time.monotonic()
    inputs: dict[str, list[str]] = dict(ws.inputs or {})
    owner_of = {p: tid for tid, paths in inputs.items() for p in paths}
    agents = {t.id: t.agent for t in ws.plan.tasks if t.id in inputs} if ws.plan is not None else {}
    last = ws.last_report.get("review") if isinstance(ws.last_report, dict) else None
    last = last if isinstance(last, dict) else {}
    pass_no = int(last.get("pass") or 0) + 1
    rounds = Rounds(done=int(last.get("rounds") or 0), allowed=int(ws.max_repairs or 0))

    texts = await asyncio.to_thread(_read, Path(ws.out_dir), sorted(owner_of))
    baselines = await asyncio.to_thread(_baselines, spec, agents)
    baseline = {p: t for files in baselines.values() for p, t in files.items()}
    code = code_files([p for p in texts if p.startswith(("backend/", "frontend/"))])
    findings: list[Finding] = []
    runs: list[ToolRun] = []
    notes: list[str] = []

    if code:
        tools, why = await asyncio.to_thread(toolchain)
        if tools is None:
            runs += [ToolRun("eslint", False, skipped=why), ToolRun("duplication", False, skipped=why)]
        else:
            (lint, lint_run), (dup, dup_run) = await asyncio.gather(
                eslint(Path(ws.out_dir), tools, code, texts), duplication(Path(ws.out_dir), tools, code, baseline))
            findings += lint + dup
            runs += [lint_run, dup_run]
    else:
        runs += [ToolRun("eslint", False, skipped="no code files"), ToolRun("duplication", False, skipped="no code files")]

    backend_files = {p: t for p, t in texts.items() if p.startswith("backend/src/")}
    if spec.backend and "backend/src/app.ts" in backend_files:
        t1 = time.monotonic()
        openapi = texts.get("docs/openapi.json")
        findings += await asyncio.to_thread(check_routes, spec, backend_files, baseline, openapi)
        runs.append(ToolRun("routes", True, round(time.monotonic() - t1, 2), len(backend_files)))
    else:
        runs.append(ToolRun("routes", False, skipped="no backend routes written in this run"))

    if ws.ask is not None:
        t1 = time.monotonic()
        diffs = [d for tid in sorted(inputs) if tid in baselines
                 for d in [reviewer.task_diff(ws.plan.task(tid), baselines[tid], {p: texts[p] for p in inputs[tid] if p in texts})] if d]
        gate = asyncio.Semaphore(3)

        async def one(diff: Any) -> tuple[list[Finding], list[str]]:
            async with gate:
                return await reviewer.review_task(ws.ask, diff, spec, list(last.get("findings") or []), task.id)

        for found, more in await asyncio.gather(*(one(d) for d in diffs)):
            findings += found
            notes += more
        runs.append(ToolRun("model", True, round(time.monotonic() - t1, 2), len(diffs),
                            detail="" if diffs else "every task's files are the offline baseline: nothing to ask"))

    for f in findings:
        f.owner = f.owner or owner_of.get(f.file, "")
    decided = decide_fates(findings, list(last.get("findings") or []), pass_no, rounds)
    sent = routed(decided)
    report = {"review": {"pass": pass_no, "rounds": rounds.done + (1 if sent else 0), "max_rounds": rounds.allowed,
                         "files": len(texts), "seconds": round(time.monotonic() - t0, 2),
                         "counts": counts(f.as_dict() for f in decided), "findings": [f.as_dict() for f in decided],
                         "tools": [r.as_dict() for r in runs], "notes": notes}}
    if sent:
        raise ReviewBlocked(decided, report)
    text = await asyncio.to_thread(said.review_markdown, spec, report["review"])  # reads its template: off the event loop
    return AgentResult({REVIEW_FILE: text}, report)
