"""--sandbox on a machine without one: a model run stops before anything with one line saying how
to get a sandbox (or to pass --sandbox off); `required` does the same for any run; under the
graph alone (Studio, a library caller) the verify task refuses with that line instead. bubblewrap
is made unavailable by replacing its probe, so this runs anywhere."""

from __future__ import annotations

import asyncio

import pytest
from autodevos.agents import registry, sandbox
from autodevos.domain.dag import Plan, Task
from autodevos.graph.runner import RunSettings, start_run

from tests.model_cli import SPEC, cli
from tests.model_script import ByRole, small_edits
from tests.openai_server import ScriptedOpenAI


@pytest.fixture(autouse=True)
def no_sandbox(monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: sandbox.Availability(False, "bubblewrap (bwrap) is not installed"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-sandbox-policy")


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    return lines[0]


def test_a_model_run_stops_before_anything_and_says_how_to_get_a_sandbox(tmp_path):
    with ScriptedOpenAI([ByRole(small_edits(SPEC))]) as server:
        result, _ = cli("run", "a shop for widgets", "--model", "openai:test-model", "--base-url", server.base_url,
                        "--out", str(tmp_path / "app"), "--db", str(tmp_path / "db.sqlite"))
        asked = server.total_requests
    line = one_line_error(result)
    assert "verify runs model-written code only inside a sandbox; bubblewrap (bwrap) is not installed" in line
    assert "apt-get install bubblewrap" in line and "--sandbox off" in line
    assert asked == 0 and not (tmp_path / "app").exists()


def test_required_stops_any_run_and_off_or_no_verify_go_ahead(tmp_path):
    line = one_line_error(cli("run", "a todo app", "--sandbox", "required", "--out", str(tmp_path / "a"),
                              "--db", str(tmp_path / "db.sqlite"))[0])
    assert "--sandbox required: verify runs the app only inside a sandbox" in line
    bad = one_line_error(cli("run", "a todo app", "--sandbox", "maybe", "--no-verify", "--out", str(tmp_path / "b"))[0])
    assert "--sandbox 'maybe': use one of auto, required, off" in bad
    for flags in (("--no-verify",), ("--no-verify", "--sandbox", "required")):
        result, _ = cli("run", "a todo app", "--out", str(tmp_path / "c"), "--db", str(tmp_path / "db.sqlite"), "--force", *flags)
        assert result.exit_code == 0, result.output


def test_under_the_graph_alone_the_verify_task_refuses_with_the_same_line(tmp_path):
    plan = Plan(spec=SPEC, tasks=[*registry.default_plan(SPEC).tasks, Task(id="verify", agent="verify", depends_on=["tests"])])
    with ScriptedOpenAI([ByRole(small_edits(SPEC))]) as server:
        settings = RunSettings(request="a shop for widgets", out_dir=str(tmp_path / "app"), db_path=str(tmp_path / "db.sqlite"),
                               plan=plan.model_dump(), models={"backend": f"openai:test-model@{server.base_url}"}, call_timeout=2,
                               retry_interval=0.01)
        result = asyncio.run(start_run(settings))
    verify = result.tasks["verify"]
    assert verify["status"] == "failed" and verify["attempts"] == 1  # permanent: not retried
    assert "SandboxUnavailable" in verify["error"] and "apt-get install bubblewrap" in verify["error"]
    assert not (tmp_path / "app" / "backend" / "node_modules").exists()  # nothing was installed
