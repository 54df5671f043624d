"""With a model, the user's request verbatim, the spec's rules and the phrases nothing placed reach
every code agent's prompt (the scripted OpenAI-compatible server on 127.0.0.1 records them)."""

from __future__ import annotations

import json

import pytest
from autodevos.domain.spec import AppSpec, Entity, Field, Rule

from tests.model_cli import run_app
from tests.model_script import ByRole, plan_answer, small_edits
from tests.openai_server import ScriptedOpenAI

REQUEST = "a shop for widgets"  # what tests.model_cli.run_app asks for
RULE = "A widget that is out of stock cannot be ordered"
PHRASE = "sparkly vibes on fridays"
SPEC = AppSpec(name="widget-shop", title="Widget shop", entities=[
    Entity(name="Widget", fields=[Field(name="label"), Field(name="stock", type="integer")])],
    rules=[Rule(text=RULE, entities=["Widget"])], unparsed=[PHRASE])


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-rules")


def test_the_request_the_rules_and_the_unplaced_phrases_reach_every_code_agent(tmp_path):
    script = ByRole({**small_edits(SPEC), "planner": [plan_answer(SPEC)]})
    with ScriptedOpenAI([script]) as server:
        result, data = run_app(server, tmp_path, "--json")
    assert result.exit_code == 0, result.output
    prompts: dict[str, str] = {}
    for body in server.requests:
        text = "\n".join(m["content"] if isinstance(m["content"], str) else json.dumps(m["content"]) for m in body["messages"])
        role = next((r for r in ("backend", "frontend", "tests", "docs", "devops") if f"You are the {r} agent" in text), None)
        if role:
            prompts[role] = text
    assert set(prompts) == {"backend", "frontend", "tests", "docs", "devops"}
    for role, text in prompts.items():
        asked = text.split("## What the user asked (verbatim)", 1)[1]
        assert asked.lstrip().startswith(REQUEST), role
        assert f"- rule: {RULE} (about Widget)" in text, role
        assert PHRASE in text.split("## Phrases of the request nothing in the spec holds", 1)[1], role
        assert '"request"' not in text.split("## The app's spec", 1)[1].split("## Interfaces", 1)[0], role  # once, not twice
    assert "`rule: ` followed by the rule's text" in prompts["tests"]  # the tests agent writes one test per rule
    assert data["rules"] == [{"text": RULE, "kind": "rule", "entities": ["Widget"], "status": "not built", "test": ""}]
