"""The one ask-until-valid loop (agents/answers.py), its error lines and JSON reading, and the model
check's verdict (agents/check.decide): pure, with a scripted ask."""

from __future__ import annotations

import asyncio

import pytest
from autodevos.agents.answers import (
    AnswerError,
    NoValidAnswer,
    StructuredUnsupported,
    Usable,
    Way,
    ask_until_valid,
    first_error,
    json_in,
    reason,
)
from autodevos.agents.check import Probe, decide
from langchain_core.messages import AIMessage, HumanMessage
from pydantic import BaseModel, ValidationError


class Pet(BaseModel):
    name: str
    legs: int = 4


class ScriptedAsk:
    """Each ask takes the next item of its mode's script (an answer, or an exception to raise)."""

    def __init__(self, structured: list | None = None, text: list | None = None, usable: Usable | None = None):
        self.script = {"structured": list(structured or []), "text": list(text or [])}
        self.calls: list[tuple[str, list]] = []
        if usable is not None:
            async def check() -> Usable:
                return usable
            self.usable = check

    async def _next(self, mode: str, messages: list):
        self.calls.append((mode, list(messages)))
        item = self.script[mode].pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    async def structured(self, messages, schema, *, role, task_id):
        return await self._next("structured", messages)

    async def text(self, messages, *, role, task_id):
        return await self._next("text", messages)


def legs_of_a_dog(pet: Pet) -> Pet:
    if pet.legs != 4:
        raise AnswerError(f"a dog has 4 legs, not {pet.legs}")
    return pet


def ways() -> list[Way]:
    first = [HumanMessage("name a dog")]
    return [Way("structured", first, legs_of_a_dog, lambda why: f"refused: {why}", schema=Pet),
            Way("text", first, lambda text: legs_of_a_dog(Pet.model_validate(json_in(text))), lambda why: f"text refused: {why}",
                label="JSON text")]


def ask(script: ScriptedAsk, max_reasks: int = 2):
    return asyncio.run(ask_until_valid(script, ways(), role="r", task_id="t", max_reasks=max_reasks))


def test_a_valid_first_answer_is_used():
    found = ask(ScriptedAsk([{"name": "Rex"}]))
    assert found.value == Pet(name="Rex") and (found.mode, found.asks, found.reasks, found.notes) == ("structured", 1, 0, [])


def test_a_refused_answer_is_asked_again_with_the_answer_and_the_error():
    script = ScriptedAsk([Pet(name="Rex", legs=3), Pet(name="Rex")])
    found = ask(script)
    assert found.value.legs == 4 and found.asks == 2 and found.reasks == 1
    assert found.notes == ["structured answer 1 refused (a dog has 4 legs, not 3); asked again with the error"]
    again = script.calls[1][1]
    assert isinstance(again[-2], AIMessage) and '"legs":3' in again[-2].content
    assert again[-1].content == "refused: a dog has 4 legs, not 3"


def test_no_structured_output_goes_to_the_next_way_at_once():
    script = ScriptedAsk([StructuredUnsupported("no")], text=['Here: ```json\n{"name": "Rex"}\n```'])
    found = ask(script)
    assert found.mode == "text" and found.notes == ["the server has no structured output; asked for JSON text"]


def test_nothing_valid_is_bounded_and_says_why():
    script = ScriptedAsk([ValueError("bad")] * 3, text=["Sure!"] * 3)
    with pytest.raises(NoValidAnswer) as exc:
        ask(script)
    assert exc.value.asks == 6 and exc.value.last == "text: the answer holds no JSON object"
    assert exc.value.notes[3] == "structured output kept failing; asked for JSON text"
    assert "the answer holds no JSON object" in script.calls[-1][1][-1].content
    assert script.calls[-1][1][-2].content == "Sure!"  # the refused text is shown before the error


def test_transport_errors_pass_through():
    with pytest.raises(ConnectionError):
        ask(ScriptedAsk([ConnectionError("refused")]))


def test_the_model_check_leaves_out_what_the_model_cannot_answer():
    text_only = Usable(("text",), "model check: m: text fallback (structured output: refused)")
    script = ScriptedAsk(text=['{"name": "Rex"}'], usable=text_only)
    found = ask(script)
    assert [mode for mode, _ in script.calls] == ["text"] and found.mode == "text"
    assert found.notes == ["model check: m: text fallback (structured output: refused); asked for JSON text only"]
    too_weak = ScriptedAsk(usable=Usable((), "model check: m: too weak: baseline only (plain text: wrong answer)"))
    with pytest.raises(NoValidAnswer) as exc:
        ask(too_weak)
    assert too_weak.calls == [] and exc.value.asks == 0 and "too weak" in str(exc.value)
    assert exc.value.notes == ["model check: m: too weak: baseline only (plain text: wrong answer); not asked"]


@pytest.mark.parametrize("text", ['{"a": 1}', '```json\n{"a": 1}\n```', 'Here you go:\n```\n{"a": 1}\n```\nEnjoy.',
                                  'Sure. {"a": 1} is it.'])
def test_json_in_reads_bare_fenced_or_surrounded_json(text):
    assert json_in(text) == {"a": 1}


def test_json_in_keeps_backticks_inside_strings_and_says_why_it_fails():
    assert json_in('```json\n{"readme": "run ```npm test```"}\n```') == {"readme": "run ```npm test```"}
    with pytest.raises(AnswerError, match="holds no JSON object"):
        json_in("Sure!")
    with pytest.raises(AnswerError, match=r"not valid JSON \(Expecting"):
        json_in("{not json}")


def test_one_line_reasons():
    try:
        Pet.model_validate({"legs": "many"})
    except ValidationError as exc:
        assert first_error(exc) == "name: Field required (and 1 more)"
        assert reason(exc) == first_error(exc)
    assert reason(ValueError("two\n  lines")) == "two lines" and reason(KeyError()) == "KeyError"
    assert len(reason(ValueError("x" * 1000))) == 300


def probes(*results: str) -> list[Probe]:
    names = ("plain text", "structured output", "tool calling", "streaming with usage", "timing")
    return [Probe(n, r) for n, r in zip(names, results, strict=True)]


@pytest.mark.parametrize(("results", "verdict", "modes", "method"), [
    (("supported",) * 5, "structured output", ("structured", "text"), "json_schema"),
    (("supported", "refused", "supported", "supported", "supported"), "structured output (tool calling)",
     ("structured", "text"), "function_calling"),
    (("supported", "refused", "refused", "supported", "supported"), "text fallback", ("text",), None),
    (("supported", "wrong answer", "wrong answer", "failed", "supported"), "text fallback", ("text",), None),
    (("wrong answer",) * 5, "too weak: baseline only", (), None),
    (("wrong answer", "supported", "refused", "wrong answer", "wrong answer"), "structured output", ("structured", "text"),
     "json_schema"),
])
def test_the_verdict_follows_the_probes(results, verdict, modes, method):
    v = decide("openai:m", probes(*results))
    assert (v.verdict, v.modes, v.method) == (verdict, modes, method)
    assert v.line.startswith(f"openai:m: {verdict}")
    if verdict == "too weak: baseline only":
        assert v.why == "plain text: wrong answer; structured output: wrong answer; tool calling: wrong answer"
