"""A generated app that holds data keeps it through `improve` (issue 17, item 2).

The app is generated offline, its backend started on a real SQLite file (tsx, the app's own drizzle
migrator), records created over HTTP; then `improve` adds a required field, an entity, a relation
and a many-to-many list, one change at a time, and the app is started again on the same database:
the records are still there, the new fields work, `0000_init.sql` is byte for byte the first one,
and drizzle-kit (the app's own `npm run db:generate`) finds nothing left to migrate.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.test_offline_app_npm import free_port, install, run

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SPEC = """
name: chores
title: Chores
auth: false
entities:
  - name: Chore
    fields:
      - {name: title}
      - {name: done, type: boolean, required: false}
"""
CHANGES = [
    "add a field priority (low/medium/high) to chore",
    "add an entity called room",
    "add a field room to chore",
    "add an entity called helper",
    "add a field helpers to chore",
]


def cli(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


class Server:
    """The backend from its TypeScript sources (`tsx src/server.ts`), as `npm run dev` starts it."""

    def __init__(self, backend: Path, db_file: Path):
        self.port = free_port()
        env = {**os.environ, "PORT": str(self.port), "NODE_ENV": "development", "DATABASE_URL": str(db_file),
               "JWT_SECRET": "a-secret-only-for-this-test-0123456789abcdef"}
        self.proc = subprocess.Popen([str(backend / "node_modules/.bin/tsx"), "src/server.ts"], cwd=backend, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.call("GET", "/health")
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"the backend did not start\n{self.output}")
                time.sleep(0.3)

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return res.status, json.loads(res.read() or b"{}")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.output = self.proc.communicate(timeout=20)[0]


def test_records_survive_improve_adding_a_field_an_entity_and_relations(tmp_path: Path, npm: str) -> None:
    spec, app, db = tmp_path / "spec.yaml", tmp_path / "app", tmp_path / "runs.sqlite"
    spec.write_text(SPEC)
    cli("run", "--spec", str(spec), "--out", str(app), "--db", str(db), "--no-verify", "--auto-approve")
    backend, data = app / "backend", tmp_path / "data" / "app.db"
    init = (backend / "drizzle/0000_init.sql").read_bytes()
    install(backend, "backend", [])

    server = Server(backend, data)
    try:
        assert server.call("POST", "/api/chores", {"title": "water the plants"})[0] == 201
        assert server.call("POST", "/api/chores", {"title": "take out the bins", "done": True})[0] == 201
    finally:
        server.stop()

    for change in CHANGES:
        cli("improve", str(app), change, "--db", str(db))

    tags = [json.loads((backend / "drizzle/meta/_journal.json").read_text())["entries"][i]["tag"] for i in range(6)]
    assert tags[0] == "0000_init" and [t[:4] for t in tags] == ["0000", "0001", "0002", "0003", "0004", "0005"]
    assert (backend / "drizzle/0000_init.sql").read_bytes() == init

    server = Server(backend, data)
    try:
        status, listed = server.call("GET", "/api/chores?sort=id")
        assert status == 200, listed
        old = [(c["title"], c.get("done"), c.get("priority"), c.get("room"), c.get("helpers")) for c in listed["items"]]
        assert old == [("water the plants", None, None, None, []), ("take out the bins", True, None, None, [])], listed
        status, room = server.call("POST", "/api/rooms", {"name": "kitchen"})
        assert status == 201, room
        status, helper = server.call("POST", "/api/helpers", {"name": "Sam"})
        assert status == 201, helper
        status, chore = server.call("POST", "/api/chores", {"title": "wipe the table", "priority": "high",
                                                            "room": room["id"], "helpers": [helper["id"]]})
        assert status == 201, chore
        status, again = server.call("GET", f"/api/chores/{chore['id']}")
        assert (status, again["room"], again["helpers"]) == (200, room["id"], [helper["id"]])
        status, first = server.call("PATCH", f"/api/chores/{listed['items'][0]['id']}", {"room": room["id"]})
        assert (status, first["title"], first["room"]) == (200, "water the plants", room["id"])
    finally:
        server.stop()

    # drizzle-kit, which diffs schema.ts against the last snapshot, finds the chain complete
    _, output = run(["npx", "drizzle-kit", "generate"], backend, 180)
    assert "No schema changes" in output, output
    assert len(list((backend / "drizzle").glob("*.sql"))) == 6
