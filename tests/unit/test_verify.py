"""Verify's pieces that need no npm: the scrubbed environment, the dependency key, timeouts."""

from __future__ import annotations

import asyncio
import json
import time

from autodevos.agents.verify import deps_key, run_cmd, scrubbed_env


def test_scrubbed_env_drops_secrets(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("MY_SERVICE_TOKEN", "t")
    monkeypatch.setenv("DB_PASSWORD", "p")
    monkeypatch.setenv("HARMLESS", "yes")
    env = scrubbed_env()
    assert "sk-secret" not in json.dumps(env)
    assert "MY_SERVICE_TOKEN" not in env and "DB_PASSWORD" not in env
    assert env["HARMLESS"] == "yes" and env["CI"] == "true"


def test_deps_key_ignores_name_and_scripts(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"name": "one", "scripts": {"x": "1"}, "dependencies": {"express": "^5"}}))
    b.write_text(json.dumps({"name": "two", "dependencies": {"express": "^5"}}))
    assert deps_key(a) == deps_key(b)
    b.write_text(json.dumps({"name": "two", "dependencies": {"express": "^4"}}))
    assert deps_key(a) != deps_key(b)


def test_run_cmd_times_out_and_kills_the_group(tmp_path):
    t0 = time.monotonic()
    code, out = asyncio.run(run_cmd(["bash", "-c", "sleep 30 & sleep 30"], tmp_path, 0.5))
    assert code == 124 and "timed out" in out
    assert time.monotonic() - t0 < 5


FAKE_NPM = """#!/bin/sh
# npm install makes node_modules; npm run --silent STEP passes
if [ "$1" = install ]; then mkdir -p node_modules/left-pad; echo installed > node_modules/left-pad/index.js; fi
exit 0
"""


def _fake_app(root):
    for package in ("backend", "frontend"):
        (root / package).mkdir(parents=True)
        scripts = {"typecheck": "tsc", "test": "vitest", "build": "vite build"}
        (root / package / "package.json").write_text(json.dumps({"name": package, "scripts": scripts}))
        (root / package / "Dockerfile").write_text("FROM node:20-slim\nUSER node\n")
    return root


def test_verify_makes_no_blocking_call_on_the_event_loop(tmp_path, monkeypatch):
    """The blocking-call check of `langgraph dev` (blockbuster, as the server configures it) is on
    while verify runs: a fresh install, a second run on installed packages, and an install that
    starts from the prepared node_modules. A blocking call on the loop raises BlockingError."""
    from autodevos.agents.verify import verify_app
    from langgraph_runtime_inmem.queue import _enable_blockbuster

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "npm").write_text(FAKE_NPM)
    (bin_dir / "npm").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("AUTODEVOS_CACHE", str(tmp_path / "cache"))
    first, second = _fake_app(tmp_path / "one"), _fake_app(tmp_path / "two")

    async def verify_all():
        return [await verify_app(first, browser=False), await verify_app(first, browser=False),
                await verify_app(second, browser=False)]

    blockbuster = _enable_blockbuster()
    try:
        runs = asyncio.run(verify_all())
    finally:
        blockbuster.deactivate()
    for steps in runs:
        assert [(s.package, s.step, s.ok) for s in steps if s.step in ("install", "build")] == [
            ("backend", "install", True), ("backend", "build", True), ("frontend", "install", True), ("frontend", "build", True)]
    assert [s.step for s in runs[0]][-1] == "hadolint"
    assert "prepared node_modules" in runs[2][0].output
    assert (second / "backend" / "node_modules" / "left-pad" / "index.js").is_file()


RECORDING_NPM = """#!/bin/sh
# records its arguments; `install` leaves npm's hidden lockfile with two packages that have install scripts
echo "$@" >> "$NPM_LOG"
if [ "$1" = install ]; then
  mkdir -p node_modules
  printf '{"packages": {"node_modules/better-sqlite3": {"version": "12.1.0", "hasInstallScript": true},
    "node_modules/sneaky": {"version": "1.0.0", "hasInstallScript": true}}}' > node_modules/.package-lock.json
fi
exit 0
"""


def test_install_runs_no_script_then_rebuilds_only_allowed_packages_npm_just_added(tmp_path, monkeypatch):
    from autodevos.agents.verify import install

    bin_dir, log = tmp_path / "bin", tmp_path / "npm.log"
    bin_dir.mkdir()
    (bin_dir / "npm").write_text(RECORDING_NPM)
    (bin_dir / "npm").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("NPM_LOG", str(log))
    monkeypatch.setenv("AUTODEVOS_CACHE", str(tmp_path / "cache"))
    pkg = tmp_path / "app" / "backend"
    pkg.mkdir(parents=True)
    (pkg / "package.json").write_text(json.dumps({"name": "b", "dependencies": {"better-sqlite3": "^12", "sneaky": "^1"}}))
    first = asyncio.run(install(pkg))
    assert first.ok
    assert log.read_text().splitlines() == ["install --prefer-offline --no-audit --no-fund --ignore-scripts", "rebuild better-sqlite3"]
    assert "install scripts not run (not on the allow-list): sneaky" in first.output
    assert "install scripts run (allow-listed, new or changed): better-sqlite3" in first.output
    log.unlink()
    again = asyncio.run(install(pkg))  # installed already: nothing new to build
    assert again.ok and log.read_text().splitlines() == ["install --prefer-offline --no-audit --no-fund --ignore-scripts"]
