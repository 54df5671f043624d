"""End to end: render apps with the offline generator, then really install, type-check, lint, test and
build them with npm (Node 20), start the built API, check its database migration against drizzle-kit,
and run the browser test (`npm run e2e`: Chromium through playwright-core, both servers built).

Slow: the first backend compiles better-sqlite3 from source (~70-110 s); the next ones start from a copy
of that node_modules (`cp -a`, then `npm install --prefer-offline`), which keeps the compiled module.
Needs the npm registry or a warm ~/.npm, and Chromium for the browser test (the `chromium` fixture
installs Debian's package when it can, else skips). Deselect with `-m "not e2e"`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from autodevos.agents.render import render_app
from autodevos.domain.spec import AppSpec

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("npm") is None, reason="needs node and npm on PATH"),
]

INSTALL_TIMEOUT = 600  # a cold cache downloads ~200 MB per app, and better-sqlite3 compiles
STEP_TIMEOUT = 300

SPECS = {
    # auth, a required ref, and enum / date / datetime / boolean / number / integer / email / text fields
    "shop-with-auth": AppSpec(
        name="shop",
        title="Shop",
        description="Customers and the items they order.",
        auth=True,
        entities=[
            {"name": "Customer", "fields": [
                {"name": "name"}, {"name": "email", "type": "email"}, {"name": "vip", "type": "boolean"},
                {"name": "birthday", "type": "date", "required": False}]},
            {"name": "OrderItem", "plural": "orderItems", "fields": [
                {"name": "product"}, {"name": "quantity", "type": "integer"},
                {"name": "price", "type": "number"},
                {"name": "status", "type": "enum", "options": ["new", "in progress", "shipped"]},
                {"name": "customer", "type": "ref", "ref": "Customer"},
                {"name": "shippedAt", "type": "datetime", "required": False},
                {"name": "notes", "type": "text", "required": False}]},
        ],
    ),
    # no auth, no frontend; an entity with one field, an optional ref, an optional enum
    "notes-api-only": AppSpec(
        name="notes",
        title="Notes",
        frontend=False,
        entities=[
            {"name": "Note", "fields": [{"name": "title"}]},
            {"name": "Label", "fields": [
                {"name": "text"}, {"name": "note", "type": "ref", "ref": "Note", "required": False},
                {"name": "status", "type": "enum", "options": ["draft", "final"], "required": False}]},
        ],
    ),
    # no auth, full stack: optional refs in a cycle (Person <-> Team), a required one, a self-ref
    "teams-no-auth": AppSpec(
        name="teams",
        title="Teams",
        entities=[
            {"name": "Person", "plural": "people", "fields": [
                {"name": "fullName"}, {"name": "team", "type": "ref", "ref": "Team", "required": False},
                {"name": "active", "type": "boolean"}]},
            {"name": "Team", "fields": [
                {"name": "title"}, {"name": "lead", "type": "ref", "ref": "Person", "required": False},
                {"name": "foundedOn", "type": "date", "required": False}]},
            {"name": "Task", "fields": [
                {"name": "summary"}, {"name": "owner", "type": "ref", "ref": "Person"},
                {"name": "parent", "type": "ref", "ref": "Task", "required": False},
                {"name": "estimate", "type": "number", "required": False}]},
        ],
    ),
    # no backend: the web app keeps its data in localStorage
    "diary-web-only": AppSpec(
        name="diary",
        title="Diary",
        backend=False,
        entities=[{"name": "Entry", "plural": "entries", "fields": [
            {"name": "headline"}, {"name": "mood", "type": "enum", "options": ["good", "bad"]},
            {"name": "writtenAt", "type": "datetime"}]}],
    ),
}

PIPELINE = ("typecheck", "lint", "format:check", "test", "build")
INSTALL = ["npm", "install", "--prefer-offline", "--no-audit", "--no-fund"]
NATIVE = "node_modules/better-sqlite3/build/Release/better_sqlite3.node"

# The node_modules of the first package of each side that installed, copied into the next ones.
_prepared: dict[str, Path] = {}


def write(files: dict[str, str], root: Path) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def env() -> dict[str, str]:
    return {**os.environ, "CI": "1", "NO_COLOR": "1", "FORCE_COLOR": "0", "npm_config_update_notifier": "false"}


def run(cmd: list[str], cwd: Path, timeout: float, extra_env: dict[str, str] | None = None,
        expect_ok: bool = True) -> tuple[float, str]:
    """Runs `cmd` in its own process group; fails the test with its output unless it exits 0
    (or, with expect_ok=False, unless it fails). Returns (seconds, output)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env={**env(), **(extra_env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # vitest and vite start child processes
        output, _ = proc.communicate()
        pytest.fail(f"`{' '.join(cmd)}` in {cwd} timed out after {timeout}s\n{output}")
    if (proc.returncode == 0) != expect_ok:
        pytest.fail(f"`{' '.join(cmd)}` in {cwd} exited {proc.returncode}\n{output[-8000:]}")
    return time.monotonic() - start, output


def install(folder: Path, side: str, times: list[str]) -> None:
    """npm install, from a copy of the first installed node_modules of this side when there is one."""
    copied = ""
    if side in _prepared:
        t0 = time.monotonic()
        subprocess.run(["cp", "-a", str(_prepared[side]), str(folder / "node_modules")], check=True)
        copied = f" (cp -a node_modules {time.monotonic() - t0:.1f}s"
    native = folder / NATIVE
    before = native.stat().st_mtime_ns if native.exists() else None
    seconds, _ = run(INSTALL, folder, INSTALL_TIMEOUT)
    if side == "backend":
        assert native.is_file(), "better-sqlite3 has no compiled module"
        if before is not None:
            recompiled = native.stat().st_mtime_ns != before
            copied += f", better-sqlite3 {'recompiled' if recompiled else 'kept'}"
    times.append(f"{side}: install{copied + ')' if copied else ' (fresh)'} {seconds:.1f}s")
    _prepared.setdefault(side, folder / "node_modules")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


METRICS_TOKEN = "metrics-token-for-this-test"


def check_server_starts(backend: Path, db_file: Path) -> None:
    """`node dist/server.js` (the built app) listens on PORT, migrates DATABASE_URL, answers /health and
    /metrics (to the holder of METRICS_TOKEN), and stops on SIGTERM."""
    port = free_port()
    server_env = {**os.environ, "PORT": str(port), "NODE_ENV": "production", "DATABASE_URL": str(db_file),
                  "JWT_SECRET": "a-secret-only-for-this-test-0123456789abcdef", "LOG_LEVEL": "info",
                  "METRICS_TOKEN": METRICS_TOKEN}
    proc = subprocess.Popen(["node", "dist/server.js"], cwd=backend, env=server_env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as res:
                    assert res.status == 200 and b'"ok"' in res.read()
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        metrics = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                         headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        with urllib.request.urlopen(metrics, timeout=2) as res:
            assert b'http_requests_total{method="GET",route="/health",status="200"}' in res.read()
        assert db_file.is_file(), "the server did not create its database file"
    except Exception:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"the built server did not answer /health and /metrics\n{proc.communicate()[0]}")
    os.killpg(proc.pid, signal.SIGTERM)
    output, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0, f"the server did not stop cleanly on SIGTERM\n{output}"
    first = output.splitlines()[0]
    assert first.startswith("{") and '"msg":"listening"' in first, f"logs are not JSON lines: {first}"


def check_production_refuses_the_example_secret(backend: Path, db_file: Path) -> None:
    """In production, the built server will not start with the JWT_SECRET of .env.example."""
    example = next(line.split("=", 1)[1] for line in (backend / ".env.example").read_text().splitlines()
                   if line.startswith("JWT_SECRET="))
    server_env = {**os.environ, "PORT": str(free_port()), "NODE_ENV": "production", "DATABASE_URL": str(db_file),
                  "JWT_SECRET": example}
    proc = subprocess.run(["node", "dist/server.js"], cwd=backend, env=server_env, capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode != 0 and "JWT_SECRET" in proc.stderr, proc.stdout + proc.stderr


def leftover_processes(root: Path) -> list[str]:
    """Processes whose command line mentions the app's folder (servers the browser test started)."""
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines()[1:] if str(root) in line and "ps -eo" not in line]


@pytest.mark.parametrize("name", list(SPECS))
def test_generated_app_installs_lints_tests_builds_and_passes_the_browser_test(
        name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    spec = SPECS[name]
    write(render_app(spec), tmp_path)
    times: list[str] = []
    for side in ("backend", "frontend"):
        folder = tmp_path / side
        assert folder.is_dir() == getattr(spec, side), f"{side}/ should exist only when spec.{side} is on"
        if not getattr(spec, side):
            continue
        install(folder, side, times)
        for step in PIPELINE:
            seconds, _ = run(["npm", "run", step], folder, STEP_TIMEOUT)
            times.append(f"{side}: {step} {seconds:.1f}s")

    if spec.backend:
        backend = tmp_path / "backend"
        check_server_starts(backend, tmp_path / "server-data" / "app.db")
        if spec.auth:
            check_production_refuses_the_example_secret(backend, tmp_path / "server-data" / "refused.db")
        # The rendered migration and snapshot match src/data/schema.ts exactly.
        _, output = run(["npx", "drizzle-kit", "generate"], backend, STEP_TIMEOUT)
        assert "No schema changes" in output, output
        assert sorted(p.name for p in (backend / "drizzle").glob("*.sql")) == ["0000_init.sql"]

    if spec.frontend:
        assert (tmp_path / "frontend/dist/index.html").is_file()
        chromium = request.getfixturevalue("chromium")  # skips when Chromium cannot be had
        seconds, output = run(["npm", "run", "e2e"], tmp_path / "frontend", STEP_TIMEOUT, {"CHROMIUM_PATH": chromium})
        times.append(f"frontend: e2e {seconds:.1f}s")
        assert "1 passed" in output, output
        assert not leftover_processes(tmp_path), leftover_processes(tmp_path)
        if spec.backend:
            # Without the built backend, the browser test says what to do, and starts nothing.
            server = tmp_path / "backend/dist/server.js"
            server.rename(server.with_suffix(".bak"))
            _, output = run(["npm", "run", "e2e"], tmp_path / "frontend", STEP_TIMEOUT, {"CHROMIUM_PATH": chromium},
                            expect_ok=False)
            server.with_suffix(".bak").rename(server)
            assert "run `npm run build` in ../backend first" in output, output[-3000:]
            assert not leftover_processes(tmp_path)
    print(f"\n[{name}] " + "; ".join(times))
