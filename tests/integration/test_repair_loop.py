"""A failed verify goes back, through the review node's conditional edge, to the task that owns
the failing file, with the error as its input; tasks after it run again, others do not."""

from __future__ import annotations

import asyncio

from autodevos.agents.codegen import AgentResult
from autodevos.agents.verify import StepResult, VerifyError
from autodevos.domain.dag import Plan, Task
from autodevos.graph.runner import RunSettings, start_run

from tests.conftest import SPEC


class Scripted:
    def __init__(self, verify_failures: int, failing_file: str = "backend/src/app.ts"):
        self.verify_failures = verify_failures
        self.failing_file = failing_file
        self.calls: dict[str, int] = {}
        self.feedback: dict[str, list[str | None]] = {}

    async def code(self, task, spec, ws):
        self.calls[task.id] = self.calls.get(task.id, 0) + 1
        self.feedback.setdefault(task.id, []).append(ws.feedback)
        return {f"{task.id}/src/{task.id}.ts": f"// {task.id} v{self.calls[task.id]}\n"} if task.id != "tests" else {"backend/tests/x.test.ts": "t\n"}

    async def verify(self, task, spec, ws):
        self.calls["verify"] = self.calls.get("verify", 0) + 1
        if self.verify_failures > 0:
            self.verify_failures -= 1
            raise VerifyError([StepResult("backend", "install", True, 1.0, "ok"),
                               StepResult("backend", "typecheck", False, 1.0, "src/backend.ts(3,7): error TS2322: Type 'string' is not assignable")])
        return AgentResult({}, [{"package": "backend", "step": "typecheck", "ok": True, "seconds": 1.0, "output": "", "skipped": None}])

    def agents(self):
        return {"backend": self.code, "frontend": self.code, "tests": self.code, "docs": self.code, "verify": self.verify}


def plan() -> dict:
    tasks = [Task(id="backend", agent="backend"), Task(id="frontend", agent="frontend"),
             Task(id="tests", agent="tests", depends_on=["backend", "frontend"]),
             Task(id="docs", agent="docs", depends_on=["tests"]), Task(id="verify", agent="verify", depends_on=["tests"])]
    return Plan(spec=SPEC, tasks=tasks).model_dump()


def run(tmp_path, agents: Scripted, max_repairs: int = 2):
    s = RunSettings(request="r", out_dir=str(tmp_path / "out"), db_path=str(tmp_path / "db.sqlite"), plan=plan(),
                    retry_interval=0.01, force=True, max_repairs=max_repairs)
    return asyncio.run(start_run(s, agents=agents.agents()))


def test_verify_failure_routes_back_to_the_owner_with_the_error(tmp_path):
    agents = Scripted(verify_failures=1)
    result = run(tmp_path, agents)
    assert result.ok
    assert agents.calls == {"backend": 2, "frontend": 1, "tests": 2, "docs": 2, "verify": 2}
    assert agents.feedback["backend"][0] is None
    assert "error TS2322" in agents.feedback["backend"][1] and "npm run typecheck" in agents.feedback["backend"][1]
    assert agents.feedback["tests"] == [None, None]  # only the owner gets the error
    assert (tmp_path / "out" / "backend" / "src" / "backend.ts").read_text() == "// backend v2\n"
    assert any("repair 1" in n for n in result.notes)
    assert result.tasks["backend"]["attempts"] == 2 and result.tasks["frontend"]["attempts"] == 1


def test_repairs_are_bounded_and_the_failure_is_reported(tmp_path):
    agents = Scripted(verify_failures=10)
    result = run(tmp_path, agents, max_repairs=2)
    assert not result.ok
    assert agents.calls["verify"] == 3 and agents.calls["backend"] == 3
    assert result.tasks["verify"]["status"] == "failed"
    assert "typecheck" in result.tasks["verify"]["error"]
    assert result.tasks["verify"]["report"][1]["ok"] is False


def test_no_repair_when_turned_off(tmp_path):
    agents = Scripted(verify_failures=1)
    result = run(tmp_path, agents, max_repairs=0)
    assert not result.ok and agents.calls["backend"] == 1
