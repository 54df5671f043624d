from __future__ import annotations

import pytest
from autodevos.agents.llm import ModelError, chat_model, check_model, parse_model


def test_offline_needs_nothing():
    assert chat_model("offline") is None
    check_model("offline")


def test_unknown_provider_is_one_clear_line():
    with pytest.raises(ModelError) as exc:
        parse_model("anthropic:claude")
    msg = str(exc.value)
    assert "unknown model provider 'anthropic'" in msg and "offline" in msg and "\n" not in msg


def test_missing_model_name_and_key(monkeypatch):
    with pytest.raises(ModelError, match="names no model"):
        parse_model("openai")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ModelError, match="OPENAI_API_KEY"):
        check_model("openai:gpt-4.1-mini")
    check_model("openai:gpt-4.1-mini", base_url="http://127.0.0.1:9/v1")
    check_model("ollama:llama3.1")


def test_openai_compatible_model_uses_base_url(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    m = chat_model("openai:gpt-4.1-mini", "http://127.0.0.1:9/v1")
    assert m.model_name == "gpt-4.1-mini" and "127.0.0.1:9" in str(m.openai_api_base)


def test_every_role_is_checked_before_a_run_or_a_resume(monkeypatch):
    """A role that inherits an OpenAI model needs the key even when the planner runs offline."""
    from autodevos.graph.runner import RunError, RunSettings, check_models

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ModelError, match="OPENAI_API_KEY"):
        check_models(RunSettings(request="x", model="openai:gpt-4.1-mini", models={"planner": "offline"}))
    check_models(RunSettings(request="x", model="openai:gpt-4.1-mini", replay=True))  # replay needs no key
    with pytest.raises(RunError, match="no agent role 'designer'"):
        check_models(RunSettings(request="x", models={"designer": "offline"}))
