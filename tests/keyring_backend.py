"""A keyring backend for tests: the keyring library's interface over a dict (this machine has no
Secret Service), set for a block with `using_keyring`, or for a child process with
PYTHON_KEYRING_BACKEND=tests.keyring_backend.FileKeyring and KEYRING_FILE=path (one JSON object)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self, entries: dict[tuple[str, str], str] | None = None):
        super().__init__()
        self.entries = dict(entries or {})

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


class FileKeyring(KeyringBackend):
    """Entries in the JSON file KEYRING_FILE names: {"service:username": "secret"}."""

    priority = 1  # type: ignore[assignment]

    def _entries(self) -> dict[str, str]:
        path = Path(os.environ["KEYRING_FILE"])
        return json.loads(path.read_text()) if path.is_file() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._entries().get(f"{service}:{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = {**self._entries(), f"{service}:{username}": password}
        Path(os.environ["KEYRING_FILE"]).write_text(json.dumps(entries))

    def delete_password(self, service: str, username: str) -> None:
        entries = self._entries()
        entries.pop(f"{service}:{username}", None)
        Path(os.environ["KEYRING_FILE"]).write_text(json.dumps(entries))


@contextlib.contextmanager
def using_keyring(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    """The keyring library uses `backend` inside the block."""
    before = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(before)
