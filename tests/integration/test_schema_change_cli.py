"""A change that would drop data is refused in one line before any file is written; with
--allow-data-loss it becomes the next migration (agents/migrations.py through the CLI)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from autodevos.main import app
from typer.testing import CliRunner

runner = CliRunner()
SPEC = """name: chores
title: Chores
auth: false
entities:
  - name: Chore
    fields:
      - {name: title}
      - {name: done, type: boolean, required: false}
  - name: Room
"""


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_change_that_drops_data_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    db, out, spec = tmp_path / "db.sqlite", tmp_path / "app", tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    assert invoke("run", "--spec", str(spec), "--out", str(out), "--db", str(db), "--no-verify").exit_code == 0
    before = digest(out)

    result = invoke("improve", str(out), "remove the field done from chore", "--db", str(db))
    assert result.exit_code != 0
    assert "chores.done" in result.output and "--allow-data-loss" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) <= 3
    spec.write_text(SPEC.replace("  - name: Room\n", ""))  # a new request into the folder drops rooms
    result = invoke("run", "--spec", str(spec), "--out", str(out), "--db", str(db), "--no-verify")
    assert result.exit_code != 0 and "rooms" in result.output
    assert digest(out) == before  # nothing written, by either

    result = invoke("improve", str(out), "remove the field done from chore", "--db", str(db), "--allow-data-loss")
    assert result.exit_code == 0, result.output
    migration = (out / "backend/drizzle/0001_drop_chores_done.sql").read_text()
    assert "DROP TABLE `chores`" in migration and "`done`" not in migration.split("CREATE TABLE")[1].split(");")[0]
    assert digest(out)["backend/drizzle/0000_init.sql"] == before["backend/drizzle/0000_init.sql"]
