"""The reviewing model, against the scripted OpenAI-compatible server on 127.0.0.1: it reads the
backend's diff against the baseline and answers findings; a blocking one goes back to the backend's
model with the finding as its input, bounded by --max-repairs; a warning is only listed; an answer
naming a file outside the diff is asked again with the error."""

from __future__ import annotations

import asyncio
import json

import pytest
from autodevos.agents.review import tools
from autodevos.domain.dag import Plan, Task
from autodevos.graph.runner import RunSettings, start_run

from tests.model_cli import SPEC, cli
from tests.model_script import ByRole, files_answer
from tests.openai_server import ScriptedOpenAI

ABOUT = 'export const ABOUT = "written by the model";\n'
BLOCKING = {"file": "backend/src/about.ts", "line": 1, "severity": "blocking", "title": "banner leaks the build",
            "why": "the banner says who wrote the app; keep it out of the API"}


def review(*findings: dict) -> str:
    return json.dumps({"findings": list(findings)})


@pytest.fixture(autouse=True)
def _setup(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-code-review-0123456789")
    monkeypatch.setattr(tools, "toolchain", lambda timeout=300: (None, "not in this test"))  # the model's findings only


def run(server, tmp_path, max_repairs: int = 2, cache: bool = True):
    tasks = [Task(id="backend", agent="backend"), Task(id="code_review", agent="code_review", depends_on=["backend"])]
    settings = RunSettings(request="a shop for widgets", out_dir=str(tmp_path / "app"), db_path=str(tmp_path / "db.sqlite"),
                           plan=Plan(spec=SPEC, tasks=tasks).model_dump(), model="openai:test-model", base_url=server.base_url,
                           verify=False, max_repairs=max_repairs, cache=cache, call_timeout=5, retry_interval=0.01, force=True)
    return asyncio.run(start_run(settings, thread_id="m1"))


def requests_of(server, role: str) -> list[str]:
    return [json.dumps(r["messages"]) for r in server.requests if f"You are the {role}" in json.dumps(r["messages"])]


def test_a_blocking_finding_goes_back_to_the_backend_model_and_is_fixed(tmp_path):
    script = ByRole({"backend": [files_answer({"backend/src/about.ts": ABOUT})],
                     "code_review": [review(BLOCKING), review()]})
    with ScriptedOpenAI([script]) as server:
        result = run(server, tmp_path)
    assert result.ok, result.tasks
    assert script.asked["code_review"] == 2 and script.asked["backend"] == 2
    reviewer = requests_of(server, "code_review")
    assert "+++ b/backend/src/about.ts" in reviewer[0] and "Widget" in reviewer[0]  # the diff and the spec part
    assert "banner leaks the build" in reviewer[1]  # the second pass is told what it found before
    repair = requests_of(server, "backend")[1]
    assert "code review (round 1 of 2" in repair and "banner leaks the build" in repair and "backend/src/about.ts:1" in repair
    found = result.tasks["code_review"]["report"]["review"]["findings"]
    assert [(f["source"], f["rule"], f["fate"], f["owner"]) for f in found] == [("model", "banner leaks the build", "fixed", "backend")]
    status, info = cli("status", "m1", "--db", str(tmp_path / "db.sqlite"), "--json")
    assert [r["fate"] for r in info["review"]] == ["fixed"]
    assert "code_review" in info["usage"]["tasks"]  # the reviewer's calls are metered on its task


def test_reviewer_findings_are_bounded_by_max_repairs(tmp_path):
    script = ByRole({"backend": [files_answer({"backend/src/about.ts": ABOUT})], "code_review": [review(BLOCKING)]})
    with ScriptedOpenAI([script]) as server:
        result = run(server, tmp_path, max_repairs=2, cache=False)  # every pass asks (the last two ask the same)
    assert result.ok, result.tasks  # given up, listed: the app stays
    assert script.asked["code_review"] == 3 and script.asked["backend"] == 3  # the first pass and two rounds, no more
    assert result.tasks["backend"]["attempts"] == 3 and result.tasks["code_review"]["attempts"] == 3
    review_report = result.tasks["code_review"]["report"]["review"]
    assert review_report["rounds"] == 2 and [f["fate"] for f in review_report["findings"]] == ["gave up"]
    assert "banner leaks the build" in (tmp_path / "app" / "REVIEW.md").read_text()


def test_a_warning_is_listed_and_a_finding_outside_the_diff_is_asked_again(tmp_path):
    outside = dict(BLOCKING, file="backend/src/nowhere.ts")
    warning = dict(BLOCKING, severity="warning", title="unused export")
    script = ByRole({"backend": [files_answer({"backend/src/about.ts": ABOUT})], "code_review": [review(outside), review(warning)]})
    with ScriptedOpenAI([script]) as server:
        result = run(server, tmp_path)
    assert result.ok and script.asked["backend"] == 1 and script.asked["code_review"] == 2
    assert "is not a file of the diff" in requests_of(server, "code_review")[1]
    found = result.tasks["code_review"]["report"]["review"]["findings"]
    assert [(f["rule"], f["fate"]) for f in found] == [("unused export", "listed")]
