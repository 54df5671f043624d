"""The API key of a run, from each place it can come from (the environment, --api-key-file, the OS
keyring, api_key_command) and really used to call the model server, appears nowhere: not in the run
database, not in what the run printed or logged, not in the output folder, and not in the
environment of the generated app's own test processes during verify."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import subprocess
import uuid

import pytest
from autodevos.agents import keys, registry
from autodevos.agents.codegen import AgentResult
from autodevos.agents.extract import extract_spec
from autodevos.agents.llm import chat_model
from autodevos.graph.runner import RunSettings, start_run

from tests.keyring_backend import MemoryKeyring, using_keyring
from tests.model_script import ByRole, small_edits
from tests.openai_server import ScriptedOpenAI

REQUEST = "A books API with authors and books, API only"

PROBE = """import { writeFileSync } from "node:fs";
import { expect, test } from "vitest";

// Written by the secrets test: what the app's test process sees of its environment.
test("environment probe", () => {
  writeFileSync("env-probe.json", JSON.stringify(process.env));
  expect(process.env.CI).toBe("true");
});
"""


def with_probe(work):
    async def tests_agent(task, spec, ws):
        out = await work(task, spec, ws)
        if isinstance(out, AgentResult):
            out.files = {**out.files, "backend/tests/env-probe.test.ts": PROBE}
            return out
        return {**out, "backend/tests/env-probe.test.ts": PROBE}

    return tests_agent


def key_from(source: str, key: str, store, monkeypatch, stack: contextlib.ExitStack) -> dict[str, str]:
    """Put the key where `source` says and return the run settings that name that place; the key's
    file lives in `store`, apart from the run's folder (which is searched for the key)."""
    if source == "env":
        monkeypatch.setenv("OPENAI_API_KEY", key)
        return {}
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    if source == "keyring":
        stack.enter_context(using_keyring(MemoryKeyring({("autodevos", "openai"): key})))
        return {"api_key_keyring": "autodevos:openai"}
    (store / "key").write_text(key + "\n")
    if source == "file":
        return {"api_key_file": str(store / "key")}
    return {"api_key_command": f"cat {store / 'key'}"}  # as `pass show` or `vault kv get -field=...` would print it


@pytest.mark.parametrize("source", ["env", "file", "keyring", "command"])
def test_api_key_reaches_no_file_log_or_app_process(source, tmp_path, tmp_path_factory, monkeypatch, capfd, caplog, sandbox):
    key = f"sk-canary-{uuid.uuid4().hex}"
    stack = contextlib.ExitStack()
    where = key_from(source, key, tmp_path_factory.mktemp("keystore"), monkeypatch, stack)
    keys.forget_keys()
    chat_model.cache_clear()
    caplog.set_level(logging.DEBUG)
    offline = registry.works()
    agents = {**offline, "tests": with_probe(offline["tests"])}
    events: list[dict] = []
    out, db = tmp_path / "app", tmp_path / "db.sqlite"
    with stack, ScriptedOpenAI([ByRole(small_edits(extract_spec(REQUEST)))], keys={key}) as server:  # every agent asks the model
        settings = RunSettings(request=REQUEST, out_dir=str(out), db_path=str(db), model="openai:test-model",
                               base_url=server.base_url, browser=False, **where)
        result = asyncio.run(start_run(settings, agents=agents, on_event=events.append))
    chat_model.cache_clear()
    keys.forget_keys()
    assert server.refused == 0 and server.request_count > 0  # every request carried the key from its source
    assert server.headers[0].get("authorization") == f"Bearer {key}"  # the key was really in use
    assert result.ok, result.tasks
    assert "verify" in result.tasks and result.tasks["verify"]["status"] == "completed"

    probe = json.loads((out / "backend" / "env-probe.json").read_text())
    assert probe.get("CI") == "true" and "PATH" in probe  # the probe saw a real environment ...
    assert "OPENAI_API_KEY" not in probe and key not in json.dumps(probe)  # ... without the key

    found = subprocess.run(["grep", "-r", "-l", "-a", "-F", key, str(tmp_path)], capture_output=True, text=True)
    assert found.returncode == 1, f"the key is in: {found.stdout}"  # grep: 1 = not found anywhere
    printed = capfd.readouterr()
    assert key not in printed.out and key not in printed.err
    assert key not in caplog.text
    assert key not in json.dumps(events, default=str)
