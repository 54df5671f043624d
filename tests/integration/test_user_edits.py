"""A folder AutoDevOS generated, then edited by its user, generated again: the user's edits are
merged with the new generation (three-way, base = what was last generated, from the run
database); a clash gets conflict markers and is reported; nothing is silently lost."""

from __future__ import annotations

import asyncio
import difflib
import json
from pathlib import Path

from autodevos.agents.extract import extract_spec
from autodevos.agents.render import render_app
from autodevos.graph.output import place_files
from autodevos.graph.store import open_store
from autodevos.main import app
from typer.testing import CliRunner

FIRST = "A todo app with users and tasks"
SECOND = "A todo app with users, tasks and tags"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def changed_lines(old: str, new: str) -> set[int]:
    """0-based line numbers of old that the new text replaces or inserts next to."""
    out: set[int] = set()
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, old.splitlines(), new.splitlines()).get_opcodes():
        if tag != "equal":
            out.update(range(max(i1 - 1, 0), i2 + 1))
    return out


def pick_edits(before: dict[str, str], after: dict[str, str]) -> tuple[str, int, str, int]:
    """(file, line) for a clean edit far from the generator's changes, and (file, line) for an
    edit of a line the generator changes too."""
    changed = {p: changed_lines(before[p], after[p]) for p in before if p in after and before[p] != after[p] and p.endswith(".ts")}
    conflict_file = next(p for p in sorted(changed) if any(i < len(before[p].splitlines()) for i in changed[p]))
    conflict_line = min(i for i in changed[conflict_file] if i < len(before[conflict_file].splitlines()))
    for path in sorted(changed):
        if path == conflict_file:
            continue
        n = len(before[path].splitlines())
        far = [i for i in range(n) if all(abs(i - c) > 3 for c in changed[path])]
        if far:
            return path, far[0], conflict_file, conflict_line
    raise AssertionError("no file with a line far from the generator's changes")


def edit_line(path: Path, line: int, text: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[line] = text + "\n"
    path.write_text("".join(lines))


def test_rerun_with_a_changed_request_merges_the_users_edits(tmp_path):
    db, out = tmp_path / "db.sqlite", tmp_path / "app"
    assert invoke("run", FIRST, "--out", str(out), "--db", str(db), "--no-verify").exit_code == 0
    before, after = render_app(extract_spec(FIRST)), render_app(extract_spec(SECOND))
    clean_file, clean_line, conflict_file, conflict_line = pick_edits(before, after)
    edit_line(out / clean_file, clean_line, "// my clean edit")
    edit_line(out / conflict_file, conflict_line, "// my clashing edit")

    result = invoke("run", SECOND, "--out", str(out), "--db", str(db), "--no-verify", "--json")  # no --force needed
    assert result.exit_code == 0, result.output
    clean = (out / clean_file).read_text()
    assert "// my clean edit" in clean  # the edit is kept, and so is the new generation:
    merged_lines = clean.splitlines()
    for line in after[clean_file].splitlines():
        if line not in before[clean_file].splitlines():
            assert line in merged_lines  # every line the generator added is there
    conflicted = (out / conflict_file).read_text()
    assert "<<<<<<< yours (edited)" in conflicted and ">>>>>>> generated now" in conflicted
    assert "// my clashing edit" in conflicted  # the user's side
    assert '"conflict"' in result.output and conflict_file in result.output
    assert clean_file in result.output  # reported as merged

    # nothing silently lost: every other file is exactly the new generation, but for the schema's
    # history: the first migration stays as it was, and the change is the next one
    for path, text in after.items():
        if path not in (clean_file, conflict_file) and not path.startswith("backend/drizzle/"):
            assert (out / path).read_text() == text, path
    assert (out / "backend/drizzle/0000_init.sql").read_text() == before["backend/drizzle/0000_init.sql"]
    assert len(list((out / "backend/drizzle").glob("0001_*.sql"))) == 1


def test_improve_plans_only_the_touched_tasks_and_keeps_edits(tmp_path):
    db, out = tmp_path / "db.sqlite", tmp_path / "app"
    assert invoke("run", FIRST, "--out", str(out), "--db", str(db), "--no-verify").exit_code == 0
    dockerfile = out / "backend" / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text() + "# my note\n")  # an edit in a file no task of the change writes
    readme = out / "README.md"
    readme.write_text("My own intro.\n\n" + readme.read_text())

    result = invoke("improve", str(out), "add a field priority (low/medium/high) to task", "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    planned = set(json.loads(result.stdout)["tasks"])
    assert "devops" not in planned and {"backend", "frontend", "tests", "docs"} <= planned
    assert dockerfile.read_text().endswith("# my note\n")
    text = readme.read_text()
    assert text.startswith("My own intro.\n")
    assert "priority" in (out / "backend" / "src" / "types.ts").read_text()


def test_improve_refuses_what_it_cannot_act_on(tmp_path):
    db, out = tmp_path / "db.sqlite", tmp_path / "app"
    other = tmp_path / "other"
    other.mkdir()
    assert invoke("run", FIRST, "--out", str(out), "--db", str(db), "--no-verify").exit_code == 0
    r = invoke("improve", str(other), "add a field x to task", "--db", str(db))
    assert r.exit_code == 2 and "was not generated by AutoDevOS" in r.output
    r = invoke("improve", str(out), "make it nicer", "--db", str(db))
    assert r.exit_code == 2 and "leaves the app as it is" in r.output


async def write(store, out: Path, files: dict[str, str], commit: bool):
    """A task's write step: contents stored, files placed, and (unless the process "dies") recorded."""
    _, put = store.blob_rows(files)
    await store.write(put)
    placed, done = await place_files(store, out, "t", files)
    if commit:
        await store.write(done)
    return placed


def test_a_crash_between_deciding_and_recording_does_not_merge_twice(tmp_path):
    """The write is decided, the files written, then the process dies before the new base is
    recorded: deciding again finds the files it decided on and leaves them (no nested markers)."""
    store = open_store(tmp_path / "db.sqlite")
    out = tmp_path / "out"
    out.mkdir()

    base = "".join(f"{i}\n" for i in range(10))
    asyncio.run(write(store, out, {"a.txt": base}, commit=True))
    (out / "a.txt").write_text(base.replace("5\n", "mine\n"))
    theirs = base.replace("5\n", "gen\n")
    first = asyncio.run(write(store, out, {"a.txt": theirs}, commit=False))  # "crash" before the commit
    text = (out / "a.txt").read_text()
    again = asyncio.run(write(store, out, {"a.txt": theirs}, commit=True))  # the resumed task
    assert first == again == {"conflict": ["a.txt"]}
    assert (out / "a.txt").read_text() == text and text.count("<<<<<<<") == 1
    (out / "a.txt").write_text(text.replace("<<<<<<< yours (edited)\nmine\n||||||| last generated\n5\n=======\ngen\n>>>>>>> generated now\n", "both\n"))
    later = asyncio.run(write(store, out, {"a.txt": theirs}, commit=True))  # resolved by the user, same generation: kept
    assert later == {"kept": ["a.txt"]} and "both\n" in (out / "a.txt").read_text()


def test_a_new_generation_after_an_unrecorded_write_is_no_conflict(tmp_path):
    """A write was decided and done, the process died before it was recorded, and then a different
    generation comes (a new run, not a resume): the base is what that write put there, not older."""
    store = open_store(tmp_path / "db.sqlite")
    out = tmp_path / "out"
    out.mkdir()

    asyncio.run(write(store, out, {"a.txt": "one\n"}, commit=False))  # first generation, "crash" before recording
    placed = asyncio.run(write(store, out, {"a.txt": "two\n"}, commit=True))
    assert placed == {} and (out / "a.txt").read_text() == "two\n"  # updated, nobody had edited it


def test_a_folder_removed_since_it_was_generated_is_generated_afresh(tmp_path):
    import shutil

    db, out = tmp_path / "db.sqlite", tmp_path / "app"
    assert invoke("run", FIRST, "--out", str(out), "--db", str(db), "--no-verify").exit_code == 0
    (out / "README.md").unlink()  # one file deleted on purpose: left deleted by the next run
    result = invoke("run", FIRST, "--out", str(out), "--db", str(db), "--no-verify", "--json")
    assert result.exit_code == 0 and not (out / "README.md").exists()
    shutil.rmtree(out)  # the whole folder removed: nothing of the user's is left, so nothing counts as deleted by them
    result = invoke("run", SECOND, "--out", str(out), "--db", str(db), "--no-verify", "--json")
    assert result.exit_code == 0, result.output
    assert "kept-deleted" not in result.output
    for path, text in render_app(extract_spec(SECOND)).items():
        assert (out / path).read_text() == text, path
