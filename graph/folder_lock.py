"""One writer per output folder: an OS lock on the folder, held while a run, resume or improve writes there.

The lock is `flock` on the folder itself, so it is shared by every process on the machine whatever
its --db or home folder, leaves no file in the app, and the kernel drops it when its process ends
(kill -9 included): a stale lock cannot exist. Who holds it is written beside it, in a small file
under the cache folder (AUTODEVOS_CACHE, default ~/.cache/autodevos/locks), so the one-line
refusal can name the holder; /proc/locks names the process when that file is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

POLL = 0.2
"""Seconds between tries while waiting for the folder (polling keeps the wait cancellable by Ctrl-C)."""


class FolderBusy(RuntimeError):
    """Another process writes into the folder; the message names it and says what to do."""


def _lock_dir() -> Path:
    return Path(os.environ.get("AUTODEVOS_CACHE", Path.home() / ".cache" / "autodevos")) / "locks"


def _holder_file(folder: Path) -> Path:
    return _lock_dir() / (hashlib.sha256(str(folder).encode("utf-8", "surrogateescape")).hexdigest()[:32] + ".json")


def _open_folder(folder: Path) -> int:
    return os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _write_holder(folder: Path, what: str) -> Path | None:
    """Say who holds the folder (best effort: the lock itself does not depend on it)."""
    path = _holder_file(folder)
    info = {"pid": os.getpid(), "host": socket.gethostname(), "what": what, "since": time.time(), "folder": str(folder)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(info), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        return None
    return path


def _forget_holder(path: Path | None) -> None:
    if path is None:
        return
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def _kernel_holders(folder: Path) -> set[int]:
    """The processes /proc/locks says hold an flock on the folder (Linux; empty elsewhere)."""
    try:
        st = folder.stat()
        wanted = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return set()
    pids = set()
    for line in lines:
        parts = line.split()
        if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5] == wanted and parts[4].isdigit():
            pids.add(int(parts[4]))
    return pids


def holder(folder: Path) -> str:
    """Who holds the folder, as the refusal says it: 'run 3f2a9c1b7d4e (process 123 on host, since 12:00:01)'."""
    folder = folder.resolve()
    pids = _kernel_holders(folder)
    try:
        info = json.loads(_holder_file(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = {}
    if info and (not pids or info.get("pid") in pids):
        since = time.strftime("%H:%M:%S", time.localtime(info.get("since") or 0))
        return f"{info.get('what') or 'a run'} (process {info.get('pid')} on {info.get('host')}, since {since})"
    if pids:
        return f"process {', '.join(map(str, sorted(pids)))}"
    return "another process"


@contextlib.asynccontextmanager
async def hold_folder(folder: str | Path, what: str, wait: bool = False) -> AsyncIterator[None]:
    """Hold the output folder's lock while inside (the folder must exist). Taken: goes on at once;
    held by another process: FolderBusy naming it, or with wait=True, waits until it is free."""
    where = Path(folder).resolve()
    fd = await asyncio.to_thread(_open_folder, where)
    try:
        while not await asyncio.to_thread(_try_lock, fd):
            if not wait:
                raise FolderBusy(f"{holder(where)} is already running in {where}; "
                                 "wait for it to end, or pass --wait to start when it does")
            await asyncio.sleep(POLL)
        mine = await asyncio.to_thread(_write_holder, where, what)
        try:
            yield
        finally:
            _forget_holder(mine)  # no await here: a Ctrl-C may be cancelling this task
    finally:
        os.close(fd)  # closing the last descriptor drops the flock
