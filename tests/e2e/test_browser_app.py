"""The generated browser test (`npm run e2e` in frontend/) keeps its contract when things go wrong:
it exits non-zero with a message that names the failed step and shows what the page said, and it
stops the servers it started and the browser. Uses a web-only app (no backend to compile), so it
costs one frontend install (~10 s with a warm npm cache) and a few browser runs.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from autodevos.agents.render import render_app
from autodevos.domain.spec import AppSpec

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("npm") is None, reason="needs node and npm on PATH"),
]

SPEC = AppSpec(
    name="journal",
    title="Journal",
    backend=False,
    entities=[{"name": "Entry", "plural": "entries", "fields": [
        {"name": "headline"}, {"name": "words", "type": "integer"}, {"name": "secret", "type": "boolean"}]}],
)


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> tuple[int, str]:
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, "NO_COLOR": "1", "CI": "1", **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"`{' '.join(cmd)}` timed out\n{out}")
    return proc.returncode, out


def leftovers(root: Path) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines()[1:] if str(root) in line and "ps -eo" not in line]


@pytest.fixture(scope="module")
def built_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("journal")
    for rel, text in render_app(SPEC).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    front = root / "frontend"
    for cmd in (["npm", "install", "--prefer-offline", "--no-audit", "--no-fund"], ["npm", "run", "build"]):
        code, out = run(cmd, front, timeout=600)
        assert code == 0, out
    return front


def test_passes_and_leaves_nothing_running(built_app: Path, chromium: str) -> None:
    t0 = time.monotonic()
    code, out = run(["npm", "run", "e2e"], built_app, {"CHROMIUM_PATH": chromium})
    assert code == 0, out
    assert "1 passed" in out
    assert not leftovers(built_app.parent)
    print(f"\n[journal] e2e {time.monotonic() - t0:.1f}s")


def test_a_broken_page_fails_with_the_step_and_stops_everything(built_app: Path, chromium: str) -> None:
    index = built_app / "dist" / "index.html"
    good = index.read_text()
    index.write_text(good.replace("<script", "<!-- the app does not load --><noscript").replace("</script>", "</noscript>"))
    try:
        code, out = run(["npm", "run", "e2e"], built_app, {"CHROMIUM_PATH": chromium})
    finally:
        index.write_text(good)
    assert code != 0
    assert "Step failed: create Entry with its form" in out, out[-4000:]
    assert "--- output of vite preview ---" in out
    assert not leftovers(built_app.parent)


def test_no_chromium_is_a_clear_error(built_app: Path) -> None:
    code, out = run(["npm", "run", "e2e"], built_app, {"CHROMIUM_PATH": "/nonexistent/chromium"})
    assert code != 0
    assert "/nonexistent/chromium is missing: install Chromium (apt-get install chromium) or set CHROMIUM_PATH" in out
    assert not leftovers(built_app.parent)


def test_no_build_is_a_clear_error(built_app: Path, chromium: str) -> None:
    dist = built_app / "dist"
    dist.rename(built_app / "dist-aside")
    try:
        code, out = run(["npm", "run", "e2e"], built_app, {"CHROMIUM_PATH": chromium})
    finally:
        (built_app / "dist-aside").rename(dist)
    assert code != 0
    assert "run `npm run build` here first" in out
