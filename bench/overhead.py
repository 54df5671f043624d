"""Per-task overhead (ms) at 10/100/1000 trivial tasks, and database bytes per task.

Compares a bare LangGraph fan-out (no checkpointer, then AsyncSqliteSaver) with the AutoDevOS
graph (ledger, dependency waits, SQLite checkpoints) on a fan-out and on a chain.
Target: our overhead with the SQLite checkpointer <= 5 ms per task at 1000 tasks, and database
growth linear in tasks.

    python bench/overhead.py
"""

from __future__ import annotations

import asyncio
import operator
import tempfile
import time
from pathlib import Path
from typing import Annotated, TypedDict

from autodevos.graph.checkpoint import DURABILITY, sqlite_checkpointer
from common import plan_of, run_plan
from langgraph.graph import END, START, StateGraph
from langgraph.types import Send
from rich.console import Console
from rich.table import Table


class Bare(TypedDict, total=False):
    n: int
    done: Annotated[list[int], operator.add]


async def _trivial(arg: dict) -> dict:
    return {"done": [arg["i"]]}


def bare_graph():
    b = StateGraph(Bare)
    b.add_node("work", _trivial)
    b.add_conditional_edges(START, lambda s: [Send("work", {"i": i}) for i in range(s["n"])], ["work"])
    b.add_edge("work", END)
    return b


async def _bare(n: int, checkpointer: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        if not checkpointer:
            g = bare_graph().compile()
            t0 = time.perf_counter()
            await g.ainvoke({"n": n})
            return time.perf_counter() - t0
        async with sqlite_checkpointer(Path(tmp) / "db.sqlite") as saver:
            g = bare_graph().compile(checkpointer=saver)
            t0 = time.perf_counter()
            await g.ainvoke({"n": n}, {"configurable": {"thread_id": "b"}}, durability=DURABILITY)
            return time.perf_counter() - t0


def measure(sizes: tuple[int, ...] = (10, 100, 1000)) -> list[dict]:
    """Per size: ms per task (bare LangGraph, with SqliteSaver, AutoDevOS fan-out and chain), database bytes."""
    rows: list[dict] = []
    for n in sizes:
        bare = asyncio.run(_bare(n, False))
        saved = asyncio.run(_bare(n, True))
        fan_wall, fan_db = run_plan(plan_of({f"t{i}": [] for i in range(n)}), {})
        chain_wall, _ = run_plan(plan_of({f"t{i}": ([f"t{i - 1}"] if i else []) for i in range(n)}), {})
        prev = rows[-1] if rows else None
        rows.append({"tasks": n, "bare_ms": 1000 * bare / n, "saver_ms": 1000 * saved / n, "fan_ms": 1000 * fan_wall / n,
                     "chain_ms": 1000 * chain_wall / n, "db_bytes": fan_db,
                     "added_per_task": (fan_db - prev["db_bytes"]) / (n - prev["tasks"]) if prev else None})
    return rows


def table(rows: list[dict]) -> Table:
    out = Table(title="Per-task overhead, ms (target: AutoDevOS + SQLite <= 5 ms at 1000 tasks)")
    for col in ("tasks", "LangGraph, no checkpointer", "LangGraph + SqliteSaver", "AutoDevOS fan-out", "AutoDevOS chain",
                "db bytes (fan-out)", "db bytes / task", "added bytes / added task"):
        out.add_column(col, justify="right")
    for r in rows:
        out.add_row(str(r["tasks"]), f"{r['bare_ms']:.2f}", f"{r['saver_ms']:.2f}", f"{r['fan_ms']:.2f}", f"{r['chain_ms']:.2f}",
                    f"{r['db_bytes']:,}", f"{r['db_bytes'] / r['tasks']:,.0f}",
                    f"{r['added_per_task']:,.0f}" if r["added_per_task"] is not None else "")
    return out


def main() -> None:
    Console(width=200).print(table(measure()))


if __name__ == "__main__":
    main()
