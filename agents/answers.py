"""Ask a model until its answer validates: the one loop the planner and the code agents share.

    found = await ask_until_valid(ask, [structured_way, text_way], role="backend", task_id="backend")
    found.value, found.mode, found.asks, found.notes      # or NoValidAnswer, with the reasons

Each `Way` is one way of asking (structured output, or plain text parsed by the caller) with its
messages, its reader (answer -> value, raising a ValueError that names the culprit) and its
re-ask prompt. A way is tried once and then asked again with the error (at most `max_reasks`
times), the refused answer shown before the error so the model can fix just the culprit; then the
next way. A way the role's model cannot answer at all (its model check said so) is not asked.

Also here, so there is one of each: the one-line reason of an error (`reason`, `first_error`)
and the JSON an answer holds, bare or in a code fence (`json_in`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ValidationError

T = TypeVar("T")
Mode = Literal["structured", "text"]


class AnswerError(ValueError):
    """One answer that cannot be used; the message names the culprit and is shown to the model on a re-ask.
    `answer` is what the model said, when there is one."""

    def __init__(self, message: str, answer: str | None = None):
        super().__init__(message)
        self.answer = answer


class StructuredUnsupported(Exception):
    """Raised by `Ask.structured` when the server has no structured output (NotImplementedError counts too)."""


class NoValidAnswer(RuntimeError):
    """No answer validated after the bounded asks (or none was asked: the model check ruled every way out)."""

    def __init__(self, asks: int, last: str, notes: list[str]):
        super().__init__(f"no valid answer after {asks} asks; last problem: {last}" if asks else last)
        self.asks = asks
        self.last = last
        self.notes = notes


class Ask(Protocol):
    """The injected model call. `role` is the agent, `task_id` the task (for budgets and logs).

    `structured` returns an instance of `schema` (or a dict of it); it raises StructuredUnsupported
    (or NotImplementedError) when the server cannot do structured output, and a ValueError (pydantic's
    ValidationError, AnswerError, ...) when the answer does not validate. Anything else (transport
    errors, timeouts, the budget) propagates unchanged to the caller.

    An ask may also have `async def usable() -> Usable`: what its model's check found it can answer
    (agents.ask.RoleAsk has it); without it every way is tried.
    """

    async def structured(self, messages: list[BaseMessage], schema: type[BaseModel], *, role: str, task_id: str) -> BaseModel: ...

    async def text(self, messages: list[BaseMessage], *, role: str, task_id: str) -> str: ...


@dataclass(frozen=True)
class Usable:
    """The ways a role's model can be asked, as its model check found (agents.check)."""

    modes: tuple[Mode, ...] = ("structured", "text")
    why: str = ""
    """Why some way is left out, one line ('model check: openai:m: text fallback (...)'), or ''."""


@dataclass(frozen=True)
class Way(Generic[T]):
    """One way of asking: its mode, messages, how an answer becomes a value, and the re-ask text."""

    mode: Mode
    messages: list[BaseMessage]
    read: Callable[[Any], T]
    """The answer (a `schema` instance in structured mode, the text in text mode) -> the value; raises ValueError."""
    reask: Callable[[str], str]
    """The error -> the message that asks again."""
    schema: type[BaseModel] | None = None
    """Structured mode: the answer's schema."""
    label: str = ""
    """How notes name this way when the previous one is given up ('text', 'JSON text'); default: the mode."""


@dataclass
class Valid(Generic[T]):
    """The value of the first answer that validated, and how it was obtained."""

    value: T
    mode: Mode
    asks: int
    """Asks in all, over every way tried."""
    reasks: int
    """Re-asks with the error in the way that validated."""
    notes: list[str] = field(default_factory=list)
    """What happened, in order: refused answers and why, ways given up."""


async def usable_modes(ask: Any) -> Usable:
    """What the ask's model can answer, per its check; every way for an ask without one."""
    check = getattr(ask, "usable", None)
    return await check() if check is not None else Usable()


async def ask_until_valid(ask: Ask, ways: Sequence[Way[T]], *, role: str, task_id: str, max_reasks: int = 2) -> Valid[T]:
    """The value of the first answer that validates, trying `ways` in order; NoValidAnswer when none does."""
    usable = await usable_modes(ask)
    tried = [w for w in ways if w.mode in usable.modes]
    if not tried:
        why = usable.why or "no way of asking the model is usable"
        raise NoValidAnswer(0, why, [f"{why}; not asked"])
    notes = [f"{usable.why}; {_skipped(ways, tried)}"] if len(tried) < len(ways) and usable.why else []
    asks, last = 0, ""
    for i, way in enumerate(tried):
        after = tried[i + 1] if i + 1 < len(tried) else None
        extra: list[BaseMessage] = []
        for attempt in range(max_reasks + 1):
            asks += 1
            answer: Any = None
            try:
                if way.mode == "structured":
                    assert way.schema is not None, "a structured way needs its schema"
                    answer = await ask.structured(way.messages + extra, way.schema, role=role, task_id=task_id)
                    value = way.read(_instance(way.schema, answer))
                else:
                    answer = await ask.text(way.messages + extra, role=role, task_id=task_id)
                    if not isinstance(answer, str):
                        raise AnswerError("the answer is not text")
                    value = way.read(answer)
            except (StructuredUnsupported, NotImplementedError):
                notes.append("the server has no structured output" + (f"; asked for {after.label or after.mode}" if after else ""))
                break
            except (ValueError, TypeError) as exc:  # ValidationError, AnswerError, PlanError, OutputParserException
                why = reason(exc)
                last = f"{way.mode}: {why}"
                again = attempt < max_reasks
                notes.append(f"{way.mode} answer {attempt + 1} refused ({why})" + ("; asked again with the error" if again else ""))
                if again:  # the refused answer (when there is one) and the error, in place of the previous pair
                    shown = _shown(answer, exc)
                    extra = ([AIMessage(shown)] if shown else []) + [HumanMessage(way.reask(why))]
                continue
            return Valid(value, way.mode, asks, attempt, notes)
        else:
            if after is not None:
                notes.append(f"{way.mode} output kept failing; asked for {after.label or after.mode}")
    raise NoValidAnswer(asks, last, notes)


def _skipped(ways: Sequence[Way[Any]], tried: Sequence[Way[Any]]) -> str:
    return "asked for " + " then ".join(w.label or w.mode for w in tried) + " only"


def _instance(schema: type[BaseModel], answer: Any) -> BaseModel:
    if isinstance(answer, schema):
        return answer
    return schema.model_validate(answer.model_dump() if isinstance(answer, BaseModel) else answer)


def _shown(answer: Any, exc: BaseException) -> str:
    """The refused answer as the model said it (for the re-ask), or '' when there was none."""
    if isinstance(answer, BaseModel):
        return answer.model_dump_json()
    if isinstance(answer, str):
        return answer
    said = getattr(exc, "answer", None)
    return said if isinstance(said, str) else ""


# --- one of each: error reasons, JSON in an answer ---------------------------------------------


def first_error(exc: ValidationError, top: str = "(top)") -> str:
    """'where: what' of a pydantic error's first problem, with how many more there are (`top`
    names the place of an error about the whole value)."""
    errors = exc.errors()
    if not errors:
        return str(exc).splitlines()[0]
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or top
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def reason(exc: BaseException, limit: int = 300) -> str:
    """An error as one short line: a pydantic error's first problem, else its message (or its class)."""
    text = first_error(exc) if isinstance(exc, ValidationError) else (str(exc) or type(exc).__name__)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


_FENCE = re.compile(r"```[ \t]*(?:json)?[ \t]*\n?(.*)```", re.S | re.I)


def json_in(text: str) -> Any:
    """The JSON object an answer holds: bare, inside a ``` or ```json fence, or with prose around it.

    The fence is read up to its last closing ``` (so backticks inside the JSON's strings survive),
    then from the first `{` to the last `}`. Raises AnswerError saying why when there is none."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError):
        pass
    fence = _FENCE.search(text)
    body = fence.group(1) if fence and "{" in fence.group(1) else text
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end <= start:
        raise AnswerError("the answer holds no JSON object", text)
    try:
        return json.loads(body[start : end + 1])
    except json.JSONDecodeError as exc:
        raise AnswerError(f"the answer is not valid JSON ({exc.msg} at line {exc.lineno})", text) from None
