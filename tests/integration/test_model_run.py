"""Whole runs against a real OpenAI-compatible HTTP server on 127.0.0.1 (tests/openai_server.py):
the model plans and writes files; structured-output repairs; faults; budget; cache; replay."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from autodevos.domain.spec import Field

from tests.model_cli import SPEC, cli, run_app, tree
from tests.model_script import ByRole, TextOnly, plan_answer, small_edits
from tests.openai_server import Drop, ScriptedOpenAI, Stall, Status

KEY = "sk-test-model-run-0123456789"


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


def run(server, tmp_path, *extra: str, out: str = "app", db: str = "db.sqlite", model: tuple[str, ...] | None = None):
    return run_app(server, tmp_path, "--json", *extra, out=out, db=db, model=model)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_the_model_plans_and_every_code_agent_writes(tmp_path, stream):
    script = ByRole(small_edits(SPEC))
    with ScriptedOpenAI([script]) as server:
        result, data = run(server, tmp_path, *(["--stream"] if stream else []))
    assert result.exit_code == 0, result.output
    assert all(bool(r.get("stream")) == stream for r in server.requests)
    assert set(script.asked) == {"planner", "backend", "frontend", "tests", "docs", "devops"}
    assert all(n == 1 for n in script.asked.values())  # one valid answer each, no re-ask
    assert server.requests[0]["model"] == "test-model"
    assert "a shop for widgets" in json.dumps(server.requests[0]["messages"])
    app_dir = tmp_path / "app"
    assert (app_dir / "backend" / "src" / "about.ts").read_text().startswith("export const ABOUT")
    assert (app_dir / "backend" / "tests" / "about.test.ts").is_file()
    assert (app_dir / "docs" / "MODEL.md").is_file()
    assert (app_dir / ".github" / "dependabot.yml").read_text().startswith("# edited by the model")
    assert (app_dir / "backend" / "src" / "routes" / "widgets.ts").is_file()  # the baseline stays
    backend_prompt = json.dumps(next(r for r in server.requests if "You are the backend" in json.dumps(r["messages"])))
    assert "Widget" in backend_prompt and "backend/src/app.ts" in backend_prompt  # spec and baseline in the prompt
    assert data["tasks"]["backend"]["report"]["model"]["changed"] == ["backend/src/about.ts"]

    # what status shows equals what the server counted; the key is nowhere
    status, info = cli("status", data["thread_id"], "--db", str(tmp_path / "db.sqlite"), "--json")
    assert info["usage"]["run"]["total_tokens"] == server.usage_total["total_tokens"]
    assert info["usage"]["run"]["prompt_tokens"] == server.usage_total["prompt_tokens"]
    assert info["usage"]["run"]["calls"] == 6 and set(info["usage"]["tasks"]) == {"planner", "backend", "frontend", "tests", "docs", "devops"}
    for f in [*tmp_path.glob("db.sqlite*"), *app_dir.rglob("*")]:
        if f.is_file():
            assert KEY.encode() not in f.read_bytes(), f
    assert KEY not in result.output and KEY not in status.output


def test_invalid_json_then_a_cycle_then_a_valid_plan(tmp_path):
    cyclic = json.loads(plan_answer(SPEC))
    cyclic["tasks"][0]["depends_on"] = ["docs"]
    with ScriptedOpenAI(["{not json at all", json.dumps(cyclic), plan_answer(SPEC)]) as server:
        result, data = run(server, tmp_path, model=("--planner-model", f"openai:test-model@{server.base_url}"))
    assert result.exit_code == 0, result.output
    assert server.request_count == 3  # planner only; the code agents are offline
    notes = data["notes"]
    assert "structured answer 1 refused" in notes[0] and "asked again" in notes[0]
    assert "cycle" in notes[1] and "asked again" in notes[1]
    assert "planned by the model (structured output, after 2 repair(s))" in notes
    assert "cycle" in json.dumps(server.requests[2]["messages"])  # the third ask carried the error


def test_a_server_that_never_answers_a_plan_falls_back_with_the_reason(tmp_path):
    with ScriptedOpenAI(["Sure! I'd love to help you build that."]) as server:
        result, data = run(server, tmp_path, model=("--planner-model", f"openai:test-model@{server.base_url}"))
    assert result.exit_code == 0, result.output
    refused = [n for n in data["notes"] if " refused " in n]
    assert [n.split()[0] for n in refused] == ["structured"] * 3 + ["text"] * 3  # bounded: 3 asks each way
    assert server.request_count <= 6  # (a re-ask identical to an earlier one is answered by the cache)
    assert "no model answer validated; used the default plan" in data["notes"]
    assert [e["name"] for e in data["plan"]["spec"]["entities"]] == ["Widget"]  # rules found "widgets"


@pytest.mark.parametrize("fault", [Status(429, retry_after=1), Status(500), Stall(4), Drop()],
                         ids=["429-retry-after", "500", "timeout", "dropped"])
def test_faults_are_retried_and_the_run_succeeds(tmp_path, fault):
    with ScriptedOpenAI([fault, plan_answer(SPEC)]) as server:
        t0 = time.monotonic()
        result, data = run(server, tmp_path, model=("--planner-model", f"openai:test-model@{server.base_url}"))
        took = time.monotonic() - t0
    assert result.exit_code == 0, result.output
    assert server.request_count == 2
    assert "planned by the model (structured output)" in data["notes"]
    if isinstance(fault, Status) and fault.retry_after:
        assert server.times[1] - server.times[0] >= 0.95  # Retry-After honoured
    assert took < 30


def test_a_server_that_always_fails_fails_the_task_clearly_and_in_time(tmp_path):
    with ScriptedOpenAI([Status(500)]) as server:
        t0 = time.monotonic()
        result, data = run(server, tmp_path, "--retries", "2",
                           model=("--agent-model", f"backend=openai:test-model@{server.base_url}"))
        took = time.monotonic() - t0
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    backend = data["tasks"]["backend"]
    assert backend["status"] == "failed" and backend["attempts"] == 1  # the client retried; the node does not again
    assert "500" in backend["error"] and "127.0.0.1" in backend["error"]
    assert data["tasks"]["tests"]["status"] == "skipped" and data["tasks"]["frontend"]["status"] == "completed"
    assert 2 <= server.request_count <= 4 and took < 30


def test_budget_pauses_then_resume_with_a_larger_one_finishes(tmp_path):
    script = ByRole(small_edits(SPEC))
    db = str(tmp_path / "db.sqlite")
    with ScriptedOpenAI([script]) as server:
        result, data = run(server, tmp_path, "--max-tokens-total", "50", "--thread", "budget")
        assert result.exit_code == 3, result.output  # paused, not failed
        assert "budget reached" in result.output and "--max-tokens-total" in result.output
        assert server.request_count == 1  # the planner's call used the budget; nothing after it
        status, info = cli("status", "budget", "--db", db, "--json")
        assert info["waiting"] == ["budget"]
        assert info["usage"]["run"]["total_tokens"] == server.usage_total["total_tokens"]
        same, _ = cli("resume", "budget", "--db", db, "--json")  # no larger budget: still paused, nothing asked
        assert same.exit_code == 3 and server.request_count == 1
        resumed, done = cli("resume", "budget", "--db", db, "--max-tokens-total", "1000000", "--json")
    assert resumed.exit_code == 0, resumed.output
    assert all(t["status"] == "completed" for t in done["tasks"].values())
    assert script.asked["planner"] == 1  # the plan was not asked for again
    _, info = cli("status", "budget", "--db", db, "--json")
    assert info["usage"]["run"]["total_tokens"] == server.usage_total["total_tokens"]
    assert any(d["gate"] == "budget" for d in info["decisions"])
    assert all(t["attempts"] == 1 for t in done["tasks"].values())  # the pauses cost no task a try


def test_a_person_can_stop_a_run_at_its_budget(tmp_path):
    db = str(tmp_path / "db.sqlite")
    with ScriptedOpenAI([ByRole(small_edits(SPEC))]) as server:
        result, _ = run(server, tmp_path, "--max-tokens-total", "50", "--thread", "stop")
        assert result.exit_code == 3
        stopped, data = cli("approve", "stop", "--decision", "reject", "--db", db, "--json")
        assert server.request_count == 1
    assert stopped.exit_code == 1 and data["status"] == "failed"
    assert {t["status"] for t in data["tasks"].values()} == {"skipped"}
    assert all(t["error"] == "stopped at the model budget" for t in data["tasks"].values())


def test_a_second_identical_run_is_answered_from_the_cache_and_replay_needs_no_server(tmp_path):
    script = ByRole(small_edits(SPEC))
    with ScriptedOpenAI([script]) as server:
        first, data = run(server, tmp_path, out="one")
        assert first.exit_code == 0, first.output
        made = server.request_count
        second, _ = run(server, tmp_path, out="two")
        assert second.exit_code == 0, second.output
        assert server.request_count == made  # zero new requests
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    # the server is stopped now: replay answers every call from the recorded responses
    replayed, again = cli("replay", data["thread_id"], "--out", str(tmp_path / "three"), "--db", str(tmp_path / "db.sqlite"), "--json")
    assert replayed.exit_code == 0, replayed.output
    assert tree(tmp_path / "three") == tree(tmp_path / "one")
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        cached = conn.execute("SELECT COUNT(*) FROM adv_calls WHERE thread_id = ? AND cached = 1", (again["thread_id"],)).fetchone()[0]
    assert cached == 6


def test_replay_of_a_call_never_made_is_a_clear_failure(tmp_path):
    with ScriptedOpenAI([plan_answer(SPEC)]) as server:
        first, data = run(server, tmp_path, model=("--planner-model", f"openai:test-model@{server.base_url}"))
    assert first.exit_code == 0
    # a different request: its planner call was never recorded
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        conn.execute("UPDATE adv_model_cache SET key = 'x' || key")
    replayed, again = cli("replay", data["thread_id"], "--out", str(tmp_path / "again"), "--db", str(tmp_path / "db.sqlite"), "--json")
    assert "Traceback" not in replayed.output
    assert any("replay" in n and "no recorded answer" in n for n in again["notes"])


def test_improve_with_a_model_changes_the_spec_and_runs_only_the_touched_tasks(tmp_path):
    changed = SPEC.model_copy(deep=True)
    changed.entities[0].fields.append(Field(name="colour", type="enum", options=["red", "blue"], required=False))
    edits = small_edits(SPEC)
    script = ByRole({**edits, "planner": [edits["planner"][0], changed.model_dump_json()]})
    with ScriptedOpenAI([script]) as server:
        first, data = run(server, tmp_path)
        assert first.exit_code == 0, first.output
        asked = dict(script.asked)
        result, again = cli("improve", str(tmp_path / "app"), "widgets get a colour, red or blue", "--db",
                            str(tmp_path / "db.sqlite"), "--json")
    assert result.exit_code == 0, result.output
    assert "change applied to the spec by the model" in again["notes"]
    assert set(again["tasks"]) == {"backend", "frontend", "tests", "docs"}  # devops reads nothing that changed
    new_asks = {role: script.asked[role] - asked.get(role, 0) for role in script.asked}
    assert new_asks["planner"] == 1 and new_asks.get("devops", 0) == 0
    assert "colour" in (tmp_path / "app" / "backend" / "src" / "types.ts").read_text()


def test_a_server_without_structured_output_is_asked_for_text(tmp_path):
    server_script = TextOnly(ByRole(small_edits(SPEC)))
    with ScriptedOpenAI([server_script]) as server:
        result, data = run(server, tmp_path)
    assert result.exit_code == 0, result.output
    assert server_script.refused == 6  # each role tried structured output once
    assert "the server has no structured output; asked for JSON text" in data["notes"]
    assert "planned by the model (text output)" in data["notes"]
    for task in ("backend", "frontend", "tests", "docs", "devops"):
        assert data["tasks"][task]["report"]["model"]["how"] == "text", task
    assert (tmp_path / "app" / "backend" / "src" / "about.ts").read_text().startswith("export const ABOUT")
