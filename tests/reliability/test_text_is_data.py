"""Text is data (issue 17, item 5): what the user typed is never rich markup or terminal control; a
database that is damaged, full or read-only is one line naming the file; Ctrl-C exits 130 with no
traceback and leaves the run resumable. Real subprocesses on real SQLite files."""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What must never reach the terminal raw (\\t and \\n are the output's own)."""


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("timeout", 300)
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, **kw)


def one_line(proc: subprocess.CompletedProcess) -> str:
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return lines[0]


def test_markup_in_request_title_thread_and_paths_is_printed_as_typed(tmp_path):
    db = str(tmp_path / "db [/x].sqlite")
    out = tmp_path / "out [/x] [bold]"
    request = "a todo app with tasks [/x] and tags [bold red]:smile:"
    r = cli("run", request, "--out", str(out), "--db", db, "--no-verify", "--thread", "t-1")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert str(out) in " ".join(r.stdout.split())
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: shop\ntitle: '[/x] Shop [bold]:smile:'\nentities:\n  - name: Product\n    fields: [{name: title}]\n")
    r = cli("run", "--spec", str(spec), "--out", str(tmp_path / "shop"), "--db", db, "--no-verify", "--thread", "t-2")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert "[/x] Shop [bold]:smile:" in r.stdout  # the plan panel shows the title as typed (no emoji either)
    for args in (["status"], ["status", "t-1"], ["status", "t-2"], ["history", "t-1"], ["resume", "t-1"], ["resume", "t-2"],
                 ["status", "t-1", "--json"]):
        r = cli(*args, "--db", db)
        assert r.returncode == 0 and "Traceback" not in r.stderr, (args, r.stderr[-2000:])
        if args == ["status", "t-1"]:
            assert "tasks [/x] and tags [bold red]:smile:" in " ".join(r.stdout.split()), r.stdout
    with sqlite3.connect(db) as conn:
        assert dict(conn.execute("SELECT thread_id, status FROM adv_runs")) == {"t-1": "completed", "t-2": "completed"}


def test_control_characters_are_escaped_on_output(tmp_path):
    db = str(tmp_path / "db.sqlite")
    request = "a todo app \x1b[31mred\x1b[0m \x9b2J with tags\x07 \u202egnp.exe"
    r = cli("run", request, "--out", str(tmp_path / "app"), "--db", db, "--no-verify", "--thread", "ctl")
    assert r.returncode == 0, r.stderr
    for args in (["status"], ["status", "ctl"], ["status", "ctl", "--json"], ["status", "--json"]):
        shown = cli(*args, "--db", db)
        assert shown.returncode == 0
        assert not CONTROL.search(shown.stdout + shown.stderr), (args, repr(shown.stdout[:500]))
    shown = cli("status", "ctl", "--db", db)
    assert "\\x1b[31mred\\x1b[0m" in shown.stdout and "\\u202egnp.exe" in shown.stdout
    data = json.loads(cli("status", "ctl", "--json", "--db", db).stdout)
    assert data["request"] == request  # kept as typed: data, escaped only where it is shown


def _damage(db: Path) -> Path:
    """A copy of db with 512 bytes overwritten every 16 KB (its first page left alone)."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    bad = db.with_name("damaged.sqlite")
    shutil.copyfile(db, bad)
    rnd = random.Random(17)
    with bad.open("r+b") as fh:
        for offset in range(16384, bad.stat().st_size, 16384):
            fh.seek(offset)
            fh.write(bytes(rnd.randrange(256) for _ in range(512)))
    return bad


def test_a_damaged_database_is_one_line_naming_the_file(tmp_path):
    db = tmp_path / "db.sqlite"
    for i, request in enumerate(("a todo app with tags", "a shop with products and orders", "a blog with posts")):
        r = cli("run", request, "--out", str(tmp_path / f"app{i}"), "--db", str(db), "--no-verify", "--thread", f"t{i}")
        assert r.returncode == 0, r.stderr
    bad = _damage(db)
    failed = []
    for args in (["status", "t1"], ["status"], ["history", "t1"], ["resume", "t1"],
                 ["run", "a recipe app", "--out", str(tmp_path / "new"), "--no-verify"]):
        r = cli(*args, "--db", str(bad))
        if r.returncode == 0:
            continue  # what it read happened to be intact
        line = one_line(r)
        assert r.returncode == 2 and str(bad) in line and ("damaged" in line or "not a usable SQLite database" in line), (args, line)
        failed.append(args[0])
    assert {"status", "resume"} <= set(failed), failed


@contextlib.contextmanager
def small_disk(tmp_path: Path, size: str = "400k") -> Iterator[tuple[Path, dict]]:
    """A folder on a small tmpfs (root), else one whose files may not grow past the size (RLIMIT_FSIZE)."""
    where = tmp_path / "small"
    where.mkdir()
    if os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)]).returncode == 0:
        try:
            yield where, {}
        finally:
            subprocess.run(["umount", "-l", str(where)])
        return
    limit = int(size.rstrip("k")) * 1024

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    yield where, {"preexec_fn": limited}


def test_a_full_disk_is_one_line_naming_the_file(tmp_path):
    with small_disk(tmp_path) as (small, how):
        db = small / "db.sqlite"
        r = cli("run", "a shop with products, orders and customers; users must log in", "--out", str(tmp_path / "app"),
                "--db", str(db), "--no-verify", **how)
        line = one_line(r)
        assert r.returncode == 2 and str(db) in line and ("space" in line or "full" in line), line


def test_a_read_only_database_is_one_line_naming_the_file(tmp_path):
    db = tmp_path / "ro" / "db.sqlite"
    db.parent.mkdir()
    assert cli("run", "a todo app", "--out", str(tmp_path / "app"), "--db", str(db), "--no-verify", "--thread", "ro").returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if os.geteuid() == 0:  # root writes through file modes: make the folder's file system read-only instead
        ro = tmp_path / "mnt"
        ro.mkdir()
        assert subprocess.run(["mount", "--bind", "-o", "ro", str(db.parent), str(ro)]).returncode == 0
        subprocess.run(["mount", "-o", "remount,bind,ro", str(ro)])
        target, undo = ro / "db.sqlite", lambda: subprocess.run(["umount", "-l", str(ro)])
    else:
        for p in db.parent.iterdir():
            p.chmod(0o444)
        db.parent.chmod(0o555)
        target, undo = db, lambda: db.parent.chmod(0o755)
    try:
        r = cli("run", "a blog with posts", "--out", str(tmp_path / "app2"), "--db", str(target), "--no-verify")
        line = one_line(r)
        assert r.returncode == 2 and str(target) in line, line
    finally:
        undo()


KILL_AT = [0.2, 1.0, "running", *(f"running+{x}" for x in (0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.8))]
"""When each Ctrl-C lands: seconds after start (the modules may still be loading), or after the first task started."""


def _first_task_running(db: Path, proc: subprocess.Popen, deadline: float) -> bool:
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(sqlite3.Error):
            with sqlite3.connect(db, timeout=1) as conn:
                if conn.execute("SELECT COUNT(*) FROM adv_tasks WHERE status = 'running'").fetchone()[0]:
                    return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("when", KILL_AT)
def test_ctrl_c_exits_130_without_a_traceback_and_the_run_resumes(tmp_path, when):
    db, out = tmp_path / "db.sqlite", tmp_path / "app"
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "run", "A shop with products, orders and customers; users must log in",
                             "--out", str(out), "--db", str(db), "--no-verify", "--thread", "c", "--task-delay", "0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if isinstance(when, float):
        time.sleep(when)
    else:
        assert _first_task_running(db, proc, time.monotonic() + 120), "no task started"
        time.sleep(float(when.partition("+")[2] or 0))
    proc.send_signal(signal.SIGINT)
    try:
        _, errs = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"still running 30 s after Ctrl-C: {proc.communicate()[1][-2000:]}")
    if proc.returncode == 0:
        return  # it had finished
    assert proc.returncode == 130, errs[-2000:]
    assert "Traceback" not in errs and "Error" not in errs, errs[-2000:]
    assert len([ln for ln in errs.splitlines() if ln.strip() and "(thread id)" not in ln]) == 1, errs
    recorded = db.exists() and cli("status", "c", "--db", str(db)).returncode == 0
    again = cli("resume", "c", "--db", str(db)) if recorded else cli("run", "A shop with products, orders and customers; users must log in",
                                                                       "--out", str(out), "--db", str(db), "--no-verify", "--thread", "c")
    assert again.returncode == 0, again.stderr[-2000:]
    with sqlite3.connect(db) as conn:
        assert {s for (s,) in conn.execute("SELECT status FROM adv_tasks WHERE thread_id = 'c'")} == {"completed"}
