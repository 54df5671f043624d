"""kill -9 in the middle of a run, then `autodevos resume` in a new process.

Tasks that completed before the kill are not run again, and the files on disk equal those of
a run that was never interrupted.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUEST = "A clinic app with patients, doctors and appointments; users must log in"


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, timeout=300, **kw)


def ledger(db: Path, thread: str) -> dict[str, tuple[str, int]]:
    if not db.exists():
        return {}
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            rows = conn.execute("SELECT task_id, status, attempts FROM adv_tasks WHERE thread_id = ?", (thread,)).fetchall()
    except sqlite3.OperationalError:
        return {}
    return {r[0]: (r[1], r[2]) for r in rows}


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_kill_9_then_resume_repeats_no_completed_task(tmp_path):
    reference = tmp_path / "reference"
    done = cli("run", REQUEST, "--out", str(reference), "--db", str(tmp_path / "ref.sqlite"), "--no-verify")
    assert done.returncode == 0, done.stdout + done.stderr

    db, out = tmp_path / "db.sqlite", tmp_path / "app"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "run", REQUEST, "--out", str(out), "--db", str(db),
         "--thread", "crashme", "--task-delay", "1.5", "--no-verify"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    before: dict[str, tuple[str, int]] = {}
    while time.monotonic() < deadline:
        before = ledger(db, "crashme")
        # backend and frontend done, tests running: kill inside the second wave
        if before.get("tests", ("", 0))[0] == "running":
            break
        assert proc.poll() is None, "the run ended before it could be killed"
        time.sleep(0.05)
    else:
        raise AssertionError(f"never saw the tests task running: {before}")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert before["backend"] == ("completed", 1) and before["frontend"] == ("completed", 1)

    resumed = cli("resume", "crashme", "--db", str(db))  # settings, --no-verify included, come from the run database
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    after = ledger(db, "crashme")
    assert after["backend"] == ("completed", 1)  # not run again
    assert after["frontend"] == ("completed", 1)
    assert after["tests"] == ("completed", 2)  # interrupted, so run once more
    assert after["docs"] == ("completed", 1)
    assert tree(out) == tree(reference)
