"""SQLite helpers shared by the run store and the model-call store: one way to open a run database,
retry while it is locked, turn its errors into one line, and keep one object per database file."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

import sqlite_utils

T = TypeVar("T")


class StoreError(RuntimeError):
    """The run database cannot be opened or is not ours."""


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection tuned for several writers: WAL, a long busy timeout, NORMAL sync."""
    conn = sqlite3.connect(str(path), timeout=60, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=60000")
    with_retries(lambda: conn.execute("PRAGMA journal_mode=WAL"))
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def with_retries(fn: Callable[[], Any], seconds: float = 60.0) -> Any:
    """Retry fn while SQLite says the database is locked. Switching a new file to WAL (and
    creating tables) while other processes do the same can fail at once instead of waiting."""
    deadline = time.monotonic() + seconds
    delay = 0.01
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def open_database(path: Path) -> tuple[sqlite3.Connection, sqlite_utils.Database]:
    """A connection to the run database (its folder made), or StoreError with a one-line reason."""
    with store_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(path)
        return conn, sqlite_utils.Database(conn)


def explain_database_error(exc: sqlite3.Error, path: str | Path) -> str:
    """One line for a database error: which file, what is wrong with it, and what to do."""
    said = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    low = said.lower()
    if "malformed" in low or "not a database" in low or "corrupt" in low:
        return (f"{path} is not a usable SQLite database ({said}): it is damaged; restore it from a backup, or start again "
                f"with a new --db (`sqlite3 {path} .recover` can save what is still readable)")
    if "full" in low:
        return f"no space left for the run database {path} ({said}); free some disk space or pass --db on another disk, then resume"
    if "locked" in low or "busy" in low:
        return f"the run database {path} stayed locked by another process ({said}); try again when that process is done"
    if "readonly" in low or "read-only" in low or "unable to open" in low or "i/o" in low or "permission" in low:
        return (f"cannot write the run database {path} ({said}); check that the file and its folder are writable and that "
                "its disk has space and is mounted read-write, or pass another --db")
    return f"the run database {path} failed ({said}); if this repeats, start again with a new --db"


@contextlib.contextmanager
def store_errors(path: Path) -> Iterator[None]:
    """A database or file error on path becomes a StoreError the CLI prints as one line."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise StoreError(explain_database_error(exc, path)) from None
    except OSError as exc:
        raise StoreError(f"cannot open {path}: {exc.strerror or exc}") from None


class PerFile(Generic[T]):
    """One object per database file in this process (a connection and its writer thread each)."""

    def __init__(self, make: Callable[[str], T]):
        self._make = make
        self._items: dict[str, T] = {}
        self._given: dict[str, str] = {}
        """Each path as a caller gave it -> the resolved path it was opened by."""
        self._lock = threading.Lock()

    def open(self, path: str | Path) -> T:
        key = str(Path(path).resolve())
        with self._lock:
            item = self._items.get(key)
            if item is None:
                item = self._items[key] = self._make(key)
            self._given[str(path)] = key
            return item

    def opened(self, path: str | Path) -> T | None:
        """The object for path when it was opened by that same path before; no filesystem call,
        so an event loop may ask (hundreds of tasks starting at once need not queue for a thread)."""
        with self._lock:
            key = self._given.get(str(path))
            return self._items.get(key) if key is not None else None

    def close_all(self) -> None:
        with self._lock:
            for item in self._items.values():
                item.close()  # type: ignore[attr-defined]
            self._items.clear()
            self._given.clear()
