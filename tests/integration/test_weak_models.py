"""A weak model still yields a working app, a rerun costs nothing, and a model can be checked first:
whole runs and `autodevos models check` against a real OpenAI-compatible HTTP server on 127.0.0.1
(tests/openai_server.py; `probes=` says how its model answers the model check)."""

from __future__ import annotations

import socket

import pytest

from tests.model_cli import SPEC, cli, run_app, tree
from tests.model_script import PROSE, ByRole, Refusing, TextOnly, prose, small_edits
from tests.openai_server import ScriptedOpenAI, Status

KEY = "sk-test-weak-models-0123456789"
CODE = ("backend", "frontend", "devops", "tests", "docs")


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


def run(server, tmp_path, *extra: str, out: str = "app", db: str = "db.sqlite"):
    return run_app(server, tmp_path, *extra, out=out, db=db)


def no_key_anywhere(tmp_path, *outputs: str) -> None:
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert KEY.encode() not in f.read_bytes(), f
    assert all(KEY not in text for text in outputs)


# degrade, don't fail ---------------------------------------------------------------------------


def test_a_prose_only_model_is_found_too_weak_and_every_code_task_keeps_its_baseline(tmp_path):
    with ScriptedOpenAI([PROSE], probes=prose) as server:
        result, data = run(server, tmp_path, "--json")
        assert result.exit_code == 0, result.output
        assert server.probe_count == 5 and server.request_count == 0  # checked once, then nothing asked
        strict, again = run(server, tmp_path, "--json", "--strict-model", out="strict")
        assert server.probe_count == 5 and server.request_count == 0  # the verdict was kept in the run database
    assert strict.exit_code == 1
    offline, _ = cli("run", "a shop for widgets", "--out", str(tmp_path / "offline"), "--db", str(tmp_path / "off.sqlite"),
                     "--no-verify")
    assert offline.exit_code == 0, offline.output
    for outcome in (data, again):
        assert outcome["status"] == "completed"
        assert set(outcome["written_by"]) == set(CODE)
        for task in CODE:
            written = outcome["written_by"][task]
            assert written["outcome"] == "baseline", task
            assert f"the {task} model was not asked" in written["reason"] and "too weak: baseline only" in written["reason"]
            assert "plain text: wrong answer" in written["reason"]
            assert outcome["tasks"][task]["status"] == "completed"
    assert any("too weak" in n for n in data["notes"]) and "no model answer validated; used the default plan" in data["notes"]
    assert tree(tmp_path / "app") == tree(tmp_path / "offline")  # the offline generator's app, file for file
    assert "warning:" in result.stderr and "kept the offline baseline" in result.stderr and "--strict-model" in result.stderr
    assert "--strict-model: exit 1" in strict.stderr
    no_key_anywhere(tmp_path, result.output, strict.output)


def test_a_model_that_passes_its_check_but_answers_prose_keeps_the_baseline_and_a_rerun_costs_nothing(tmp_path):
    # what the issue measured: 429 first, then only prose (small local models asked for JSON)
    with ScriptedOpenAI([Status(429), PROSE]) as server:
        first, data = run(server, tmp_path, "--json", out="one")
        assert first.exit_code == 0, first.output
        made = server.total_requests
        assert server.probe_count == 5 and server.request_count > 10
        second, again = run(server, tmp_path, "--json", out="two")
        assert second.exit_code == 0, second.output
        assert server.total_requests == made  # an identical rerun: 0 new requests, probes included
        fresh, _ = run(server, tmp_path, "--json", "--no-cache", out="three")
        assert fresh.exit_code == 0, fresh.output
        assert server.request_count > made - server.probe_count  # --no-cache asks again
        assert server.probe_count == 5  # the verdict is not an answer: still kept
    for task in CODE:
        written = data["written_by"][task]
        assert written["outcome"] == "baseline"
        assert f"the {task} model gave no usable files after 6 asks" in written["reason"], written
        assert "not JSON" in written["reason"] or "holds no files" in written["reason"]
        assert data["tasks"][task]["report"]["model"]["asks"] == 6
    assert again["written_by"] == data["written_by"]
    assert tree(tmp_path / "one") == tree(tmp_path / "two") == tree(tmp_path / "three")
    _, info = cli("status", again["thread_id"], "--db", str(tmp_path / "db.sqlite"), "--json")
    assert info["usage"]["run"]["calls"] == info["usage"]["run"]["cached"] > 0  # every call of the rerun from the cache
    assert info["written_by"] == data["written_by"]
    # the server is gone: a replay answers every call from the cache, the unusable ones too
    replayed, copy = cli("replay", data["thread_id"], "--out", str(tmp_path / "four"), "--db", str(tmp_path / "db.sqlite"), "--json")
    assert replayed.exit_code == 0, replayed.output
    assert tree(tmp_path / "four") == tree(tmp_path / "one") and copy["written_by"] == data["written_by"]
    no_key_anywhere(tmp_path, first.output, second.output, replayed.output)


def test_a_model_that_writes_valid_files_for_the_backend_only_gives_a_mixed_run(tmp_path):
    edits = small_edits(SPEC)
    script = ByRole({"planner": edits["planner"], "backend": edits["backend"], "*": [PROSE]})
    with ScriptedOpenAI([script]) as server:
        result, data = run(server, tmp_path, "--json")
        assert result.exit_code == 0, result.output
        made = server.total_requests
        shown, _ = run(server, tmp_path, out="again")  # the summary a person reads (answers from the cache)
        assert server.total_requests == made
    assert shown.exit_code == 0, shown.output
    assert data["written_by"]["backend"] == {"outcome": "model"}
    for task in ("frontend", "devops", "tests", "docs"):
        assert data["written_by"][task]["outcome"] == "baseline"
        assert data["written_by"][task]["reason"].startswith(f"the {task} model gave no usable files after 6 asks")
    assert (tmp_path / "app" / "backend" / "src" / "about.ts").is_file()  # the model's file
    assert not (tmp_path / "app" / "frontend" / "src" / "about.ts").exists()
    text = " ".join(shown.stdout.split())
    assert "written by the model: backend" in text
    assert "the offline baseline (the model's answers were not usable): frontend, devops, tests, docs" in text
    assert "frontend baseline: the frontend model gave no usable files after 6 asks" in text
    assert "4 task(s) kept the offline baseline" in shown.stderr
    status, info = cli("status", data["thread_id"], "--db", str(tmp_path / "db.sqlite"))
    said = " ".join(status.stdout.split())
    assert "written by the model: backend" in said and "docs baseline: the docs model gave no usable files" in said


# models check ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("probes", "results", "verdict"), [
    (None, ["supported"] * 5, "structured output"),
    (Refusing("response_format"), ["supported", "refused", "supported", "supported", "supported"],
     "structured output (tool calling)"),
    (Refusing("tools"), ["supported", "supported", "refused", "supported", "supported"], "structured output"),
    (Refusing("response_format", "tools"), ["supported", "refused", "refused", "supported", "supported"], "text fallback"),
    (prose, ["wrong answer"] * 5, "too weak: baseline only"),
], ids=["capable", "refuses-response-format", "refuses-tools", "refuses-both", "prose"])
def test_models_check_says_what_each_capability_does_and_the_verdict(probes, results, verdict):
    with ScriptedOpenAI([PROSE], **({"probes": probes} if probes else {})) as server:
        result, data = cli("models", "check", "openai:test-model", "--base-url", server.base_url, "--json")
        table, _ = cli("models", "check", "openai:test-model", "--base-url", server.base_url)
        assert server.request_count == 0  # only probes
    assert result.exit_code == 0 and table.exit_code == 0, result.output
    assert [p["name"] for p in data["probes"]] == ["plain text", "structured output", "tool calling", "streaming with usage", "timing"]
    assert [p["result"] for p in data["probes"]] == results
    assert data["verdict"]["verdict"] == verdict
    if "refused" in results:
        refused = next(p for p in data["probes"] if p["result"] == "refused")
        assert "HTTP 400" in refused["detail"] and "not supported" in refused["detail"]
    text = " ".join(table.stdout.split())
    assert f"Verdict: {verdict}" in text and "streaming with usage" in text
    assert KEY not in result.output + table.output


def test_models_check_of_a_server_that_cannot_be_reached_is_one_line():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    result, _ = cli("models", "check", "openai:test-model", "--base-url", f"http://127.0.0.1:{port}/v1", "--timeout", "2")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach openai:test-model" in lines[0] and "Traceback" not in result.output


def test_models_check_has_help_with_an_example():
    result, _ = cli("models", "check", "--help")
    assert result.exit_code == 0 and "Example: autodevos models check" in result.output


def test_a_run_uses_the_kept_verdict_a_text_only_model_is_asked_for_text_at_once(tmp_path):
    server_script = TextOnly(ByRole(small_edits(SPEC)))
    with ScriptedOpenAI([server_script], probes=Refusing("response_format", "tools")) as server:
        checked, _ = cli("models", "check", "openai:test-model", "--base-url", server.base_url, "--db", str(tmp_path / "db.sqlite"))
        assert checked.exit_code == 0 and "Kept in" in checked.stdout
        probes = server.probe_count
        result, data = run(server, tmp_path, "--json")
        assert server.probe_count == probes  # the run used the kept verdict
    assert result.exit_code == 0, result.output
    assert server_script.refused == 0  # no role asked for structured output first
    assert not any(r.get("response_format") or r.get("tools") for r in server.requests)
    assert "planned by the model (text output)" in data["notes"]
    assert any(n.startswith("model check: openai:test-model: text fallback") for n in data["notes"])
    for task in CODE:
        assert data["written_by"][task] == {"outcome": "model"}
        assert data["tasks"][task]["report"]["model"]["how"] == "text"


def test_a_model_with_tool_calling_only_is_asked_for_structured_output_through_a_tool(tmp_path):
    server_script = TextOnly(ByRole(small_edits(SPEC)), refuse=("response_format",))
    with ScriptedOpenAI([server_script], probes=Refusing("response_format")) as server:
        result, data = run(server, tmp_path, "--json")
    assert result.exit_code == 0, result.output
    assert server_script.refused == 0 and server.probe_count == 5
    assert all(r.get("tools") and not r.get("response_format") for r in server.requests)
    assert "planned by the model (structured output)" in data["notes"]
    for task in CODE:
        assert data["tasks"][task]["report"]["model"]["how"] == "structured"
    assert (tmp_path / "app" / "backend" / "src" / "about.ts").is_file()


# a repair the model cannot make ------------------------------------------------------------------


def test_a_repair_the_model_cannot_make_goes_back_to_the_baseline_and_verify_passes_again(tmp_path):
    import asyncio

    from autodevos.agents import registry
    from autodevos.agents.codegen import AgentResult
    from autodevos.agents.verify import StepResult, VerifyError
    from autodevos.domain.dag import Plan, Task
    from autodevos.graph.runner import RunSettings, start_run

    checks: list[bool] = []

    async def verify(task, spec, ws):  # fails while the model's broken file is there
        broken = (ws.out_dir / "backend" / "src" / "about.ts").exists()
        checks.append(broken)
        if broken:
            raise VerifyError([StepResult("backend", "typecheck", False, 1.0, "src/about.ts(1,14): error TS2322: broken")])
        return AgentResult({}, [{"package": "backend", "step": "typecheck", "ok": True, "seconds": 1.0, "output": "", "skipped": None}])

    edits = small_edits(SPEC)
    script = ByRole({"backend": [edits["backend"][0], PROSE]})  # a file, then only prose when asked to fix it
    plan = registry.default_plan(SPEC)
    plan = Plan(spec=SPEC, tasks=[*plan.tasks, Task(id="verify", agent="verify", depends_on=["tests", "devops"])])
    with ScriptedOpenAI([script]) as server:
        settings = RunSettings(request="a shop for widgets", out_dir=str(tmp_path / "app"), db_path=str(tmp_path / "db.sqlite"),
                               plan=plan.model_dump(), models={"backend": f"openai:test-model@{server.base_url}"},
                               call_timeout=2, browser=False, retry_interval=0.01)
        result = asyncio.run(start_run(settings, agents={**registry.works(), "verify": verify}))
    assert result.ok, result.tasks
    assert checks == [True, False]  # failed with the model's file, passed once the baseline was back
    backend = result.tasks["backend"]
    assert backend["attempts"] == 2 and backend["report"]["model"]["outcome"] == "baseline"
    assert "after 6 asks" in backend["report"]["model"]["reason"]
    assert not (tmp_path / "app" / "backend" / "src" / "about.ts").exists()  # the model's file is gone
    assert "backend/src/about.ts" not in result.files and "backend/src/about.ts" not in backend["files"]
    assert (tmp_path / "app" / "backend" / "src" / "app.ts").is_file()


def test_models_check_takes_the_key_from_where_a_run_would(tmp_path):
    """The key from --api-key-file or a config file's api_key_command, not OPENAI_API_KEY (which here is wrong)."""
    key_file = tmp_path / "key"
    key_file.write_text("sk-only-in-the-file\n")
    config = tmp_path / "autodevos.yaml"
    config.write_text("api_key_command: echo sk-only-in-the-file\n")
    with ScriptedOpenAI([PROSE], keys={"sk-only-in-the-file"}) as server:
        from_env, _ = cli("models", "check", "openai:test-model", "--base-url", server.base_url, "--timeout", "5")
        from_file, data = cli("models", "check", "openai:test-model", "--base-url", server.base_url, "--json",
                              "--api-key-file", str(key_file))
        from_config, _ = cli("models", "check", "openai:test-model", "--base-url", server.base_url, "--config", str(config))
    assert from_env.exit_code != 0 and "Traceback" not in from_env.output
    assert from_file.exit_code == 0 and data["verdict"]["verdict"] == "structured output", from_file.output
    assert from_config.exit_code == 0, from_config.output
    assert "sk-only-in-the-file" not in from_env.output + from_file.output + from_config.output
