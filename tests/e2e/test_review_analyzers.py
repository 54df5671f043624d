"""The code review with its real analyzers (ESLint + eslint-plugin-security, jscpd, the routes check),
offline, on an app with injected flaws: an `eval` in a service and a route the spec does not have.
They go back to the backend and are fixed; or, when the backend cannot fix them, they are listed
(gave up) in REVIEW.md; either way `status` shows each finding and its fate."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from autodevos.agents import registry
from autodevos.agents.codegen import AgentResult
from autodevos.agents.review import tools
from autodevos.domain.dag import Plan, Task
from autodevos.domain.spec import AppSpec, Entity, Field
from autodevos.graph.runner import RunSettings, start_run
from autodevos.main import app
from typer.testing import CliRunner

pytestmark = pytest.mark.e2e

SPEC = AppSpec(name="notes", title="Notes", frontend=False,
               entities=[Entity(name="Note", fields=[Field(name="title"), Field(name="body", type="text")])])
EVAL = "\n/** Works out a formula typed by the user. */\nexport function evaluate(formula: string): unknown {\n  return eval(formula);\n}\n"
DEBUG_ROUTE = ('import express from "express";\n\nexport function debugRouter(): express.Router {\n'
               '  const router = express.Router();\n  router.get("/", (_req, res) => {\n    res.json({ env: process.env });\n  });\n'
               '  return router;\n}\n')


class FlawedBackend:
    """The offline backend plus two flaws, until it has been told `fixes_after` times what the review found."""

    def __init__(self, fixes_after: int | None):
        self.fixes_after = fixes_after
        self.feedback: list[str | None] = []

    async def __call__(self, task, spec, ws):
        self.feedback.append(ws.feedback)
        files = registry.get("backend").render(spec)
        if self.fixes_after is not None and sum(1 for f in self.feedback if f) >= self.fixes_after:
            return AgentResult(files, remove=[p for p in ws.previous if p not in files])
        app_ts = files["backend/src/app.ts"].replace(
            'import express from "express";', 'import express from "express";\nimport { debugRouter } from "./routes/debug.js";')
        app_ts = app_ts.replace("  app.use(notFoundHandler);", '  app.use("/api/debug", debugRouter());\n  app.use(notFoundHandler);')
        return {**files, "backend/src/app.ts": app_ts, "backend/src/routes/debug.ts": DEBUG_ROUTE,
                "backend/src/services/notes.ts": files["backend/src/services/notes.ts"] + EVAL}


def run(tmp_path, backend: FlawedBackend, max_repairs: int = 2):
    tasks = [Task(id="backend", agent="backend"), Task(id="devops", agent="devops"),
             Task(id="tests", agent="tests", depends_on=["backend"]),
             Task(id="code_review", agent="code_review", depends_on=["devops", "tests"])]
    works = registry.works()
    agents = {"backend": backend, **{n: works[n] for n in ("devops", "tests", "code_review")}}
    settings = RunSettings(request="notes", out_dir=str(tmp_path / "app"), db_path=str(tmp_path / "db.sqlite"),
                           plan=Plan(spec=SPEC, tasks=tasks).model_dump(), force=True, verify=False, max_repairs=max_repairs)
    return asyncio.run(start_run(settings, thread_id="cr", agents=agents))


def status_json(tmp_path) -> dict:
    out = CliRunner().invoke(app, ["status", "cr", "--db", str(tmp_path / "db.sqlite"), "--json"], catch_exceptions=False).stdout
    return json.loads(out[out.index("{"):])


def test_an_eval_and_a_route_outside_the_spec_go_back_and_are_fixed(npm, tmp_path):
    backend = FlawedBackend(fixes_after=1)
    t0 = time.monotonic()
    result = run(tmp_path, backend)
    took = time.monotonic() - t0
    assert result.ok, result.tasks
    review = result.tasks["code_review"]["report"]["review"]
    assert {t["name"]: t["ok"] for t in review["tools"]} == {"eslint": True, "duplication": True, "routes": True}, review["tools"]
    told = backend.feedback[1]
    assert "backend/src/services/notes.ts" in told and "eslint: no-eval" in told and "/api/debug" in told
    fates = {(f["source"], f["rule"]): f["fate"] for f in review["findings"]}
    assert fates[("eslint", "no-eval")] == "fixed" and fates[("routes", "route-not-in-spec")] == "fixed"
    assert fates[("eslint", "security/detect-eval-with-expression")] == "fixed"
    assert "eval(" not in (tmp_path / "app" / "backend" / "src" / "services" / "notes.ts").read_text()
    assert "## Fixed during the review" in (tmp_path / "app" / "REVIEW.md").read_text()
    rows = {(r["rule"], r["fate"]) for r in status_json(tmp_path)["review"]}
    assert {("no-eval", "fixed"), ("route-not-in-spec", "fixed")} <= rows
    print(f"\ntwo review passes and a backend repair: {took:.1f} s; review passes: {review['seconds']} s (last)")


def test_flaws_the_backend_keeps_are_listed_once_the_rounds_are_used_up(npm, tmp_path):
    backend = FlawedBackend(fixes_after=None)
    result = run(tmp_path, backend, max_repairs=1)
    assert result.ok, result.tasks  # the app is kept; the findings are listed
    assert len(backend.feedback) == 2
    review = result.tasks["code_review"]["report"]["review"]
    gave_up = {f["rule"] for f in review["findings"] if f["fate"] == "gave up"}
    assert {"no-eval", "route-not-in-spec"} <= gave_up
    text = (tmp_path / "app" / "REVIEW.md").read_text()
    assert "## Blocking, not fixed" in text and "backend/src/services/notes.ts" in text
    shown = CliRunner().invoke(app, ["status", "cr", "--db", str(tmp_path / "db.sqlite")], catch_exceptions=False)
    assert "gave up" in shown.stdout and "not fixed" in shown.stderr


def test_the_toolchain_is_installed_once_and_reused(npm):
    first, why = tools.toolchain()
    assert first is not None, why
    t0 = time.monotonic()
    again, _ = tools.toolchain()
    assert again == first and time.monotonic() - t0 < 0.5
