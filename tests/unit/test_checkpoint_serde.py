"""The checkpointer's serializer (graph/checkpoint.py) writes what LangGraph's own writes, byte for
byte, only sooner for Sends; a LangGraph version that changes its encoder fails here first."""

from __future__ import annotations

import datetime
import uuid

import pytest
from autodevos.domain.dag import Task
from autodevos.graph.checkpoint import _FAST_SEND, SendSerializer
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.types import Send

SENDS = [Send("worker", {"task_id": f"t{i}", "plan_key": "ab" * 32}) for i in range(50)]
VALUES = [
    SENDS[0],
    Send("verify", {"task_id": "v", "plan_key": "k", "feedback": "again", "previous": ["a.ts"], "trusted": ["ff"]}),
    SENDS,
    {"v": 4, "id": "1f0", "channel_values": {"__pregel_tasks": SENDS, "plan": {"tasks": [{"id": "a"}]}, "files": {}}},
    {"tasks": {"a": {"status": "completed", "files": ["x"], "report": None, "duration": 0.25}}},
    Task(id="a", agent="worker", depends_on=["b"]),
    {"when": datetime.datetime(2026, 11, 30, 12, 0), "ids": {1, 2}, "u": uuid.UUID(int=7)},
    "text", 3, 2.5, True, [], {},
]


def test_the_bytes_are_langgraphs():
    assert _FAST_SEND, "graph/checkpoint.py no longer finds what it mirrors in langgraph's jsonplus"
    ours, theirs = SendSerializer(), JsonPlusSerializer()
    for value in VALUES:
        assert ours.dumps_typed(value) == theirs.dumps_typed(value), value


def test_what_it_writes_reads_back():
    ours = SendSerializer()
    for value in VALUES:
        assert ours.loads_typed(ours.dumps_typed(value)) == JsonPlusSerializer().loads_typed(JsonPlusSerializer().dumps_typed(value))
    assert ours.loads_typed(ours.dumps_typed(SENDS[3])) == SENDS[3]


def test_what_langgraph_cannot_encode_fails_as_it_does():
    with pytest.raises(Exception) as theirs:
        JsonPlusSerializer().dumps_typed({"x": object()})
    with pytest.raises(type(theirs.value)):
        SendSerializer().dumps_typed({"x": object()})
    assert SendSerializer().dumps_typed(None) == ("null", b"") and SendSerializer().dumps_typed(b"ab") == ("bytes", b"ab")


def test_a_send_never_takes_langgraphs_long_way(monkeypatch):
    from autodevos.graph import checkpoint

    seen = []
    monkeypatch.setattr(checkpoint, "_DEFAULT", lambda obj: seen.append(obj) or JsonPlusSerializer().dumps_typed(obj))
    SendSerializer().dumps_typed({"channel_values": {"__pregel_tasks": SENDS}})
    assert seen == []  # LangGraph's default hook (a dozen checks, then typing's Protocol check) was never asked
