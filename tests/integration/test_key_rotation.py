"""Key rotation against the loopback server (tests/openai_server.py with `keys`): the server no
longer takes the first key (401), the key's command gives a new one when run again, and the run
goes on. The keys are nowhere in the run database, the app or the output."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from autodevos.agents import keys
from autodevos.agents.calls import ModelCallError, ModelClient
from autodevos.agents.keys import KeySource

from tests.model_cli import SPEC, cli, run_app
from tests.model_script import ByRole, small_edits
from tests.openai_server import ScriptedOpenAI

OLD = "sk-rotation-old-key-0123456789"
NEW = "sk-rotation-new-key-9876543210"


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    keys.forget_keys()
    yield
    keys.forget_keys()


@pytest.fixture
def vault(tmp_path_factory):
    """A stand-in for `vault kv get`: prints the old key on its first run, the new one after that."""
    where = tmp_path_factory.mktemp("vault")  # apart from the run's folder, which is searched for the keys
    (where / "old").write_text(OLD + "\n")
    (where / "new").write_text(NEW + "\n")
    (where / "runs").write_text("0")
    command = (f"n=$(cat {where}/runs); echo $((n+1)) > {where}/runs; "
               f"if [ $n -eq 0 ]; then cat {where}/old; else cat {where}/new; fi")
    return command, lambda: int((where / "runs").read_text())


def test_a_401_fetches_the_key_again_once_and_the_call_goes_on(tmp_path, vault):
    command, runs = vault
    with ScriptedOpenAI(["the answer"], keys={NEW}) as server:
        async def ask() -> str:
            async with ModelClient("openai:test-model", tmp_path / "db.sqlite", "t", base_url=server.base_url,
                                   options=_options(command)) as client:
                first = await client.text("hello", role="planner", task_id="plan")
                second = await client.text("hello again", role="planner", task_id="plan")
                return first + " / " + second

        assert asyncio.run(ask()) == "the answer / the answer"
    assert server.refused_keys == [OLD] and [h["authorization"] for h in server.headers] == [f"Bearer {NEW}"] * 2
    assert runs() == 2  # fetched once, and once again after the 401; the second call used the new key straight away
    db = sqlite3.connect(tmp_path / "db.sqlite")
    assert db.execute("SELECT tries, error FROM adv_calls ORDER BY id").fetchall() == [(2, None), (1, None)]


def test_a_key_that_stays_the_same_is_not_sent_again(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", OLD)
    with ScriptedOpenAI(["never"], keys={NEW}) as server:
        async def ask() -> None:
            async with ModelClient("openai:test-model", tmp_path / "db.sqlite", "t", base_url=server.base_url) as client:
                await client.text("hello", role="planner", task_id="plan")

        with pytest.raises(ModelCallError) as caught:
            asyncio.run(ask())
    assert caught.value.status == 401 and server.refused == 1  # the environment gave the same key: no second try
    assert OLD not in str(caught.value) and "\n" not in str(caught.value)


def test_a_run_goes_on_after_the_key_is_rotated(tmp_path, vault):
    """`autodevos run --config` with api_key_command: the model check's first probe gets a 401 with the
    old key, the command is run again, and every call after it uses the new key."""
    command, runs = vault
    config = tmp_path / "config.yaml"
    config.write_text(f"api_key_command: {_yaml(command)}\n")
    script = ByRole(small_edits(SPEC))
    with ScriptedOpenAI([script], keys={NEW}) as server:
        result, data = run_app(server, tmp_path, "--json", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert data["status"] == "completed" and not data["written_by"] or all(
        w["outcome"] == "model" for w in data["written_by"].values())
    assert server.refused_keys == [OLD] and runs() == 2
    assert set(script.asked) == {"planner", "backend", "frontend", "tests", "docs", "devops"}
    assert all(h["authorization"] == f"Bearer {NEW}" for h in server.headers)
    for key in (OLD, NEW):
        for f in [*tmp_path.glob("db.sqlite*"), *(tmp_path / "app").rglob("*")]:
            if f.is_file():
                assert key.encode() not in f.read_bytes(), f
        assert key not in result.output
    # the run stores where the key comes from (the command), never the key; status shows the run
    status, info = cli("status", data["thread_id"], "--db", str(tmp_path / "db.sqlite"), "--json")
    assert status.exit_code == 0 and info["status"] == "completed"
    stored = sqlite3.connect(tmp_path / "db.sqlite").execute("SELECT settings FROM adv_runs").fetchone()[0]
    assert command in stored and OLD not in stored and NEW not in stored


def test_a_key_command_that_fails_stops_the_run_before_it_starts_in_one_line(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("api_key_command: \"echo 'vault: permission denied' >&2; exit 2\"\n")
    with ScriptedOpenAI(["unused"]) as server:
        result, _ = run_app(server, tmp_path, "--config", str(config))
    assert server.total_requests == 0  # nothing was sent without a key
    assert result.exit_code == 2 and result.stderr == "error: api_key_command failed (exit 2): vault: permission denied\n"
    assert not (tmp_path / "app").exists() or not any((tmp_path / "app").iterdir())


def test_a_key_source_that_cannot_work_is_one_line_before_the_run(tmp_path):
    from keyring.backends import fail

    from tests.keyring_backend import using_keyring

    with ScriptedOpenAI(["unused"]) as server, using_keyring(fail.Keyring()):
        missing, _ = run_app(server, tmp_path, "--api-key-file", str(tmp_path / "nope"))
        ring, _ = run_app(server, tmp_path, "--api-key-keyring", "autodevos:openai")
        both, _ = run_app(server, tmp_path, "--api-key-file", str(tmp_path / "nope"), "--api-key-keyring", "a:b")
    assert server.total_requests == 0
    assert missing.exit_code == 2 and missing.stderr == f"error: --api-key-file {tmp_path / 'nope'} is not a file\n"
    assert ring.exit_code == 2 and ring.stderr.startswith("error: --api-key-keyring: the keyring library finds no keyring backend")
    assert both.exit_code == 2 and "one place only" in both.stderr
    assert all(r.stderr.count("\n") == 1 for r in (missing, ring, both))


def _options(command: str):
    from autodevos.agents.calls import CallOptions

    return CallOptions(cache=False, max_retries=0, timeout=5, keys=KeySource(command=command))


def _yaml(text: str) -> str:
    import json

    return json.dumps(text)  # a JSON string is a YAML string
