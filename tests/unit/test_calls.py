"""The model-call layer's pure parts: endpoints, prices, cache keys, error lines, totals of an empty run."""

from __future__ import annotations

import pytest
from autodevos.agents.calls import (
    CallOptions,
    ModelClient,
    _backoff,
    _messages,
    call_totals,
    close_call_stores,
    open_call_store,
)
from autodevos.agents.llm import ModelError, price_of, resolve_model
from pydantic import BaseModel


class Pet(BaseModel):
    name: str


@pytest.fixture(autouse=True)
def _stores():
    yield
    close_call_stores()


def test_endpoints_follow_the_provider_registry():
    e = resolve_model("ollama:llama3.1")
    assert (e.spec, e.base_url) == ("ollama:llama3.1", "http://localhost:11434/v1")
    assert resolve_model("openai:gpt-4.1-mini").base_url is None
    assert resolve_model("openai:x", "http://127.0.0.1:9/v1/").base_url == "http://127.0.0.1:9/v1"
    with pytest.raises(ModelError, match="offline model makes no model calls"):
        resolve_model("offline")
    with pytest.raises(ModelError, match="unknown model provider"):
        resolve_model("anthropic:claude")


def test_prices_per_million_tokens():
    assert price_of(resolve_model("openai:gpt-4.1-mini")) == (0.40, 1.60)
    assert price_of(resolve_model("openai:gpt-4.1-mini-2025-04-14")) == (0.40, 1.60)  # dated name: longest prefix
    assert price_of(resolve_model("openai:gpt-4.1-2025-04-14")) == (2.00, 8.00)
    assert price_of(resolve_model("openai:my-finetune")) is None
    assert price_of(resolve_model("ollama:llama3.1")) == (0.0, 0.0)
    assert price_of(resolve_model("openai:my-finetune"), {"my-finetune": (1.0, 3.0)}) == (1.0, 3.0)


def test_the_key_is_read_once_and_never_part_of_the_cache_key(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-first-key-123456")
    a = ModelClient("openai:m", tmp_path / "db.sqlite", "t", base_url="http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-second-key-654321")
    b = ModelClient("openai:m", tmp_path / "db.sqlite", "t", base_url="http://127.0.0.1:9/v1")
    msgs = _messages([("system", "s"), ("user", "u")])
    assert a._cache_key(msgs, "text", None) == b._cache_key(msgs, "text", None)
    assert "sk-first-key" not in repr(a)
    assert a._scrub("echoed sk-first-key-123456") == "echoed [api key]"


def test_the_cache_key_covers_what_changes_the_answer(monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    def key(spec="openai:m", url="http://127.0.0.1:9/v1", text="hi", mode="text", **opts):
        c = ModelClient(spec, tmp_path / "db.sqlite", "t", base_url=url, options=CallOptions(**opts))
        return c._cache_key(_messages(text), mode, None)

    base = key()
    assert key(streaming=True, timeout=5, max_retries=0, cache=False) == base
    assert key(spec="openai:n") != base and key(url="http://127.0.0.1:8/v1") != base and key(text="hi!") != base
    assert key(mode="structured:json_schema") != base and key(temperature=0.7) != base


def test_messages_in_the_openai_form():
    assert _messages("hi") == [{"role": "user", "content": "hi"}]
    assert _messages([("system", "s"), {"role": "user", "content": "u"}]) == [
        {"role": "system", "content": "s"}, {"role": "user", "content": "u"}]


def test_backoff_is_the_sdks_shape():
    for n, top in ((1, 0.5), (2, 1.0), (3, 2.0), (9, 8.0)):
        assert 0.75 * top <= _backoff(n) <= top


def test_options_are_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    with pytest.raises(ValueError, match="structured_method"):
        ModelClient("openai:m", tmp_path / "db", "t", options=CallOptions(structured_method="xml"))  # type: ignore[arg-type]
    assert CallOptions(timeout=10, max_retries=2).call_deadline == 210
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(ModelError, match="OPENAI_API_KEY"):
        ModelClient("openai:gpt-4.1-mini", tmp_path / "db", "t")
    ModelClient("openai:gpt-4.1-mini", tmp_path / "db", "t", options=CallOptions(replay=True))  # replay needs no key


def test_totals_of_a_run_without_calls(tmp_path):
    assert call_totals(tmp_path / "missing.sqlite", "t").run.calls == 0
    db = tmp_path / "db.sqlite"
    open_call_store(db)
    totals = call_totals(db, "t")
    assert totals.run.calls == 0 and totals.run.cost == 0.0 and totals.tasks == {}
