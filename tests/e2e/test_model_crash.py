"""kill -9 a run whose agents ask a model, then resume it: the tasks that completed before the
kill make no request again (the server counts, with the response cache off so only the task
ledger can prevent it), and the app equals an uninterrupted run's."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from autodevos.domain.spec import AppSpec, Entity, Field

from tests.model_script import ByRole, small_edits
from tests.openai_server import ScriptedOpenAI

ROOT = Path(__file__).resolve().parents[2]
SPEC = AppSpec(name="widget-shop", title="Widget Shop",
               entities=[Entity(name="Widget", fields=[Field(name="label"), Field(name="weight", type="number")])])


def args(server, out: Path, db: Path, *extra: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "run", "a shop for widgets", "--model", "openai:test-model",
            "--base-url", server.base_url, "--out", str(out), "--db", str(db), "--no-verify", "--no-cache", *extra]


def ledger(db: Path) -> dict[str, str]:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return dict(conn.execute("SELECT task_id, status FROM adv_tasks WHERE thread_id = 'm'").fetchall())
    except sqlite3.OperationalError:
        return {}


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_resumed_model_run_asks_nothing_for_tasks_done_before_the_kill(tmp_path):
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-model-crash"}
    script = ByRole(small_edits(SPEC))
    with ScriptedOpenAI([script]) as server:
        ref = subprocess.run(args(server, tmp_path / "ref", tmp_path / "ref.sqlite"), env=env, capture_output=True, text=True, timeout=300)
        assert ref.returncode == 0, ref.stdout + ref.stderr
        script.asked.clear()

        db, out = tmp_path / "db.sqlite", tmp_path / "app"
        proc = subprocess.Popen(args(server, out, db, "--thread", "m", "--task-delay", "1.0"), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            seen = ledger(db) if db.exists() else {}
            if seen.get("tests") == "running":  # backend, frontend, devops done; the second wave asks its model
                break
            assert proc.poll() is None, "the run ended before it could be killed"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        done = {t for t, s in ledger(db).items() if s == "completed"}
        assert {"backend", "frontend", "devops"} <= done
        before = dict(script.asked)

        resumed = subprocess.run([sys.executable, str(ROOT / "main.py"), "resume", "m", "--db", str(db)],
                                 env=env, capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    after = {role: script.asked[role] - before.get(role, 0) for role in script.asked}
    assert all(after.get(role, 0) == 0 for role in done | {"planner"}), after  # nothing asked again for what was done
    assert after.get("docs", 0) == 1  # the tasks after the kill did ask
    assert tree(out) == tree(tmp_path / "ref")
