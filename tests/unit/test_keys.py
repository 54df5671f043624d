"""Where the API key comes from (agents/keys.py): the environment, a file, the OS keyring, a command;
fetched once per process, and fetched again once after a 401 (rotation)."""

from __future__ import annotations

import sys
import threading

import pytest
from autodevos.agents import keys
from autodevos.agents.keys import KeySource, KeyUnavailable, current_key, refetch_key
from autodevos.agents.llm import check_model
from autodevos.graph.settings import RunSettings

from tests.keyring_backend import MemoryKeyring, using_keyring


@pytest.fixture(autouse=True)
def fresh():
    keys.forget_keys()
    yield
    keys.forget_keys()


def counting_command(tmp_path, *answers: str) -> tuple[str, object]:
    """A shell command that prints answers[n] on its n-th run (the last one repeats), and a count of its runs."""
    for i, text in enumerate(answers):
        (tmp_path / f"answer{i}").write_text(text + "\n")
    count = tmp_path / "count"
    count.write_text("0")
    last = len(answers) - 1
    command = (f"n=$(cat {count}); echo $((n+1)) > {count}; "
               f"if [ $n -gt {last} ]; then n={last}; fi; cat {tmp_path}/answer$n")
    return command, lambda: int(count.read_text())


def test_the_environment_is_the_default_and_read_each_time(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-one")
    assert KeySource().kind == "env" and current_key() == "sk-env-one"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-two")
    assert current_key(KeySource()) == "sk-env-two" and refetch_key(None, "sk-env-one") == "sk-env-two"
    monkeypatch.delenv("OPENAI_API_KEY")
    assert current_key() is None


def test_a_file_gives_its_first_line_and_is_read_once_until_a_refetch(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-not-used")
    f = tmp_path / "key"
    f.write_text("\n  sk-file-one  \nsecond line\n")
    source = KeySource(file=str(f))
    source.check()
    assert current_key(source) == "sk-file-one"
    f.write_text("sk-file-two\n")
    assert current_key(source) == "sk-file-one"  # kept in memory: one read per process
    assert refetch_key(source, "sk-file-one") == "sk-file-two"  # rotation reads it again
    assert refetch_key(source, "sk-file-one") == "sk-file-two"  # a second call refused with the old key: no new read
    with pytest.raises(KeyUnavailable, match="is not a file"):
        KeySource(file=str(tmp_path / "missing")).check()
    (tmp_path / "empty").write_text("\n\n")
    with pytest.raises(KeyUnavailable, match="gave no API key"):
        current_key(KeySource(file=str(tmp_path / "empty")))


def test_a_command_is_run_once_and_again_after_a_401(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-reach-the-command")
    command, runs = counting_command(tmp_path, "sk-command-one", "sk-command-two")
    source = KeySource(command=command)
    assert [current_key(source) for _ in range(3)] == ["sk-command-one"] * 3 and runs() == 1
    assert refetch_key(source, "sk-command-one") == "sk-command-two" and runs() == 2
    # the command runs without our key in its environment
    probe = KeySource(command=f"{sys.executable} -c \"import os; print(os.environ.get('OPENAI_API_KEY', 'absent'))\"")
    assert current_key(probe) == "absent"


def test_calls_refused_with_the_same_key_share_one_fetch(tmp_path):
    command, runs = counting_command(tmp_path, "sk-old-key-000", "sk-new-key-111", "sk-newer-key-222")
    source = KeySource(command=command)
    assert current_key(source) == "sk-old-key-000"
    got: list[str | None] = []
    threads = [threading.Thread(target=lambda: got.append(refetch_key(source, "sk-old-key-000"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == ["sk-new-key-111"] * 8 and runs() == 2


def test_a_failing_command_is_one_line(tmp_path):
    with pytest.raises(KeyUnavailable) as caught:
        current_key(KeySource(command="echo 'vault: permission denied' >&2; echo more >&2; exit 3"))
    assert str(caught.value) == "api_key_command failed (exit 3): more"
    with pytest.raises(KeyUnavailable, match="gave no API key"):
        current_key(KeySource(command="true"))
    assert KeySource(command="op read 'op://Team/OpenAI/credential'").describe() == "api_key_command (op ...)"


def test_the_keyring(tmp_path):
    ring = MemoryKeyring({("autodevos", "openai"): "sk-keyring-one"})
    with using_keyring(ring):
        source = KeySource(keyring="autodevos:openai")
        source.check()
        assert current_key(source) == "sk-keyring-one"
        ring.set_password("autodevos", "openai", "sk-keyring-two")
        assert refetch_key(source, "sk-keyring-one") == "sk-keyring-two"
        with pytest.raises(KeyUnavailable, match="has no such entry"):
            current_key(KeySource(keyring="autodevos:nobody"))
    with pytest.raises(KeyUnavailable, match="SERVICE:USERNAME"):
        KeySource(keyring="autodevos")


def test_no_keyring_backend_or_library_is_one_line(monkeypatch):
    from keyring.backends import fail

    with using_keyring(fail.Keyring()):
        with pytest.raises(KeyUnavailable, match="finds no keyring backend on this machine"):
            KeySource(keyring="autodevos:openai").check()
    monkeypatch.setitem(sys.modules, "keyring", None)  # as if it were not installed
    with pytest.raises(KeyUnavailable, match=r"needs the keyring library, which is not installed: pip install 'autodevos\[keyring\]'"):
        KeySource(keyring="autodevos:openai").check()


def test_one_place_at_most_and_it_replaces_the_environment(tmp_path, monkeypatch):
    with pytest.raises(KeyUnavailable, match="one place only; got --api-key-file and api_key_command"):
        KeySource(file="k", command="pass show openai")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    f = tmp_path / "key"
    f.write_text("sk-x\n")
    check_model("openai:gpt-4.1-mini", None, KeySource(file=str(f)))  # no OPENAI_API_KEY needed
    with pytest.raises(KeyUnavailable, match="is not a file"):
        check_model("openai:gpt-4.1-mini", None, KeySource(file=str(tmp_path / "nope")))


def test_the_settings_name_the_source_never_the_key(tmp_path):
    f = tmp_path / "key"
    f.write_text("sk-secret-in-file\n")
    s = RunSettings(request="r", api_key_file=str(f), api_key_command=None)
    assert s.key_source() == KeySource(file=str(f))
    stored = s.stored()
    assert stored["api_key_file"] == str(f.resolve()) and "sk-secret-in-file" not in str(stored)
    assert RunSettings(request="r", api_key_command="pass show openai").key_source().kind == "command"
    with pytest.raises(KeyUnavailable, match="one place only"):
        RunSettings(request="r", api_key_file="a", api_key_keyring="s:u").key_source()
