"""The one place that opens a run's checkpointer, builds the graph and compiles it.

Every caller (runner, queries, Studio, tests, benches) goes through `open_graph` (or, with no
checkpointer of ours, `compile_graph`), so the retry policy and the checkpointer a run uses are
decided here once.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from autodevos.agents.codegen import AgentWork
from autodevos.graph.builder import build_graph, retry_policy
from autodevos.graph.checkpoint import open_checkpointer
from autodevos.graph.settings import RunSettings
from langgraph.graph.state import CompiledStateGraph


def compile_graph(settings: RunSettings | None = None, agents: Mapping[str, AgentWork] | None = None,
                  checkpointer: Any = None) -> CompiledStateGraph:
    """The graph with the run's retry policy, compiled with `checkpointer` (None: LangGraph's server brings its own)."""
    settings = settings or RunSettings()
    return build_graph(agents, retry_policy(settings.retries, settings.retry_interval)).compile(checkpointer=checkpointer)


@contextlib.asynccontextmanager
async def open_graph(settings: RunSettings, agents: Mapping[str, AgentWork] | None = None) -> AsyncIterator[CompiledStateGraph]:
    """The compiled graph on the run's checkpointer (its --checkpointer URL, else the SQLite --db file), open while inside."""
    async with open_checkpointer(Path(settings.db_path).resolve(), settings.checkpointer) as saver:
        yield compile_graph(settings, agents, saver)
