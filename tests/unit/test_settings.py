"""One settings model: Context's fields are described once; what a config file may set and what is stored with a run derive from them."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
from autodevos.graph.config import ConfigError, file_schema, load_config
from autodevos.graph.settings import APPROVALS, Context, RunSettings, config_fields
from pydantic import TypeAdapter


def test_every_setting_is_described_and_studio_sees_the_descriptions():
    for f in fields(RunSettings):
        assert f.metadata.get("description"), f"{f.name} has no description"
    schema = TypeAdapter(Context).json_schema()
    assert schema["properties"]["model"]["description"].startswith("Provider and model")
    assert schema["properties"]["approval"]["enum"] == list(APPROVALS)
    assert "request" not in schema["properties"]  # what a run is asked is input, not context


def test_a_run_is_its_settings_plus_what_it_is_asked():
    assert {f.name for f in fields(Context)} < {f.name for f in fields(RunSettings)}
    extra = {f.name for f in fields(RunSettings)} - {f.name for f in fields(Context)}
    assert extra == {"request", "project", "spec_override", "plan", "force", "checkpointer", "retries", "retry_interval"}
    ctx = RunSettings(request="x", out_dir="rel/out", db_path="rel/db.sqlite", models={"backend": "ollama:q"}).context()
    assert type(ctx) is Context and Path(ctx.out_dir).is_absolute() and Path(ctx.db_path).is_absolute()
    assert ctx.model_for("backend") == ("ollama:q", None) and ctx.model_for("docs") == ("offline", None)


def test_the_config_file_keys_are_the_settings_marked_config(tmp_path):
    assert list(file_schema().model_fields) == [f.name for f in config_fields()]
    assert {f.name for f in config_fields()} == {"model", "base_url", "models", "prices", "max_tokens_total", "max_cost",
                                                 "cache", "call_timeout", "streaming", "api_key_file", "api_key_keyring",
                                                 "api_key_command"}
    cfg = tmp_path / "c.yaml"
    cfg.write_text("model: openai:gpt-4.1-mini\nmodels:\n  planner: openai:gpt-4.1\n"
                   "  backend: {model: 'openai:coder', base_url: 'http://127.0.0.1:8000/v1'}\n"
                   "prices:\n  coder: [0, 0]\nmax_cost: 2.5\ncache: false\n")
    assert load_config(cfg) == {"model": "openai:gpt-4.1-mini", "models": {"planner": "openai:gpt-4.1",
                                "backend": "openai:coder@http://127.0.0.1:8000/v1"}, "prices": {"coder": [0.0, 0.0]},
                                "max_cost": 2.5, "cache": False}
    for text, message in [("max_cost: -1", "max_cost: Input should be greater than or equal to 0"),
                          ("call_timeout: 0", "call_timeout: Input should be greater than 0"),
                          ("verify: false", "verify: Extra inputs are not permitted")]:
        cfg.write_text(text)
        with pytest.raises(ConfigError, match=message):
            load_config(cfg)


def test_what_is_stored_with_a_run_and_read_back(tmp_path):
    s = RunSettings(request="r", out_dir=str(tmp_path / "out"), checkpointer="postgresql://me:secret@db:5432/x",
                    models={"planner": "offline"})
    stored = s.stored(forked_from={"thread_id": "a"})
    assert stored["checkpointer"] == "postgresql://me@db:5432/x" and "secret" not in str(stored)
    assert stored["out_dir"] == str((tmp_path / "out").resolve()) and stored["forked_from"] == {"thread_id": "a"}
    assert {f.name for f in fields(RunSettings)} <= set(stored)
    back = RunSettings.from_stored(stored, "other.sqlite")
    assert back.db_path == "other.sqlite" and back.models == {"planner": "offline"} and back.request == "r"


def test_a_run_stored_by_the_old_format_still_reads():
    old = {"request": "a todo app", "out_dir": "/tmp/app", "db_path": "x", "model": "offline", "base_url": None,
           "fail_fast": False, "max_parallel": 0, "retries": 2, "retry_interval": 0.5, "task_delay": 0.0,
           "spec_override": None, "plan": None, "force": False, "verify": True, "browser": True, "max_repairs": 2,
           "approval": "plan", "checkpointer": None, "models": {}, "cache": True, "replay": False,
           "max_tokens_total": 0, "max_cost": 0.0, "call_timeout": 120.0, "streaming": False, "prices": {},
           "improved_from": "abc", "change": "add login"}
    s = RunSettings.from_stored(old, "db.sqlite")
    assert s.approval == "plan" and s.request == "a todo app" and s.db_path == "db.sqlite"
