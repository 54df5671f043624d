"""Step mode from a script: a pause before and after every task; reject re-runs the agent with
the feedback as its input; skip marks the task skipped and its dependants follow."""

from __future__ import annotations

import json

from autodevos.main import app
from typer.testing import CliRunner

runner = CliRunner()


def cli(*args: str):
    r = runner.invoke(app, list(args), catch_exceptions=False)
    data = json.loads(r.output[r.output.index("{"):]) if "{" in r.output else {}
    return r.exit_code, data


def test_stepping_through_every_task(tmp_path):
    db, out = str(tmp_path / "db.sqlite"), tmp_path / "app"
    code, data = cli("run", "A task tracker with tasks and tags", "--out", str(out), "--db", db, "--step", "--no-verify",
                     "--thread", "s1", "--json")
    assert code == 3 and data["pending"][0]["kind"] == "plan"

    def answer(decision: str, *extra: str):
        return cli("approve", "s1", "--decision", decision, *extra, "--db", db, "--json")

    code, data = answer("approve")  # the plan
    assert data["pending"][0] == {"kind": "task", "task": data["plan"]["tasks"][0], "inputs": {}}
    assert data["pending"][0]["task"]["id"] == "backend"
    assert not (out / "backend").exists()
    code, data = answer("approve")  # run backend
    assert data["pending"][0]["kind"] == "result" and data["pending"][0]["task"] == "backend"
    assert "backend/src/app.ts" in data["pending"][0]["files"]
    assert "priority" not in (out / "backend" / "src" / "types.ts").read_text()
    code, data = answer("reject", "--feedback", "add a field priority to task")
    assert data["pending"][0]["kind"] == "result" and data["pending"][0]["task"] == "backend"
    assert "priority" in (out / "backend" / "src" / "types.ts").read_text()  # re-ran with the feedback
    assert data["tasks"]["backend"]["attempts"] == 2
    code, data = answer("approve")
    assert data["pending"][0]["task"]["id"] == "frontend"
    code, data = answer("skip")
    assert data["tasks"]["frontend"]["status"] == "skipped"
    assert data["pending"][0]["task"]["id"] == "devops"  # independent of frontend: still asked
    code, data = answer("skip")
    # tests depend on frontend: skipped by the rule, without asking; docs depend on tests: skipped too
    assert code == 1 and data["status"] == "failed"
    assert data["tasks"]["tests"]["status"] == "skipped" and data["tasks"]["docs"]["status"] == "skipped"
    actions = [(d["gate"], d.get("task"), d["action"]) for d in data["decisions"]]
    assert actions == [("plan", None, "approve"), ("task", "backend", "approve"), ("result", "backend", "reject"),
                       ("result", "backend", "approve"), ("task", "frontend", "skip"), ("task", "devops", "skip")]
    assert data["decisions"][2]["feedback"] == "add a field priority to task"
