"""ModelClient against a real OpenAI-compatible HTTP server on 127.0.0.1 and a real SQLite file.

Faults are script entries of tests/openai_server.py. Short timeouts keep these tests to seconds;
the openai SDK's own backoff (0.5 s, then 1 s) is what most of that time is.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from autodevos.agents.calls import (
    CallOptions,
    ModelCallError,
    ModelClient,
    ReplayMiss,
    StructuredOutputError,
    StructuredOutputUnsupported,
    call_totals,
    close_call_stores,
)
from pydantic import BaseModel

from tests.openai_server import Cut, Drop, ScriptedOpenAI, Stall, Status, Trickle

KEY = "sk-test-model-client-7f3a9c1e"
ROOT = Path(__file__).resolve().parents[2]


class Pet(BaseModel):
    name: str
    legs: int = 4


@pytest.fixture(autouse=True)
def _key_and_stores(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    yield
    close_call_stores()


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "run.sqlite"


def client(server: ScriptedOpenAI, db: Path, **options) -> ModelClient:
    opts = {"timeout": 0.3, "max_retries": 2, **options}
    return ModelClient("openai:test-model", db, "thread-1", base_url=server.base_url, options=CallOptions(**opts))


def ask(c: ModelClient, prompt: str = "name a pet", task_id: str = "plan", schema=None):
    """One call in its own event loop, closing the client's connections after."""

    async def go():
        async with c:
            if schema is None:
                return await c.text([("system", "You answer briefly."), ("user", prompt)], role="planner", task_id=task_id)
            return await c.structured([("user", prompt)], schema, role="planner", task_id=task_id)

    return asyncio.run(go())


def rows(db: Path) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM adv_calls ORDER BY id")]
    finally:
        conn.close()


def metered(db: Path) -> dict[str, int]:
    t = call_totals(db, "thread-1").run
    return {"prompt_tokens": t.prompt_tokens, "completion_tokens": t.completion_tokens, "total_tokens": t.total_tokens}


# metering --------------------------------------------------------------------------------


@pytest.mark.parametrize("streaming", [False, True], ids=["whole", "streamed"])
def test_tokens_are_metered_as_the_server_counted(db, streaming):
    with ScriptedOpenAI(["Rex the dog", "Tom", lambda body: "echo " + body["messages"][-1]["content"]]) as server:
        c = client(server, db, streaming=streaming)
        answers = [ask(c, f"prompt number {i} with some words", task_id=f"t{i % 2}") for i in range(3)]
    assert answers == ["Rex the dog", "Tom", "echo prompt number 2 with some words"]
    assert all(bool(r.get("stream")) is streaming for r in server.requests)
    assert metered(db) == server.usage_total and server.usage_total["total_tokens"] > 0
    totals = call_totals(db, "thread-1")
    assert totals.run.calls == 3 and totals.run.cached == 0 and totals.run.failed == 0 and totals.run.tries == 3
    assert sorted(totals.tasks) == ["t0", "t1"] and totals.tasks["t0"].calls == 2
    row = rows(db)[0]
    assert row["thread_id"] == "thread-1" and row["role"] == "planner" and row["model"] == "openai:test-model"
    assert row["cached"] == 0 and row["cost"] is None and row["seconds"] > 0 and row["error"] is None


def test_cost_from_the_configured_price(db):
    with ScriptedOpenAI(["one two three"]) as server:
        ask(client(server, db, prices={"test-model": (2.0, 8.0)}), "four words in all")
    u = server.usage_total
    expected = (u["prompt_tokens"] * 2.0 + u["completion_tokens"] * 8.0) / 1_000_000
    totals = call_totals(db, "thread-1").run
    assert totals.cost == pytest.approx(expected) and totals.unpriced == 0


# structured output ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
@pytest.mark.parametrize("streaming", [False, True], ids=["whole", "streamed"])
def test_structured_output_parses(db, method, streaming):
    with ScriptedOpenAI(['{"name": "Rex", "legs": 3}']) as server:
        pet = ask(client(server, db, streaming=streaming, structured_method=method), "a pet", schema=Pet)
    assert pet == Pet(name="Rex", legs=3)
    sent = server.requests[0]
    if method == "function_calling":
        assert sent["tools"][0]["function"]["name"] == "Pet" and "response_format" not in sent
    else:
        assert sent["response_format"]["type"] == ("json_object" if method == "json_mode" else "json_schema")
    assert metered(db) == server.usage_total


def test_a_server_that_refuses_structured_output_says_so(db):
    refusal = Status(400, message="response_format json_schema is not supported by this server")
    with ScriptedOpenAI([refusal, "Rex"]) as server:
        c = client(server, db)
        with pytest.raises(StructuredOutputUnsupported) as exc:
            ask(c, schema=Pet)
        assert ask(c) == "Rex"  # the caller's fallback: plain text
    assert "HTTP 400" in str(exc.value) and "not supported" in str(exc.value) and exc.value.tries == 1
    assert server.request_count == 2


def test_an_answer_that_does_not_fit_the_schema(db):
    with ScriptedOpenAI(['{"legs": "many"}', "Sure! Rex."]) as server:
        c = client(server, db)
        with pytest.raises(StructuredOutputError) as bad_fields:
            ask(c, schema=Pet)
        with pytest.raises(StructuredOutputError) as not_json:
            ask(c, "again", schema=Pet)
    assert not isinstance(bad_fields.value, StructuredOutputUnsupported)
    assert "does not fit Pet" in str(bad_fields.value) and bad_fields.value.answer == '{"legs": "many"}'
    assert "not JSON" in str(not_json.value) and not_json.value.answer == "Sure! Rex."
    assert metered(db) == server.usage_total  # the tokens were spent, and are metered
    assert call_totals(db, "thread-1").run.failed == 2


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_an_unusable_answer_is_cached_too_and_fails_the_same_way_for_free(db, method):
    with ScriptedOpenAI(["Sure! Rex."]) as server:
        errors = []
        for _ in range(2):
            with pytest.raises(StructuredOutputError) as exc:
                ask(client(server, db, structured_method=method), schema=Pet)
            errors.append(exc.value)
        assert server.request_count == 1  # the second identical call was answered by the cache
        with pytest.raises(StructuredOutputError):
            ask(client(server, db, structured_method=method, cache=False), schema=Pet)  # --no-cache asks again
        assert server.request_count == 2
    first, second = errors
    assert first.cause == second.cause and first.answer == second.answer
    assert "not JSON" in first.cause  # (the test server sends prose as the tool call's arguments)
    assert str(second).endswith("no request sent")
    failed = [r for r in rows(db) if r["error"]]
    assert [r["cached"] for r in failed] == [0, 1, 0]
    assert metered(db) == server.usage_total


# faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("fault", "streaming"), [
    (Status(429), False), (Status(500), False), (Status(503), True), (Stall(5), False), (Stall(5), True),
    (Drop(), False), (Drop(), True), (Cut(), False), (Cut(), True), (Trickle(0.05), True),
], ids=["429", "500", "503-streamed", "timeout", "timeout-streamed", "drop", "drop-streamed", "cut", "cut-streamed",
        "stalled-stream"])
def test_each_fault_is_retried_and_succeeds(db, fault, streaming):
    with ScriptedOpenAI([fault, "Rex"]) as server:
        assert ask(client(server, db, streaming=streaming)) == "Rex"
    assert server.request_count == 2 and time.monotonic() - server.times[0] < 5
    (row,) = rows(db)
    assert row["tries"] == 2 and row["error"] is None
    assert metered(db) == server.usage_total  # the failed try cost nothing


def test_retry_after_is_honoured(db):
    with ScriptedOpenAI([Status(429, retry_after=1.2), "Rex"]) as server:
        assert ask(client(server, db)) == "Rex"
    waited = server.times[1] - server.times[0]
    assert 1.2 <= waited < 4  # the SDK's own backoff would have been at most 0.5 s


def test_a_retry_after_beyond_what_the_sdk_waits_fails_at_once(db):
    with ScriptedOpenAI([Status(429, retry_after=600)]) as server:
        with pytest.raises(ModelCallError) as exc:
            ask(client(server, db))
    assert server.request_count == 1 and "Retry-After 600 s" in str(exc.value) and "after 1 try" in str(exc.value)


@pytest.mark.parametrize(("fault", "cause"), [
    (Status(500), "HTTP 500 (scripted failure)"),
    (Stall(5), "no answer within the 0.3 s timeout"),
    (Drop(), "connection failed or dropped"),
], ids=["500", "timeout", "drop"])
def test_a_server_that_always_fails_gives_one_clear_line_in_bounded_time(db, fault, cause):
    with ScriptedOpenAI([fault]) as server:
        with pytest.raises(ModelCallError) as exc:
            ask(client(server, db))
        elapsed = time.monotonic() - server.times[0]  # from the first request (not counting imports)
    msg = str(exc.value)
    assert elapsed < 8  # 3 tries, 0.3 s timeouts, the SDK's backoff 0.5 s + 1 s: about 2.5 s
    assert "\n" not in msg and server.base_url in msg and "openai:test-model" in msg
    assert cause in msg and msg.endswith("after 3 tries")
    assert exc.value.tries == server.request_count == 3
    assert exc.value.__cause__ is None and exc.value.__suppress_context__
    (row,) = rows(db)
    assert row["error"] == msg and row["tries"] == 3 and row["total_tokens"] is None


def test_the_deadline_bounds_a_server_that_trickles_forever(db):
    with ScriptedOpenAI([Trickle(0.05)]) as server:  # a byte every 50 ms: no read ever times out
        with pytest.raises(ModelCallError, match="no answer within the 1 s deadline, after 1 try"):
            ask(client(server, db, timeout=5, deadline=1.0))  # the deadline, not the per-try timeout
    assert time.monotonic() - server.times[0] < 2.5


# cache and replay ---------------------------------------------------------------------------


def test_a_second_identical_call_makes_no_request(db):
    with ScriptedOpenAI(["Rex", "Tom", "Kit", "Max"]) as server:
        first = ask(client(server, db), "name a pet")
        again = ask(client(server, db, streaming=True, timeout=9, max_retries=5), "name a pet")
        assert server.request_count == 1
        other = ask(client(server, db), "name another pet")
        uncached = ask(client(server, db, cache=False), "name a pet")
    assert (first, again, other, uncached) == ("Rex", "Rex", "Tom", "Kit")
    assert server.request_count == 3
    cached = [r for r in rows(db) if r["cached"]]
    assert len(cached) == 1 and cached[0]["total_tokens"] == 0 and cached[0]["cost"] == 0 and cached[0]["tries"] == 0
    totals = call_totals(db, "thread-1").run
    assert totals.calls == 4 and totals.cached == 1 and metered(db) == server.usage_total


def test_structured_answers_are_cached_apart_from_text(db):
    with ScriptedOpenAI(['{"name": "Rex"}', "plain"]) as server:
        assert ask(client(server, db), "a pet", schema=Pet) == Pet(name="Rex")
        assert ask(client(server, db), "a pet", schema=Pet) == Pet(name="Rex")
        assert ask(client(server, db), "a pet") == "plain"
    assert server.request_count == 2


def test_replay_needs_no_network_and_a_miss_is_clear(db, monkeypatch):
    with ScriptedOpenAI(["Rex", '{"name": "Tom", "legs": 3}']) as server:
        ask(client(server, db), "name a pet")
        ask(client(server, db), "a pet", schema=Pet)
    server.stop()
    served = server.request_count
    monkeypatch.delenv("OPENAI_API_KEY")  # replay reads no key
    replay = client(server, db, replay=True)
    assert ask(replay, "name a pet") == "Rex"
    assert ask(replay, "a pet", schema=Pet) == Pet(name="Tom", legs=3)
    with pytest.raises(ReplayMiss) as exc:
        ask(replay, "name a different pet")
    assert server.request_count == served == 2
    msg = str(exc.value)
    assert "\n" not in msg and "replay: no recorded answer" in msg and "'planner'" in msg and "task 'plan'" in msg
    assert "prompt or settings changed" in msg
    with pytest.raises(ReplayMiss, match="nothing is recorded for it"):
        ask(replay, "write the docs", task_id="docs")


# secrets and concurrency ------------------------------------------------------------------


def test_the_api_key_is_sent_but_never_stored(db):
    echo = Status(500, message=f"invalid key {KEY}")  # a server that echoes what it was sent
    with ScriptedOpenAI(["Rex", echo]) as server:
        assert ask(client(server, db), "name a pet") == "Rex"
        with pytest.raises(ModelCallError) as exc:
            ask(client(server, db, max_retries=0), "another")
        assert ask(client(server, db), "name a pet") == "Rex"  # from the cache
    assert server.headers[0]["authorization"] == f"Bearer {KEY}"
    assert KEY not in str(exc.value) and "[api key]" in str(exc.value)
    assert KEY not in repr(client(server, db))
    files = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
    assert files and all(KEY.encode() not in p.read_bytes() for p in files)


WORKER = """
import asyncio, sys
from autodevos.agents.calls import CallOptions, ModelClient
url, db, name = sys.argv[1:4]
async def main():
    async with ModelClient("openai:test-model", db, "thread-1", base_url=url, options=CallOptions(timeout=5)) as c:
        await asyncio.gather(*(c.text(f"{name} call {i}", role="worker", task_id=name) for i in range(6)))
asyncio.run(main())
"""


def test_concurrent_tasks_and_processes_share_one_database(db):
    with ScriptedOpenAI([lambda body: "answer to " + body["messages"][-1]["content"]]) as server:
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, server.base_url, str(db), f"proc{i}"], cwd=ROOT)
                 for i in range(2)]

        async def here():
            async with client(server, db, timeout=5) as c:
                return await asyncio.gather(*(c.text(f"task {i % 4} call {i}", role="worker", task_id=f"task{i % 4}")
                                              for i in range(12)))

        answers = asyncio.run(here())
        assert [p.wait(timeout=60) for p in procs] == [0, 0]
    assert answers[5] == "answer to task 1 call 5"
    totals = call_totals(db, "thread-1")
    assert totals.run.calls == 24 == server.request_count and totals.run.failed == 0
    assert sorted(totals.tasks) == ["proc0", "proc1", "task0", "task1", "task2", "task3"]
    assert metered(db) == server.usage_total
