"""The plan gate: a run pauses at interrupt(), and a script (or person) approves, edits or rejects."""

from __future__ import annotations

import json

import yaml
from autodevos.main import app
from typer.testing import CliRunner

runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def start(tmp_path, request="A todo app with tags"):
    db = str(tmp_path / "db.sqlite")
    r = cli("run", request, "--out", str(tmp_path / "app"), "--db", db, "--approve", "plan", "--no-verify", "--thread", "g1")
    return r, db


def state(db: str) -> dict:
    return json.loads(cli("status", "g1", "--db", db, "--json").output)


def test_run_pauses_at_the_plan_and_approve_carries_it_on(tmp_path):
    r, db = start(tmp_path)
    assert r.exit_code == 3, r.output
    assert "autodevos approve g1" in r.output
    assert not (tmp_path / "app" / "backend").exists()  # nothing ran before the answer
    assert all(t["status"] == "pending" for t in state(db)["tasks"].values())
    # resume in a new invocation asks the same question again, no work done
    again = cli("resume", "g1", "--db", db)
    assert again.exit_code == 3 and not (tmp_path / "app" / "backend").exists()
    done = cli("approve", "g1", "--decision", "approve", "--who", "alice", "--db", db, "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.output[done.output.index("{"):])
    assert data["ok"] and data["decisions"][-1]["action"] == "approve" and data["decisions"][-1]["who"] == "alice"
    assert (tmp_path / "app" / "backend" / "package.json").is_file()


def test_edit_adds_a_task_and_a_cyclic_edit_is_refused_naming_the_cycle(tmp_path):
    _, db = start(tmp_path)
    from autodevos.graph.store import open_store

    plan = json.loads(open_store(db).get_run("g1")["plan"])
    plan["tasks"].append({"id": "docs2", "agent": "docs", "description": "a second docs pass", "depends_on": ["docs"]})
    f = tmp_path / "plan.yaml"
    f.write_text(yaml.safe_dump(plan))
    edited = cli("approve", "g1", "--decision", "edit", "--plan", str(f), "--db", db)
    assert edited.exit_code == 3, edited.output  # the edited plan is shown again for approval
    assert "docs2" in open_store(db).get_run("g1")["plan"]

    plan["tasks"][0]["depends_on"] = ["docs2"]  # backend after docs2, which is after backend: a cycle
    f.write_text(yaml.safe_dump(plan))
    refused = cli("approve", "g1", "--decision", "edit", "--plan", str(f), "--db", db, "--json")
    assert refused.exit_code == 3
    data = json.loads(refused.output[refused.output.index("{"):])
    reason = data["decisions"][-1]["refused"]
    assert "cycle" in reason and "backend" in reason and "docs2" in reason
    assert '"docs2"' not in json.dumps(json.loads(open_store(db).get_run("g1")["plan"])["tasks"][0]["depends_on"])  # nothing lost

    done = cli("approve", "g1", "--decision", "approve", "--db", db, "--json")
    data = json.loads(done.output[done.output.index("{"):])
    assert done.exit_code == 0 and data["tasks"]["docs2"]["status"] == "completed"
    assert [d["action"] for d in data["decisions"]] == ["edit", "edit", "approve"]


def test_reject_with_feedback_replans(tmp_path):
    r, db = start(tmp_path, "A task tracker with tasks and tags")
    rejected = cli("approve", "g1", "--decision", "reject", "--feedback", "add a field priority to task", "--db", db, "--json")
    assert rejected.exit_code == 3
    data = json.loads(rejected.output[rejected.output.index("{"):])
    task = next(e for e in data["plan"]["spec"]["entities"] if e["name"] == "Task")
    prio = next(f for f in task["fields"] if f["name"] == "priority")
    assert prio["type"] == "enum" and prio["options"] == ["low", "medium", "high"]
    assert any("added field priority" in n for n in data["notes"])
    done = cli("approve", "g1", "--decision", "approve", "--db", db)
    assert done.exit_code == 0
    assert "priority" in (tmp_path / "app" / "backend" / "src" / "types.ts").read_text()


def test_approve_when_nothing_waits_is_a_clear_error(tmp_path):
    db = str(tmp_path / "db.sqlite")
    assert cli("run", "a todo app", "--out", str(tmp_path / "app"), "--db", db, "--no-verify", "--thread", "x").exit_code == 0
    r = cli("approve", "x", "--decision", "approve", "--db", db)
    assert r.exit_code == 2 and "not waiting" in r.output
