"""`autodevos run --step` in a real pseudo-terminal: approve the plan, reject the backend once with
feedback and see it re-run with it, quit in the middle, resume in a new process, skip docs."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parents[2]
PROMPT_PLAN = "approve / edit / reject / quit"
PROMPT_TASK = "approve / skip / quit"
PROMPT_RESULT = "approve / reject / quit"


def spawn(*args: str) -> pexpect.spawn:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160", "TERM": "dumb", "USER": "tester"}
    return pexpect.spawn(sys.executable, [str(ROOT / "main.py"), *args], env=env, encoding="utf-8", timeout=60,
                         dimensions=(50, 160))


def test_step_through_in_a_terminal(tmp_path):
    db, out = tmp_path / "db.sqlite", tmp_path / "app"
    p = spawn("run", "A task tracker with tasks and tags", "--step", "--no-verify", "--out", str(out), "--db", str(db),
              "--thread", "pty1")
    p.expect("Plan for")
    p.expect(PROMPT_PLAN)
    p.sendline("approve")
    p.expect("Next task: backend")
    p.expect(PROMPT_TASK)
    p.sendline("approve")
    p.expect("Task backend completed")
    p.expect(PROMPT_RESULT)
    p.sendline("reject")
    p.expect("feedback")
    p.sendline("add a field priority to task")
    p.expect("Task backend completed")  # it ran again, with the feedback
    p.expect(PROMPT_RESULT)
    assert "priority" in (out / "backend" / "src" / "types.ts").read_text()
    p.sendline("approve")
    p.expect("Next task: frontend")
    p.expect(PROMPT_TASK)
    p.sendline("approve")
    p.expect("Task frontend completed")
    p.expect(PROMPT_RESULT)
    p.sendline("quit")  # stop in the middle
    p.expect("autodevos resume pty1")
    p.expect(pexpect.EOF)
    p.close()
    assert p.exitstatus == 3

    p = spawn("resume", "pty1", "--db", str(db))  # a new process asks the same question again
    p.expect("Task frontend completed")
    p.expect(PROMPT_RESULT)
    p.sendline("approve")
    p.expect("Next task: devops")
    p.expect(PROMPT_TASK)
    p.sendline("approve")
    p.expect("Task devops completed")
    p.expect(PROMPT_RESULT)
    p.sendline("approve")
    p.expect("Next task: tests")
    p.expect(PROMPT_TASK)
    p.sendline("a")
    p.expect("Task tests completed")
    p.expect(PROMPT_RESULT)
    p.sendline("approve")
    p.expect("Next task: docs")
    p.expect(PROMPT_TASK)
    p.sendline("skip")
    p.expect(pexpect.EOF)
    p.close()
    assert p.exitstatus == 1  # docs skipped: not every task completed

    with sqlite3.connect(db) as conn:
        rows = dict(conn.execute("SELECT task_id, status FROM adv_tasks WHERE thread_id='pty1'").fetchall())
        attempts = dict(conn.execute("SELECT task_id, attempts FROM adv_tasks WHERE thread_id='pty1'").fetchall())
    assert rows == {"backend": "completed", "frontend": "completed", "devops": "completed", "tests": "completed", "docs": "skipped"}
    assert attempts["backend"] == 2 and attempts["frontend"] == 1  # frontend did not run again after the quit
    status = spawn("status", "pty1", "--db", str(db), "--json")
    status.expect(pexpect.EOF)
    text = status.before
    info = json.loads(text[text.index("{"):])
    assert info["tasks"]["docs"]["status"] == "skipped"
    assert [(d["gate"], d.get("task"), d["action"], d["who"]) for d in info["decisions"]] == [
        ("plan", None, "approve", "tester"), ("task", "backend", "approve", "tester"),
        ("result", "backend", "reject", "tester"), ("result", "backend", "approve", "tester"),
        ("task", "frontend", "approve", "tester"), ("result", "frontend", "approve", "tester"),
        ("task", "devops", "approve", "tester"), ("result", "devops", "approve", "tester"),
        ("task", "tests", "approve", "tester"), ("result", "tests", "approve", "tester"),
        ("task", "docs", "skip", "tester")]

