"""The merge decision for one generated path: base (last generated), ours (disk), theirs (new)."""

from __future__ import annotations

import pytest
from autodevos.agents.merge import place, three_way

BASE = "".join(f"line {i}\n" for i in range(1, 11))


def edit(text: str, n: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[n - 1] = new + "\n"
    return "".join(lines)


@pytest.mark.parametrize(
    ("theirs", "ours", "base", "outcome", "content"),
    [
        (BASE, None, None, "new", BASE),  # nothing on disk yet
        (BASE, BASE, BASE, "same", None),
        (edit(BASE, 2, "gen"), BASE, BASE, "updated", edit(BASE, 2, "gen")),  # not edited: replaced
        (BASE, edit(BASE, 9, "mine"), BASE, "kept", None),  # edited, generation unchanged: left alone
        (edit(BASE, 2, "gen"), edit(BASE, 9, "mine"), BASE, "merged", edit(edit(BASE, 2, "gen"), 9, "mine")),
        (BASE, None, BASE, "kept-deleted", None),  # deleted by the user, generation unchanged
        (edit(BASE, 2, "gen"), None, BASE, "restored", edit(BASE, 2, "gen")),
        (edit(BASE, 2, "gen"), edit(BASE, 2, "gen"), BASE, "same", None),  # both made the same change
    ],
)
def test_placement(theirs, ours, base, outcome, content):
    placed = place(theirs, ours, base)
    assert (placed.outcome, placed.content) == (outcome, content)


def test_conflict_keeps_both_sides_and_the_base_between_markers():
    placed = place(edit(BASE, 5, "gen five"), edit(BASE, 5, "my five"), BASE)
    assert placed.outcome == "conflict"
    text = placed.content
    assert "<<<<<<< yours (edited)\nmy five\n||||||| last generated\nline 5\n=======\ngen five\n>>>>>>> generated now\n" in text
    assert text.startswith("line 1\n") and text.endswith("line 10\n")  # the rest is untouched


def test_a_file_that_was_there_before_is_never_overwritten():
    placed = place("generated\n", "the user's own file\n", None)
    assert placed.outcome == "conflict"
    assert "the user's own file" in placed.content and "generated" in placed.content


def test_merge_without_final_newline_does_not_glue_lines():
    text, conflict = three_way("a\nb", "a\nb\nc", "z\na\nb")
    assert not conflict
    assert text == "z\na\nb\nc"
