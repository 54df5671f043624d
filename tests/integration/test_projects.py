"""Projects: `--project NAME` (default: the output folder's name) groups runs; one run database holds
many projects; `autodevos projects` lists them with their last run, its status and folder; `status
--project` lists one project's runs; `improve` finds a project's last finished run by folder or name."""

from __future__ import annotations

import json
import sqlite3

from autodevos.main import app
from typer.testing import CliRunner

runner = CliRunner()


def cli(*args: str):
    result = runner.invoke(app, list(args), catch_exceptions=False)
    text = result.stdout
    return result, (json.loads(text[min(i for i in (text.find("{"), text.find("[")) if i >= 0):]) if "--json" in args else None)


def run(tmp_path, request: str, out: str, *extra: str):
    result, data = cli("run", request, "--out", str(tmp_path / out), "--db", str(tmp_path / "runs.sqlite"), "--no-verify",
                       "--json", *extra)
    assert result.exit_code == 0, result.output
    return data


def test_three_projects_in_one_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "runs.sqlite")
    todo = run(tmp_path, "A todo app with tags", "todo")
    shelf = run(tmp_path, "A books API with authors and books, API only", "shelf", "--project", "library")
    clinic = run(tmp_path, "A clinic app with patients and doctors", "clinic")

    # improve by project name: the folder is the project's last finished run's
    result, changed = cli("improve", "library", "add a field isbn to book", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    assert changed["out_dir"] == str((tmp_path / "shelf").resolve()) and "isbn" in (tmp_path / "shelf" / "backend" / "src" / "types.ts").read_text()
    # ... and by folder, as before; the change keeps the project of the run it changes
    result, again = cli("improve", str(tmp_path / "todo"), "add a field color to tag", "--db", db, "--json")
    assert result.exit_code == 0, result.output

    result, projects = cli("projects", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    rows = {p["project"]: p for p in projects}
    assert set(rows) == {"todo", "library", "clinic"}
    assert rows["library"] == {"project": "library", "runs": 2, "last_run": changed["thread_id"], "status": "completed",
                               "out_dir": str((tmp_path / "shelf").resolve()), "request": rows["library"]["request"],
                               "updated": rows["library"]["updated"]}
    assert rows["todo"]["runs"] == 2 and rows["todo"]["last_run"] == again["thread_id"]
    assert rows["clinic"]["runs"] == 1 and rows["clinic"]["last_run"] == clinic["thread_id"]
    assert [p["project"] for p in projects][0] == "todo"  # the most recently active first

    table, _ = cli("projects", "--db", db)
    assert table.exit_code == 0 and all(name in table.stdout for name in ("todo", "library", "clinic"))

    result, runs = cli("status", "--db", db, "--project", "library", "--json")
    assert {r["thread_id"] for r in runs} == {shelf["thread_id"], changed["thread_id"]}
    assert all(r["project"] == "library" for r in runs)
    result, everything = cli("status", "--db", db, "--json")
    assert {r["thread_id"] for r in everything} == {todo["thread_id"], shelf["thread_id"], clinic["thread_id"],
                                                     changed["thread_id"], again["thread_id"]}
    result, none = cli("status", "--db", db, "--project", "nothing", "--json")
    assert none == []


def test_an_unknown_project_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run(tmp_path, "A todo app with tags", "todo")
    result, _ = cli("improve", "no-such-project", "add a field x to task", "--db", str(tmp_path / "runs.sqlite"))
    assert result.exit_code == 2
    assert result.stderr == (f"error: no-such-project is neither a folder nor a project with a finished run in "
                             f"{tmp_path / 'runs.sqlite'} (`autodevos projects` lists them)\n")
    bad, _ = cli("run", "A todo app", "--out", str(tmp_path / "x"), "--db", str(tmp_path / "runs.sqlite"), "--no-verify",
                 "--project", "two\nlines")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --project 'two\\nlines' is not a project name")


def test_runs_stored_before_projects_belong_to_their_folder(tmp_path, monkeypatch):
    """A database from before projects: its adv_runs has no project column; it gets one, and its runs
    are listed under their folder's name."""
    monkeypatch.chdir(tmp_path)
    data = run(tmp_path, "A todo app with tags", "old-app")
    db = tmp_path / "runs.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE adv_runs DROP COLUMN project")
    from autodevos.graph.store import close_stores

    close_stores()
    result, projects = cli("projects", "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    assert [(p["project"], p["last_run"]) for p in projects] == [("old-app", data["thread_id"])]
    with sqlite3.connect(db) as conn:
        assert "project" in {row[1] for row in conn.execute("PRAGMA table_info(adv_runs)")}
    result, _ = cli("improve", "old-app", "add a field color to tag", "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
