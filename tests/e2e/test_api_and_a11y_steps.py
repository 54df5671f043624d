"""schemathesis and axe as verify rows, for real: a small app with accounts, built offline through the
graph and verified in the sandbox, has a `backend schemathesis` row (its built backend fuzzed
against docs/openapi.json with every check, a registered user's token on each request) and a
`frontend axe` row (the page states the browser test checked), both passing. Then the same app with
one generated route patched to answer 500 for some input: the schemathesis row fails with the
finding, names the backend as its owner, and the repair router sends it to the backend task.

About 3 minutes on two cores with a warm npm cache (the verify ~2.5, the broken backend ~1).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from autodevos.agents import apicheck, verify
from autodevos.agents.sandbox import decide, prepare
from autodevos.graph.routing import plan_repair
from autodevos.graph.runner import RunSettings, start_run

pytestmark = pytest.mark.e2e

SPEC = {"name": "notes", "title": "Notes", "auth": True, "description": "Notes a user keeps.",
        "entities": [{"name": "Note", "fields": [{"name": "title", "max_length": 80}, {"name": "pinned", "type": "boolean"}]}]}


@pytest.fixture(scope="module")
def verified(tmp_path_factory: pytest.TempPathFactory, npm, chromium, sandbox):
    tool, why = apicheck.ensure_tool()  # what verify does on first use: its own environment, from the index
    if tool is None:
        pytest.fail(why)
    root = tmp_path_factory.mktemp("notes")
    settings = RunSettings(request="", spec_override=SPEC, out_dir=str(root / "app"), db_path=str(root / "db.sqlite"), force=True)
    result = asyncio.run(start_run(settings, agents=None))
    return root / "app", result


def test_schemathesis_and_axe_rows_exist_and_pass(verified):
    app, result = verified
    report = result.tasks["verify"].get("report") or []
    assert result.ok, json.dumps(report, indent=1)[-6000:]
    rows = {(s["package"], s["step"]): s for s in report}
    st, axe = rows[("backend", "schemathesis")], rows[("frontend", "axe")]
    assert st["ok"] and not st["skipped"] and st["sandbox"] == "bwrap", st
    assert axe["ok"] and not axe["skipped"] and axe["sandbox"] == "bwrap", axe
    cases = int(st["summary"].split(" test cases")[0])
    states = int(axe["summary"].split(" page states")[0])
    assert cases > 300 and st["summary"].endswith("0 failures")
    assert states >= 4 and axe["summary"] == f"{states} page states checked, 0 violations"
    assert "the login screen" in axe["output"]
    assert not (app / "frontend" / ".axe-report.json").exists()  # read and removed
    e2e = rows[("frontend", "e2e")]
    print(f"\n[notes] schemathesis: {cases} test cases in {st['seconds']:.1f} s ({st['summary']}); "
          f"axe: {states} page states (browser test {e2e['seconds']:.1f} s)")


def test_a_route_that_answers_500_fails_the_schemathesis_row_for_the_backend(verified, tmp_path):
    app, result = verified
    broken = tmp_path / "app"
    shutil.copytree(app, broken, symlinks=True)
    controller = broken / "backend" / "src" / "controllers" / "notes.ts"
    text = controller.read_text(encoding="utf-8")
    assert "create(req, res) {" in text, text
    controller.write_text(text.replace(
        "create(req, res) {", 'create(req, res) {\n      if (String(req.body?.title ?? "").length > 5) throw new Error("boom");', 1))

    async def build_and_check():
        box = await asyncio.to_thread(lambda: prepare(decide("required", True), broken, verify._tools(),
                                                      Path(tempfile.mkdtemp(dir=tmp_path))))
        code, out = await verify.run_cmd(["npm", "run", "--silent", "build"], broken / "backend", 300, box=box)
        assert code == 0, out
        return await verify.schemathesis_step(broken, box, built=True)

    [row] = asyncio.run(build_and_check())
    assert not row.ok and row.owner == "backend" and row.sandbox == "bwrap"
    assert "ST101 Server error" in row.summary and "POST /api/notes" in row.summary, row.output
    assert "boom" in row.output  # the backend's log, with the error, comes with the finding
    print(f"\n[notes, broken] schemathesis: {row.summary} ({row.seconds:.1f} s)")

    failed = verify.VerifyError([verify.StepResult("backend", "build", True, 1.0), row])
    state = {"plan": result.plan, "tasks": {**result.tasks, "verify": {**result.tasks["verify"], "status": "failed",
                                                                       "report": failed.report}}}
    owner, again, text = plan_repair(state, max_repairs=2)
    backend_task = next(t["id"] for t in result.plan["tasks"] if t["agent"] == "backend")
    assert owner == backend_task and "verify" in again
    assert text.startswith("verify step `schemathesis` in backend/ failed") and "ST101" in text
