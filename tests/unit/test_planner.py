"""The planner uses a model's plan when it is valid and falls back, with the reason, when not."""

from __future__ import annotations

import asyncio
import json

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from agents.planner import PlanParseError, model_plan, parse_plan_text
from graph.dag import default_plan
from graph.spec import AppSpec, Entity

SPEC = AppSpec(name="shop", title="Shop", entities=[Entity(name="Product")])


def model(*answers: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(content=a) for a in answers]))


def plan_json(**changes) -> str:
    data = default_plan(SPEC).model_dump()
    data.update(changes)
    return json.dumps(data)


def test_valid_model_plan_is_used():
    text = "Here you go:\n```json\n" + plan_json() + "\n```"
    plan, notes = asyncio.run(model_plan("a shop", model(text)))
    assert plan.spec.title == "Shop" and notes[-1] == "planned by the model"


@pytest.mark.parametrize(
    "answer, reason",
    [
        ("I cannot help with that", "holds no JSON"),
        ("{not json", "holds no JSON"),
        ('{"spec": {"oops": 1}, "tasks": []}', "does not fit the schema"),
    ],
)
def test_garbage_falls_back_to_default_plan_with_reason(answer, reason):
    plan, notes = asyncio.run(model_plan("A todo app with tags", model(answer)))
    assert [t.id for t in plan.tasks] == ["backend", "frontend", "devops", "tests", "docs"]
    assert {e.name for e in plan.spec.entities} == {"Todo", "Tag"}
    assert reason in notes[0] and "used the default plan" in notes[0]


def test_cyclic_model_plan_falls_back_naming_the_cycle():
    data = json.loads(plan_json())
    data["tasks"][0]["depends_on"] = ["docs"]
    plan, notes = asyncio.run(model_plan("a shop with products", model(json.dumps(data))))
    assert "cycle" in notes[0]
    assert plan.task("backend").depends_on == []


def test_parse_plan_text_rejects_unknown_agent():
    data = json.loads(plan_json())
    data["tasks"][0]["agent"] = "designer"
    with pytest.raises(PlanParseError, match="unknown agent 'designer'"):
        parse_plan_text(json.dumps(data))
