"""Time travel: fork a finished run at the checkpoint after planning with an edited plan; the
original's state and files stay as they were, and `diff` reports what differs."""

from __future__ import annotations

import json

import yaml
from autodevos.main import app
from typer.testing import CliRunner

runner = CliRunner()


def cli(*args: str):
    r = runner.invoke(app, list(args), catch_exceptions=False)
    starts = [i for i in (r.output.find("{"), r.output.find("[")) if i >= 0]
    try:
        data = json.loads(r.output[min(starts):]) if starts else None
    except json.JSONDecodeError:
        data = None
    return r.exit_code, data, r.output


def tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_fork_after_planning_with_an_edited_plan(tmp_path):
    db = str(tmp_path / "db.sqlite")
    code, _, out = cli("run", "A task tracker with tasks and tags", "--out", str(tmp_path / "a"), "--db", db, "--no-verify", "--thread", "orig")
    assert code == 0, out
    before_files = tree(tmp_path / "a")
    code, before_status, _ = cli("status", "orig", "--db", db, "--json")
    code, hist, _ = cli("history", "orig", "--db", db, "--json")
    after_planning = next(h for h in hist if h["next"] == ["approve_plan"])

    from autodevos.graph.store import open_store

    plan = json.loads(open_store(db).get_run("orig")["plan"])
    task = next(e for e in plan["spec"]["entities"] if e["name"] == "Task")
    task["fields"].append({"name": "priority", "type": "enum", "options": ["low", "high"], "required": False})
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(plan))

    code, result, out = cli("fork", "orig", "--at", after_planning["checkpoint_id"], "--edit-plan", str(tmp_path / "plan.yaml"),
                            "--out", str(tmp_path / "b"), "--db", db, "--thread", "forked", "--json")
    assert code == 0, out
    assert result["ok"] and all(r["status"] == "completed" for r in result["tasks"].values())
    assert "priority" in (tmp_path / "b" / "backend" / "src" / "types.ts").read_text()

    assert tree(tmp_path / "a") == before_files  # the original's files are untouched
    code, after_status, _ = cli("status", "orig", "--db", db, "--json")
    assert after_status["tasks"] == before_status["tasks"] and after_status["decisions"] == before_status["decisions"]
    code, hist_after, _ = cli("history", "orig", "--db", db, "--json")
    assert hist_after == hist  # no checkpoint was added to the original thread

    code, d, out = cli("diff", "orig", "forked", "--db", db, "--json")
    assert code == 0, out
    assert "backend/src/types.ts" in d["changed"] and "+  priority" in d["diffs"]["backend/src/types.ts"].replace("?", "")
    assert d["same"] > 0 and d["removed"] == []


def test_fork_at_an_unknown_checkpoint_is_a_clear_error(tmp_path):
    db = str(tmp_path / "db.sqlite")
    assert cli("run", "a todo app", "--out", str(tmp_path / "a"), "--db", db, "--no-verify", "--thread", "o")[0] == 0
    r = runner.invoke(app, ["fork", "o", "--at", "nope", "--db", db, "--out", str(tmp_path / "b")])
    assert r.exit_code == 2 and "no checkpoint 'nope'" in r.output
