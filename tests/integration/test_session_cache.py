"""graph/session.py compiles a graph once per set of agents and retry settings; each caller gets a
copy on its own checkpointer, and a different agent function is a different graph."""

from __future__ import annotations

import asyncio
import gc

from autodevos.graph import session
from autodevos.graph.runner import RunSettings, start_run
from autodevos.graph.session import compile_graph
from autodevos.graph.store import close_stores
from langgraph.checkpoint.memory import InMemorySaver

from tests.conftest import make_plan


async def _one(task, spec, ws=None):
    return {}


async def _other(task, spec, ws=None):
    return {}


def test_one_compile_many_checkpointers():
    first, second = InMemorySaver(), InMemorySaver()
    a = compile_graph(None, {"worker": _one}, first)
    b = compile_graph(None, {"worker": _one}, second)
    assert a.nodes["worker"] is b.nodes["worker"]  # compiled once
    assert a.checkpointer is first and b.checkpointer is second
    assert compile_graph(None, {"worker": _one}).checkpointer is None


def test_other_agents_or_retries_are_another_graph():
    base = compile_graph(None, {"worker": _one})
    assert compile_graph(None, {"worker": _other}).nodes["worker"] is not base.nodes["worker"]
    assert compile_graph(RunSettings(retries=5), {"worker": _one}).nodes["worker"] is not base.nodes["worker"]
    assert compile_graph(None, {"worker": _one, "docs": _one}).nodes["worker"] is not base.nodes["worker"]


def test_each_run_gets_the_work_it_was_given(tmp_path):
    calls: list[str] = []

    def agent(name):
        async def work(task, spec, ws=None):
            calls.append(name)
            return {}
        return work

    for name in ("first", "second", "first-again"):
        settings = RunSettings(request="cache", out_dir=str(tmp_path / name), db_path=str(tmp_path / "db.sqlite"),
                               plan=make_plan({"a": []}))
        assert asyncio.run(start_run(settings, agents={"worker": agent(name)})).ok
    close_stores()
    assert calls == ["first", "second", "first-again"]


def test_the_heap_is_frozen_once():
    session.settle_heap()
    frozen = gc.get_freeze_count()
    garbage = [[i] for i in range(1000)]
    session.settle_heap()
    assert gc.get_freeze_count() == frozen and garbage
