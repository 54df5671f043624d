"""Nothing lost: kill -9 at seeded random moments, then `autodevos resume`, until the run ends.

At least 20 kills (SIGKILL to the CLI's process group, which was started in a session of its
own) land across runs whose plans have a parallel step: before and during planning, inside the
parallel step (a task sleeping on --task-delay or rendering), while files are being written, in
the second wave (tests, docs) and during verify. Most chains kill the resume of an earlier kill
again. Each kill is aimed at a random offset (drawn from random.Random(SEED)) after an anchor: the
process start, the run being recorded, a task starting, the first file changing. What a kill
actually hit is read afterwards from the run database and the output folder, not assumed from
where it was aimed, and the test checks that the kills covered the phases it claims.

After each chain's final resume has exited 0:
- a task that had completed at any kill keeps the attempts and start time it had then (it did
  not run again); a task killed while running ran once more per interrupted attempt, no more;
- the output folder is byte-identical to an uninterrupted run of the same request and settings
  (all files; for verify runs apart from what npm writes, see NPM_ARTEFACTS) and holds none of
  the writer's temp files (agents/files.py: `.NAME.XXXXXXXX.tmp` beside the target);
- no process started by verify is left running in the output folder.
Problems are collected over all chains and reported together.

A kill before the run is even recorded (Python still importing) leaves nothing to resume:
`resume` must say so (exit 2, one line) and the same `run` is started again; such kills are
listed but not counted among the 20. One verify kill also kills what runs in the output folder
(npm, cp), as a container stop would. Two chains at a time; about 2 minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = 20240611
DELAY = 0.8
"""--task-delay of the killed runs: each task sleeps this long before it renders and writes."""
APP = "A shop with products, orders and customers; users must log in"
"""No verify: backend, frontend, devops in parallel, then tests, then docs (~90 files)."""
API = "A books API with authors and books, API only"
"""With verify: backend, devops in parallel, tests, docs, verify (npm in backend/, ~15 s)."""
PLAIN = ("--no-verify",)
VERIFIED = ("--no-browser",)
NPM_ARTEFACTS = ("node_modules", "dist", "coverage", "package-lock.json")
"""Left out of the comparison in a package folder (backend/, frontend/) after verify: npm
install, build and test write them; no agent generates them, and they hold install-time state
(npm's hidden lockfile, our own install marker, compiled modules), not the run's output."""
TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")
"""tempfile.mkstemp(prefix='.NAME.', suffix='.tmp') as agents/files.py names them."""
TERMINAL = ("completed", "failed", "skipped")
MUST_COVER = {"planning", "parallel-step", "writing", "second-wave", "verify"}


# ---- helpers ---------------------------------------------------------------------------------


def cli(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), *args]


def query(db: Path, sql: str, args: tuple = ()) -> list[tuple] | None:
    """Rows, or None while the database or the table is not there yet."""
    if not db.exists():
        return None
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError:
        return None


@dataclass(frozen=True)
class Row:
    status: str
    attempts: int
    started: float | None


def ledger(db: Path, thread: str) -> dict[str, Row]:
    rows = query(db, "SELECT task_id, status, attempts, started FROM adv_tasks WHERE thread_id = ?", (thread,)) or []
    return {t: Row(s, a or 0, st) for t, s, a, st in rows}


def progress(db: Path, thread: str) -> tuple:
    """What a process has changed in the run database: checkpoints and ledger rows."""
    checkpoints = query(db, "SELECT COUNT(*) FROM checkpoints WHERE thread_id = ?", (thread,)) or [(0,)]
    return checkpoints[0][0], sorted(ledger(db, thread).items())


def holder(db: Path, thread: str) -> str:
    """Who holds the run's lease ('host:pid:token'): taken by a run or resume once it has started up."""
    rows = query(db, "SELECT lease_owner FROM adv_runs WHERE thread_id = ?", (thread,))
    return (rows[0][0] or "") if rows else ""


def run_row(db: Path, thread: str) -> dict | None:
    rows = query(db, "SELECT plan FROM adv_runs WHERE thread_id = ?", (thread,))
    if not rows:
        return None
    return {"plan": json.loads(rows[0][0]) if rows[0][0] else None}


def files(folder: Path, npm: bool = False) -> dict[str, bytes]:
    """Every file under folder by relative path; with npm=True, without NPM_ARTEFACTS."""
    found: dict[str, bytes] = {}
    for dirpath, dirs, names in os.walk(folder):
        rel = Path(dirpath).relative_to(folder).parts
        if npm and len(rel) == 1 and rel[0] in ("backend", "frontend"):
            dirs[:] = [d for d in dirs if d not in NPM_ARTEFACTS]
            names = [n for n in names if n not in NPM_ARTEFACTS]
        for name in names:
            path = Path(dirpath, name)
            if path.is_file() and not path.is_symlink():
                found["/".join((*rel, name))] = path.read_bytes()
    return dict(sorted(found.items()))


def temp_files(folder: Path) -> list[str]:
    found = []
    for dirpath, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "node_modules"]
        found += [str(Path(dirpath, n).relative_to(folder)) for n in names if TEMP.match(n)]
    return sorted(found)


def being_written(target: Path) -> bool:
    """Whether the writer's temp file for target is there (it was killed inside that write)."""
    try:
        return any(TEMP.match(n) and n.startswith(f".{target.name}.") for n in os.listdir(target.parent))
    except FileNotFoundError:
        return False


def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file outside node_modules: how the anchor 'writes' sees a change."""
    seen = {}
    for dirpath, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "node_modules"]
        for n in names:
            try:
                st = os.stat(os.path.join(dirpath, n))
            except FileNotFoundError:
                continue
            seen[os.path.join(dirpath, n)] = (st.st_mtime_ns, st.st_size)
    return seen


def processes_in(folder: Path) -> list[tuple[int, str]]:
    """(pid, command) of processes whose working directory is folder or below it (verify's npm,
    tsc, vitest, cp...)."""
    root, found = str(folder.resolve()), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if cmd and (cwd == root or cwd.startswith(root + "/")):
            found.append((int(entry.name), cmd[:100]))
    return found


def tail(path: Path, n: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except FileNotFoundError:
        return ""


@dataclass
class Reference:
    """An uninterrupted run of the same request and settings."""

    files: dict[str, bytes]
    task_files: dict[str, list[str]]
    seconds: float


def reference_run(base: Path, request: str, flags: tuple[str, ...]) -> Reference:
    t0 = time.monotonic()
    db, out = base / "db.sqlite", base / "app"
    done = subprocess.run(cli("run", request, "--out", str(out), "--db", str(db), "--thread", "ref", *flags),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = query(db, "SELECT task_id, files FROM adv_tasks WHERE thread_id = 'ref'") or []
    return Reference(files(out, npm=True), {t: sorted(json.loads(f or "{}")) for t, f in rows}, time.monotonic() - t0)


@pytest.fixture(scope="module")
def plain_reference(tmp_path_factory) -> Reference:
    return reference_run(tmp_path_factory.mktemp("ref-plain"), APP, PLAIN)


@pytest.fixture(scope="module")
def verified_reference(tmp_path_factory) -> Reference:
    assert shutil.which("npm"), "npm is not on the PATH: verify runs need Node.js 20+ and npm"
    return reference_run(tmp_path_factory.mktemp("ref-verified"), API, VERIFIED)


# ---- kills -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Aim:
    """Kill the process `after` seconds past an anchor: spawn (the process started), recorded
    (the run's row exists), alive (the process took the run's lease: imports done), task:ID or task:* (that task, or any, started in this process, from
    its ledger start time), writes (a file in the output folder appeared or changed), seeding
    (verify is copying a prepared node_modules into the app). tree: kill whatever runs in the
    output folder as well, as a container stop or a cgroup kill would (a kill of the CLI's
    group alone does not reach verify's steps, which run in sessions of their own)."""

    anchor: str
    after: float
    tree: bool = False

    def __str__(self) -> str:
        return f"{self.anchor}+{self.after:.3f}s" + (" tree" if self.tree else "")


@dataclass
class Chain:
    name: str
    request: str
    flags: tuple[str, ...]
    aims: list[Aim]


@dataclass
class Kill:
    chain: str
    process: str
    aim: Aim
    phases: set[str]
    snapshot: dict[str, Row]
    detail: str
    temps: int
    leftovers: list[tuple[int, str]]


@dataclass
class Outcome:
    kills: list[Kill] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def chains(rng: random.Random) -> list[Chain]:
    """The kill plan. Offsets are drawn here, in a fixed order, so the plan is the same on every run."""
    u, d = rng.uniform, DELAY
    return [
        # planning: right after the run is recorded (opening the checkpointer, planner, plan gate
        # and dispatch take ~50 ms here), then the resume while it starts up (the ledger is still
        # empty), then the first wave
        Chain("planning", APP, PLAIN, [Aim("recorded", u(0.0, 0.02)), Aim("spawn", u(0.3, 1.0)), Aim("task:*", u(0.0, d))]),
        Chain("planning-late", APP, PLAIN, [Aim("recorded", u(0.02, 0.07)), Aim("task:*", u(d, d + 0.2)),
                                            Aim("task:*", u(0.0, d))]),
        # inside the parallel step: backend, frontend, devops sleeping, rendering, writing
        Chain("parallel", APP, PLAIN, [Aim("task:backend", u(0.0, d)), Aim("task:*", u(0.0, d)),
                                       Aim("writes", u(0.0, 0.012)), Aim("task:frontend", u(0.0, d + 0.1))]),
        # while files are being written (the first file changed, then a few ms)
        Chain("writing", APP, PLAIN, [Aim("writes", u(0.0, 0.012)), Aim("writes", u(0.0, 0.012)),
                                      Aim("task:*", u(d, d + 0.15)), Aim("writes", u(0.0, 0.02))]),
        # the second wave: tests (after backend), docs (after tests)
        Chain("second-wave", APP, PLAIN, [Aim("task:tests", u(0.0, d + 0.1)), Aim("task:tests", u(d, d + 0.1)),
                                          Aim("task:docs", u(0.0, d + 0.05)), Aim("writes", u(0.0, 0.01))]),
        # anywhere: over a whole run's length (~3 s), from when the process has started up (Python's
        # imports take 1.3 s to 3 s here depending on load, so the process start is no fixed mark)
        Chain("anywhere", APP, PLAIN, [Aim("alive", u(0.0, 3.2)), Aim("alive", u(0.0, 3.2)), Aim("alive", u(0.0, 3.2)),
                                       Aim("alive", u(0.0, 3.2))]),
        # verify: a kill in the parallel step, then one while node_modules is being seeded, with
        # everything in the folder killed too, and a resume that must verify without a repair
        Chain("verify-seeding", API, VERIFIED, [Aim("task:backend", u(0.0, d)), Aim("seeding", u(0.0, 0.3), tree=True)]),
        # verify again: npm install or type-check and lint, then (in the resume) tests and build
        Chain("verify", API, VERIFIED, [Aim("task:verify", u(2.0, 6.5)), Aim("task:verify", u(6.5, 11.0))]),
    ]


def phases_at(db: Path, thread: str, out: Path, spawned_at: float, killed_at: float,
              ref: Reference) -> tuple[set[str], dict[str, Row], str]:
    """What the kill hit, from the run database and the output folder once the process is dead.
    A running task counts only when the killed process started it (spawned_at: its start)."""
    row, rows = run_row(db, thread), ledger(db, thread)
    if row is None:
        return {"startup"}, rows, ""  # nothing recorded yet
    if row["plan"] is None or not rows:
        return {"planning"}, rows, ""  # recorded, no task started
    first_wave = {t["id"] for t in row["plan"]["tasks"] if not t.get("depends_on")}
    running = {t: r for t, r in rows.items() if r.status == "running" and r.started and r.started >= spawned_at}
    tags, detail = set(), []
    for task, rec in running.items():
        detail.append(f"{task}#{rec.attempts} at {killed_at - rec.started:.2f}s")
        if task == "verify":
            tags.add("verify")
            continue
        tags.add("parallel-step" if task in first_wave else "second-wave")
        if rec.started is not None and killed_at - rec.started >= DELAY:  # past its sleep: rendering or writing
            paths = ref.task_files.get(task, [])
            done = sum(1 for p in paths if (out / p).is_file() and (out / p).read_bytes() == ref.files.get(p))
            detail[-1] += f" {done}/{len(paths)} files"
            if 0 < done < len(paths) or any(being_written(out / p) for p in paths):
                tags.add("writing")
            elif paths and done == len(paths):
                tags.add("written-not-recorded")
    if not running:
        planned = {t["id"] for t in row["plan"]["tasks"]}
        ended = {t for t, r in rows.items() if r.status in TERMINAL}
        tags.add("after-tasks" if ended >= planned else "between-tasks")  # or before it restarted a killed task
    return tags, rows, " ".join(detail)


def kill_when(proc: subprocess.Popen, aim: Aim, db: Path, thread: str, out: Path, spawned: tuple[float, float]) -> float | None:
    """Wait for the aim's moment and SIGKILL the process group; the kill's epoch time, or None
    when the process ended first."""
    mono0, epoch0 = spawned
    deadline = mono0 + 180
    target: float | None = mono0 + aim.after if aim.anchor == "spawn" else None
    baseline = stamps(out) if aim.anchor == "writes" else None
    while proc.poll() is None:
        now = time.monotonic()
        if now > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            raise AssertionError(f"{aim} never came in {thread}")
        if target is None:
            if aim.anchor == "recorded" and run_row(db, thread) is not None:
                target = now + aim.after
            elif aim.anchor == "alive" and f":{proc.pid}:" in holder(db, thread):
                target = now + aim.after
            elif aim.anchor.startswith("task:"):
                want = aim.anchor.split(":", 1)[1]
                starts = [r.started for t, r in ledger(db, thread).items()
                          if (want in ("*", t)) and r.status == "running" and r.started and r.started >= epoch0]
                if starts:
                    target = mono0 + (min(starts) - epoch0) + aim.after
            elif aim.anchor == "writes" and stamps(out) != baseline:
                target = now + aim.after
            elif aim.anchor == "seeding" and any(cmd.startswith("cp -a ") for _, cmd in processes_in(out)):
                target = now + aim.after
        if target is not None and time.monotonic() >= target:
            killed_at = time.time()
            os.killpg(proc.pid, signal.SIGKILL)
            for pid, _ in processes_in(out) if aim.tree else ():
                try:
                    os.killpg(os.getpgid(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.wait(timeout=30)
            return killed_at
        time.sleep(0.001 if target is None or target - now < 0.02 else 0.01)
    return None


def run_chain(chain: Chain, base: Path, ref: Reference) -> Outcome:
    """Start the run, kill it at each aim in turn (the first process, then each resume), resume
    to the end, and check what the brief promises."""
    t0 = time.monotonic()
    result = Outcome()
    db, out, logs = base / "db.sqlite", base / "app", base / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    start = ["run", chain.request, "--out", str(out), "--db", str(db), "--thread", chain.name,
             "--task-delay", str(DELAY), *chain.flags]
    resume = ["resume", chain.name, "--db", str(db)]
    aims, recorded, n = list(chain.aims), False, 0
    while True:
        args, aim = (resume if recorded else start), (aims.pop(0) if aims else None)
        log = logs / f"{n:02d}-{args[0]}"
        n += 1
        before = progress(db, chain.name)
        with open(f"{log}.out", "w") as so, open(f"{log}.err", "w") as se:
            spawned = (time.monotonic(), time.time())
            proc = subprocess.Popen(cli(*args), stdout=so, stderr=se, stdin=subprocess.DEVNULL, start_new_session=True)
        killed_at = kill_when(proc, aim, db, chain.name, out, spawned) if aim else None
        if killed_at is None:  # ran to its end: the final process, or the aim came too late
            code = proc.wait(timeout=600)
            if code != 0:
                result.problems.append(f"[{chain.name}] `{args[0]}` after {len(result.kills)} kills exited {code}: "
                                       f"{tail(Path(f'{log}.err'))}\nledger: {ledger(db, chain.name)}")
                return result
            break
        phases, snapshot, detail = phases_at(db, chain.name, out, spawned[1], killed_at, ref)
        if args[0] == "resume" and progress(db, chain.name) == before:
            phases = {f"resume-starting ({'/'.join(sorted(phases))})"}  # killed before it changed anything
        result.kills.append(Kill(chain.name, f"{n - 1}:{args[0]}", aim, phases, snapshot, detail, len(temp_files(out)),
                                 processes_in(out)))
        if "startup" in phases:
            # killed before the run was recorded: there is nothing to resume, and `resume` says so
            gone = subprocess.run(cli(*resume), capture_output=True, text=True, timeout=120)
            if gone.returncode != 2 or "no run" not in gone.stderr or "Traceback" in gone.stderr:
                result.problems.append(f"[{chain.name}] resume of a run killed before it was recorded: "
                                       f"exit {gone.returncode}: {gone.stderr[-800:]}")
        else:
            recorded = True
    result.seconds = time.monotonic() - t0
    check_final(chain, db, out, ref, result)
    return result


def check_final(chain: Chain, db: Path, out: Path, ref: Reference, result: Outcome) -> None:
    final = ledger(db, chain.name)
    say = result.problems.append
    if set(final) != set(ref.task_files) or any(r.status != "completed" for r in final.values()):
        say(f"[{chain.name}] tasks at the end: {final}; expected all of {sorted(ref.task_files)} completed")
    interrupted: dict[str, set[tuple[int, float | None]]] = {}
    for k in result.kills:
        for task, then in k.snapshot.items():
            now = final.get(task)
            if then.status == "completed" and (now is None or (now.attempts, now.started) != (then.attempts, then.started)):
                say(f"[{chain.name}] task {task!r} had completed at kill {k.process} ({k.aim}; attempts {then.attempts}, "
                    f"started {then.started}) but ran again: now {now}")
            if then.status == "running":
                interrupted.setdefault(task, set()).add((then.attempts, then.started))
    for task, now in final.items():
        expected = 1 + len(interrupted.get(task, ()))
        if now.attempts != expected:
            say(f"[{chain.name}] task {task!r} ran {now.attempts} times; {expected - 1} of its attempts were killed, "
                f"so it should have run {expected} times")
    got = files(out, npm=chain.flags == VERIFIED)
    if got != ref.files:
        missing = sorted(set(ref.files) - set(got))
        extra = sorted(set(got) - set(ref.files))
        differ = sorted(p for p in set(got) & set(ref.files) if got[p] != ref.files[p])
        say(f"[{chain.name}] output differs from the uninterrupted run: missing {missing[:10]}, extra {extra[:10]}, "
            f"different {differ[:10]}")
    temps = temp_files(out)
    if temps:
        say(f"[{chain.name}] writer's temp files left in the output folder: {temps}")
    left = processes_in(out)
    if left:
        say(f"[{chain.name}] processes still running in the output folder after the final resume: {left}")


# ---- the test --------------------------------------------------------------------------------


@pytest.mark.e2e
def test_seeded_kills_resume_to_the_uninterrupted_files(tmp_path, plain_reference, verified_reference):
    plan = chains(random.Random(SEED))
    refs = {PLAIN: plain_reference, VERIFIED: verified_reference}
    t0 = time.monotonic()
    # two chains at a time, the slow verify chains first (they are mostly npm, the others mostly wait on aims)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(run_chain, c, tmp_path / c.name, refs[c.flags])
                   for c in sorted(plan, key=lambda c: c.flags != VERIFIED)]
        outcomes = [f.result() for f in futures]
    kills = [k for o in outcomes for k in o.kills]
    problems = [p for o in outcomes for p in o.problems]

    print(f"\n{len(kills)} kills, seed {SEED}, {time.monotonic() - t0:.0f} s (references: plain {plain_reference.seconds:.1f} s, "
          f"verified {verified_reference.seconds:.1f} s)")
    for o in outcomes:
        for k in o.kills:
            done = sorted(t for t, r in k.snapshot.items() if r.status == "completed")
            print(f"  {k.chain:14} {k.process:9} {str(k.aim):22} {','.join(sorted(k.phases)):32} completed={done} "
                  f"temps={k.temps} [{k.detail}]" + (f" left={k.leftovers}" if k.leftovers else ""))
    covered = set().union(*(k.phases for k in kills)) if kills else set()
    resumable = [k for k in kills if "startup" not in k.phases]
    print(f"phases hit: {sorted(covered)}")

    assert not problems, "\n".join(problems)
    assert len(resumable) >= 20, f"only {len(resumable)} kills left something to resume"
    assert covered >= MUST_COVER, f"no kill landed in {sorted(MUST_COVER - covered)}; phases hit: {sorted(covered)}"
