"""One writer per output folder, and one owner per run (issue 17, item 1 and 4).

Real subprocesses on real SQLite files: several `run`s on one --out, two `improve`s of one app at
once, 200 two-process races for a run's lease, and thread ids that are reused or look like paths.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from autodevos.domain.spec import AppSpec

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = ["a shop with products and orders", "a library with books and authors",
            "a gym with members and workouts", "a recipe app with recipes and ingredients"]


def cli(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), *args]


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(cli(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def runs_into(db: Path, folder: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT thread_id, request FROM adv_runs WHERE out_dir = ?", (str(folder.resolve()),)).fetchall()


def _safe_runs_into(db: Path, folder: Path) -> list[tuple[str, str]]:
    try:
        return runs_into(db, folder)
    except sqlite3.OperationalError:  # the tables are not there yet
        return []


def last_spec(db: Path, folder: Path) -> AppSpec:
    with sqlite3.connect(db) as conn:
        plan = conn.execute("SELECT plan FROM adv_runs WHERE out_dir = ? AND status = 'completed' ORDER BY created DESC LIMIT 1",
                            (str(folder.resolve()),)).fetchone()[0]
    return AppSpec.model_validate(json.loads(plan)["spec"])


def test_four_runs_on_one_folder_exactly_one_proceeds(tmp_path):
    db, out = tmp_path / "db.sqlite", tmp_path / "same"
    procs = [start("run", req, "--out", str(out), "--db", str(db), "--no-verify", "--thread", f"t{i}", "--task-delay", "2", "--json")
             for i, req in enumerate(REQUESTS)]
    results = [(p, *p.communicate(timeout=300)) for p in procs]
    winners = [i for i, (p, _, _) in enumerate(results) if p.returncode == 0]
    assert len(winners) == 1, [(p.returncode, e[-300:]) for p, _, e in results]
    won = winners[0]
    for i, (p, _, errs) in enumerate(results):
        if i == won:
            continue
        line = one_line(errs)
        assert p.returncode == 2 and "already running in" in line and f"run t{won}" in line and "--wait" in line, line
    # the folder is the winner's app alone: no backend of one request beside the frontend of another
    assert runs_into(db, out) == [(f"t{won}", REQUESTS[won])]
    spec = last_spec(db, out)
    readme = (out / "README.md").read_text()
    assert all(e.name in readme for e in spec.entities)
    others = {w for i, req in enumerate(REQUESTS) if i != won for w in req.split()[-3::2]}  # 'products', 'orders', ...
    stems = {p.stem for p in (out / "backend" / "src" / "routes").iterdir()}
    assert not stems & others, (stems, others)


def test_two_improves_at_once_both_land_or_the_second_is_refused(tmp_path):
    db = tmp_path / "db.sqlite"
    changes = ("add a field priority to task", "add a field budget to task")
    for mode in ("refuse", "wait"):
        out = tmp_path / mode
        made = subprocess.run(cli("run", "a todo app with tasks (title)", "--out", str(out), "--db", str(db), "--no-verify",
                                  "--task-delay", "1.5"), capture_output=True, text=True, timeout=300)
        assert made.returncode == 0, made.stderr
        extra = ["--wait"] if mode == "wait" else []
        procs = [start("improve", str(out), change, "--db", str(db), "--json", *extra) for change in changes]
        results = [(p, *p.communicate(timeout=300)) for p in procs]
        codes = [p.returncode for p, _, _ in results]
        fields = {f.name for f in last_spec(db, out).entity("Task").fields}
        landed = [c.split()[3] for c, (p, _, _) in zip(changes, results, strict=True) if p.returncode == 0]
        # never one lost: what said 'completed' is in the app's spec and in its files
        assert set(landed) <= fields, (codes, fields)
        types = (out / "backend" / "src" / "types.ts").read_text()
        assert all(name in types for name in landed), landed
        if mode == "wait":
            assert codes == [0, 0], [e[-300:] for _, _, e in results]
            assert {"priority", "budget"} <= fields
        else:
            assert sorted(codes) in ([0, 0], [0, 2]), codes
            for p, _, errs in results:
                if p.returncode == 2:
                    assert "already running in" in one_line(errs)


def _race(db: str, rounds: int, barrier, wins) -> None:
    """One racer: at each barrier, try to take the lease of run r<i>; count the rounds it won.

    Each run's lease is held by a process that was killed, so both racers must find out that it is
    gone before taking over (as two `resume`s after a kill -9 do); that check is slowed to 2 ms, as
    on a loaded machine, so that a read-then-write outside one transaction shows."""
    import autodevos.graph.store as store_module
    from autodevos.graph.store import open_store

    alive = store_module._alive

    def slow_alive(owner: str) -> bool:
        time.sleep(0.002)
        return alive(owner)

    store_module._alive = slow_alive
    store = open_store(db)
    owner = f"{socket.gethostname()}:{os.getpid()}:racer"
    won = []
    for i in range(rounds):
        barrier.wait(timeout=60)
        if store.acquire_lease(f"r{i}", owner, 30.0) is None:
            won.append(i)
    wins.put(won)


def test_lease_two_process_races_never_both_win(tmp_path):
    """200 races of two processes for one run's lease, started together at a barrier: exactly one wins each."""
    from autodevos.graph.store import open_store

    rounds = 200
    db = str(tmp_path / "db.sqlite")
    store = open_store(db)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process that was there and is not any more: the killed holder
    dead = f"{socket.gethostname()}:{gone.pid}:killed"
    for i in range(rounds):
        store.create_run(f"r{i}", "race", str(tmp_path / f"o{i}"), "offline", {})
        store.update_run(f"r{i}", lease_owner=dead, lease_until=time.time() + 3600)
    ctx = multiprocessing.get_context("spawn")
    barrier, wins = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_race, args=(db, rounds, barrier, wins)) for _ in range(2)]
    for p in procs:
        p.start()
    got = [wins.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    both = set(got[0]) & set(got[1])
    print(f"\nlease races: {rounds}, won by the first {len(got[0])}, by the second {len(got[1])}, by both {len(both)}")
    assert not both, f"both processes took the lease in {len(both)} of {rounds} races"
    assert set(got[0]) | set(got[1]) == set(range(rounds))  # and somebody always does


def test_thread_is_a_name_not_a_path(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    escape = f"../../../{tmp_path.name}-escaped"
    r = subprocess.run(cli("run", "a todo app", "--db", "db.sqlite", "--no-verify", "--thread", escape), cwd=work,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "is not a thread id" in one_line(r.stderr)
    assert not (work / "out").exists() and not any(tmp_path.parent.glob(f"{tmp_path.name}-escaped*"))
    for bad in ("a/b", ".hidden", "x" * 65, "tab\there", ""):
        r = subprocess.run(cli("run", "a todo app", "--db", "db.sqlite", "--no-verify", "--thread", bad, "--out", "o"), cwd=work,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 2 and "thread id" in one_line(r.stderr), (bad, r.stderr)


def test_reused_thread_for_another_request_or_folder_is_refused(tmp_path):
    db = str(tmp_path / "db.sqlite")
    first = subprocess.run(cli("run", "a todo app with tags", "--out", str(tmp_path / "a"), "--db", db, "--no-verify", "--thread", "T1"),
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(db) as conn:
        before = conn.execute("SELECT request, out_dir, status, plan FROM adv_runs WHERE thread_id = 'T1'").fetchone()
    for request, folder in (("a recipe app with ingredients", "b"), ("a todo app with tags", "c"), ("a recipe app", "a")):
        again = subprocess.run(cli("run", request, "--out", str(tmp_path / folder), "--db", db, "--no-verify", "--thread", "T1"),
                               capture_output=True, text=True, timeout=300)
        line = one_line(again.stderr)
        assert again.returncode == 2 and "thread id 'T1' is taken by another run" in line, line
    assert not (tmp_path / "b").exists() or not any((tmp_path / "b").iterdir())
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT request, out_dir, status, plan FROM adv_runs WHERE thread_id = 'T1'").fetchone() == before
    # the first run's folder can still be improved, and the same run started again is the same run
    improved = subprocess.run(cli("improve", str(tmp_path / "a"), "add a field color to tag", "--db", db), capture_output=True,
                              text=True, timeout=300)
    assert improved.returncode == 0, improved.stderr
    # (the improve added a column the first request lacks: starting it again drops that column, so it is allowed here)
    same = subprocess.run(cli("run", "a todo app with tags", "--out", str(tmp_path / "a"), "--db", db, "--no-verify", "--thread", "T1",
                              "--allow-data-loss"), capture_output=True, text=True, timeout=300)
    assert same.returncode == 0, same.stderr


def test_wait_starts_when_the_folder_is_free(tmp_path):
    db, out = tmp_path / "db.sqlite", tmp_path / "app"
    first = start("run", REQUESTS[0], "--out", str(out), "--db", str(db), "--no-verify", "--thread", "first", "--task-delay", "1.5")
    deadline = time.monotonic() + 120
    while not (db.exists() and _safe_runs_into(db, out)):  # its row is written while it holds the folder
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.1)
    # another app into the same folder drops the first one's tables: allowed here, this test is about waiting
    second = subprocess.run(cli("run", REQUESTS[1], "--out", str(out), "--db", str(db), "--no-verify", "--thread", "second", "--wait",
                                "--allow-data-loss"),
                            capture_output=True, text=True, timeout=300)
    assert first.wait(timeout=300) == 0
    assert second.returncode == 0, second.stderr
    with sqlite3.connect(db) as conn:
        ended = dict(conn.execute("SELECT thread_id, updated FROM adv_runs").fetchall())
        started = dict(conn.execute("SELECT thread_id, created FROM adv_runs").fetchall())
    assert started["second"] >= ended["first"], "the waiting run started before the first had ended"
