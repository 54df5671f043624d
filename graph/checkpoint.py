"""Checkpointers: the SQLite file by default (survives kill -9 with durability='sync')."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

DURABILITY = "sync"
"""Each step's writes are committed before the next step starts; 'exit' would lose a killed run."""


@contextlib.asynccontextmanager
async def sqlite_checkpointer(path: str | Path) -> AsyncIterator[AsyncSqliteSaver]:
    """An AsyncSqliteSaver on its own connection, in WAL mode with a long busy timeout."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(str(path), timeout=60)
    try:
        await conn.execute("PRAGMA busy_timeout=60000")
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        saver = AsyncSqliteSaver(conn)
        await saver.setup()
        yield saver
    finally:
        await conn.close()
