"""The schemathesis verify step, planned and read here (pure, but for finding the tool); verify runs it.

After the backend builds, verify starts the built backend (`node dist/server.js`, a fresh SQLite
file) and runs schemathesis against it with the app's docs/openapi.json and `--checks all`
(server errors, responses against their schemas, status codes and headers the description does
not declare, schema-compliant requests refused, invalid ones accepted, undeclared methods,
authentication ignored, ...). When the API has accounts, a user registers first (the first account
is the admin) and every request carries their token. Any finding fails the step, and the backend
agent gets the findings.

Where it runs: where every other step runs the app. Inside the bubblewrap sandbox the network is a
loopback of the sandbox's own, so the backend and schemathesis run inside the same sandbox, started
by agents/apicheck_driver.py; the Python interpreter (read-only, at its own path when it is not
under /usr) and the folder(s) schemathesis is installed in (read-only, under /opt/autodevos-tools)
are mounted for this step only. Without a sandbox (--sandbox off, or `auto` for an offline app with
no bubblewrap) both run as plain processes, as the other steps do then.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_EXAMPLES = 30
"""Test cases per operation and phase: ~1,200 cases and ~15 s on a 17-operation app on 2 cores
(100 gives ~2,500 cases and ~25 s)."""
SEED = 20261201
"""A fixed seed: the same app gets the same cases, so a finding is reproducible and a pass stays a pass."""
ARGS = ("--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--workers", "1", "--seed", str(SEED), "--no-color",
        "--generation-database", "none")
"""`--workers 1`: with 2 workers schemathesis's coverage phase once died inside the tool."""
TOOLS = "/opt/autodevos-tools"
VERSION = "4.32.5"
"""The schemathesis verify installs into a virtual environment of its own (see ensure_tool)."""
INSTALL_HINT = f"schemathesis {VERSION} is not installed and could not be installed"
MARK = "@@schemathesis-report@@"  # the driver's last line (agents/apicheck_driver.py)
LOG_HEADER = "--- end of the backend's log ---"
FEEDBACK = 1900
"""The most a failed row's output holds: the repair router hands its owner the last 2,000 characters."""
DRIVER = Path(__file__).with_name("apicheck_driver.py")
DEFAULT_CREDENTIALS = {"email": "verify@example.com", "password": "correct-horse-battery-staple"}


@dataclass(frozen=True)
class Tool:
    """schemathesis as this Python has it: the interpreter and the folders to import it from."""

    python: str
    """The interpreter itself (symlinks resolved: a venv's python is a link to it)."""
    prefix: str
    """Its installation (sys.base_prefix), mounted at its own path when outside /usr."""
    paths: tuple[str, ...]
    """Folders holding schemathesis and its dependencies (site-packages)."""
    venv_python: str
    """sys.executable: what runs it without a sandbox."""


def tool_home() -> Path:
    """The virtual environment schemathesis is installed in, under verify's cache (AUTODEVOS_CACHE)."""
    return Path(os.environ.get("AUTODEVOS_CACHE", Path.home() / ".cache" / "autodevos")) / "tools" / f"schemathesis-{VERSION}"


def _tool_in(home: Path) -> Tool | None:
    site = sorted(home.glob("lib/python*/site-packages"))
    python = home / "bin" / "python"
    ready = home / ".ready"
    if not ready.is_file() or not site or not python.exists() or ready.read_text().split()[1:2] != [_python_version()]:
        return None  # half-made, or made by another Python (its compiled dependencies would not load)
    return Tool(os.path.realpath(python), os.path.realpath(sys.base_prefix), tuple(str(p) for p in site), str(python))


def _python_version() -> str:
    return ".".join(map(str, sys.version_info[:3]))


def ensure_tool(timeout: float = 600) -> tuple[Tool | None, str]:
    """schemathesis in its own virtual environment (tool_home), installed on first use from the package
    index pip is configured with: (the tool, '') or (None, why not). Its own environment, because its
    dependencies clash with langgraph dev's (jsonschema-rs) and are none of the app's business. One
    process installs while the others wait (a file lock); a half-made environment is never used.
    Blocking."""
    import fcntl
    import shutil
    import subprocess

    home = tool_home()
    tool = _tool_in(home)
    if tool is not None:
        return tool, ""
    home.parent.mkdir(parents=True, exist_ok=True)
    with open(home.parent / f".{home.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        tool = _tool_in(home)
        if tool is not None:
            return tool, ""
        for stale in home.parent.glob(f"{home.name}.tmp-*"):  # what an install killed half-way left
            shutil.rmtree(stale, ignore_errors=True)
        tmp = home.with_name(f"{home.name}.tmp-{os.getpid()}")
        steps = [[sys.executable, "-m", "venv", str(tmp)],
                 [str(tmp / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                  f"schemathesis=={VERSION}"]]
        for cmd in steps:
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
            except (OSError, subprocess.TimeoutExpired) as exc:
                shutil.rmtree(tmp, ignore_errors=True)
                return None, f"{INSTALL_HINT}: {exc}"
            if proc.returncode != 0:
                shutil.rmtree(tmp, ignore_errors=True)
                last = (proc.stderr.strip() or proc.stdout.strip() or f"exit {proc.returncode}").splitlines()[-1]
                return None, f"{INSTALL_HINT} into {home}: {last[:300]}"
        try:
            (tmp / ".ready").write_text(f"{VERSION} {_python_version()}\n")
            shutil.rmtree(home, ignore_errors=True)
            tmp.rename(home)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            return None, f"{INSTALL_HINT} into {home}: {exc}"
        return _tool_in(home), ""


def find_tool() -> Tool | None:
    """schemathesis ready to run: its own environment (ensure_tool made it), else importable by this
    Python (a developer's install), else None. Blocking: reads the filesystem."""
    tool = _tool_in(tool_home())
    if tool is not None:
        return tool
    spec = importlib.util.find_spec("schemathesis")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = [str(Path(next(iter(spec.submodule_search_locations))).parent)]
    for key in ("purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path and Path(path).is_dir() and path not in found:
            found.append(path)
    return Tool(os.path.realpath(sys.executable), os.path.realpath(sys.base_prefix), tuple(found), sys.executable)


def mounts(tool: Tool) -> tuple[tuple[tuple[str, str], ...], dict[str, str]]:
    """(read-only mounts, host path -> path inside) that make `tool` and the driver run inside the sandbox."""
    binds = [(p, f"{TOOLS}/python-path/{i}") for i, p in enumerate(tool.paths)]
    if not Path(tool.prefix).is_relative_to("/usr"):
        binds.append((tool.prefix, tool.prefix))  # its libpython is found by an absolute path
    binds.append((str(DRIVER), f"{TOOLS}/apicheck_driver.py"))
    return tuple(binds), {str(DRIVER): f"{TOOLS}/apicheck_driver.py"}


def python_env(tool: Tool, sandboxed: bool) -> dict[str, str]:
    """What the driver's Python needs in its environment: inside, the mounted folders on its path."""
    env = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1", "PYTHONUNBUFFERED": "1"}
    if sandboxed:
        env["PYTHONPATH"] = ":".join(f"{TOOLS}/python-path/{i}" for i in range(len(tool.paths)))
    return env


def backend_env() -> dict[str, str]:
    """The backend's settings for the run (agents/templates/backend/.../config.ts): a throwaway
    JWT secret, the auth rate limit out of the way of the test, /metrics on with its own token."""
    return {"NODE_ENV": "test", "JWT_SECRET": secrets.token_hex(32), "METRICS_TOKEN": secrets.token_hex(16),
            "AUTH_RATE_LIMIT": "1000000", "LOG_LEVEL": "warn"}


def auth_plan(api: dict[str, Any]) -> dict[str, Any] | None:
    """How to get a token from this API: the register and login operations (by operationId, else
    by the path's last segment) and the credentials of the register operation's example; None
    when the API has no register operation."""
    found: dict[str, str] = {}
    body = None
    for path, item in (api.get("paths") or {}).items():
        op = item.get("post") if isinstance(item, dict) else None
        if not isinstance(op, dict):
            continue
        names = {str(op.get("operationId") or "").lower(), path.rstrip("/").rsplit("/", 1)[-1].lower()}
        for kind, words in (("register", {"register", "signup", "sign-up"}), ("login", {"login", "log-in", "signin"})):
            if names & words and kind not in found:
                found[kind] = path
                if kind == "register":
                    body = _example(op)
    if "register" not in found:
        return None
    return {"register": found["register"], "login": found.get("login"), "body": body or DEFAULT_CREDENTIALS}


def _example(op: dict[str, Any]) -> dict[str, Any] | None:
    media = ((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}
    if isinstance(media.get("example"), dict):
        return media["example"]
    for ex in (media.get("examples") or {}).values():
        if isinstance(ex, dict) and isinstance(ex.get("value"), dict):
            return ex["value"]
    schema = media.get("schema") or {}
    return schema.get("example") if isinstance(schema.get("example"), dict) else None


def driver_config(openapi: str, auth: dict[str, Any] | None, timeout: float) -> str:
    """The driver's one argument: the built backend, the OpenAPI file (as the driver sees it), the options."""
    return json.dumps({"server": ["node", "dist/server.js"], "openapi": openapi, "args": list(ARGS), "auth": auth,
                       "timeout": timeout})


@dataclass(frozen=True)
class Outcome:
    """What one schemathesis run found."""

    ok: bool
    summary: str
    """One line: cases, operations, findings."""
    text: str
    """The step's output: the findings first, then schemathesis's own report."""
    cases: int = 0


def read_output(code: int, output: str) -> Outcome:
    """The driver's exit code and output -> the step's outcome."""
    lines = output.rstrip().splitlines()
    report, rest = None, output
    if lines and lines[-1].startswith(MARK):
        try:
            report = json.loads(lines[-1][len(MARK):])
        except ValueError:
            report = None
        rest = "\n".join(lines[:-1])
    if report is None:
        if code == 3:  # the backend did not start, or no account could log in: what it said is at the end of its log
            first = next((ln for ln in lines if ln.strip()), "no output")
            return Outcome(False, first[:200], f"{first}\n{output[len(first) + 1:][-(FEEDBACK - len(first)):]}")
        what = "timed out" if code == 124 else f"gave no report (exit {code})"
        return Outcome(False, f"schemathesis {what}", f"schemathesis {what}\n{rest[-FEEDBACK:]}")
    cases = int((report.get("test_cases") or {}).get("generated") or 0)
    ops = (report.get("operations") or {}).get("tested", 0)
    findings = [f"{f.get('code', '?')} {f.get('title', f.get('type', '?'))}: {f.get('count', 1)} "
                f"({', '.join(f.get('operations') or [])})" for f in report.get("failures") or []]
    errors = [_error_line(e) for e in report.get("errors") or []]
    incomplete = [] if report.get("complete", True) else [f"the run stopped early: {report.get('stop_reason')}"]
    ok = code == 0 and not findings and not errors and not incomplete
    counted = f"{cases} test cases on {ops} operations"
    if ok:
        summary = f"{counted}, 0 failures"
        return Outcome(True, summary, f"{summary}\n{_tail_summary(rest)}", cases)
    problems = [*findings, *errors, *incomplete] or [f"schemathesis exited {code}"]
    summary = f"{problems[0]}" + (f" and {len(problems) - 1} more" if len(problems) > 1 else "") + f"; {counted}"
    return Outcome(False, summary, _failure_text([summary, *problems], rest), cases)


def _failure_text(head: list[str], rest: str) -> str:
    """The findings, then schemathesis's account of them (the request, the response, a curl line),
    then the first error line of the backend's log, in at most FEEDBACK characters."""
    top = "\n".join(head[:9])
    at = rest.find(LOG_HEADER)
    said, log = (rest[:at], rest[at + len(LOG_HEADER):]) if at != -1 else (rest, "")
    error = _error_of(log)
    log_part = f"\n\n{LOG_HEADER} (its first error line)\n{error[:500]}" if error else ""
    room = max(FEEDBACK - len(top) - len(log_part) - 2, 0)
    account = (_failures_section(said) or said[-room:]).strip()
    return f"{top}\n\n{account[:room].rstrip()}{log_part}"


def _error_line(err: Any) -> str:
    if isinstance(err, dict):
        where = err.get("label") or err.get("operation") or ""
        return f"error {where}: {str(err.get('message') or err.get('title') or err)[:300]}".strip()
    return f"error: {str(err)[:300]}"


_SECTION = re.compile(r"^=+ (FAILURES|ERRORS) =+$", re.M)


_THROWN = re.compile(r"\"stack\"|\b\w*(Error|Exception)\b: ")


def _error_of(log: str) -> str:
    """The backend log's most telling error line: the first that carries a thrown error (its message
    and stack), else the first that says error at all."""
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    return next((ln for ln in lines if _THROWN.search(ln)), next((ln for ln in lines if "error" in ln.lower()), ""))


def _failures_section(text: str) -> str:
    """schemathesis's FAILURES / ERRORS sections ('' when it printed none)."""
    m = _SECTION.search(text)
    if not m:
        return ""
    body = text[m.start():]
    end = re.search(r"^=+ (WARNINGS|SUMMARY) =+$", body, re.M)
    return body[:end.start()] if end else body


def _tail_summary(text: str) -> str:
    m = re.search(r"^=+ SUMMARY =+$", text, re.M)
    return text[m.start():] if m else text[-1500:]
