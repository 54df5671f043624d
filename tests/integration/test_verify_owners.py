"""A failed schemathesis row goes back to the backend agent and a failed axe row to the frontend
agent, like any failed verify step, with the findings as their input; the owner the row names wins
over the paths its output mentions (an axe violation fails the browser test too, whose file the
tests agent wrote)."""

from __future__ import annotations

import asyncio

from autodevos.agents.codegen import AgentResult
from autodevos.agents.verify import StepResult, VerifyError
from autodevos.domain.dag import Plan, Task
from autodevos.graph.runner import RunSettings, start_run

from tests.conftest import SPEC

PASSED = [StepResult("backend", "build", True, 1.0), StepResult("frontend", "build", True, 1.0)]
SCHEMATHESIS = StepResult(
    "backend", "schemathesis", False, 20.0,
    "ST101 Server error: 1 (POST /api/projects); 1231 test cases on 17 operations\nST101 Server error: 1 (POST /api/projects)\n"
    "--- end of the backend's log ---\nError: boom at create (file:///app/frontend/src/frontend.ts:17:64)",
    owner="backend", summary="ST101 Server error: 1 (POST /api/projects); 1231 test cases on 17 operations")
AXE = StepResult("frontend", "axe", False, 0.0, "1 violation(s) on 1 of 9 page states: the login screen: color-contrast",
                 owner="frontend", summary="1 violation(s) on 1 of 9 page states: the login screen: color-contrast")
E2E = StepResult("frontend", "e2e", False, 12.0, "FAIL e2e/app.e2e.ts > axe on the login screen\n frontend/e2e/app.e2e.ts:187")


class Scripted:
    def __init__(self, failing: list[StepResult]):
        self.failing = failing
        self.calls: dict[str, int] = {}
        self.feedback: dict[str, list[str | None]] = {}

    async def code(self, task, spec, ws):
        self.calls[task.id] = self.calls.get(task.id, 0) + 1
        self.feedback.setdefault(task.id, []).append(ws.feedback)
        if task.id == "tests":
            return {"frontend/e2e/app.e2e.ts": "t\n"}
        return {f"{task.id}/src/{task.id}.ts": f"// {task.id} v{self.calls[task.id]}\n"}

    async def verify(self, task, spec, ws):
        self.calls["verify"] = self.calls.get("verify", 0) + 1
        if self.calls["verify"] == 1:
            raise VerifyError([*PASSED, *self.failing])
        return AgentResult({}, [{"package": "backend", "step": "schemathesis", "ok": True, "seconds": 1.0, "output": "",
                                 "skipped": None, "summary": "1231 test cases on 17 operations, 0 failures"}])

    def agents(self):
        return {"backend": self.code, "frontend": self.code, "tests": self.code, "docs": self.code, "verify": self.verify}


def run(tmp_path, agents: Scripted):
    tasks = [Task(id="backend", agent="backend"), Task(id="frontend", agent="frontend"),
             Task(id="tests", agent="tests", depends_on=["backend", "frontend"]),
             Task(id="docs", agent="docs", depends_on=["tests"]), Task(id="verify", agent="verify", depends_on=["tests"])]
    s = RunSettings(request="r", out_dir=str(tmp_path / "out"), db_path=str(tmp_path / "db.sqlite"),
                    plan=Plan(spec=SPEC, tasks=tasks).model_dump(), retry_interval=0.01, force=True, max_repairs=2)
    return asyncio.run(start_run(s, agents=agents.agents()))


def test_a_schemathesis_finding_goes_back_to_the_backend(tmp_path):
    agents = Scripted([SCHEMATHESIS])
    result = run(tmp_path, agents)
    assert result.ok
    assert agents.calls == {"backend": 2, "frontend": 1, "tests": 2, "docs": 2, "verify": 2}
    told = agents.feedback["backend"][1]
    assert "verify step `schemathesis` in backend/ failed" in told and "ST101 Server error" in told
    assert agents.feedback["frontend"] == [None]  # its file is named in the log, but the row names the backend


def test_an_axe_violation_goes_back_to_the_frontend_not_to_the_browser_tests_author(tmp_path):
    agents = Scripted([AXE, E2E])
    result = run(tmp_path, agents)
    assert result.ok
    assert agents.calls["frontend"] == 2 and agents.calls["backend"] == 1
    told = agents.feedback["frontend"][1]
    assert "verify step `axe` in frontend/ failed" in told and "color-contrast" in told
    assert agents.feedback["tests"] == [None, None]


def test_the_verify_error_names_the_finding():
    err = VerifyError([*PASSED, SCHEMATHESIS])
    assert str(err) == "backend: schemathesis failed: ST101 Server error: 1 (POST /api/projects); 1231 test cases on 17 operations"
    assert err.report[-1]["owner"] == "backend" and err.report[-1]["summary"].startswith("ST101")
