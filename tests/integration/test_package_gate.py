"""A model-written package.json that asks for what the generator does not (here a dependency) stops
verify before anything is installed: a person approves it (verify runs again, trusting those exact
files), rejects it (it goes back to the model with the findings), or the run trusts the model.
The real graph and SQLite, the scripted model server on 127.0.0.1; verify's npm part is replaced
by a recorder (the refusal before it is the real one)."""

from __future__ import annotations

import asyncio
import json

import pytest
from autodevos.agents import registry, verify
from autodevos.agents.render import render_backend
from autodevos.domain.dag import Plan, Task
from autodevos.graph.runner import RunSettings, answer_pause, start_run

from tests.model_cli import SPEC
from tests.model_script import ByRole, files_answer
from tests.openai_server import ScriptedOpenAI

BASE = render_backend(SPEC)["backend/package.json"]
WITH_DEP = json.dumps({**json.loads(BASE), "dependencies": {**json.loads(BASE)["dependencies"], "left-pad": "^1.3.0"}}, indent=2)


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-package-gate")


@pytest.fixture
def installs(monkeypatch):
    """Verify's npm part: records that it ran (and with which policy), passes."""
    ran: list[dict] = []

    async def fake(app_dir, browser=True, sandbox="auto", model_written=False, rules=()):
        ran.append({"sandbox": sandbox, "model_written": model_written,
                    "package.json": (app_dir / "backend" / "package.json").read_text()})
        return [verify.StepResult("backend", "install", True, 0.1, "", sandbox="bwrap")]

    monkeypatch.setattr(verify, "verify_app", fake)
    return ran


def settings(tmp_path, server, **extra) -> RunSettings:
    plan = registry.default_plan(SPEC)
    plan = Plan(spec=SPEC, tasks=[*plan.tasks, Task(id="verify", agent="verify", depends_on=["tests", "devops"])])
    return RunSettings(request="a shop for widgets", out_dir=str(tmp_path / "app"), db_path=str(tmp_path / "db.sqlite"),
                       plan=plan.model_dump(), models={"backend": f"openai:test-model@{server.base_url}"}, call_timeout=2,
                       browser=False, retry_interval=0.01, **extra)


def test_the_run_pauses_before_installing_and_an_approval_lets_verify_run(tmp_path, installs):
    script = ByRole({"backend": [files_answer({"backend/package.json": WITH_DEP})]})
    with ScriptedOpenAI([script]) as server:
        s = settings(tmp_path, server)
        paused = asyncio.run(start_run(s))
        assert paused.status == "interrupted" and installs == []  # nothing installed or run
        question = paused.pending[0]
        assert question["kind"] == "packages" and list(question["files"]) == ["backend/package.json"]
        assert "dependency left-pad@^1.3.0 (dependencies) is not one the generator uses" in question["findings"]
        done = asyncio.run(answer_pause(paused.thread_id, s.db_path, {"action": "approve", "who": "reviewer"}))
    assert done.ok, done.tasks
    assert len(installs) == 1 and "left-pad" in installs[0]["package.json"] and installs[0]["model_written"]
    assert script.asked["backend"] == 1  # approved: not sent back
    assert [(d["gate"], d["action"], d["who"]) for d in done.decisions] == [("packages", "approve", "reviewer")]
    assert any("package files approved by reviewer" in n for n in done.notes)


def test_a_rejection_sends_the_findings_to_the_model_and_its_fix_passes(tmp_path, installs):
    script = ByRole({"backend": [files_answer({"backend/package.json": WITH_DEP}), files_answer({"backend/package.json": BASE})]})
    with ScriptedOpenAI([script]) as server:
        s = settings(tmp_path, server)
        paused = asyncio.run(start_run(s))
        assert paused.status == "interrupted" and paused.pending[0]["kind"] == "packages"
        done = asyncio.run(answer_pause(paused.thread_id, s.db_path, {"action": "reject"}))
        second_ask = [r for r in server.requests if "You are the backend" in json.dumps(r["messages"])][-1]
    assert done.ok, done.tasks
    assert script.asked["backend"] == 2
    assert "left-pad@^1.3.0" in json.dumps(second_ask["messages"])  # the repair carried the findings
    assert len(installs) == 1 and "left-pad" not in installs[0]["package.json"]


def test_trust_model_runs_it_without_asking_and_offline_runs_are_not_reviewed(tmp_path, installs):
    script = ByRole({"backend": [files_answer({"backend/package.json": WITH_DEP})]})
    with ScriptedOpenAI([script]) as server:
        trusted = asyncio.run(start_run(settings(tmp_path, server, trust_model=True)))
    assert trusted.ok and not trusted.decisions and "left-pad" in installs[0]["package.json"]
    plan = Plan(spec=SPEC, tasks=[*registry.default_plan(SPEC).tasks, Task(id="verify", agent="verify", depends_on=["tests"])])
    offline = asyncio.run(start_run(RunSettings(request="x", out_dir=str(tmp_path / "off"), db_path=str(tmp_path / "off.sqlite"),
                                                plan=plan.model_dump(), browser=False, sandbox="required")))
    assert offline.ok and installs[1] == {**installs[1], "sandbox": "required", "model_written": False}
