"""The one place that opens a run's checkpointer, builds the graph and compiles it.

Every caller (runner, queries, Studio, tests, benches) goes through `open_graph` (or, with no
checkpointer of ours, `compile_graph`), so the retry policy and the checkpointer a run uses are
decided here once.

A graph is compiled once per process for each set of agents and retry settings, and each caller
gets a copy bound to its own checkpointer (`Pregel.copy`): compiling costs ~13 ms (LangGraph reads
every node's bytecode looking for subgraphs), a copy ~0.04 ms. The key names each agent's work
function by identity and the entry keeps the functions alive, so a new function (another plugin,
a test's fake) is a new graph, and no other function can take the id of one whose graph is kept.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from autodevos.agents import registry
from autodevos.agents.codegen import AgentWork
from autodevos.graph.builder import build_graph, retry_policy
from autodevos.graph.checkpoint import open_checkpointer
from autodevos.graph.settings import RunSettings
from langgraph.graph.state import CompiledStateGraph

_COMPILED: OrderedDict[tuple[Any, ...], tuple[tuple[AgentWork, ...], CompiledStateGraph]] = OrderedDict()
"""(agent names and their works' ids, retries, retry interval) -> (the works, kept so no id is reused; the graph)."""
_COMPILED_MAX = 8
_COMPILED_LOCK = threading.Lock()


def compile_graph(settings: RunSettings | None = None, agents: Mapping[str, AgentWork] | None = None,
                  checkpointer: Any = None) -> CompiledStateGraph:
    """The graph with the run's retry policy, compiled with `checkpointer` (None: LangGraph's server brings its own)."""
    settings = settings or RunSettings()
    works = dict(agents) if agents else registry.works()
    key = (tuple((name, id(work)) for name, work in works.items()), settings.retries, settings.retry_interval)
    with _COMPILED_LOCK:
        found = _COMPILED.get(key)
        if found is not None:
            _COMPILED.move_to_end(key)
    if found is None:
        found = tuple(works.values()), build_graph(works, retry_policy(settings.retries, settings.retry_interval)).compile()
        with _COMPILED_LOCK:
            _COMPILED[key] = found
            while len(_COMPILED) > _COMPILED_MAX:
                _COMPILED.popitem(last=False)
    return found[1].copy(update={"checkpointer": checkpointer})


_HEAP_SETTLED = False


def settle_heap() -> None:
    """Once per process, before its first graph runs: keep the objects alive now (the imports:
    ~170,000) out of Python's cyclic garbage collector (`gc.freeze`).

    A full collection walks every tracked object; over the imports that took 100-170 ms on these
    machines, and a run's first step (hundreds of Sends prepared at once) allocates enough to set
    one off, so the first tasks waited for it. Frozen objects are still freed by reference
    counting; only a cycle among them that becomes garbage later is never collected, and freezing
    once bounds that to what was alive at the first run."""
    global _HEAP_SETTLED
    if not _HEAP_SETTLED:
        _HEAP_SETTLED = True
        gc.freeze()


@contextlib.asynccontextmanager
async def open_graph(settings: RunSettings, agents: Mapping[str, AgentWork] | None = None) -> AsyncIterator[CompiledStateGraph]:
    """The compiled graph on the run's checkpointer (its --checkpointer URL, else the SQLite --db file), open while inside."""
    settle_heap()
    async with open_checkpointer(Path(settings.db_path).resolve(), settings.checkpointer) as saver:
        yield compile_graph(settings, agents, saver)
