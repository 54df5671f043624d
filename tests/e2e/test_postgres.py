"""Checkpoints in a real PostgreSQL server started by the suite: three runs at once from three
processes, one killed mid-run and resumed from another process; all three finish complete."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.e2e.apt import apt_install

ROOT = Path(__file__).resolve().parents[2]
REQUEST = "A library app with books, authors and loans"


def _pg_bin() -> Path | None:
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / "initdb").exists():
            return base
    return None


@pytest.fixture(scope="session")
def postgres_url():
    problem = apt_install("postgresql", lambda: _pg_bin() is not None)
    if problem:
        print(f"\nSKIPPING PostgreSQL tests: {problem}")
        pytest.skip(problem)
    bin_dir = _pg_bin()
    data = Path(tempfile.mkdtemp(prefix="autodevos-pg-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if run_as:
        shutil.chown(data, "postgres", "postgres")
    subprocess.run([*run_as, str(bin_dir / "initdb"), "-D", str(data / "db"), "--auth=trust", "-U", "postgres"],
                   check=True, capture_output=True, timeout=120)
    subprocess.run([*run_as, str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-l", str(data / "log"), "-w", "-o",
                    f"-p {port} -c listen_addresses=127.0.0.1 -k {data} -c max_connections=50", "start"],
                   check=True, capture_output=True, timeout=120)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(data, ignore_errors=True)


def ledger(db: Path, thread: str) -> dict[str, tuple[str, int]]:
    try:
        with sqlite3.connect(db, timeout=10) as conn:
            return {r[0]: (r[1], r[2]) for r in conn.execute(
                "SELECT task_id, status, attempts FROM adv_tasks WHERE thread_id = ?", (thread,))}
    except sqlite3.OperationalError:
        return {}


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.e2e
def test_three_processes_on_postgres_one_killed_and_resumed(postgres_url, tmp_path):
    db = tmp_path / "runs.sqlite"
    procs = {}
    for name in ("p1", "p2", "p3"):
        procs[name] = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "run", REQUEST, "--out", str(tmp_path / name), "--db", str(db),
             "--checkpointer", postgres_url, "--thread", name, "--no-verify", "--task-delay", "1.0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, text=True)
    deadline = time.monotonic() + 90
    while ledger(db, "p2").get("tests", ("", 0))[0] != "running":
        assert time.monotonic() < deadline, ledger(db, "p2")
        assert procs["p2"].poll() is None, procs["p2"].stdout.read()
        time.sleep(0.05)
    os.killpg(procs["p2"].pid, signal.SIGKILL)
    procs["p2"].wait(timeout=30)
    for name in ("p1", "p3"):
        out, _ = procs[name].communicate(timeout=120)
        assert procs[name].returncode == 0, out
    assert ledger(db, "p2")["backend"] == ("completed", 1)

    resumed = subprocess.run([sys.executable, str(ROOT / "main.py"), "resume", "p2", "--db", str(db)],
                             capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    after = ledger(db, "p2")
    assert all(status == "completed" for status, _ in after.values())
    assert after["backend"] == ("completed", 1) and after["frontend"] == ("completed", 1)
    assert tree(tmp_path / "p2") == tree(tmp_path / "p1") == tree(tmp_path / "p3")
    # the checkpoints live in PostgreSQL, not in the SQLite file
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        threads = {r[0] for r in conn.execute("SELECT DISTINCT thread_id FROM checkpoints")}
    assert {"p1", "p2", "p3"} <= threads
    with sqlite3.connect(db) as conn:
        assert "checkpoints" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
