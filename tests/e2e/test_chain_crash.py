"""A chain runs inside one dispatch step (each task waits for the one before). kill -9 in the
middle of it: the resumed run repeats none of the links that had completed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

WORKER = Path(__file__).with_name("chain_worker.py")


def ledger(db: Path) -> dict[str, tuple[str, int]]:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return {r[0]: (r[1], r[2]) for r in conn.execute("SELECT task_id, status, attempts FROM adv_tasks WHERE thread_id='chain'")}
    except sqlite3.OperationalError:
        return {}


def test_kill_mid_chain_then_resume(tmp_path):
    db, out = tmp_path / "db.sqlite", tmp_path / "out"
    proc = subprocess.Popen([sys.executable, str(WORKER), "start", str(db), str(out)], start_new_session=True)
    deadline = time.monotonic() + 60
    before: dict[str, tuple[str, int]] = {}
    while time.monotonic() < deadline:
        before = ledger(db) if db.exists() else {}
        if sum(1 for s, _ in before.values() if s == "completed") >= 5:
            break
        assert proc.poll() is None, "the chain ended before it could be killed"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    before = ledger(db)
    done_before = {t for t, (s, _) in before.items() if s == "completed"}
    assert 5 <= len(done_before) < 12

    resumed = subprocess.run([sys.executable, str(WORKER), "resume", str(db), str(out)], capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    after = ledger(db)
    assert all(after[t] == ("completed", 1) for t in done_before)  # not one completed link ran again
    assert all(s == "completed" for s, _ in after.values()) and len(after) == 12
    for i in range(12):
        expected = f"c{i:02d} after {f'c{i - 1:02d}' if i else 'nothing'}\n"
        assert (out / "chain" / f"c{i:02d}.txt").read_text() == expected
