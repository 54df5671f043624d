"""Checkpointers: the SQLite file by default (survives kill -9 with durability='sync')."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import ormsgpack
from langgraph.checkpoint.serde import jsonplus
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.types import Send

DURABILITY = "sync"
"""Each step's writes are committed before the next step starts; 'exit' would lose a killed run."""


class SendSerializer(JsonPlusSerializer):
    """LangGraph's serializer, byte for byte, without its slow way to a Send.

    LangGraph stores every Send twice (in the writes and in the next checkpoint). Its encoder
    reaches a Send after a dozen type checks, the last `isinstance(obj, SendProtocol)`, a
    typing.Protocol check that Python 3.11 answers by walking the protocol's attributes: 12-20 ms
    for the 500 Sends of a 500-task plan, twice, before any task starts. This encoder looks at a
    Send first and writes what LangGraph's would (tests/unit/test_checkpoint_serde.py compares the
    bytes); everything else, and reading, is LangGraph's own."""

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        if _FAST_SEND and obj is not None and not isinstance(obj, (bytes, bytearray)):
            try:
                return "msgpack", _pack(obj)
            except ormsgpack.MsgpackEncodeError:
                pass  # LangGraph's own path gives its error, or its pickle fallback
        return super().dumps_typed(obj)


_EXT_POS_ARGS = getattr(jsonplus, "EXT_CONSTRUCTOR_POS_ARGS", None)
_OPTION = getattr(jsonplus, "_option", None)
_DEFAULT = getattr(jsonplus, "_msgpack_default", None)
_FAST_SEND = None not in (_EXT_POS_ARGS, _OPTION, _DEFAULT)
"""False when a LangGraph version moved what this mirrors: then LangGraph's encoder does it all."""


def _pack(obj: Any) -> bytes:
    return ormsgpack.packb(obj, default=_send_first, option=_OPTION)


def _send_first(obj: Any) -> Any:
    if type(obj) is Send:
        timeout = getattr(obj, "timeout", None)
        args = (obj.node, obj.arg) if timeout is None else (obj.node, obj.arg, timeout)
        return ormsgpack.Ext(_EXT_POS_ARGS, _pack((obj.__class__.__module__, obj.__class__.__name__, args)))
    return _DEFAULT(obj)


@contextlib.asynccontextmanager
async def sqlite_checkpointer(path: str | Path) -> AsyncIterator[AsyncSqliteSaver]:
    """An AsyncSqliteSaver on its own connection, in WAL mode with a long busy timeout."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(str(path), timeout=60)
    try:
        await conn.execute("PRAGMA busy_timeout=60000")
        await _retry_locked(lambda: conn.execute("PRAGMA journal_mode=WAL"))
        await conn.execute("PRAGMA synchronous=NORMAL")
        saver = AsyncSqliteSaver(conn, serde=SendSerializer())
        await _retry_locked(saver.setup)
        yield saver
    except BaseException:
        await _quiesce(conn)
        raise
    finally:
        await conn.close()


async def _quiesce(conn: aiosqlite.Connection) -> None:
    """The run was cancelled (Ctrl-C): a checkpoint write LangGraph had in flight may still send its
    statement after this. Let it run and close its cursor, and undo what it left uncommitted: a
    connection closed while a statement is open lives on, holding the database's write lock, until
    the process ends (everything after it, releasing the run's lease included, would wait on it)."""
    import asyncio

    for _ in range(3):
        await asyncio.sleep(0.05)
        with contextlib.suppress(Exception):
            await conn.rollback()


async def _retry_locked(make: Any, seconds: float = 60.0) -> Any:
    """Retry while SQLite says 'locked' (a new file switched to WAL by several processes at once)."""
    import asyncio
    import sqlite3
    import time

    deadline, delay = time.monotonic() + seconds, 0.01
    while True:
        try:
            return await make()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)


def is_postgres(url: str | None) -> bool:
    return bool(url) and url.split(":", 1)[0] in ("postgres", "postgresql")


def redact(url: str | None) -> str | None:
    """The URL without its password: what may be stored and shown (libpq reads PGPASSWORD)."""
    if not url or "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    return f"{scheme}://{creds.split(':', 1)[0]}@{host}"


@contextlib.asynccontextmanager
async def open_checkpointer(db_path: str | Path, url: str | None = None) -> AsyncIterator[Any]:
    """PostgreSQL when url is postgres://..., for runs shared by many workers; else the SQLite file."""
    if not is_postgres(url):
        async with sqlite_checkpointer(db_path) as saver:
            yield saver
        return
    try:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    except ImportError:
        raise CheckpointerError("--checkpointer postgres:// needs: pip install langgraph-checkpoint-postgres 'psycopg[binary]'") from None
    try:
        async with AsyncPostgresSaver.from_conn_string(url, serde=SendSerializer()) as saver:
            await _setup_once(saver, url)
            yield saver
    except CheckpointerError:
        raise
    except Exception as exc:
        if type(exc).__module__.startswith("psycopg"):
            raise CheckpointerError(f"cannot use PostgreSQL at {redact(url)}: {str(exc).strip().splitlines()[0]}") from None
        raise


SETUP_LOCK = 7_243_117_001
"""Advisory lock key: workers starting together must not create the tables at the same time."""


async def _setup_once(saver: Any, url: str) -> None:
    import asyncio

    import psycopg

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        # poll with short statements: a session blocked in pg_advisory_lock keeps a snapshot open,
        # and the holder's CREATE INDEX CONCURRENTLY would wait for it forever
        while True:
            got = await (await conn.execute("SELECT pg_try_advisory_lock(%s)", (SETUP_LOCK,))).fetchone()
            if got and got[0]:
                break
            await asyncio.sleep(0.1)
        try:
            await saver.setup()
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))


class CheckpointerError(RuntimeError):
    """The checkpointer cannot be reached or set up; the message is for the user."""
