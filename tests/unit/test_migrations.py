"""Schema changes become numbered drizzle migrations that keep the data (agents/migrations.py).

The SQL is applied to a real SQLite file with records in it, one migration after another, the way
the app's migrator applies them at start (statement by statement, foreign keys off while it runs)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from autodevos.agents import migrations
from autodevos.agents.render import render_backend
from autodevos.domain.spec import AppSpec

BASE = {"name": "todo", "title": "Todo", "auth": False, "entities": [
    {"name": "Todo", "fields": [{"name": "title"}, {"name": "done", "type": "boolean", "required": False}]}]}


def spec(**changes) -> AppSpec:
    data = json.loads(json.dumps(BASE))
    for entity, fields in changes.get("fields", {}).items():
        found = next((e for e in data["entities"] if e["name"] == entity), None)
        if found is None:
            data["entities"].append({"name": entity, "fields": fields})
        else:
            found["fields"] = fields
    return AppSpec.model_validate(data)


def generate(folder: Path, app: AppSpec, allow: bool = False) -> tuple[dict[str, str], list[str]]:
    """What the backend agent writes into folder for `app` (history kept, next migration added)."""
    files, notes = migrations.with_history(render_backend(app), app, folder, allow)
    for rel, text in files.items():
        if rel.startswith(migrations.FOLDER):
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return files, notes


def migrate(folder: Path, db: Path) -> None:
    """Apply the journal's migrations not applied yet, as drizzle's migrator does."""
    journal = json.loads((folder / migrations.JOURNAL).read_text())
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("CREATE TABLE IF NOT EXISTS __migrations (tag TEXT PRIMARY KEY)")
    done = {r[0] for r in con.execute("SELECT tag FROM __migrations")}
    for entry in journal["entries"]:
        if entry["tag"] in done:
            continue
        sql = (folder / migrations.FOLDER / f"{entry['tag']}.sql").read_text()
        con.execute("BEGIN")
        for statement in sql.split("--> statement-breakpoint"):
            body = "\n".join(line for line in statement.splitlines() if not line.startswith("--")).strip()
            if body:
                con.execute(body)
        con.execute("INSERT INTO __migrations VALUES (?)", (entry["tag"],))
        con.execute("COMMIT")
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()


def rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_fresh_folder_gets_the_rendered_initial_migration(tmp_path: Path) -> None:
    files, notes = migrations.with_history(render_backend(spec()), spec(), tmp_path)
    assert files == render_backend(spec()) and notes == []


def test_the_same_spec_again_adds_no_migration_and_keeps_the_files_as_they_are(tmp_path: Path) -> None:
    generate(tmp_path, spec())
    init = (tmp_path / "backend/drizzle/0000_init.sql").read_text()
    (tmp_path / "backend/drizzle/0000_init.sql").write_text(init + "-- a note the user added\n")
    files, notes = generate(tmp_path, spec())
    assert notes == []
    assert files["backend/drizzle/0000_init.sql"].endswith("-- a note the user added\n")
    assert len(json.loads(files[migrations.JOURNAL])["entries"]) == 1


def test_an_added_optional_field_is_an_alter_in_migration_0001(tmp_path: Path) -> None:
    generate(tmp_path, spec())
    init = (tmp_path / "backend/drizzle/0000_init.sql").read_bytes()
    changed = spec(fields={"Todo": [*BASE["entities"][0]["fields"], {"name": "note", "required": False}]})
    files, notes = generate(tmp_path, changed)
    journal = json.loads(files[migrations.JOURNAL])["entries"]
    assert [e["idx"] for e in journal] == [0, 1] and journal[1]["when"] > journal[0]["when"]
    sql = files[f"backend/drizzle/{journal[1]['tag']}.sql"]
    assert "ALTER TABLE `todos` ADD `note` text;" in sql
    assert (tmp_path / "backend/drizzle/0000_init.sql").read_bytes() == init  # never rewritten
    snap = json.loads(files["backend/drizzle/meta/0001_snapshot.json"])
    first = json.loads(files["backend/drizzle/meta/0000_snapshot.json"])
    assert snap["prevId"] == first["id"] and snap["id"] != first["id"]
    assert "note" in snap["tables"]["todos"]["columns"]
    assert any("0001" in n for n in notes)


def test_records_survive_fields_entities_relations_and_bounds_added_one_change_at_a_time(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    generate(tmp_path, spec())
    migrate(tmp_path, db)
    con = sqlite3.connect(db)
    con.executemany("INSERT INTO todos (title, done, created_at, updated_at) VALUES (?, ?, 'x', 'x')",
                    [("buy milk", 0), ("call mum", 1)])
    con.commit()
    con.close()
    fields = list(BASE["entities"][0]["fields"])
    steps = [
        {"Todo": [*fields, {"name": "priority", "type": "enum", "options": ["low", "high"]}]},  # required: a stand-in
        {"Project": [{"name": "name"}]},
        {"Todo": [*fields, {"name": "priority", "type": "enum", "options": ["low", "high"]},
                  {"name": "project", "type": "ref", "ref": "Project", "required": False}]},
        {"Tag": [{"name": "label"}]},
        {"Todo": [*fields, {"name": "priority", "type": "enum", "options": ["low", "high"]},
                  {"name": "project", "type": "ref", "ref": "Project", "required": False},
                  {"name": "tags", "type": "refs", "ref": "Tag", "required": False},
                  {"name": "estimate", "type": "integer", "min": 1, "max": 40}]},  # a CHECK: the table is rebuilt
    ]
    state: dict = {}
    for i, step in enumerate(steps, start=1):
        state.update(step)
        generate(tmp_path, spec(fields=state))
        migrate(tmp_path, db)
        assert len(json.loads((tmp_path / migrations.JOURNAL).read_text())["entries"]) == i + 1
    assert rows(db, "SELECT title, done, priority, project_id, estimate FROM todos ORDER BY id") == [
        ("buy milk", 0, "low", None, 1), ("call mum", 1, "low", None, 1)]
    tables = {r[0] for r in rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"projects", "tags", "todos_tags"} <= tables
    # the rebuilt table keeps its reference and its index, and the CHECK holds
    assert rows(db, "SELECT \"table\", \"from\" FROM pragma_foreign_key_list('todos')") == [("projects", "project_id")]
    assert ("todos_project_id_idx",) in rows(db, "SELECT name FROM pragma_index_list('todos')")
    con = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("UPDATE todos SET estimate = 99")
    con.close()


def test_a_change_that_drops_data_is_refused_with_the_reasons(tmp_path: Path) -> None:
    generate(tmp_path, spec(fields={"Project": [{"name": "name"}]}))
    with pytest.raises(migrations.DataLossRefused) as refused:
        generate(tmp_path, spec(fields={"Todo": [{"name": "title"}]}))  # done is gone, and Project
    text = str(refused.value)
    assert "todos.done" in text and "projects" in text and "--allow-data-loss" in text
    assert len(json.loads((tmp_path / migrations.JOURNAL).read_text())["entries"]) == 1  # nothing written


def test_allowed_data_loss_rebuilds_the_table_and_keeps_the_other_columns(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    generate(tmp_path, spec())
    migrate(tmp_path, db)
    con = sqlite3.connect(db)
    con.execute("INSERT INTO todos (title, done, created_at, updated_at) VALUES ('keep me', 1, 'x', 'x')")
    con.commit()
    con.close()
    files, notes = generate(tmp_path, spec(fields={"Todo": [{"name": "title"}]}), allow=True)
    migrate(tmp_path, db)
    assert rows(db, "SELECT title FROM todos") == [("keep me",)]
    assert "done" not in {r[1] for r in rows(db, "PRAGMA table_info(todos)")}
    assert any("todos.done" in n for n in notes)


def test_a_new_required_reference_needs_the_loss_allowed(tmp_path: Path) -> None:
    generate(tmp_path, spec(fields={"Project": [{"name": "name"}]}))
    with_ref = {"Todo": [*BASE["entities"][0]["fields"], {"name": "project", "type": "ref", "ref": "Project"}]}
    with pytest.raises(migrations.DataLossRefused, match="project"):
        generate(tmp_path, spec(fields={"Project": [{"name": "name"}], **with_ref}))


def test_a_broken_journal_is_one_clear_error(tmp_path: Path) -> None:
    generate(tmp_path, spec())
    (tmp_path / migrations.JOURNAL).write_text("{ not json")
    with pytest.raises(migrations.HistoryError, match="_journal.json"):
        generate(tmp_path, spec())
    (tmp_path / migrations.JOURNAL).write_text(json.dumps({"entries": [{"idx": 0, "tag": "../../etc/passwd"}]}))
    with pytest.raises(migrations.HistoryError, match="not a file name"):
        generate(tmp_path, spec())


def test_a_reference_made_required_keeps_the_rows_that_have_one_when_loss_is_allowed(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    optional = {"Project": [{"name": "name"}], "Todo": [{"name": "title"},
                                                     {"name": "project", "type": "ref", "ref": "Project", "required": False}]}
    generate(tmp_path, spec(fields=optional))
    migrate(tmp_path, db)
    con = sqlite3.connect(db)
    con.execute("INSERT INTO projects (name, created_at, updated_at) VALUES ('home', 'x', 'x')")
    con.executemany("INSERT INTO todos (title, project_id, created_at, updated_at) VALUES (?, ?, 'x', 'x')",
                    [("with one", 1), ("without", None)])
    con.commit()
    con.close()
    required = {**optional, "Todo": [{"name": "title"}, {"name": "project", "type": "ref", "ref": "Project"}]}
    with pytest.raises(migrations.DataLossRefused, match="project"):
        generate(tmp_path, spec(fields=required))
    generate(tmp_path, spec(fields=required), allow=True)
    migrate(tmp_path, db)
    assert rows(db, "SELECT title, project_id FROM todos") == [("with one", 1)]


def test_a_snapshot_that_is_not_one_is_a_history_error_not_a_traceback(tmp_path: Path) -> None:
    generate(tmp_path, spec())
    (tmp_path / "backend/drizzle/meta/0000_snapshot.json").write_text("[]")
    with pytest.raises(migrations.HistoryError, match="not a drizzle snapshot"):
        generate(tmp_path, spec())
    assert "not a drizzle snapshot" in (migrations.refusal(spec(fields={"Tag": [{"name": "label"}]}), tmp_path) or "")


def test_rows_that_referred_to_rows_not_kept_follow_their_on_delete_rule(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    before = {"Order": [{"name": "customer"}], "Line": [{"name": "qty", "type": "integer"},
                                                       {"name": "order", "type": "ref", "ref": "Order", "on_delete": "cascade"}]}
    generate(tmp_path, spec(fields=before))
    migrate(tmp_path, db)
    con = sqlite3.connect(db)
    con.execute("INSERT INTO orders (customer, created_at, updated_at) VALUES ('ada', 'x', 'x')")
    con.execute("INSERT INTO lines (qty, order_id, created_at, updated_at) VALUES (2, 1, 'x', 'x')")
    con.commit()
    con.close()
    after = {**before, "Customer": [{"name": "name"}], "Order": [{"name": "customer", "type": "ref", "ref": "Customer"}]}
    files, notes = generate(tmp_path, spec(fields=after), allow=True)  # a text became a required reference: no row can stay
    migrate(tmp_path, db)  # the migrator's foreign-key check passes: the line went with its order
    assert rows(db, "SELECT count(*) FROM orders") == [(0,)] and rows(db, "SELECT count(*) FROM lines") == [(0,)]
    assert any("lines" in n for n in notes)


def test_a_new_unique_index_or_bound_on_existing_data_is_named_as_a_risk(tmp_path: Path) -> None:
    generate(tmp_path, spec())
    files, notes = generate(tmp_path, spec(fields={"Todo": [{"name": "title", "unique": True},
                                                             {"name": "done", "type": "boolean", "required": False}]}))
    assert any("must not repeat title" in n for n in notes)
    sql = next(t for p, t in files.items() if p.endswith(".sql") and "0001" in p)
    assert "-- Check first: existing todos must not repeat title" in sql
