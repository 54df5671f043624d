"""The planner against a real OpenAI-compatible HTTP server on 127.0.0.1 (ChatOpenAI over the wire)."""

from __future__ import annotations

import json

from autodevos.agents.llm import chat_model
from autodevos.agents.registry import default_plan
from autodevos.domain.spec import AppSpec, Entity, Field
from autodevos.main import app
from typer.testing import CliRunner

from tests.openai_server import ScriptedOpenAI

SPEC = AppSpec(name="widget-shop", title="Widget Shop",
               entities=[Entity(name="Widget", fields=[Field(name="label"), Field(name="weight", type="number")])])


def run_cli(server: ScriptedOpenAI, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-planner")
    chat_model.cache_clear()
    result = CliRunner().invoke(app, [
        "run", "a shop for widgets", "--planner-model", f"openai:test-model@{server.base_url}",
        "--out", str(tmp_path / "app"), "--db", str(tmp_path / "db.sqlite"), "--json", "--no-verify",
    ], catch_exceptions=False)
    return result, json.loads(result.output[result.output.index("{"):])


def test_model_plan_is_used(tmp_path, monkeypatch):
    with ScriptedOpenAI([default_plan(SPEC).model_dump_json()]) as server:
        result, data = run_cli(server, tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert [e["name"] for e in data["plan"]["spec"]["entities"]] == ["Widget"]
    assert data["notes"][-1].startswith("planned by the model")
    assert len(server.requests) == 1
    assert server.requests[0]["model"] == "test-model"
    assert "a shop for widgets" in json.dumps(server.requests[0]["messages"])
    assert server.headers[0].get("authorization") == "Bearer sk-test-planner"
    assert (tmp_path / "app" / "backend" / "src" / "routes" / "widgets.ts").is_file()


def test_api_key_is_not_stored(tmp_path, monkeypatch):
    with ScriptedOpenAI([default_plan(SPEC).model_dump_json()]) as server:
        result, _ = run_cli(server, tmp_path, monkeypatch)
    assert result.exit_code == 0
    for f in [*tmp_path.glob("db.sqlite*"), *(tmp_path / "app").rglob("*")]:
        if f.is_file():
            assert b"sk-test-planner" not in f.read_bytes(), f
