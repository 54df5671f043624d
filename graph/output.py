"""A task's files into the output folder: merged with the user's edits, idempotent across crashes.

Each path is decided by agents.merge.place (base = what was last generated there, from the run
database). The decision is recorded before the disk is touched and becomes the next base only
after the files are written, so a run killed in between finds, on resume, either the user's file
(and decides again, the same way) or the very content it decided on (and leaves it).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from autodevos.agents.files import clean_temps, resolve_inside, write_files
from autodevos.agents.merge import Placement, place
from autodevos.graph.store import RunStore, content_hash

NOTABLE = ("conflict", "merged", "kept", "kept-deleted", "restored")
"""Outcomes worth telling the user about (the rest: new, same, updated)."""


def _read_disk(out_dir: Path, paths: list[str]) -> dict[str, str | bytes | None]:
    found: dict[str, str | bytes | None] = {}
    for path in paths:
        try:
            data = resolve_inside(out_dir, path).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            found[path] = None
            continue
        try:
            found[path] = data.decode("utf-8")
        except UnicodeDecodeError:
            found[path] = data  # not text: never merged, never overwritten
    return found


def _decide(store: RunStore, files: dict[str, str], rows: dict[str, dict[str, Any]], disk: dict[str, Any]) -> dict[str, Placement]:
    decided: dict[str, Placement] = {}
    for path, theirs in files.items():
        row, ours = rows.get(path) or {}, disk[path]
        if isinstance(ours, bytes):
            decided[path] = Placement("conflict", None)
            continue
        # a write decided and done, but not recorded (a crash in between)
        done_not_recorded = ours is not None and row.get("next_digest") and content_hash(ours) == row.get("next_written")
        if done_not_recorded and row["next_digest"] == content_hash(theirs):
            decided[path] = Placement(row.get("next_outcome") or "same", None)  # the same write again: it is there
            continue
        # the base is the last generation on disk: that unrecorded write's, if there was one
        digest = row.get("next_digest") if done_not_recorded else row.get("digest")
        base = None
        if digest:
            try:
                base = store.get_blob(digest)
            except KeyError:
                base = None
        decided[path] = place(theirs, ours, base)
    return decided


async def place_files(store: RunStore, out_dir: Path, thread_id: str, files: dict[str, str]):
    """Write files under out_dir, merging with edits. Returns (notable outcomes: kind -> paths,
    a store write that makes this generation the base of the next merge; submit it once done)."""
    paths = list(files)
    rows = await asyncio.to_thread(store.generated, str(out_dir), paths)
    disk = await asyncio.to_thread(_read_disk, out_dir, paths)
    decided = await asyncio.to_thread(_decide, store, files, rows, disk)
    intents: dict[str, tuple[str, str | None, str]] = {}
    for path, placement in decided.items():
        final = placement.content if placement.content is not None else disk[path]
        written = None if final is None else content_hash(final) if isinstance(final, str) else None
        intents[path] = (content_hash(files[path]), written, placement.outcome)
    await store.write(store.intend_writes(str(out_dir), thread_id, intents))
    await asyncio.to_thread(clean_temps, out_dir, paths)
    await asyncio.to_thread(write_files, out_dir, {p: d.content for p, d in decided.items() if d.content is not None})
    notable: dict[str, list[str]] = {}
    for path, placement in sorted(decided.items()):
        if placement.outcome in NOTABLE:
            notable.setdefault(placement.outcome, []).append(path)
    return notable, store.commit_writes(str(out_dir), paths)


def remove_if_unchanged(out_dir: Path, expected: dict[str, str | None]) -> list[str]:
    """Delete each file whose content still has the expected hash (nobody edited it); return those deleted."""
    removed = []
    for path, digest in expected.items():
        if not digest:
            continue
        try:
            target = resolve_inside(out_dir, path)
            if content_hash(target.read_text(encoding="utf-8")) == digest:
                target.unlink()
                removed.append(path)
        except (OSError, UnicodeDecodeError, ValueError):
            continue
    return removed


def drop_stale(out_dir: Path, made_before: dict[str, str | None], made_now: set[str]) -> tuple[list[str], list[str], list[str]]:
    """What an agent generated in out_dir before and does not generate now: removed when it is still as
    generated (or already gone), kept when the user edited it. Returns (removed, kept, forget: the
    paths that are no merge base any more)."""
    removed, kept, forget = [], [], []
    for path, digest in sorted(made_before.items()):
        if path in made_now:
            continue
        try:
            target = resolve_inside(out_dir, path)
        except ValueError:
            continue
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            forget.append(path)  # gone already (a crash after the delete, or the user removed it)
            continue
        except OSError:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None  # not text: not what was generated
        if digest and text is not None and content_hash(text) == digest:
            target.unlink()
            removed.append(path)
            forget.append(path)
        else:
            kept.append(path)
    return removed, kept, forget
