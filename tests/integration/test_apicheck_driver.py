"""agents/apicheck_driver.py for real, without Node: it starts a small Python API (a stand-in for the
built backend), registers to get a token, runs schemathesis against the API's OpenAPI file and
prints the report line verify reads. A clean API passes; one that answers 500 fails with the
finding and the server's log; one that does not start says so. A few seconds each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from autodevos.agents import apicheck
from autodevos.agents.apicheck import auth_plan, read_output


@pytest.fixture(scope="module")
def tool() -> apicheck.Tool:
    """schemathesis in its own environment, installed on first use as verify installs it."""
    found, why = apicheck.ensure_tool()
    assert found is not None, why
    return found

API = {
    "openapi": "3.0.3",
    "info": {"title": "stand-in", "version": "1"},
    "paths": {
        "/register": {"post": {
            "operationId": "register",
            "requestBody": {"required": True, "content": {"application/json": {
                "example": {"email": "ada@example.com", "password": "correct-horse"},
                "schema": {"type": "object", "required": ["email", "password"],
                           "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}}}},
            "responses": {
                "201": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}}}}},
                "400": {"description": "bad", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/items": {"get": {
            "operationId": "listItems",
            "security": [{"bearer": []}],
            "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "array", "items": {"type": "integer"}}}}},
                "401": {"description": "no token", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    },
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
}

SERVER = textwrap.dedent('''
    import json, os, sys
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    BROKEN = os.environ.get("BROKEN") == "1"
    ALLOWED = {"/register": "POST", "/items": "GET"}

    class Api(BaseHTTPRequestHandler):
        def answer(self, status, body, headers=()):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def route(self, method):
            path = self.path.split("?", 1)[0]
            if path not in ALLOWED:
                return self.answer(404, {"error": "NotFound"})
            if method != ALLOWED[path]:
                return self.answer(405, {"error": "MethodNotAllowed"}, [("Allow", ALLOWED[path])])
            if path == "/items":
                if self.headers.get("Authorization") != "Bearer t0ken":
                    return self.answer(401, {"error": "Unauthorized"})
                if BROKEN:
                    print("unhandled error: boom in /items", file=sys.stderr, flush=True)
                    return self.answer(500, {"error": "InternalServerError"})
                return self.answer(200, [1, 2])
            size = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(size) or b"null")
            except ValueError:
                return self.answer(400, {"error": "BadRequest"})
            ok = isinstance(body, dict) and all(isinstance(body.get(k), str) for k in ("email", "password"))
            return self.answer(201, {"token": "t0ken"}) if ok else self.answer(400, {"error": "BadRequest"})

        def __getattr__(self, name):  # do_GET, do_POST, ... do_QUERY: every method goes to route
            if name.startswith("do_"):
                return lambda: self.route(name[3:])
            raise AttributeError(name)

        def log_message(self, *args): pass

    ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Api).serve_forever()
''')


def drive(tool: apicheck.Tool, tmp_path: Path, server: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    openapi = tmp_path / "openapi.json"
    openapi.write_text(json.dumps(API), encoding="utf-8")
    (tmp_path / "server.py").write_text(SERVER, encoding="utf-8")
    config = {"server": server, "openapi": str(openapi), "args": list(apicheck.ARGS), "auth": auth_plan(API), "timeout": 120}
    proc = subprocess.run([tool.venv_python, str(apicheck.DRIVER), json.dumps(config)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=180, env={**os.environ, **(env or {})})
    return proc.returncode, proc.stdout + proc.stderr


def test_a_clean_api_passes_with_a_token_on_every_request(tool, tmp_path):
    code, out = drive(tool, tmp_path, [sys.executable, "server.py"])
    found = read_output(code, out)
    assert code == 0 and found.ok, out
    assert found.cases > 20 and found.summary.endswith("0 failures")
    assert "t0ken" not in out  # the token is not printed


def test_a_server_error_fails_with_the_finding_and_the_server_log(tool, tmp_path):
    code, out = drive(tool, tmp_path, [sys.executable, "server.py"], {"BROKEN": "1"})
    found = read_output(code, out)
    assert code == 1 and not found.ok, out
    assert any(line.startswith("ST101 Server error") and "GET /items" in line for line in found.text.splitlines())
    assert "boom in /items" in found.text


def test_a_server_that_does_not_start_says_so(tool, tmp_path):
    code, out = drive(tool, tmp_path, [sys.executable, "-c", "import sys; print('Error: no config'); sys.exit(1)"])
    found = read_output(code, out)
    assert code == 3 and not found.ok
    assert found.summary.startswith("the backend did not start (exit 1)") and "Error: no config" in found.text


def test_schemathesis_lives_in_an_environment_of_its_own(tool):
    assert any((Path(p) / "schemathesis").is_dir() for p in tool.paths)
    assert str(apicheck.tool_home()) in tool.venv_python and apicheck.find_tool() == tool
    proc = subprocess.run([sys.executable, "-c", "import schemathesis"], capture_output=True)
    assert proc.returncode != 0  # not in AutoDevOS's own environment: its pins clash with langgraph dev's
