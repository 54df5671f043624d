"""A typed set of generated files, and the only way files reach the disk.

Every path is checked before anything is written: relative, no `..`, no device or reserved
names, no case collisions, and once resolved it must stay inside the output folder (no symlink
may lead out of it). Writes are atomic (temp file + fsync + rename), so a crash leaves either
the old file or the new one, never half of one; writing the same set twice is a no-op.
"""

from __future__ import annotations

import glob
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

MAX_PATH = 240
MAX_PART = 120
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_SAFE_PART = re.compile(r"^[A-Za-z0-9._@+-][A-Za-z0-9._@+ -]*$")


class UnsafePathError(ValueError):
    """A generated path that would be written outside the output folder, or is not portable."""


def check_relpath(path: str) -> str:
    """Return the normalised POSIX form of a generated path, or raise UnsafePathError."""
    if not isinstance(path, str) or not path.strip():
        raise UnsafePathError("empty file path")
    if "\x00" in path or "\\" in path:
        raise UnsafePathError(f"file path {path!r} has a backslash or NUL")
    if len(path) > MAX_PATH:
        raise UnsafePathError(f"file path {path[:40]!r}... is longer than {MAX_PATH} characters")
    p = PurePosixPath(path)
    if p.is_absolute() or re.match(r"^[A-Za-z]:", path):
        raise UnsafePathError(f"file path {path!r} is absolute")
    for part in p.parts:
        if part in ("..", "."):
            raise UnsafePathError(f"file path {path!r} leaves its folder")
        if len(part) > MAX_PART:
            raise UnsafePathError(f"file path {path!r} has a name longer than {MAX_PART} characters")
        if not _SAFE_PART.match(part) or part.endswith((" ", ".")):
            raise UnsafePathError(f"file path {path!r} has an unsafe name {part!r}")
        if part.split(".")[0].lower() in _WINDOWS_DEVICES:
            raise UnsafePathError(f"file path {path!r} uses the device name {part!r}")
    if p.parts[0] == ".git":
        raise UnsafePathError(f"file path {path!r} writes into .git")
    return p.as_posix()


class FileSet(Mapping[str, str]):
    """Relative path -> text. Refuses bad paths and case-colliding paths on entry."""

    def __init__(self, files: Mapping[str, str] | None = None):
        self._files: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        for path, text in (files or {}).items():
            self[path] = text

    def __setitem__(self, path: str, text: str) -> None:
        norm = check_relpath(path)
        if not isinstance(text, str):
            raise TypeError(f"content of {norm!r} is not text")
        other = self._folded.get(norm.lower())
        if other is not None and other != norm:
            raise UnsafePathError(f"file paths {other!r} and {norm!r} differ only in case")
        self._folded[norm.lower()] = norm
        self._files[norm] = text

    def __getitem__(self, path: str) -> str:
        return self._files[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def update(self, other: Mapping[str, str]) -> None:
        for path, text in other.items():
            self[path] = text


def resolve_inside(root: Path, rel: str) -> Path:
    """The absolute target of rel under root; refuses anything that resolves outside root."""
    root_real = root.resolve()
    target = (root_real / check_relpath(rel)).resolve()
    if target != root_real and root_real not in target.parents:
        raise UnsafePathError(f"file path {rel!r} resolves outside the output folder")
    return target


def write_files(root: Path, files: Mapping[str, str]) -> list[str]:
    """Write every file atomically under root; return the paths whose content changed.

    All paths are checked before the first byte is written.
    """
    targets = {rel: resolve_inside(root, rel) for rel in files}
    changed: list[str] = []
    for rel, target in targets.items():
        data = files[rel].encode("utf-8")
        try:
            if target.read_bytes() == data:
                continue
        except FileNotFoundError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        # re-check after mkdir: a symlinked folder created meanwhile must not lead outside
        resolve_inside(root, rel)
        _atomic_write(target, data)
        changed.append(rel)
    return changed


def clean_temps(root: Path, paths: list[str]) -> None:
    """Remove what writes of these paths left when a kill cut them short, whether or not they are written again."""
    for rel in paths:
        target = resolve_inside(root, rel)
        if target.parent.is_dir():
            _remove_stale_temps(target)


def _remove_stale_temps(target: Path) -> None:
    """Temp files of an earlier write of target that a kill cut short (ours: .NAME.XXXXXXXX.tmp)."""
    for stale in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        if re.fullmatch(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}\.tmp", stale.name):
            try:
                stale.unlink()
            except FileNotFoundError:
                pass


def _atomic_write(target: Path, data: bytes) -> None:
    try:
        mode = target.stat().st_mode & 0o777  # keep the mode of a file that is there
    except FileNotFoundError:
        mode = 0o644  # mkstemp makes 0600; a generated file is an ordinary file
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
