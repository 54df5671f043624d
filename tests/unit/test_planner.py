"""The planner uses a model's plan when it is valid and falls back, with the reason, when not."""

from __future__ import annotations

import asyncio
import json

import pytest
from autodevos.agents.answers import AnswerError, StructuredUnsupported
from autodevos.agents.planner import PlanParseError, model_plan, parse_plan_text
from autodevos.agents.registry import default_plan
from autodevos.domain.spec import AppSpec, Entity
from pydantic import ValidationError

SPEC = AppSpec(name="shop", title="Shop", entities=[Entity(name="Product")])


class ScriptedAsk:
    """The planner's model, scripted: each ask takes the next answer. A structured answer is parsed
    into a Plan here (as the client does); a text answer is returned as is. An exception is raised."""

    def __init__(self, structured: list, text: list | None = None):
        self.structured_answers, self.text_answers = list(structured), list(text or [])
        self.asks: list[tuple[str, list]] = []

    async def structured(self, messages, schema, *, role, task_id):
        self.asks.append(("structured", messages))
        answer = self.structured_answers.pop(0)
        if isinstance(answer, BaseException) or (isinstance(answer, type) and issubclass(answer, BaseException)):
            raise answer
        try:
            return schema.model_validate_json(answer)
        except ValidationError as exc:
            raise AnswerError(f"the answer does not fit the schema: {exc.errors()[0]['msg']}") from None

    async def text(self, messages, *, role, task_id):
        self.asks.append(("text", messages))
        return self.text_answers.pop(0)


def plan_json(**changes) -> str:
    data = default_plan(SPEC).model_dump()
    data.update(changes)
    return json.dumps(data)


def cyclic() -> str:
    data = json.loads(plan_json())
    data["tasks"][0]["depends_on"] = ["docs"]
    return json.dumps(data)


def test_valid_structured_plan_is_used():
    ask = ScriptedAsk([plan_json()])
    plan, notes = asyncio.run(model_plan("a shop", ask))
    assert plan.spec.title == "Shop" and notes == ["planned by the model (structured output)"]
    assert len(ask.asks) == 1


def test_invalid_json_then_a_cycle_then_a_valid_plan_is_two_repairs():
    ask = ScriptedAsk(["{not json", cyclic(), plan_json()])
    plan, notes = asyncio.run(model_plan("a shop", ask))
    assert plan.spec.title == "Shop"
    assert "structured answer 1 refused" in notes[0] and "asked again with the error" in notes[0]
    assert "cycle" in notes[1] and "asked again" in notes[1]
    assert notes[-1] == "planned by the model (structured output, after 2 repair(s))"
    assert "cycle" in ask.asks[2][1][-1].content  # the third ask carries the cycle error


def test_no_structured_output_asks_for_text():
    ask = ScriptedAsk([StructuredUnsupported("response_format not supported")],
                      text=["Here you go:\n```json\n" + plan_json() + "\n```"])
    plan, notes = asyncio.run(model_plan("a shop", ask))
    assert plan.spec.title == "Shop" and notes[-1] == "planned by the model (text output)"
    assert [mode for mode, _ in ask.asks] == ["structured", "text"]


@pytest.mark.parametrize(
    "answer, reason",
    [
        ("I cannot help with that", "holds no JSON"),
        ("{not json", "holds no JSON"),
        ('{"spec": {"oops": 1}, "tasks": []}', "does not fit the schema"),
    ],
)
def test_never_valid_falls_back_to_default_plan_with_reasons(answer, reason):
    ask = ScriptedAsk(["{bad"] * 3, text=[answer] * 3)
    plan, notes = asyncio.run(model_plan("A todo app with todos and tags", ask, max_reasks=2))
    assert len(ask.asks) == 6  # bounded: 3 structured, 3 text
    assert [t.id for t in plan.tasks] == ["backend", "frontend", "devops", "tests", "docs"]
    assert {e.name for e in plan.spec.entities} == {"Todo", "Tag"}
    assert notes[3] == "structured output kept failing; asked for JSON text"
    assert reason in notes[4] and "no model answer validated; used the default plan" in notes


def test_parse_plan_text_rejects_unknown_agent():
    data = json.loads(plan_json())
    data["tasks"][0]["agent"] = "designer"
    with pytest.raises(PlanParseError, match="unknown agent 'designer'"):
        parse_plan_text(json.dumps(data))
