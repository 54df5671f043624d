"""A code agent with a model never fails for want of a usable answer: it keeps the offline
baseline and says why; a repair the model cannot make keeps the baseline (the files verify knows
pass) too. The model is a scripted ask (no network)."""

from __future__ import annotations

import asyncio

from autodevos.agents.answers import Usable
from autodevos.agents.codegen import AgentResult, Workspace, coder
from autodevos.agents.render import render_backend
from autodevos.domain.dag import Plan, Task
from autodevos.domain.spec import AppSpec, Entity, Field

SPEC = AppSpec(name="shop", title="Shop", entities=[Entity(name="Product", fields=[Field(name="title")])])
TASK = Task(id="backend", agent="backend")
PLAN = Plan(spec=SPEC, tasks=[TASK])
GOOD = '{"files": [{"path": "backend/src/util.ts", "content": "export const x = 1;\\n"}], "notes": "a helper"}'


class Scripted:
    """A model that says the same thing to every ask, structured or text."""

    def __init__(self, answer: str, usable: Usable | None = None):
        self.answer, self.asks, self._usable = answer, 0, usable

    async def usable(self) -> Usable:
        return self._usable or Usable()

    async def structured(self, messages, schema, *, role, task_id):
        self.asks += 1
        return schema.model_validate_json(self.answer)

    async def text(self, messages, *, role, task_id):
        self.asks += 1
        return self.answer


def work(ask, tmp_path, feedback: str | None = None) -> AgentResult:
    ws = Workspace(tmp_path, feedback, browser=False, ask=ask, plan=PLAN, previous=["backend/src/app.ts"] if feedback else [])
    result = asyncio.run(coder("backend", render_backend)(TASK, SPEC, ws))
    assert isinstance(result, AgentResult)
    return result


def test_unusable_answers_keep_the_baseline_with_the_reason(tmp_path):
    ask = Scripted("Sure! I'd love to help.")
    result = work(ask, tmp_path)
    assert result.files == render_backend(SPEC) and ask.asks == 6
    model = result.report["model"]
    assert model["outcome"] == "baseline" and model["changed"] == [] and model["asks"] == 6
    assert model["reason"].startswith("the backend model gave no usable files after 6 asks; last problem: text:")
    assert any("refused" in n for n in model["notes"])


def test_a_model_too_weak_to_ask_keeps_the_baseline_without_a_call(tmp_path):
    ask = Scripted(GOOD, Usable((), "model check: openai:m: too weak: baseline only (plain text: wrong answer)"))
    result = work(ask, tmp_path)
    assert ask.asks == 0 and result.files == render_backend(SPEC)
    assert result.report["model"]["reason"] == ("the backend model was not asked (model check: openai:m: too weak: "
                                                 "baseline only (plain text: wrong answer))")


def test_outcomes_say_written_or_repaired(tmp_path):
    written = work(Scripted(GOOD), tmp_path)
    assert written.report["model"]["outcome"] == "model" and written.files["backend/src/util.ts"] == "export const x = 1;\n"
    repaired = work(Scripted(GOOD), tmp_path, feedback="verify step `npm run typecheck` in backend/ failed")
    assert repaired.report["model"]["outcome"] == "repaired"


def test_a_repair_the_model_cannot_make_keeps_the_files_verify_knows_pass(tmp_path):
    (tmp_path / "backend" / "src").mkdir(parents=True)
    (tmp_path / "backend" / "src" / "app.ts").write_text("broken by the model's first answer\n")
    result = work(Scripted("I cannot fix that."), tmp_path, feedback="verify step `npm run typecheck` in backend/ failed")
    assert result.report["model"]["outcome"] == "baseline"
    assert result.files == render_backend(SPEC)  # the broken file goes back to the baseline's
