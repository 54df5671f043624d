"""The CLI as a user meets it: help everywhere, one-line errors, a full offline run, status and history."""

from __future__ import annotations

import json
import sqlite3

import pytest
from autodevos.main import app
from typer.testing import CliRunner

runner = CliRunner()
COMMANDS = ["run", "improve", "resume", "replay", "status", "history", "approve", "fork", "diff"]


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example: autodevos" in result.output


def _one_line_error(result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    text = result.output.strip()
    assert "Traceback" not in text
    assert fragment in text
    assert len([line for line in text.splitlines() if line.strip()]) <= 2


def test_empty_request(tmp_path):
    _one_line_error(invoke("run", "   ", "--db", str(tmp_path / "db.sqlite")), "request is empty")


def test_unknown_provider(tmp_path):
    _one_line_error(invoke("run", "a todo app", "--model", "magic:gpt", "--db", str(tmp_path / "db")), "unknown model provider 'magic'")


def test_out_is_a_file(tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    _one_line_error(invoke("run", "a todo app", "--out", str(f), "--db", str(tmp_path / "db")), "is a file")


def test_out_not_empty_without_force(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "mine.txt").write_text("keep me")
    _one_line_error(invoke("run", "a todo app", "--out", str(tmp_path / "app"), "--db", str(tmp_path / "db")), "--force")
    assert (tmp_path / "app" / "mine.txt").read_text() == "keep me"


def test_unknown_thread_and_missing_db(tmp_path):
    _one_line_error(invoke("status", "nope", "--db", str(tmp_path / "missing.sqlite")), "no run database")
    db = tmp_path / "db.sqlite"
    sqlite3.connect(db).close()
    _one_line_error(invoke("resume", "nope", "--db", str(db)), "no run with thread id 'nope'")


def test_corrupt_database(tmp_path):
    db = tmp_path / "db.sqlite"
    db.write_bytes(b"this is not a database" * 100)
    _one_line_error(invoke("status", "--db", str(db)), "not a usable SQLite database")


def test_full_offline_run_then_status_and_history(tmp_path):
    db, out = str(tmp_path / "db.sqlite"), tmp_path / "todo-app"
    result = invoke("run", "A todo app with users and tags", "--out", str(out), "--db", db, "--json", "--thread", "t1", "--no-verify")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{"):])
    assert data["ok"] and data["thread_id"] == "t1"
    assert {t: r["status"] for t, r in data["tasks"].items()} == dict.fromkeys(["backend", "frontend", "devops", "tests", "docs"], "completed")
    for part in ("backend/package.json", "frontend/package.json", "README.md"):
        assert (out / part).is_file()
    assert any(p.name.endswith(".test.ts") for p in (out / "backend").rglob("*"))

    listing = invoke("status", "--db", db, "--json")
    assert [r["thread_id"] for r in json.loads(listing.output)] == ["t1"]
    one = json.loads(invoke("status", "t1", "--db", db, "--json").output)
    assert one["status"] == "completed" and one["tasks"]["docs"]["status"] == "completed"
    hist = json.loads(invoke("history", "t1", "--db", db, "--json").output)
    assert len(hist) >= 3 and hist[0]["tasks_done"] == 5
    again = invoke("resume", "t1", "--db", db, "--json")
    assert again.exit_code == 0  # a finished run resumes to its result, nothing runs again


def test_spec_file_with_wrong_types(tmp_path):
    spec = tmp_path / "app.yaml"
    spec.write_text("name: x\ntitle: X\nentities:\n  - name: Task\n    fields:\n      - name: title\n        type: colour\n")
    _one_line_error(invoke("run", "--spec", str(spec), "--db", str(tmp_path / "db")), "--spec")


def test_unreachable_postgres_is_one_line(tmp_path):
    r = invoke("run", "a todo app", "--out", str(tmp_path / "a"), "--db", str(tmp_path / "db"), "--no-verify",
               "--checkpointer", "postgresql://postgres:hunter2@127.0.0.1:1/none")
    _one_line_error(r, "cannot use PostgreSQL at postgresql://postgres@127.0.0.1:1/none")
    assert "hunter2" not in r.output
    assert b"hunter2" not in (tmp_path / "db").read_bytes()


def test_resume_of_a_run_killed_before_its_first_checkpoint(tmp_path):
    """The run's row and settings were stored, then the process died before LangGraph wrote a
    checkpoint: resume starts it from the stored inputs."""
    from dataclasses import asdict

    from autodevos.graph.runner import RunSettings
    from autodevos.graph.store import open_store

    db, out = tmp_path / "db.sqlite", tmp_path / "app"
    settings = RunSettings(request="a todo app with tags", out_dir=str(out), db_path=str(db), verify=False)
    open_store(db).create_run("early", settings.request, str(out), "offline", asdict(settings))
    result = invoke("resume", "early", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert (out / "backend" / "src" / "routes" / "tags.ts").is_file()
