"""Several runs at once on one SQLite database: all complete, no 'database is locked', each
thread's state its own; a second resume of a running thread is refused, not run twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = ["a todo app with tags", "a blog with posts and comments on posts", "a clinic with patients and doctors",
            "a shop with products and orders", "a library with books and authors", "a gym with members and workouts",
            "a crm with contacts and companies", "a recipe app with recipes and ingredients"]


def cli(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), *args]


def test_eight_runs_at_once_on_one_database(tmp_path):
    db = tmp_path / "db.sqlite"
    procs = [subprocess.Popen(cli("run", req, "--out", str(tmp_path / f"app{i}"), "--db", str(db), "--no-verify",
                                  "--thread", f"t{i}", "--json"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i, req in enumerate(REQUESTS)]
    results = []
    for p in procs:
        out, errs = p.communicate(timeout=300)
        assert p.returncode == 0, errs
        assert "locked" not in errs
        results.append(json.loads(out[out.index("{"):]))
    entity_sets = []
    for i, (req, res) in enumerate(zip(REQUESTS, results, strict=True)):
        assert res["thread_id"] == f"t{i}" and res["ok"]
        names = [e["name"] for e in res["plan"]["spec"]["entities"]]
        assert names[0].lower()[:4] in req.lower(), (req, names)  # the plan is this request's plan
        # each thread's files are its own: the app's README names its own entities
        readme = (tmp_path / f"app{i}" / "README.md").read_text()
        assert all(name in readme for name in names)
        entity_sets.append(frozenset(names))
    assert len(set(entity_sets)) == len(REQUESTS)
    with sqlite3.connect(db) as conn:
        per_thread = dict(conn.execute("SELECT thread_id, COUNT(*) FROM adv_tasks GROUP BY thread_id").fetchall())
        statuses = {r[0] for r in conn.execute("SELECT status FROM adv_tasks")}
    assert per_thread == {f"t{i}": 5 for i in range(8)} and statuses == {"completed"}


def test_second_resume_of_a_running_thread_is_refused(tmp_path):
    db = tmp_path / "db.sqlite"
    first = subprocess.Popen(cli("run", "a todo app", "--out", str(tmp_path / "a"), "--db", str(db), "--no-verify",
                                 "--thread", "busy", "--task-delay", "2"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with sqlite3.connect(db, timeout=5) as conn:
                    if conn.execute("SELECT COUNT(*) FROM adv_tasks WHERE thread_id='busy' AND status='running'").fetchone()[0]:
                        break
            except sqlite3.OperationalError:
                pass
            time.sleep(0.05)
        second = subprocess.run(cli("resume", "busy", "--db", str(db)), capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert "already running" in second.stderr and str(first.pid) in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    # the holder was killed: the lease is stale and a resume takes over at once
    again = subprocess.run(cli("resume", "busy", "--db", str(db)), capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
