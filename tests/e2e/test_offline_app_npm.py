"""End to end: render apps with the offline generator, then really install, type-check, test and
build them with npm (Node 20). Slow (about a minute with a warm npm cache) and needs the npm
registry or a warm ~/.npm; deselect with `-m "not e2e"`.
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

from agents.render import render_app
from graph.spec import AppSpec

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("npm") is None, reason="needs node and npm on PATH"),
]

INSTALL_TIMEOUT = 600  # a cold cache downloads ~150 MB per app
STEP_TIMEOUT = 300

SPECS = {
    # auth, a ref, and enum / date / datetime / boolean / number / integer / email / text fields
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
}

INSTALL = ["npm", "install", "--prefer-offline", "--no-audit", "--no-fund"]
STEPS = {
    "backend": [INSTALL, ["npx", "tsc", "--noEmit"], ["npx", "vitest", "run"], ["npm", "run", "build"]],
    "frontend": [INSTALL, ["npx", "tsc", "--noEmit"], ["npx", "vitest", "run"], ["npx", "vite", "build"]],
}


def write(files: dict[str, str], root: Path) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def run(cmd: list[str], cwd: Path, timeout: float) -> float:
    """Runs `cmd` in its own process group; fails the test with its output unless it exits 0."""
    env = {**os.environ, "CI": "1", "NO_COLOR": "1", "FORCE_COLOR": "0", "npm_config_update_notifier": "false"}
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # vitest and vite start child processes
        output, _ = proc.communicate()
        pytest.fail(f"`{' '.join(cmd)}` in {cwd} timed out after {timeout}s\n{output}")
    if proc.returncode != 0:
        pytest.fail(f"`{' '.join(cmd)}` in {cwd} exited {proc.returncode}\n{output}")
    return time.monotonic() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_server_starts(backend: Path) -> None:
    """`node dist/server.js` (the built app) listens on PORT and answers /health."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "NODE_ENV": "development"}
    proc = subprocess.Popen(["node", "dist/server.js"], cwd=backend, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as res:
                    assert res.status == 200 and b'"ok"' in res.read()
                    return
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    except Exception:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"the built server did not answer /health\n{proc.communicate()[0]}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)


@pytest.mark.parametrize("name", list(SPECS))
def test_generated_app_installs_typechecks_tests_and_builds(name: str, tmp_path: Path) -> None:
    spec = SPECS[name]
    write(render_app(spec), tmp_path)
    times: list[str] = []
    for side in ("backend", "frontend"):
        folder = tmp_path / side
        assert folder.is_dir() == getattr(spec, side), f"{side}/ should exist only when spec.{side} is on"
        if not getattr(spec, side):
            continue
        for cmd in STEPS[side]:
            seconds = run(cmd, folder, INSTALL_TIMEOUT if cmd is INSTALL else STEP_TIMEOUT)
            times.append(f"{side}: {' '.join(cmd[:3])} {seconds:.1f}s")
    if spec.backend:
        check_server_starts(tmp_path / "backend")
    if spec.frontend:
        assert (tmp_path / "frontend/dist/index.html").is_file()
    print(f"\n[{name}] " + "; ".join(times))
