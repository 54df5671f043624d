"""The run database: runs, the task ledger, and generated files kept once by content hash.

It lives in the same SQLite file as LangGraph's checkpoints (WAL mode, so readers never
block). The checkpointed state carries only paths and hashes; contents are stored here once,
so the file grows with what was generated, not with the number of checkpoints.

The task ledger is the durable record of what each task did. A task node writes its result
here before LangGraph records the node's output, so a task that finished just before a crash
is recognised on resume and not run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autodevos.agents.db import PerFile, StoreError, connect, content_hash, open_database, store_errors, with_retries  # noqa: F401 (StoreError, content_hash: part of the store API)

SCHEMA_VERSION = 1


@dataclass
class TaskRecord:
    """What the ledger knows of one task."""

    task_id: str
    agent: str
    status: str = "pending"
    attempts: int = 0
    started: float | None = None
    finished: float | None = None
    duration: float | None = None
    error: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    report: Any = None

    def as_state(self) -> dict[str, Any]:
        return {
            "report": self.report,
            "agent": self.agent,
            "status": self.status,
            "attempts": self.attempts,
            "started": self.started,
            "finished": self.finished,
            "duration": self.duration,
            "error": self.error,
            "files": sorted(self.files),
        }


class RunStore:
    """sqlite-utils over one connection, safe to share between threads (calls are serialised)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._conn, self.db = open_database(self.path)
        self._lock = threading.RLock()
        with store_errors(self.path):
            with_retries(self._ensure_schema)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()

    def close(self) -> None:
        with self._writer_lock:
            if self._writer is not None:
                self._queue.put(None)
                self._writer.join()
                self._writer = None
        with self._lock:
            self._conn.close()

    # group commit -----------------------------------------------------------------------
    def submit(self, fn: Callable[[sqlite3.Connection], Any]) -> Future:
        """Run fn(conn) on the writer thread; writes queued together commit in one transaction.

        Many tasks ending at once would otherwise each wait for their own commit; in order of
        submission, so a later write never overtakes an earlier one.
        """
        fut: Future = Future()
        with self._writer_lock:  # never the connection lock: the event loop must not wait on the writer
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, name="autodevos-store", daemon=True)
                self._writer.start()
        self._queue.put((fn, fut))
        return fut

    async def write(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        return await asyncio.wrap_future(self.submit(fn))

    def _write_loop(self) -> None:
        conn = connect(self.path)  # the writer's own connection: readers never queue behind its transactions
        try:
            self._drain(conn)
        finally:
            conn.close()

    def _drain(self, conn: sqlite3.Connection) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            stop = False
            while len(batch) < 500:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            results: list[tuple[Future, Any, BaseException | None]] = []
            try:
                conn.execute("BEGIN IMMEDIATE")
                for fn, fut in batch:
                    try:
                        results.append((fut, fn(conn), None))
                    except Exception as exc:  # one bad write fails its caller, not the batch
                        results.append((fut, None, exc))
                conn.execute("COMMIT")
            except Exception as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                results = [(fut, None, exc) for _, fut in batch]
            for fut, value, exc in results:
                _settle(fut, value, exc)
            if stop:
                return

    def _ensure_schema(self) -> None:
        with self._lock:
            db = self.db
            if "adv_runs" not in db.table_names():
                db["adv_runs"].create(
                    {"thread_id": str, "request": str, "out_dir": str, "model": str, "created": float,
                     "updated": float, "status": str, "plan": str, "settings": str, "lease_owner": str, "lease_until": float},
                    pk="thread_id", if_not_exists=True,
                )
            if "adv_tasks" not in db.table_names():
                db["adv_tasks"].create(
                    {"thread_id": str, "task_id": str, "agent": str, "status": str, "attempts": int,
                     "started": float, "finished": float, "duration": float, "error": str, "files": str,
                     "report": str},
                    pk=("thread_id", "task_id"), if_not_exists=True,
                )
            cols = {c.name for c in db["adv_runs"].columns}
            for col, kind in (("lease_owner", str), ("lease_until", float), ("project", str)):
                if col not in cols:
                    try:
                        db["adv_runs"].add_column(col, kind)
                    except sqlite3.OperationalError as exc:  # another process added it meanwhile
                        if "duplicate column" not in str(exc):
                            raise
            if "adv_generated" not in db.table_names():
                # per output folder and path: what was last generated there (the base of a three-way
                # merge with the user's edits) and the hash of what was put on disk; next_* hold a
                # write that was decided but not yet known to be done (a crash in between)
                db["adv_generated"].create(
                    {"out_dir": str, "path": str, "digest": str, "written": str, "outcome": str,
                     "next_digest": str, "next_written": str, "next_outcome": str, "thread_id": str, "at": float},
                    pk=("out_dir", "path"), if_not_exists=True,
                )
            if "adv_blobs" not in db.table_names():
                db["adv_blobs"].create({"hash": str, "size": int, "content": str}, pk="hash", if_not_exists=True)
            if "adv_meta" not in db.table_names():
                db["adv_meta"].insert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key", replace=True)

    # runs -------------------------------------------------------------------------------
    def create_run(self, thread_id: str, request: str, out_dir: str, model: str, settings: dict[str, Any]) -> None:
        now = time.time()
        with self._lock:
            self.db["adv_runs"].insert(
                {"thread_id": thread_id, "request": request, "out_dir": out_dir, "model": model, "created": now,
                 "updated": now, "status": "running", "plan": None, "settings": json.dumps(settings),
                 "project": settings.get("project") or None},
                replace=True,
            )

    def claim_run(self, thread_id: str, request: str, out_dir: str, model: str, settings: dict[str, Any]) -> dict[str, Any] | None:
        """create_run, unless the thread id belongs to another run (another request, or another
        folder): then nothing is written and that run's row is returned. The same request into the
        same folder is the same run started again, and takes its row over. One transaction, so two
        processes claiming one id at once cannot both get it."""
        now = time.time()
        with self._lock, self._immediate():
            row = self._conn.execute("SELECT request, out_dir, status FROM adv_runs WHERE thread_id = ?", (thread_id,)).fetchone()
            if row is not None and (row[0] or row[1]) and (row[0], row[1]) != (request, out_dir):
                return {"thread_id": thread_id, "request": row[0] or "", "out_dir": row[1] or "", "status": row[2]}
            self._conn.execute(
                "INSERT OR REPLACE INTO adv_runs (thread_id, request, out_dir, model, created, updated, status, plan, settings, project) "
                "VALUES (?, ?, ?, ?, ?, ?, 'running', NULL, ?, ?)",
                (thread_id, request, out_dir, model, now, now, json.dumps(settings), settings.get("project") or None))
        return None

    def get_run(self, thread_id: str) -> dict[str, Any] | None:
        with self._lock:
            rows = list(self.db["adv_runs"].rows_where("thread_id = ?", [thread_id]))
        if not rows:
            return None
        row = rows[0]
        row["settings"] = json.loads(row["settings"] or "{}")
        return row

    def last_run_for(self, out_dir: str) -> dict[str, Any] | None:
        """The newest run that ran its plan into out_dir to the end (a paused or unfinished run changed nothing yet)."""
        with self._lock:
            rows = list(self.db["adv_runs"].rows_where("out_dir = ? AND plan IS NOT NULL AND status IN ('completed', 'failed')",
                                                       [out_dir], order_by="created desc", limit=1))
        if not rows:
            return None
        rows[0]["settings"] = json.loads(rows[0]["settings"] or "{}")
        return rows[0]

    def last_run_of_project(self, project: str) -> dict[str, Any] | None:
        """The newest run of the project that ran its plan to the end (as last_run_for, by project name)."""
        with self._lock:
            rows = self.db["adv_runs"].rows_where("plan IS NOT NULL AND status IN ('completed', 'failed')", order_by="created desc")
            row = next((r for r in rows if project_of(r) == project), None)
        if row is not None:
            row["settings"] = json.loads(row["settings"] or "{}")
        return row

    def list_runs(self, limit: int | None = 50, project: str | None = None) -> list[dict[str, Any]]:
        """The newest runs first (limit: how many; None: all), of one project when given."""
        with self._lock:
            if project is None:
                return list(self.db["adv_runs"].rows_where(order_by="created desc", limit=limit))
            rows = (r for r in self.db["adv_runs"].rows_where(order_by="created desc") if project_of(r) == project)
            return list(itertools.islice(rows, limit))

    def update_run(self, thread_id: str, **values: Any) -> None:
        """Update a run's row; a run started elsewhere (LangGraph server, Studio) gets one on first update."""
        values["updated"] = time.time()
        with self._lock:
            if self._conn.execute("SELECT 1 FROM adv_runs WHERE thread_id = ?", (thread_id,)).fetchone() is None:
                self.db["adv_runs"].insert({"thread_id": thread_id, "created": values["updated"], "status": "running",
                                            "request": "", "out_dir": "", "model": "", "settings": "{}"})
            self.db["adv_runs"].update(thread_id, values)

    # leases -----------------------------------------------------------------------------
    def acquire_lease(self, thread_id: str, owner: str, ttl: float) -> str | None:
        """Take the run for this process; returns None, or who holds it when someone else does.

        A lease is held by 'host:pid:token' until it expires. One whose process is gone on this
        host (killed) is taken over at once.
        """
        with self._lock, self._immediate():  # read and take in one write transaction: two processes never both win
            now = time.time()
            row = self._conn.execute("SELECT lease_owner, lease_until FROM adv_runs WHERE thread_id = ?", (thread_id,)).fetchone()
            if row is None:
                return None
            holder, until = row
            if holder and holder != owner and until and until > now and _alive(holder):
                return holder
            self._conn.execute("UPDATE adv_runs SET lease_owner = ?, lease_until = ? WHERE thread_id = ?",
                               (owner, now + ttl, thread_id))
            return None

    @contextlib.contextmanager
    def _immediate(self) -> Iterator[None]:
        """One write transaction on the shared connection (hold self._lock): BEGIN IMMEDIATE takes
        the database's write lock first, so what is read inside cannot change before it commits."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def renew_lease(self, thread_id: str, owner: str, ttl: float) -> None:
        with self._lock:
            self._conn.execute("UPDATE adv_runs SET lease_until = ? WHERE thread_id = ? AND lease_owner = ?",
                               (time.time() + ttl, thread_id, owner))

    def release_lease(self, thread_id: str, owner: str) -> None:
        """Give the run up. Best effort and quick: a lease whose process has ended is taken over at
        once anyway, so a database busy at that moment (a run cut short by Ctrl-C) is not waited on."""
        with self._lock:
            self._conn.execute("PRAGMA busy_timeout=2000")
            try:
                self._conn.execute("UPDATE adv_runs SET lease_owner = NULL, lease_until = NULL WHERE thread_id = ? AND lease_owner = ?",
                                   (thread_id, owner))
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
            finally:
                self._conn.execute("PRAGMA busy_timeout=60000")

    # tasks ------------------------------------------------------------------------------
    def task_records(self, thread_id: str) -> dict[str, TaskRecord]:
        with self._lock:
            rows = list(self.db["adv_tasks"].rows_where("thread_id = ?", [thread_id]))
        return {r["task_id"]: _record(r) for r in rows}

    @staticmethod
    def mark_started(thread_id: str, task_id: str, agent: str, now: float) -> Callable[[sqlite3.Connection], None]:
        """A write (for submit) that marks a task running and counts the attempt."""

        def fn(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO adv_tasks (thread_id, task_id, agent, status, attempts, started, files) "
                "VALUES (?, ?, ?, 'running', 1, ?, '{}') ON CONFLICT(thread_id, task_id) DO UPDATE SET "
                "status='running', attempts=attempts+1, started=excluded.started, finished=NULL, duration=NULL, error=NULL",
                (thread_id, task_id, agent, now),
            )

        return fn

    @staticmethod
    def mark_finished(thread_id: str, rec: TaskRecord) -> Callable[[sqlite3.Connection], None]:
        """A write (for submit) that records how a task ended; the attempt count is left as counted."""

        def fn(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO adv_tasks (thread_id, task_id, agent, status, attempts, started, finished, duration, error, files, report) "
                "VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?) ON CONFLICT(thread_id, task_id) DO UPDATE SET status=excluded.status, "
                "finished=excluded.finished, duration=excluded.duration, error=excluded.error, files=excluded.files, "
                "report=excluded.report",
                (thread_id, rec.task_id, rec.agent, rec.status, rec.started, rec.finished, rec.duration, rec.error,
                 json.dumps(rec.files, sort_keys=True), json.dumps(rec.report) if rec.report is not None else None),
            )

        return fn

    @staticmethod
    def mark_pending(thread_id: str, task_ids: list[str]) -> Callable[[sqlite3.Connection], None]:
        """A write (for submit) that sends ended tasks back to pending, to run again (a repair)."""

        def fn(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "UPDATE adv_tasks SET status='pending', finished=NULL, duration=NULL, error=NULL WHERE thread_id=? AND task_id=?",
                [(thread_id, t) for t in task_ids],
            )

        return fn

    @staticmethod
    def mark_unstarted(thread_id: str, task_id: str) -> Callable[[sqlite3.Connection], None]:
        """A write (for submit): a task that started but was held before it did anything (the budget) is pending again, its try not counted."""

        def fn(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE adv_tasks SET status='pending', attempts=MAX(attempts-1, 0), finished=NULL, duration=NULL, "
                         "error=NULL WHERE thread_id=? AND task_id=?", (thread_id, task_id))

        return fn

    def finish_task(self, thread_id: str, rec: TaskRecord) -> None:
        self.submit(self.mark_finished(thread_id, rec)).result()

    # blobs ------------------------------------------------------------------------------
    @staticmethod
    def blob_rows(files: dict[str, str]) -> tuple[dict[str, str], Callable[[sqlite3.Connection], None]]:
        """path -> hash, and a write (for submit) that stores each content once by its hash."""
        manifest = {path: content_hash(text) for path, text in files.items()}
        rows = [(manifest[p], len(t.encode("utf-8")), t) for p, t in files.items()]

        def fn(conn: sqlite3.Connection) -> None:
            conn.executemany("INSERT OR IGNORE INTO adv_blobs (hash, size, content) VALUES (?, ?, ?)", rows)

        return manifest, fn

    # what was generated where ---------------------------------------------------------
    def generated(self, out_dir: str, paths: list[str]) -> dict[str, dict[str, Any]]:
        """path -> its adv_generated row, for the paths of out_dir that have one."""
        rows: dict[str, dict[str, Any]] = {}
        with self._lock:
            for i in range(0, len(paths), 500):
                chunk = paths[i : i + 500]
                marks = ",".join("?" * len(chunk))
                cur = self._conn.execute(f"SELECT * FROM adv_generated WHERE out_dir = ? AND path IN ({marks})", [out_dir, *chunk])
                names = [d[0] for d in cur.description]
                rows.update({r[1]: dict(zip(names, r, strict=True)) for r in cur.fetchall()})
        return rows

    def made_before(self, out_dir: str, thread_id: str, agent: str) -> dict[str, str | None]:
        """path -> hash put on disk, for what `agent` generated in out_dir in runs other than
        thread_id (by the task ledger of the run that last wrote each path) and is still recorded there."""
        with self._lock:
            rows = self._conn.execute("SELECT path, written, thread_id FROM adv_generated WHERE out_dir = ? AND thread_id IS NOT ? "
                                      "AND digest IS NOT NULL", (out_dir, thread_id)).fetchall()
        by_thread: dict[str, list[tuple[str, str | None]]] = {}
        for path, written, thread in rows:
            by_thread.setdefault(thread or "", []).append((path, written))
        found: dict[str, str | None] = {}
        for thread, paths in by_thread.items():
            owned = {p for rec in self.task_records(thread).values() if rec.agent == agent for p in rec.files}
            found.update({p: w for p, w in paths if p in owned})
        return found

    def has_generated(self, out_dir: str) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM adv_generated WHERE out_dir = ? LIMIT 1", (out_dir,)).fetchone() is not None

    @staticmethod
    def intend_writes(out_dir: str, thread_id: str, rows: dict[str, tuple[str, str | None, str]]) -> Callable[[sqlite3.Connection], None]:
        """A write (for submit): path -> (generated digest, digest put on disk, outcome), decided and about to be written."""

        def fn(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO adv_generated (out_dir, path, next_digest, next_written, next_outcome, thread_id, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(out_dir, path) DO UPDATE SET next_digest=excluded.next_digest, "
                "next_written=excluded.next_written, next_outcome=excluded.next_outcome, thread_id=excluded.thread_id, at=excluded.at",
                [(out_dir, p, d, w, o, thread_id, time.time()) for p, (d, w, o) in rows.items()],
            )

        return fn

    @staticmethod
    def commit_writes(out_dir: str, paths: list[str]) -> Callable[[sqlite3.Connection], None]:
        """A write (for submit), once the files are on disk: what was generated becomes the next merge's base."""

        def fn(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "UPDATE adv_generated SET digest=next_digest, written=next_written, outcome=next_outcome, "
                "next_digest=NULL, next_written=NULL, next_outcome=NULL WHERE out_dir=? AND path=? AND next_digest IS NOT NULL",
                [(out_dir, p) for p in paths],
            )

        return fn

    @staticmethod
    def forget_generated(out_dir: str, paths: list[str]) -> Callable[[sqlite3.Connection], None]:
        """A write (for submit): these paths were removed by AutoDevOS, so they are no merge base any more."""

        def fn(conn: sqlite3.Connection) -> None:
            conn.executemany("DELETE FROM adv_generated WHERE out_dir = ? AND path = ?", [(out_dir, p) for p in paths])

        return fn

    @staticmethod
    def forget_folder(out_dir: str) -> Callable[[sqlite3.Connection], None]:
        """A write (for submit): nothing generated in out_dir is a merge base any more (the folder is gone)."""

        def fn(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM adv_generated WHERE out_dir = ?", (out_dir,))

        return fn

    def get_blob(self, digest: str) -> str:
        with self._lock:
            row = self._conn.execute("SELECT content FROM adv_blobs WHERE hash = ?", (digest,)).fetchone()
        if row is None:
            raise KeyError(digest)
        return row[0]




def project_of(row: dict[str, Any]) -> str:
    """A run's project: as it was given or defaulted when it started; for a run stored before projects
    existed, the name of its output folder ('' for a run with no folder, e.g. one started in Studio)."""
    return row.get("project") or (Path(row["out_dir"]).name if row.get("out_dir") else "")


def _settle(fut: Future, value: Any, exc: BaseException | None) -> None:
    """Hand a write's result to its caller; a caller that gave up (Ctrl-C cancelled its wait) is
    passed over, so the writer thread lives on and the writes queued behind it still commit."""
    if fut.cancelled():
        return
    try:
        if exc is None:
            fut.set_result(value)
        else:
            fut.set_exception(exc)
    except InvalidStateError:
        pass


def _record(row: dict[str, Any]) -> TaskRecord:
    return TaskRecord(
        task_id=row["task_id"], agent=row["agent"], status=row["status"], attempts=row["attempts"] or 0,
        started=row["started"], finished=row["finished"], duration=row["duration"], error=row["error"],
        files=json.loads(row["files"] or "{}"), report=json.loads(row["report"]) if row.get("report") else None,
    )


def _alive(owner: str) -> bool:
    """Whether the process named in a lease may still run (always True for another host)."""
    import os
    import socket

    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_STORES: PerFile[RunStore] = PerFile(RunStore)


def open_store(path: str | Path) -> RunStore:
    """One RunStore per database file in this process."""
    return _STORES.open(path)


def opened_store(path: str | Path) -> RunStore | None:
    """The RunStore of path if this process opened it already by that path (no filesystem call)."""
    return _STORES.opened(path)


def close_stores() -> None:
    _STORES.close_all()
