"""A changed request on the same folder (issue 17, item 3): the files the new generation no longer
makes are removed when nobody edited them; edited ones are kept and listed; what is left is the new
app's file set (so no stale entity file can break its typecheck), and the schema's history with the
migration to the new app (item 2). Another app's request drops the old tables: it is refused unless
the run allows data loss."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from autodevos.agents.render import render_app
from autodevos.domain.spec import AppSpec

ROOT = Path(__file__).resolve().parents[2]
FIRST = "a todo app with tasks (title) and tags (label)"
SECOND = "a recipe app with recipes (title) and ingredients (name)"
EDITED = "backend/src/routes/tags.ts"


def run(request: str, out: Path, db: Path, *extra: str) -> dict:
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "run", request, "--out", str(out), "--db", str(db), "--no-verify",
                           "--json", *extra], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout[proc.stdout.index("{"):])
    data["stderr"] = proc.stderr
    return data


def on_disk(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def migrations_added(folder: Path) -> set[str]:
    """The migrations beyond the first: the new app keeps the old one's history and adds to it."""
    return {str(p.relative_to(folder)) for p in (folder / "backend" / "drizzle").rglob("0001_*") if p.is_file()}


def test_a_changed_request_leaves_only_the_new_app(tmp_path):
    out, db = tmp_path / "app", tmp_path / "db.sqlite"
    run(FIRST, out, db)
    before = {p: (out / p).read_bytes() for p in on_disk(out)}
    refused = subprocess.run([sys.executable, str(ROOT / "main.py"), "run", SECOND, "--out", str(out), "--db", str(db),
                              "--no-verify"], capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "tasks" in refused.stderr and "--allow-data-loss" in refused.stderr
    assert {p: (out / p).read_bytes() for p in on_disk(out)} == before  # refused before anything was written
    second = run(SECOND, out, db, "--allow-data-loss")
    spec = AppSpec.model_validate(second["plan"]["spec"])
    assert {e.name for e in spec.entities} == {"Recipe", "Ingredient"}
    added = migrations_added(out)
    assert len(added) == 2  # 0001_*.sql and its snapshot: the old tables dropped, the new ones made
    assert on_disk(out) == set(render_app(spec)) | added, "files of the first request were left beside the second's"
    removed = second["merge"].get("removed", [])
    assert "backend/src/routes/tasks.ts" in removed and "frontend/src/pages/TagPage.tsx" in removed
    for path in on_disk(out):  # nothing left names the old entities (the cheap typecheck: no stale imports)
        text = (out / path).read_text()
        assert "tasksTable" not in text and "TagPage" not in text, path


def test_edited_files_of_the_old_request_are_kept_and_listed(tmp_path):
    out, db = tmp_path / "app", tmp_path / "db.sqlite"
    run(FIRST, out, db)
    mine = (out / EDITED).read_text() + "\n// my own route, keep it\n"
    (out / EDITED).write_text(mine)
    second = run(SECOND, out, db, "--allow-data-loss")
    assert (out / EDITED).read_text() == mine
    assert second["merge"].get("stale-kept") == [EDITED]
    spec = AppSpec.model_validate(second["plan"]["spec"])
    assert on_disk(out) == set(render_app(spec)) | {EDITED} | migrations_added(out)
    # the same, as a person reads it
    third = subprocess.run([sys.executable, str(ROOT / "main.py"), "run", FIRST, "--out", str(out), "--db", str(db), "--no-verify",
                            "--allow-data-loss"], capture_output=True, text=True, timeout=300)
    assert third.returncode == 0, third.stderr
    assert "no longer generated" in third.stdout + third.stderr
