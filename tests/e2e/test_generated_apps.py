"""Apps from different requests, generated offline and verified for real inside the graph:
install, type-check, lint, unit/API/component tests, build, and the browser test in Chromium,
every step inside the bubblewrap sandbox (the default when it is there)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from autodevos.agents import registry, render
from autodevos.graph.runner import RunSettings, start_run

REQUESTS = {
    "clinic": "A clinic app with patients, doctors and appointments; users must log in",
    "tracker": "issue tracker with projects, issues (title, priority (low/medium/high), due date) and comments on issues",
    "vague": "make me a website",
    "api": "An API only for books and authors",
    "events": "Event planner: events (title, starts at, location, is public) and attendees (name, email)",
}


def run_app(tmp_path: Path, request: str, agents=None):
    s = RunSettings(request=request, out_dir=str(tmp_path / "app"), db_path=str(tmp_path / "db.sqlite"), force=True)
    return asyncio.run(start_run(s, agents=agents))


def steps_of(result) -> dict[tuple[str, str], dict]:
    return {(s["package"], s["step"]): s for s in result.tasks["verify"]["report"]}


@pytest.mark.e2e
@pytest.mark.parametrize("name", list(REQUESTS))
def test_generated_app_passes_verify(name, tmp_path, npm, chromium, sandbox):
    result = run_app(tmp_path, REQUESTS[name])
    verify = result.tasks["verify"]
    assert result.ok, json.dumps(verify.get("report"), indent=1)[-6000:]
    steps = steps_of(result)
    spec = result.plan["spec"]
    packages = ["backend"] + (["frontend"] if spec["frontend"] else [])
    for pkg in packages:
        for step in ("install", "typecheck", "lint", "format:check", "test", "build"):
            assert steps[(pkg, step)]["ok"] and not steps[(pkg, step)]["skipped"], (pkg, step)
    if spec["frontend"]:
        e2e = steps[("frontend", "e2e")]
        assert e2e["ok"] and not e2e["skipped"], e2e
    assert {s["sandbox"] for s in steps.values() if not s["skipped"]} == {"bwrap"}, steps
    # every entity the request named has its API exercised by the backend tests that just passed
    app = tmp_path / "app"
    test_output = steps[("backend", "test")]["output"]
    for entity in spec["entities"]:
        slug = re.sub(r"(?<!^)(?=[A-Z])", "-", entity["plural"]).lower()
        test_file = app / "backend" / "tests" / f"{slug}.test.ts"
        assert test_file.is_file(), test_file
        assert f"/api/{slug}" in test_file.read_text()
        assert f"{slug}.test.ts" in test_output
    assert "failed" not in test_output.lower().replace("0 failed", "")


@pytest.mark.e2e
def test_broken_backend_file_routes_back_to_backend_and_is_repaired(tmp_path, npm):
    calls: list[str | None] = []

    async def backend(task, spec, ws):
        calls.append(ws.feedback)
        files = render.render_backend(spec)
        if len(calls) == 1:  # the first answer breaks a service on purpose
            path = next(p for p in files if p.startswith("backend/src/services/") and "auth" not in p)
            files[path] += "\nexport const broken: number = 'not a number';\n"
        return files

    agents = {**registry.works(), "backend": backend}
    s = RunSettings(request="a todo app with tags", out_dir=str(tmp_path / "app"), db_path=str(tmp_path / "db.sqlite"),
                    force=True, browser=False)
    result = asyncio.run(start_run(s, agents=agents))
    assert result.ok, result.tasks["verify"]
    assert len(calls) == 2 and calls[0] is None
    assert "npm run typecheck" in calls[1] and "TS2322" in calls[1] and "src/services/" in calls[1]
    assert any("task 'backend' runs again" in n for n in result.notes)
    assert "broken" not in "".join(p.read_text() for p in (tmp_path / "app" / "backend" / "src" / "services").iterdir())
