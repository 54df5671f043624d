"""A model-written app, verified for real (npm install, typecheck, lint, test, build), against the
scripted OpenAI-compatible server on 127.0.0.1; and the repair loop with a model: a backend file
that fails type-checking goes back to the model with the error; a model that never fixes it ends
with the last files known to pass restored and an honest failure."""

from __future__ import annotations

import json
import subprocess

import pytest
from autodevos.domain.spec import AppSpec, Entity, Field
from autodevos.main import app
from typer.testing import CliRunner

from tests.model_script import ByRole, files_answer, small_edits
from tests.openai_server import ScriptedOpenAI

SPEC = AppSpec(name="gadget-api", title="Gadget API", frontend=False,
               entities=[Entity(name="Gadget", fields=[Field(name="label"), Field(name="price", type="number")])])
BROKEN = files_answer({"backend/src/about.ts": 'export const ABOUT: number = "written by the model";\n'})
FIXED = files_answer({"backend/src/about.ts": 'export const ABOUT: string = "written by the model";\n'})


@pytest.fixture(autouse=True)
def _key(monkeypatch, sandbox):  # model-written code is verified only inside the sandbox
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-model-app")


def run(server, tmp_path, *extra: str):
    result = CliRunner().invoke(app, [
        "run", "a gadget API", "--model", "openai:test-model", "--base-url", server.base_url, "--out", str(tmp_path / "app"),
        "--db", str(tmp_path / "db.sqlite"), "--json", "--no-browser", *extra], catch_exceptions=False)
    text = result.stdout
    return result, json.loads(text[text.index("{"):])


def verify_steps(data) -> dict[str, bool]:
    return {f"{s['package']}:{s['step']}": s["ok"] for s in data["tasks"]["verify"]["report"] if not s.get("skipped")}


def test_model_written_app_passes_verify(tmp_path):
    script = ByRole(small_edits(SPEC))
    with ScriptedOpenAI([script]) as server:
        result, data = run(server, tmp_path)
    assert result.exit_code == 0, result.output
    assert set(script.asked) == {"planner", "backend", "tests", "docs", "devops", "code_review"}  # the reviewer reads the diffs
    steps = verify_steps(data)
    assert steps and all(steps.values()), steps
    assert {"backend:install", "backend:typecheck", "backend:lint", "backend:test", "backend:build"} <= set(steps)
    assert (tmp_path / "app" / "backend" / "tests" / "about.test.ts").is_file()  # the model's test ran in `npm test`


def test_a_type_error_goes_back_to_the_model_and_its_fix_passes(tmp_path):
    script = ByRole({**small_edits(SPEC), "backend": [BROKEN, FIXED]})
    with ScriptedOpenAI([script]) as server:
        result, data = run(server, tmp_path)
        backend_asks = [r for r in server.requests if "You are the backend" in json.dumps(r["messages"])]
    assert result.exit_code == 0, result.output
    assert script.asked["backend"] == 2
    assert "TS2322" in json.dumps(backend_asks[1]["messages"])  # the second ask carried the type error
    assert any("verify failed: task 'backend' runs again" in n for n in data["notes"])
    assert data["tasks"]["backend"]["attempts"] == 2 and data["tasks"]["verify"]["attempts"] == 2
    assert all(verify_steps(data).values())
    assert 'ABOUT: string' in (tmp_path / "app" / "backend" / "src" / "about.ts").read_text()


def test_a_model_that_never_fixes_it_ends_restored_and_failed(tmp_path):
    script = ByRole({**small_edits(SPEC), "backend": [BROKEN]})
    with ScriptedOpenAI([script]) as server:
        result, data = run(server, tmp_path, "--max-repairs", "1")
    assert result.exit_code == 1, result.output  # an honest failure
    assert data["status"] == "failed" and data["tasks"]["verify"]["status"] == "failed"
    restored = [n for n in data["notes"] if n.startswith("verify still fails")]
    assert restored and "backend" in restored[0] and "model-added removed" in restored[0]
    backend = tmp_path / "app" / "backend"
    assert not (backend / "src" / "about.ts").exists()  # the model's broken file is gone ...
    check = subprocess.run(["npm", "run", "typecheck"], cwd=backend, capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr  # ... and what is left type-checks again


RULE = "The about text says the model wrote it"
RULE_TEST = ('import { describe, expect, it } from "vitest";\nimport { ABOUT } from "../src/about.js";\n\n'
             'describe("rules", () => {\n  it("rule: The about text says the model wrote it", () => {\n'
             '    expect(ABOUT).toContain("model");\n  });\n});\n')


def test_each_rule_is_checked_by_its_acceptance_test_and_a_missing_one_goes_back_to_the_tests_agent(tmp_path):
    from autodevos.domain.spec import Rule
    from tests.model_script import plan_answer

    spec = SPEC.model_copy(update={"rules": [Rule(text=RULE, entities=["Gadget"])]})
    first = json.loads(small_edits(spec)["tests"][0])  # about.test.ts only: the rule has no test yet
    second = files_answer({**{f["path"]: f["content"] for f in first["files"]}, "backend/tests/rules.test.ts": RULE_TEST})
    script = ByRole({**small_edits(spec), "planner": [plan_answer(spec)], "tests": [json.dumps(first), second]})
    with ScriptedOpenAI([script]) as server:
        result, data = run(server, tmp_path)
        tests_asks = [r for r in server.requests if "You are the tests agent" in json.dumps(r["messages"])]
    assert result.exit_code == 0, result.output
    assert script.asked["tests"] == 2  # the verify step `rules` found no test named after the rule
    assert "missing: rule: The about text says the model wrote it" in json.dumps(tests_asks[1]["messages"])
    assert data["rules"] == [{"text": RULE, "kind": "rule", "entities": ["Gadget"], "status": "passed",
                              "test": "backend/tests/rules.test.ts"}]
    rules_row = next(s for s in data["tasks"]["verify"]["report"] if s["step"] == "rules")
    assert rules_row["ok"] and rules_row["rules"][0]["status"] == "passed"
    assert not any("needs a model" in line for line in data["understood"]["not_built"])
