"""Where the API key comes from, and fetching it again when the server says it is no longer good.

A `KeySource` names where the key is kept, never the key itself, so it can be stored with a run and
read again on resume:

- the environment (`OPENAI_API_KEY`), the default;
- a file (`--api-key-file`): its first line;
- the OS keyring (`--api-key-keyring SERVICE:USERNAME`), through the optional `keyring` library;
- a command (`api_key_command` in the config): the first line it prints. It runs through `sh -c`,
  so it can be what a team already types: `vault kv get -field=api_key secret/openai`,
  `op read op://Engineering/OpenAI/credential`, `pass show openai/api-key`.

At most one of file, keyring and command may be given; then the environment is not read.

A key fetched from a file, the keyring or a command is kept in this process's memory only (one
fetch per source, however many agents ask), never in the environment, so no child process sees
it. `refetch` is rotation: after a 401 the client asks for the key again, once; calls that failed
with the same old key share that one fetch.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from autodevos.agents.llm import ModelError

ENV_VAR = "OPENAI_API_KEY"
COMMAND_TIMEOUT = 60.0
"""Seconds a key command may take (a vault login prompt would otherwise hang the run)."""


class KeyUnavailable(ModelError):
    """The key could not be had from where the settings say it is; the message is one line and says what to do."""


@dataclass(frozen=True)
class KeySource:
    """Where the API key is kept (never the key)."""

    file: str | None = None
    """A file whose first line is the key."""
    command: str | None = None
    """A shell command that prints the key."""
    keyring: str | None = None
    """SERVICE:USERNAME of the key in the OS keyring."""

    def __post_init__(self) -> None:
        given = [name for name, value in (("--api-key-file", self.file), ("api_key_command", self.command),
                                          ("--api-key-keyring", self.keyring)) if value]
        if len(given) > 1:
            raise KeyUnavailable(f"the API key can come from one place only; got {' and '.join(given)}")
        if self.keyring and not _keyring_entry(self.keyring):
            raise KeyUnavailable(f"--api-key-keyring {self.keyring!r}: write it as SERVICE:USERNAME, e.g. autodevos:openai")

    @property
    def kind(self) -> str:
        """env | file | keyring | command"""
        return "file" if self.file else "command" if self.command else "keyring" if self.keyring else "env"

    def describe(self) -> str:
        """Where the key comes from, for messages (the command's first word only: its arguments may name paths)."""
        if self.file:
            return f"the file {self.file}"
        if self.command:
            word = (shlex.split(self.command, posix=True) or ["?"])[0] if _splits(self.command) else "the command"
            return f"api_key_command ({word} ...)"
        if self.keyring:
            return f"the keyring entry {self.keyring}"
        return ENV_VAR

    def check(self) -> None:
        """Fail before a run starts when the source cannot work (no such file, no keyring library or
        backend). The command is not run here: it runs when the first call needs the key."""
        if self.file:
            path = Path(self.file).expanduser()
            if not path.is_file():
                raise KeyUnavailable(f"--api-key-file {self.file} is not a file")
            if not os.access(path, os.R_OK):
                raise KeyUnavailable(f"--api-key-file {self.file} is not readable")
        elif self.keyring:
            _keyring_backend()

    def fetch(self) -> str | None:
        """The key as the source holds it now (blocking); None when the environment has none."""
        if self.file:
            return _first_line(_read_file(self.file), self.describe())
        if self.command:
            return _first_line(_run(self.command), self.describe())
        if self.keyring:
            return _from_keyring(self.keyring)
        return os.environ.get(ENV_VAR) or None


ENV = KeySource()

_KEYS: dict[KeySource, str] = {}
_LOCK = threading.Lock()


def current_key(source: KeySource | None = None) -> str | None:
    """The key of source: fetched once per process (the environment is read each time)."""
    source = source or ENV
    if source.kind == "env":
        return source.fetch()
    with _LOCK:
        if source not in _KEYS:
            _KEYS[source] = source.fetch() or ""
        return _KEYS[source] or None


def refetch_key(source: KeySource | None, stale: str) -> str | None:
    """After the server refused `stale` (401): the key fetched again. When another call has
    fetched it again already (the kept key is not `stale` any more), that one, with no new fetch."""
    source = source or ENV
    if source.kind == "env":
        return source.fetch()
    with _LOCK:
        kept = _KEYS.get(source)
        if kept and kept != stale:
            return kept
        _KEYS[source] = source.fetch() or ""
        return _KEYS[source] or None


def forget_keys() -> None:
    """Drop the keys kept in memory (tests; a long-lived server that wants a fresh fetch)."""
    with _LOCK:
        _KEYS.clear()


# --- the sources --------------------------------------------------------------------------------


def _read_file(name: str) -> str:
    try:
        return Path(name).expanduser().read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyUnavailable(f"--api-key-file {name} is not there") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyUnavailable(f"--api-key-file {name} cannot be read: {getattr(exc, 'strerror', None) or type(exc).__name__}") from None


def _run(command: str) -> str:
    """The command's standard output. Its environment is ours without OPENAI_API_KEY; no terminal input."""
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    try:
        done = subprocess.run(["/bin/sh", "-c", command], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise KeyUnavailable(f"api_key_command gave no key within {COMMAND_TIMEOUT:g} s") from None
    except OSError as exc:
        raise KeyUnavailable(f"api_key_command could not start: {exc.strerror or exc}") from None
    if done.returncode != 0:
        said = [line.strip() for line in (done.stderr or "").splitlines() if line.strip()]
        tail = f": {said[-1][:200]}" if said else ""
        raise KeyUnavailable(f"api_key_command failed (exit {done.returncode}){tail}")
    return done.stdout


def _first_line(text: str, where: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if not line:
        raise KeyUnavailable(f"{where} gave no API key (it is empty)")
    return line


def _keyring_entry(name: str) -> tuple[str, str] | None:
    service, sep, user = name.partition(":")
    return (service, user) if sep and service and user else None


def _keyring_backend():
    """The keyring library's backend, or one line on why there is none."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        raise KeyUnavailable("--api-key-keyring needs the keyring library, which is not installed: "
                             "pip install 'autodevos[keyring]' (or use --api-key-file or api_key_command)") from None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        raise KeyUnavailable("--api-key-keyring: the keyring library finds no keyring backend on this machine "
                             "(no Secret Service, KWallet or macOS Keychain); use --api-key-file or api_key_command") from None
    return backend


def _from_keyring(name: str) -> str:
    entry = _keyring_entry(name)
    assert entry is not None  # KeySource checked it
    backend = _keyring_backend()
    try:
        key = backend.get_password(*entry)
    except Exception as exc:  # a locked or broken backend: its own error, on one line
        raise KeyUnavailable(f"--api-key-keyring {name}: the keyring refused ({type(exc).__name__}: "
                             f"{' '.join(str(exc).split())[:160]})") from None
    if not key:
        raise KeyUnavailable(f"--api-key-keyring {name}: the keyring has no such entry "
                             f"(keyring set {shlex.quote(entry[0])} {shlex.quote(entry[1])})")
    return key.strip()


def _splits(command: str) -> bool:
    try:
        shlex.split(command)
    except ValueError:
        return False
    return True
