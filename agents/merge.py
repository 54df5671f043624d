"""What to write when a file is generated into a folder the user may have edited: a three-way merge.

base = what AutoDevOS last generated at that path (recorded in the run database), ours = the
file on disk now (the user's), theirs = the new generation. Pure functions: texts in, decision out.
"""

from __future__ import annotations

from dataclasses import dataclass

from merge3 import Merge3

OURS_LABEL = "yours (edited)"
BASE_LABEL = "last generated"
THEIRS_LABEL = "generated now"

OUTCOMES = ("new", "same", "updated", "kept", "merged", "conflict", "kept-deleted", "restored")
"""new: no file yet; same: already the new content; updated: not edited, replaced; kept: edited by
the user and the generation did not change, left alone; merged: both changed, merged cleanly;
conflict: both changed the same lines, conflict markers written; kept-deleted: the user deleted
it and the generation did not change; restored: the user deleted it but the generation changed."""


@dataclass(frozen=True)
class Placement:
    """What to do with one generated path."""

    outcome: str
    content: str | None
    """The text to put on disk, or None to leave the disk as it is."""


def three_way(base: str, ours: str, theirs: str) -> tuple[str, bool]:
    """Merge ours and theirs against base, line by line. Returns (text, had_conflicts)."""
    merger = Merge3(base.splitlines(keepends=True), ours.splitlines(keepends=True), theirs.splitlines(keepends=True))
    lines = list(merger.merge_lines(name_a=OURS_LABEL, name_b=THEIRS_LABEL, name_base=BASE_LABEL,
                                    base_marker="|||||||"))
    conflict = any(kind == "conflict" for kind, *_ in merger.merge_regions())
    text = "".join(line if line.endswith("\n") or i == len(lines) - 1 else line + "\n" for i, line in enumerate(lines))
    return text, conflict


def place(theirs: str, ours: str | None, base: str | None) -> Placement:
    """Decide what one path gets. ours is None when the file is not on disk; base is None when
    AutoDevOS never generated this path into this folder."""
    if ours is None:
        if base is not None and theirs == base:
            return Placement("kept-deleted", None)
        return Placement("new" if base is None else "restored", theirs)
    if ours == theirs:
        return Placement("same", None)
    if base is None:  # a file that was there before AutoDevOS: keep both sides, let the user choose
        text, _ = three_way("", ours, theirs)
        return Placement("conflict", text)
    if ours == base:
        return Placement("updated", theirs)
    if theirs == base:
        return Placement("kept", None)
    text, conflict = three_way(base, ours, theirs)
    return Placement("conflict" if conflict else "merged", text)
