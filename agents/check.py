"""Know a model before a long run: one small call per capability the agents use, and a verdict.

    report = await check_model("ollama:qwen2.5-coder", None)
    report.probes      # plain text, structured output, tool calling, streaming with usage, timing
    report.verdict     # what AutoDevOS will do with the model (None when the server cannot be reached)

Each probe is one short request with an answer that can be checked (a word, two JSON fields), and
ends as "supported", "refused" (the server answered the request with an error status), "wrong
answer" (it answered, but not as asked) or "failed" (a transport error or 5xx after the retries).

The verdict (a `Verdict`):
- "structured output": JSON-schema structured output works (asked first, then text);
- "structured output (tool calling)": only tool calling works; structured asks use a forced tool call;
- "text fallback": no structured output, but plain text works: the agents ask for text at once;
- "too weak: baseline only": not even plain text comes back as asked: the planner uses its rules
  and every code agent keeps the offline generator's files, without asking.

A run checks each of its models once (`verdict_for`) and keeps the verdict in the run database
(adv_model_checks), so later runs, resumes and replays ask nothing for it. The probes are not a
run's calls: they are not metered in adv_calls nor counted against its budget.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import openai
from autodevos.agents.answers import AnswerError, json_in
from autodevos.agents.keys import KeySource, refetch_key
from autodevos.agents.llm import Endpoint, api_key_for, resolve_model

MARK = "AutoDevOS model check"
"""The probes' system message starts with this (a test server can tell them from the agents' calls)."""

Result = Literal["supported", "refused", "wrong answer", "failed"]

_SCHEMA = {"type": "object", "properties": {"word": {"type": "string"}, "number": {"type": "integer"}},
           "required": ["word", "number"], "additionalProperties": False}
_ASK_WORD = "Reply with the single word READY and nothing else."
_ASK_OBJECT = 'Return the object with "word" set to "ready" and "number" set to 7.'
_ASK_COUNT = "Count from 1 to 20, the numbers separated by spaces, and nothing else."


@dataclass(frozen=True)
class Probe:
    """One capability, as one call found it."""

    name: str
    result: Result
    detail: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Verdict:
    """What AutoDevOS does with a model, from its probes."""

    verdict: str
    """'structured output', 'structured output (tool calling)', 'text fallback' or 'too weak: baseline only'."""
    modes: tuple[str, ...]
    """The ways the agents ask it: ('structured', 'text'), ('text',) or ()."""
    method: str | None = None
    """The structured-output method for structured asks: 'json_schema', 'function_calling', or None."""
    why: str = ""
    """The probes that decided it, e.g. 'structured output: refused; tool calling: refused'."""
    model: str = ""
    probes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def line(self) -> str:
        """One line for notes and reasons: 'openai:m: text fallback (structured output: refused; ...)'."""
        return f"{self.model}: {self.verdict}" + (f" ({self.why})" if self.why else "")

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "modes": list(self.modes)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        return cls(**{**{k: v for k, v in data.items() if k in cls.__dataclass_fields__}, "modes": tuple(data.get("modes") or ())})


@dataclass(frozen=True)
class ModelCheck:
    """The probes of one model at one server, and the verdict (None when the server cannot be reached)."""

    model: str
    server: str
    probes: list[Probe] = field(default_factory=list)
    error: str = ""
    """One line when the server cannot be reached (or refuses every request), else ''."""
    status: int | None = None
    """The HTTP status that ended the check (401: the key was refused), when there was one."""

    @property
    def verdict(self) -> Verdict | None:
        return None if self.error else decide(self.model, self.probes)

    def as_json(self) -> dict[str, Any]:
        verdict = self.verdict
        return {"model": self.model, "server": self.server, "error": self.error or None,
                "probes": [asdict(p) for p in self.probes], "verdict": verdict.as_json() if verdict else None}


def decide(model: str, probes: list[Probe]) -> Verdict:
    """The verdict from the probes. Pure."""
    got = {p.name: p for p in probes}

    def ok(name: str) -> bool:
        return name in got and got[name].result == "supported"

    def said(*names: str) -> str:
        return "; ".join(f"{n}: {got[n].result}" for n in names if n in got and got[n].result != "supported")

    rows = [asdict(p) for p in probes]
    if ok("structured output"):
        return Verdict("structured output", ("structured", "text"), "json_schema", "", model, rows)
    if ok("tool calling"):
        return Verdict("structured output (tool calling)", ("structured", "text"), "function_calling",
                       said("structured output"), model, rows)
    if ok("plain text"):
        return Verdict("text fallback", ("text",), None, said("structured output", "tool calling"), model, rows)
    return Verdict("too weak: baseline only", (), None, said("plain text", "structured output", "tool calling"), model, rows)


# --- the probes ---------------------------------------------------------------------------------


class _Unreachable(Exception):
    """The server cannot be reached or refuses every request: no verdict."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the HTTP status that ended the check, when there was one


async def check_model(model: str, base_url: str | None, *, timeout: float = 30.0, max_retries: int = 2,
                      keys: KeySource | None = None) -> ModelCheck:
    """Probe one model: plain text, JSON-schema structured output, tool calling, streaming with
    usage, and the time of a short answer. Never raises for what the server does; a server that
    cannot be reached gives a ModelCheck with `error` set (one line). `keys`: where the API key is
    kept; when the server refuses it (401), it is fetched again once and the check made again."""
    endpoint = resolve_model(model, base_url)
    key = await asyncio.to_thread(api_key_for, endpoint, keys)
    report = await _probe_all(endpoint, key, timeout, max_retries)
    if report.status == 401:
        fresh = await asyncio.to_thread(refetch_key, keys, key)
        if fresh and fresh != key:
            report = await _probe_all(endpoint, fresh, timeout, max_retries)
            report = ModelCheck(report.model, report.server, report.probes, _scrub(report.error, key), report.status)
    return report


async def _probe_all(endpoint: Endpoint, key: str, timeout: float, max_retries: int) -> ModelCheck:

    def build() -> openai.AsyncOpenAI:  # in a worker thread: the HTTP client reads certificates, the SDK imports lazily
        client = openai.AsyncOpenAI(api_key=key, base_url=endpoint.base_url, timeout=timeout, max_retries=max_retries)
        _ = client.chat.completions, client.beta
        return client

    client = await asyncio.to_thread(build)
    probes: list[Probe] = []
    try:
        for probe in (_plain, _structured, _tools, _streaming, _timing):
            probes.append(await probe(client, endpoint))
    except _Unreachable as exc:
        return ModelCheck(endpoint.spec, endpoint.server, probes, _scrub(str(exc), key), exc.status)
    finally:
        await client.close()
    return ModelCheck(endpoint.spec, endpoint.server, [Probe(p.name, p.result, _scrub(p.detail, key), p.seconds) for p in probes])


def _messages(ask: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": f"{MARK}: answer exactly as asked."}, {"role": "user", "content": ask}]


async def _call(name: str, endpoint: Endpoint, make: Callable[[], Awaitable[Any]],
                read: Callable[[Any], tuple[Result, str]], first: bool = False) -> Probe:
    """One probe: the call, its result, its time. On the first probe, a server that cannot be
    reached, or that refuses it for a reason that is not about the capability, ends the check."""
    started = time.monotonic()
    try:
        answer = await make()
    except openai.APIStatusError as exc:
        status = f"HTTP {exc.status_code}" + (f" ({_one_line(_detail(exc), 120)})" if _detail(exc) else "")
        if first and exc.status_code in (401, 403, 404):
            raise _Unreachable(f"{endpoint.spec} at {endpoint.server} answered {status}", exc.status_code) from None
        kind: Result = "failed" if exc.status_code >= 500 or exc.status_code == 429 else "refused"
        if first and kind == "failed":
            raise _Unreachable(f"{endpoint.spec} at {endpoint.server} keeps failing: {status}") from None
        return Probe(name, kind, status, round(time.monotonic() - started, 3))
    except (openai.APIConnectionError, openai.APITimeoutError) as exc:
        why = "no answer in time" if isinstance(exc, openai.APITimeoutError) else "cannot connect"
        if first:
            raise _Unreachable(f"cannot reach {endpoint.spec} at {endpoint.server}: {why}") from None
        return Probe(name, "failed", why, round(time.monotonic() - started, 3))
    except openai.APIError as exc:
        return Probe(name, "failed", _one_line(exc.message or type(exc).__name__, 160), round(time.monotonic() - started, 3))
    result, detail = read(answer)
    return Probe(name, result, detail, round(time.monotonic() - started, 3))


def _word(text: str | None) -> tuple[Result, str]:
    text = re.sub(r"<think>.*?</think>", "", text or "", flags=re.S).strip()  # a reasoning model's thoughts
    if "ready" in text.lower() and len(text) <= 200:
        return "supported", ""
    return "wrong answer", f"asked for READY, got {_one_line(text, 80)!r}" if text else "an empty answer"


def _object(raw: str | None) -> tuple[Result, str]:
    try:
        data = json_in(raw or "")
    except AnswerError as exc:
        return "wrong answer", f"{exc}: {_one_line(raw or '', 60)!r}"
    if isinstance(data, dict) and str(data.get("word", "")).strip().lower() == "ready" and data.get("number") == 7:
        return "supported", ""
    return "wrong answer", f"asked for word=ready, number=7, got {_one_line(str(data), 80)}"


def _content(answer: Any) -> str | None:
    return answer.choices[0].message.content if answer.choices else None


async def _plain(client: openai.AsyncOpenAI, endpoint: Endpoint) -> Probe:
    return await _call("plain text", endpoint, lambda: client.chat.completions.create(
        model=endpoint.model, messages=_messages(_ASK_WORD), temperature=0), lambda a: _word(_content(a)), first=True)


async def _structured(client: openai.AsyncOpenAI, endpoint: Endpoint) -> Probe:
    response_format = {"type": "json_schema", "json_schema": {"name": "check", "schema": _SCHEMA, "strict": True}}
    return await _call("structured output", endpoint, lambda: client.chat.completions.create(
        model=endpoint.model, messages=_messages(_ASK_OBJECT), temperature=0, response_format=response_format),
        lambda a: _object(_content(a)))


async def _tools(client: openai.AsyncOpenAI, endpoint: Endpoint) -> Probe:
    tool = {"type": "function", "function": {"name": "record", "description": "Record the object.", "parameters": _SCHEMA}}

    def read(answer: Any) -> tuple[Result, str]:
        calls = answer.choices[0].message.tool_calls if answer.choices else None
        if not calls:
            return "wrong answer", f"no tool call; said {_one_line(_content(answer) or '', 60)!r}"
        return _object(calls[0].function.arguments)

    return await _call("tool calling", endpoint, lambda: client.chat.completions.create(
        model=endpoint.model, messages=_messages(_ASK_OBJECT), temperature=0, tools=[tool],
        tool_choice={"type": "function", "function": {"name": "record"}}), read)


async def _streaming(client: openai.AsyncOpenAI, endpoint: Endpoint) -> Probe:
    async def stream() -> tuple[str, Any]:
        text, usage = [], None
        chunks = await client.chat.completions.create(model=endpoint.model, messages=_messages(_ASK_WORD), temperature=0,
                                                      stream=True, stream_options={"include_usage": True})
        async for chunk in chunks:
            if chunk.choices and chunk.choices[0].delta.content:
                text.append(chunk.choices[0].delta.content)
            if getattr(chunk, "usage", None):
                usage = chunk.usage
        return "".join(text), usage

    def read(got: tuple[str, Any]) -> tuple[Result, str]:
        result, detail = _word(got[0])
        if result == "supported" and got[1] is None:
            return "wrong answer", "no usage in the stream (tokens cannot be metered when streaming)"
        return result, detail

    return await _call("streaming with usage", endpoint, stream, read)


async def _timing(client: openai.AsyncOpenAI, endpoint: Endpoint) -> Probe:
    started = time.monotonic()

    def read(answer: Any) -> tuple[Result, str]:
        took = time.monotonic() - started
        tokens = answer.usage.completion_tokens if answer.usage else None
        rate = f", {tokens / took:.0f} tokens/s" if tokens and took > 0 else ""
        text = _content(answer) or ""
        result: Result = "supported" if "20" in text else "wrong answer"
        return result, f"{took:.2f} s for a short answer{rate}"

    return await _call("timing", endpoint, lambda: client.chat.completions.create(
        model=endpoint.model, messages=_messages(_ASK_COUNT), temperature=0), read)


def _detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    err = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(err, dict) and err.get("message"):
        return str(err["message"])
    return err if isinstance(err, str) else ""


def _one_line(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _scrub(text: str, key: str) -> str:
    return text.replace(key, "[api key]") if len(key) >= 8 else text


# --- once per model, kept in the run database -------------------------------------------------

_KNOWN: dict[tuple[str, str, str | None], tuple[float, Verdict | None]] = {}
_RUNNING: dict[tuple[str, str, str | None], tuple[asyncio.AbstractEventLoop, asyncio.Task[Verdict | None]]] = {}
RECHECK_AFTER = 300.0
"""Seconds before a process checks again a model whose server could not be reached."""


async def verdict_for(model: str, base_url: str | None, db_path: str | Path, *, timeout: float = 30.0,
                      replay: bool = False, keys: KeySource | None = None) -> tuple[Verdict | None, str]:
    """The model's verdict: from the run database, else checked now (once per model and database,
    however many agents ask at the same time) and stored. (None, why) when there is none: a replay
    with no stored verdict, or a server that cannot be reached (the agents then ask as usual)."""
    from autodevos.agents.calls import open_call_store

    endpoint = resolve_model(model, base_url)
    key = (str(Path(db_path).resolve()), endpoint.spec, endpoint.base_url)
    store = await asyncio.to_thread(open_call_store, db_path)
    stored = await asyncio.to_thread(store.verdict, endpoint.spec, endpoint.base_url)
    if stored is not None:
        return Verdict.from_json(stored), ""
    if replay:
        return None, "no model check recorded"
    known = _KNOWN.get(key)
    if known is not None and (known[1] is not None or time.monotonic() - known[0] < RECHECK_AFTER):
        return known[1], "" if known[1] else "the model check could not reach the server"
    loop = asyncio.get_running_loop()
    running = _RUNNING.get(key)
    if running is None or running[0] is not loop:
        running = (loop, loop.create_task(_check_and_keep(model, base_url, store, timeout, keys)))
        _RUNNING[key] = running
    try:
        verdict = await asyncio.shield(running[1])
    finally:
        if running[1].done() and _RUNNING.get(key) is running:
            _RUNNING.pop(key, None)
    _KNOWN[key] = (time.monotonic(), verdict)
    return verdict, "" if verdict else "the model check could not reach the server"


async def _check_and_keep(model: str, base_url: str | None, store: Any, timeout: float, keys: KeySource | None) -> Verdict | None:
    report = await check_model(model, base_url, timeout=timeout, keys=keys)
    verdict = report.verdict
    if verdict is not None:
        await asyncio.to_thread(store.keep_verdict, report.model, resolve_model(model, base_url).base_url, verdict.as_json())
    return verdict


async def check_and_keep(model: str, base_url: str | None, db_path: str | Path | None, *, timeout: float = 30.0,
                         keys: KeySource | None = None) -> ModelCheck:
    """`autodevos models check`: probe the model now; with a database, store (replace) its verdict there."""
    report = await check_model(model, base_url, timeout=timeout, keys=keys)
    verdict = report.verdict
    if db_path is not None and verdict is not None:
        from autodevos.agents.calls import open_call_store

        store = await asyncio.to_thread(open_call_store, db_path)
        await asyncio.to_thread(store.keep_verdict, report.model, resolve_model(model, base_url).base_url, verdict.as_json())
        endpoint = resolve_model(model, base_url)
        _KNOWN.pop((str(Path(db_path).resolve()), endpoint.spec, endpoint.base_url), None)
    return report
