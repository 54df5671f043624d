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
