"""The generated backend trusts no environment it does not know (issue 17, item 7): the public
development JWT secret stands in only when NODE_ENV is development or test. Under any other NODE_ENV
(staging here) a token forged with it must never be accepted: the API refuses to start without a
real secret, and with one it refuses the forged token. The app's own server, started with tsx."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from autodevos.agents.render import render_backend
from autodevos.domain.spec import AppSpec

pytestmark = pytest.mark.e2e

SPEC = AppSpec.model_validate({"name": "notes", "title": "Notes", "auth": True, "frontend": False,
                               "entities": [{"name": "Note", "fields": [{"name": "title"}]}]})
STRONG = "0123456789abcdef" * 4


@pytest.fixture(scope="module")
def backend(tmp_path_factory) -> Path:
    if shutil.which("npm") is None:
        pytest.fail("npm is not on the PATH: this test needs Node.js 20+ and npm")
    from autodevos.agents.verify import install

    root = tmp_path_factory.mktemp("secret")
    for path, text in render_backend(SPEC).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    step = asyncio.run(install(root / "backend"))
    assert step.ok, step.output[-2000:]
    return root / "backend"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port: int, method: str, path: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=json.dumps(body).encode() if body else None,
                                 headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(req, timeout=5) as res:
            return res.status, json.loads(res.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def forged(backend: Path, user_id: int, email: str) -> str:
    """A token signed with the development secret the generated code ships with."""
    dev = re.search(r'const DEV_JWT_SECRET = "([^"]+)"', (backend / "src" / "config.ts").read_text()).group(1)
    script = (f"process.stdout.write(require('jsonwebtoken').sign({{ email: {json.dumps(email)} }}, {json.dumps(dev)}, "
              f"{{ subject: '{user_id}', algorithm: 'HS256' }}))")
    return subprocess.run(["node", "-e", script], cwd=backend, capture_output=True, text=True, check=True, timeout=60).stdout


def serve(backend: Path, tmp: Path, node_env: str, secret: str | None):
    """Start the API (`tsx src/server.ts`); returns (process, port), or (process, None) when it exited instead."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "NODE_ENV": node_env, "DATABASE_URL": str(tmp / f"{node_env}-{bool(secret)}.db"),
           "LOG_LEVEL": "silent"}
    env.pop("JWT_SECRET", None)
    if secret:
        env["JWT_SECRET"] = secret
    proc = subprocess.Popen([str(backend / "node_modules" / ".bin" / "tsx"), "src/server.ts"], cwd=backend, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return proc, None
        try:
            if call(port, "GET", "/health")[0] == 200:
                return proc, port
        except OSError:
            pass
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail(f"the API neither started nor stopped under NODE_ENV={node_env}: {proc.communicate()[0][-2000:]}")


def stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    return proc.communicate(timeout=30)[0]


def accepts_forged_token(backend: Path, port: int) -> bool:
    status, body = call(port, "POST", "/api/auth/register", body={"email": "ann@example.com", "password": "correct horse battery"})
    assert status == 201, body
    token = forged(backend, body["user"]["id"], "ann@example.com")
    status, _ = call(port, "GET", "/api/notes", token)
    assert status in (200, 401), status
    return status == 200


def test_the_development_secret_is_trusted_only_in_development_and_test(backend, tmp_path):
    # development: the forged token is accepted (the forgery is right, and development is where that is fine)
    proc, port = serve(backend, tmp_path, "development", None)
    try:
        assert port is not None, stop(proc)
        assert accepts_forged_token(backend, port)
    finally:
        stop(proc)
    # staging without a secret: the API must not start on the development secret
    proc, port = serve(backend, tmp_path, "staging", None)
    try:
        if port is not None:
            assert not accepts_forged_token(backend, port), "NODE_ENV=staging accepted a token forged with the development secret"
            pytest.fail("NODE_ENV=staging started without JWT_SECRET")
    finally:
        output = stop(proc)
    assert proc.returncode != 0 and "JWT_SECRET must be set when NODE_ENV is staging" in output, output[-2000:]
    # staging with a real secret: the forged token is refused, a real one works
    proc, port = serve(backend, tmp_path, "staging", STRONG)
    try:
        assert port is not None, stop(proc)
        assert not accepts_forged_token(backend, port)
        status, body = call(port, "POST", "/api/auth/login", body={"email": "ann@example.com", "password": "correct horse battery"})
        assert status == 200 and call(port, "GET", "/api/notes", body["token"])[0] == 200
    finally:
        stop(proc)
