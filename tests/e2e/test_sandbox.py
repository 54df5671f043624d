"""Model-written code cannot reach what is not the app's while verify runs it (issue 18).

The scripted model's tests agent adds a test (tests/e2e/escape-probe.ts) that reads a sentinel file
in the user's home, writes a file outside the app folder, connects to a listener on the host's
127.0.0.1, and leaves a process running in a session of its own. Run for real through the CLI
(npm install, typecheck, lint, format:check, test, build):
- inside the sandbox (the default), all three attempts fail, the test says so in the step's
  output (ENOENT, ENOENT, ECONNREFUSED), nothing outside changed, and nothing is left running;
- with `--sandbox off`, all three succeed (the test passes, the file is written, the listener
  is reached) and the process outlives verify.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
from autodevos.agents.verify import cache_root
from autodevos.domain.spec import AppSpec, Entity, Field
from autodevos.main import app
from typer.testing import CliRunner

from tests.model_script import ByRole, files_answer, small_edits
from tests.openai_server import ScriptedOpenAI

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("npm") is None, reason="needs node and npm on PATH")]

SPEC = AppSpec(name="gadget-api", title="Gadget API", frontend=False,
               entities=[Entity(name="Gadget", fields=[Field(name="label"), Field(name="price", type="number")])])
PROBE = (Path(__file__).with_name("escape-probe.ts")).read_text(encoding="utf-8")


class Listener:
    """A TCP server on the host's 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A fake home with a sentinel (and the user's .npmrc), a folder outside the app, a listener."""
    real_home = Path.home()
    monkeypatch.setenv("AUTODEVOS_CACHE", str(cache_root()))  # the prepared node_modules, as before HOME moves
    monkeypatch.setenv("npm_config_cache", os.environ.get("npm_config_cache") or str(real_home / ".npm"))
    home = tmp_path / "home"
    home.mkdir()
    if (real_home / ".npmrc").is_file():
        shutil.copy(real_home / ".npmrc", home / ".npmrc")
    secret = f"sentinel-{uuid.uuid4().hex}"
    (home / "sentinel.txt").write_text(secret + "\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-sandbox")
    (tmp_path / "outside").mkdir()
    listener = Listener()
    yield {"home": home, "secret": secret, "outside": tmp_path / "outside" / "written-by-the-app.txt", "listener": listener}
    listener.close()


def sleepers(mark: str) -> list[int]:
    out = subprocess.run(["ps", "-eww", "-o", "pid,args"], capture_output=True, text=True).stdout  # ww: whole lines
    return [int(line.split()[0]) for line in out.splitlines()[1:] if mark in line and "ps -eww" not in line]


def run_probe(tmp_path: Path, world: dict, name: str, *extra: str):
    mark = f"escape-probe-sleeper-{uuid.uuid4().hex[:8]}"
    targets = {"sentinel": str(world["home"] / "sentinel.txt"), "outside": str(world["outside"]),
               "port": world["listener"].port, "secret": world["secret"], "sleeper": mark}
    answers = {**small_edits(SPEC), "tests": [files_answer({"backend/tests/escape.test.ts": PROBE,
                                                            "backend/tests/escape-targets.json": json.dumps(targets, indent=2) + "\n"})]}
    with ScriptedOpenAI([ByRole(answers)]) as server:
        result = CliRunner().invoke(app, [
            "run", "a gadget API", "--model", "openai:test-model", "--base-url", server.base_url, "--out", str(tmp_path / name),
            "--db", str(tmp_path / f"{name}.sqlite"), "--json", "--no-browser", "--max-repairs", "0", *extra], catch_exceptions=False)
    data = json.loads(result.stdout[result.stdout.index("{"):])
    steps = {f"{s['package']}:{s['step']}": s for s in data["tasks"]["verify"].get("report") or [] if not s.get("skipped")}
    return result, steps, mark


def test_model_written_code_cannot_reach_home_outside_files_or_host_loopback_in_the_sandbox(tmp_path, world, sandbox):
    result, steps, mark = run_probe(tmp_path, world, "boxed")
    assert result.exit_code == 1, result.output  # the probe's test fails: nothing it tried worked
    test = steps["backend:test"]
    assert not test["ok"] and test["sandbox"] == "bwrap"
    assert 'escape probe: {"read":"ENOENT","write":"ENOENT","connect":"ECONNREFUSED"}' in test["output"], test["output"]
    assert all(s["sandbox"] == "bwrap" for s in steps.values()), steps
    assert all(steps[f"backend:{s}"]["ok"] for s in ("install", "typecheck", "lint", "format:check"))
    assert not world["outside"].exists()
    assert world["listener"].accepted == 0
    assert sleepers(mark) == []  # died with the sandbox


def test_without_the_sandbox_the_same_code_reaches_all_three(tmp_path, world, sandbox):
    result, steps, mark = run_probe(tmp_path, world, "open", "--sandbox", "off")
    left = sleepers(mark)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert result.exit_code == 0, result.output  # the probe's test passes: everything it tried worked
    assert all(s["ok"] and s["sandbox"] == "off" for s in steps.values()), steps
    assert world["outside"].read_text() == "written by the app's test\n"
    assert world["listener"].accepted >= 1
    assert left, "the probe's process should outlive verify without the sandbox"
    assert "without a sandbox (--sandbox off)" in result.stderr
