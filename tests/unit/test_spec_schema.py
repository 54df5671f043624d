"""The spec v2 JSON schema the model planner is given covers every spec field, and the planner's
prompt names each of them, so a model can fill all of spec v2 (not only what the old spec had)."""

from __future__ import annotations

from autodevos.agents.prompts import render_prompt
from autodevos.domain.dag import Plan
from autodevos.domain.spec import AppSpec, Entity, Field, Role, Rule


def _props(schema: dict, name: str) -> set[str]:
    return set(schema["$defs"][name]["properties"])


def test_the_plan_schema_covers_every_spec_v2_field():
    schema = Plan.model_json_schema()
    for model in (AppSpec, Entity, Field, Role, Rule):
        assert _props(schema, model.__name__) == set(model.model_fields), model.__name__
    kinds = schema["$defs"]["Field"]["properties"]["type"]["enum"]
    assert {"ref", "refs", "enum"} <= set(kinds)


def test_the_planner_prompt_names_every_spec_v2_field():
    text = render_prompt("planner", "system", agents="backend, frontend")
    for model in (AppSpec, Entity, Field, Role, Rule):
        for name in model.model_fields:
            assert f'"{name}"' in text, f"{model.__name__}.{name} is not in prompts/planner/system.md"


def test_the_planner_is_given_the_request_verbatim_and_a_draft():
    text = render_prompt("planner", "user", request="Tenants rent flats; only landlords delete flats.", draft='{"entities": []}')
    assert "Tenants rent flats; only landlords delete flats." in text and '{"entities": []}' in text
