"""The code review between the code agents and verify: blocking findings go back to the task that
wrote the file, bounded like repairs; every finding keeps its fate in the task ledger and shows in
`status`; a person can skip the review in step mode and verify still runs.

The analyzers that need the review's npm toolchain (ESLint, jscpd) are tested in
tests/e2e/test_code_review.py; here the routes check (pure Python) finds the injected flaws."""

from __future__ import annotations

import asyncio
import json

import pytest
from autodevos.agents import registry
from autodevos.agents.codegen import AgentResult
from autodevos.agents.review import tools
from autodevos.domain.dag import Plan, Task
from autodevos.domain.spec import AppSpec, Entity, Field
from autodevos.graph.runner import RunSettings, answer_pause, start_run
from autodevos.main import app
from typer.testing import CliRunner

SPEC = AppSpec(name="notes", title="Notes", entities=[Entity(name="Note", fields=[Field(name="title")])])
DEBUG_ROUTE = ('import express from "express";\n\nexport function debugRouter(): express.Router {\n'
               '  const router = express.Router();\n  router.get("/", (_req, res) => {\n    res.json({ ok: true });\n  });\n'
               '  return router;\n}\n')


@pytest.fixture(autouse=True)
def no_npm_tools(monkeypatch):
    """The routes check only (ESLint and jscpd need the review's toolchain: tests/e2e)."""
    monkeypatch.setattr(tools, "toolchain", lambda timeout=300: (None, "not in this test"))


def plan(*, with_verify: bool = False) -> dict:
    tasks = [Task(id="backend", agent="backend"), Task(id="devops", agent="devops"),
             Task(id="tests", agent="tests", depends_on=["backend"]),
             Task(id="code_review", agent="code_review", depends_on=["devops", "tests"])]
    if with_verify:
        tasks.append(Task(id="verify", agent="verify", depends_on=["devops", "tests", "code_review"]))
    return Plan(spec=SPEC.model_copy(update={"frontend": False}), tasks=tasks).model_dump()


class FlawedBackend:
    """The offline backend with a route the spec does not have, until `fixes_after` calls with review feedback."""

    def __init__(self, fixes_after: int | None = 1):
        self.fixes_after = fixes_after
        self.feedback: list[str | None] = []
        self.render = registry.get("backend").render

    async def __call__(self, task, spec, ws):
        self.feedback.append(ws.feedback)
        files = self.render(spec)
        told = sum(1 for f in self.feedback if f and "code review" in f)
        if self.fixes_after is not None and told >= self.fixes_after:
            return AgentResult(files, remove=[p for p in ws.previous if p not in files])
        app_ts = files["backend/src/app.ts"]
        app_ts = app_ts.replace('import express from "express";', 'import express from "express";\nimport { debugRouter } from "./routes/debug.js";')
        app_ts = app_ts.replace("  app.use(notFoundHandler);", '  app.use("/api/debug", debugRouter());\n  app.use(notFoundHandler);')
        return {**files, "backend/src/app.ts": app_ts, "backend/src/routes/debug.ts": DEBUG_ROUTE}


def agents(backend, verify=None) -> dict:
    works = registry.works()
    found = {name: works[name] for name in ("devops", "tests", "code_review")}
    found["backend"] = backend
    if verify is not None:
        found["verify"] = verify
    return found


def run(tmp_path, backend, max_repairs: int = 2, **extra):
    settings = RunSettings(request="notes", out_dir=str(tmp_path / "app"), db_path=str(tmp_path / "db.sqlite"),
                           plan=plan(), retry_interval=0.01, force=True, verify=False, max_repairs=max_repairs, **extra)
    return asyncio.run(start_run(settings, thread_id="r1", agents=agents(backend)))


def findings(result) -> list[dict]:
    return result.tasks["code_review"]["report"]["review"]["findings"]


def test_a_route_the_spec_does_not_have_goes_back_to_the_backend_and_is_fixed(tmp_path):
    backend = FlawedBackend(fixes_after=1)
    result = run(tmp_path, backend)
    assert result.ok, result.tasks
    assert len(backend.feedback) == 2 and backend.feedback[0] is None
    told = backend.feedback[1]
    assert "code review (round 1 of 2" in told and "backend/src/app.ts:" in told and "/api/debug" in told
    route = next(f for f in findings(result) if f["rule"] == "route-not-in-spec")
    assert route["fate"] == "fixed" and route["owner"] == "backend" and route["first"] == 1 and route["round"] == 2
    assert result.tasks["code_review"]["attempts"] == 2 and result.tasks["tests"]["attempts"] == 2
    assert result.tasks["devops"]["attempts"] == 1  # not after the backend: not run again
    assert not (tmp_path / "app" / "backend" / "src" / "routes" / "debug.ts").exists()
    review_md = (tmp_path / "app" / "REVIEW.md").read_text()
    assert "## Fixed during the review" in review_md and "/api/debug" in review_md
    assert any("1 blocking finding goes back to backend" in n for n in result.notes)

    shown = CliRunner().invoke(app, ["status", "r1", "--db", str(tmp_path / "db.sqlite")], catch_exceptions=False)
    assert shown.exit_code == 0 and "Code review (1 fixed)" in shown.stdout and "/api/debug is" in shown.stdout
    data = CliRunner().invoke(app, ["status", "r1", "--db", str(tmp_path / "db.sqlite"), "--json"], catch_exceptions=False).stdout
    rows = json.loads(data[data.index("{"):])["review"]
    assert {(r["rule"], r["fate"]) for r in rows} == {("route-not-in-spec", "fixed")}


def test_blocking_findings_are_bounded_then_listed_as_given_up(tmp_path):
    backend = FlawedBackend(fixes_after=None)
    result = run(tmp_path, backend, max_repairs=2)
    assert result.ok, result.tasks  # the review gave up: the app is built, the findings are listed
    assert len(backend.feedback) == 3  # the first run and two rounds
    assert "round 2 of 2" in backend.feedback[2]
    review = result.tasks["code_review"]["report"]["review"]
    assert review["pass"] == 3 and review["rounds"] == 2
    route = next(f for f in review["findings"] if f["rule"] == "route-not-in-spec")
    assert route["fate"] == "gave up" and route["first"] == 1 and route["round"] == 3
    assert "## Blocking, not fixed" in (tmp_path / "app" / "REVIEW.md").read_text()

    shown = CliRunner().invoke(app, ["status", "r1", "--db", str(tmp_path / "db.sqlite")], catch_exceptions=False)
    assert "gave up" in shown.stdout and "blocking review finding(s) are not fixed" in shown.stderr


def test_no_rounds_no_routing_the_finding_is_listed(tmp_path):
    backend = FlawedBackend(fixes_after=None)
    result = run(tmp_path, backend, max_repairs=0)
    assert result.ok and len(backend.feedback) == 1
    route = next(f for f in findings(result) if f["rule"] == "route-not-in-spec")
    assert route["fate"] == "listed" and route["severity"] == "blocking"
    assert "## Blocking, listed" in (tmp_path / "app" / "REVIEW.md").read_text()


def test_verify_waits_for_the_review_and_is_skipped_while_findings_go_back(tmp_path):
    backend = FlawedBackend(fixes_after=1)
    verified: list[bool] = []

    async def verify(task, spec, ws):
        verified.append("debug" in (tmp_path / "app" / "backend" / "src" / "app.ts").read_text())
        return AgentResult({}, [])

    settings = RunSettings(request="notes", out_dir=str(tmp_path / "app"), db_path=str(tmp_path / "db.sqlite"),
                           plan=plan(with_verify=True), retry_interval=0.01, force=True)
    result = asyncio.run(start_run(settings, thread_id="v1", agents=agents(backend, verify)))
    assert result.ok, result.tasks
    assert verified == [False]  # once, after the fix: never on the flawed app


def test_a_person_can_skip_the_review_in_step_mode_and_verify_still_runs(tmp_path):
    verified: list[int] = []

    async def verify(task, spec, ws):
        verified.append(1)
        return AgentResult({}, [])

    db = str(tmp_path / "db.sqlite")
    settings = RunSettings(request="notes", out_dir=str(tmp_path / "app"), db_path=db, plan=plan(with_verify=True),
                           retry_interval=0.01, force=True, approval="step")
    works = agents(FlawedBackend(fixes_after=None), verify)
    result = asyncio.run(start_run(settings, thread_id="s1", agents=works))
    asked = []
    while result.status == "interrupted":
        question = result.pending[0]
        task = question.get("task")
        task_id = task["id"] if isinstance(task, dict) else task
        asked.append((question["kind"], task_id))
        skip = question["kind"] == "task" and task_id == "code_review"
        result = asyncio.run(answer_pause("s1", db, {"action": "skip" if skip else "approve"}, agents=works))
    assert ("task", "code_review") in asked and ("task", "verify") in asked
    assert result.tasks["code_review"]["status"] == "skipped" and result.tasks["verify"]["status"] == "completed"
    assert verified == [1]
