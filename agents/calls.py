"""Model calls for the agents: retried, bounded in time, metered, cached, replayable.

    client = ModelClient("openai:gpt-4.1-mini", db_path, thread_id)
    text = await client.text(messages, role="planner", task_id="plan")
    plan = await client.structured(messages, Plan, role="planner", task_id="plan")
    totals = await client.totals()          # or call_totals(db_path, thread_id), sync, for the CLI

Faults. The openai SDK under ChatOpenAI already retries a failed HTTP try (`max_retries`): on
connection errors (a connection dropped before the answer, too), read timeouts, 408, 409,
429 and 5xx, with exponential backoff (0.5 s doubling to at most 8 s, less 0-25 % jitter),
waiting what Retry-After / retry-after-ms asks instead when that is at most 120 s (longer: no
retry). Its `timeout` is per try and per read, so it is not a bound on a call. We add:
- a stream that breaks after it started (connection dropped, or no chunk for `timeout` s) is
  restarted with the same backoff while the call has made no more than `max_retries` requests
  (the SDK's retries end once the answer has begun);
- a wall-clock `deadline` on the whole call, retries included, so a server that trickles bytes
  forever cannot hang a task;
- one exception, ModelCallError, whose one-line message names the model, the server, the
  status or cause, and the number of requests made (counted by an httpx event hook);
- StructuredOutputUnsupported when the server refuses a structured request (the caller then
  asks for text), StructuredOutputError when the answer does not fit the schema;
- rotation: on a 401 the key is fetched again once from where it is kept (agents/keys.py) and,
  when it changed, the call is made again with it.

Metering: every call is a row of adv_calls (tokens from the response's usage, streamed too;
cost from agents.llm.price_of); a cached answer is a row with cached=1 and 0 tokens.
Cache: adv_model_cache maps a hash of (model, base URL, messages, mode, schema, temperature) to the
answer, whether or not it could be used (a structured answer is kept as the model said it and
read again on a hit, so an unusable one fails the same way, for free); never the API key. Replay
answers from it only, and a miss is ReplayMiss. adv_model_checks keeps each model's check verdict
(agents/check.py).
All SQLite work runs in worker threads (asyncio.to_thread) on one connection per database file
per process (WAL, a long busy timeout, like graph/store.py).
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import random
import re
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import openai
from autodevos.agents.answers import AnswerError, first_error, json_in
from autodevos.agents.db import PerFile, open_database, store_errors, with_retries
from autodevos.agents.keys import KeySource, KeyUnavailable, refetch_key
from autodevos.agents.llm import Endpoint, api_key_for, build_chat_model, price_of, resolve_model
from langchain_core.messages import AIMessage, BaseMessage, convert_to_openai_messages
from pydantic import BaseModel, SecretStr, ValidationError

CALLS = "adv_calls"
CACHE = "adv_model_cache"
CACHE_FORMAT = 2  # part of every cache key: bump it when the key or the stored answer changes
CHECKS = "adv_model_checks"
STRUCTURED_METHODS = ("json_schema", "function_calling", "json_mode")
# Statuses that, on a structured request, mean "this server does not do that": ask for text.
UNSUPPORTED = frozenset({400, 404, 415, 422, 501})

M = TypeVar("M", bound=BaseModel)
Messages = Sequence[BaseMessage | dict[str, Any] | tuple[str, str] | str] | str


class ModelCallError(RuntimeError):
    """A model call that failed for good; the message is one line and never holds the API key."""

    def __init__(self, message: str, *, model: str = "", server: str = "", status: int | None = None, tries: int = 0,
                 cause: str = ""):
        super().__init__(message)
        self.cause = cause or message  # what went wrong, without the model, server and tries (the same on a cache hit)
        self.model = model
        self.server = server
        self.status = status  # the HTTP status, when the server answered with one
        self.tries = tries  # HTTP requests made


class StructuredOutputError(ModelCallError):
    """The server answered, but not with a valid instance of the schema (`answer` holds what it said)."""

    def __init__(self, message: str, *, answer: str = "", **kw: Any):
        super().__init__(message, **kw)
        self.answer = answer


class StructuredOutputUnsupported(StructuredOutputError):
    """The server refused the structured request (or the method): ask it for text instead."""


class ReplayMiss(ModelCallError):
    """Replay mode found no recorded answer for a call; nothing was sent."""


@dataclass(frozen=True)
class CallOptions:
    """How a ModelClient calls its model. Times are seconds."""

    cache: bool = True  # answer identical calls from adv_model_cache
    replay: bool = False  # answer from the cache only: no key, no network; a miss is ReplayMiss
    timeout: float = 120.0  # per HTTP try: connect, each read, and the gap between streamed chunks
    max_retries: int = 2  # retries of a failed try (by the openai SDK; a broken stream by us)
    deadline: float | None = None  # bound on a whole call, retries included; None: (timeout + 60) x tries
    streaming: bool = False  # stream answers (usage still metered, from the final usage chunk)
    prices: Mapping[str, tuple[float, float]] | None = None  # model -> USD per 1M tokens (in, out), over llm.PRICES
    temperature: float | None = 0.0  # None: the server's default (some reasoning models accept no other)
    structured_method: Literal["json_schema", "function_calling", "json_mode"] = "json_schema"
    before_network: Callable[[ModelClient], Awaitable[None]] | None = None  # called when a call is not in the cache
    keys: KeySource | None = None  # where the API key is kept (agents/keys.py); None: OPENAI_API_KEY

    @property
    def call_deadline(self) -> float:
        return self.deadline if self.deadline is not None else (self.timeout + 60.0) * (self.max_retries + 1)


@dataclass(frozen=True)
class Usage:
    """What a set of calls cost."""

    calls: int = 0  # rows: answered, cached and failed calls
    cached: int = 0  # answered from the cache (0 tokens)
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost: float = 0.0  # USD, over the calls whose cost is known
    unpriced: int = 0  # answered calls whose cost is unknown (no price for the model, or no usage reported)
    tries: int = 0  # HTTP requests made
    seconds: float = 0.0


@dataclass(frozen=True)
class CallTotals:
    """A run's model usage, in all and per task."""

    run: Usage = field(default_factory=Usage)
    tasks: dict[str, Usage] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# the run database's model tables


class CallStore:
    """adv_calls and adv_model_cache over one connection; methods are blocking (call them in a thread)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._conn, self.db = open_database(self.path)
        self._lock = threading.Lock()
        with store_errors(self.path):
            with_retries(self._ensure_schema)

    def _ensure_schema(self) -> None:
        with self._lock:
            self.db[CALLS].create(
                {"id": int, "thread_id": str, "task_id": str, "role": str, "model": str, "base_url": str, "mode": str,
                 "prompt_tokens": int, "completion_tokens": int, "total_tokens": int, "cost": float, "cached": int,
                 "tries": int, "seconds": float, "error": str, "at": float},
                pk="id", if_not_exists=True,
            )
            self.db[CALLS].create_index(["thread_id", "task_id"], if_not_exists=True)
            self.db[CACHE].create(
                {"key": str, "model": str, "base_url": str, "mode": str, "role": str, "task_id": str, "thread_id": str,
                 "answer": str, "prompt_tokens": int, "completion_tokens": int, "created": float},
                pk="key", if_not_exists=True,
            )
            self.db[CACHE].create_index(["model", "role", "task_id"], if_not_exists=True)
            self.db[CHECKS].create({"model": str, "base_url": str, "verdict": str, "checked": float},
                                   pk=("model", "base_url"), if_not_exists=True)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def record(self, call: dict[str, Any], cache: dict[str, Any] | None = None) -> None:
        """One adv_calls row, and the answer for the cache when given (the first answer for a key stays)."""
        with self._lock:
            self._conn.execute(
                f"INSERT INTO {CALLS} ({', '.join(call)}) VALUES ({', '.join('?' * len(call))})", list(call.values())
            )
            if cache is not None:
                self._conn.execute(
                    f"INSERT OR IGNORE INTO {CACHE} ({', '.join(cache)}) VALUES ({', '.join('?' * len(cache))})",
                    list(cache.values()),
                )

    def cached(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute(f"SELECT answer FROM {CACHE} WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def verdict(self, model: str, base_url: str | None) -> dict[str, Any] | None:
        """The stored check verdict of a model at a server (agents/check.py), or None."""
        with self._lock:
            row = self._conn.execute(f"SELECT verdict FROM {CHECKS} WHERE model = ? AND base_url = ?",
                                     (model, base_url or "")).fetchone()
        return json.loads(row[0]) if row else None

    def keep_verdict(self, model: str, base_url: str | None, verdict: dict[str, Any]) -> None:
        """Store (or replace) a model's check verdict."""
        with self._lock:
            self._conn.execute(f"INSERT OR REPLACE INTO {CHECKS} (model, base_url, verdict, checked) VALUES (?, ?, ?, ?)",
                               (model, base_url or "", json.dumps(verdict), time.time()))

    def recorded_for(self, model: str, role: str, task_id: str) -> int:
        """How many answers the cache holds for this model, role and task (to explain a replay miss)."""
        with self._lock:
            return self._conn.execute(
                f"SELECT count(*) FROM {CACHE} WHERE model = ? AND role = ? AND task_id = ?", (model, role, task_id)
            ).fetchone()[0]

    def totals(self, thread_id: str) -> CallTotals:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT task_id, count(*), sum(cached), sum(error IS NOT NULL), sum(prompt_tokens), "
                f"sum(completion_tokens), sum(total_tokens), sum(cost), sum(cost IS NULL AND error IS NULL), "
                f"sum(tries), sum(seconds) FROM {CALLS} WHERE thread_id = ? GROUP BY task_id ORDER BY task_id",
                (thread_id,),
            ).fetchall()
        tasks = {r[0]: _usage(r[1:]) for r in rows}
        run = _usage([sum(getattr(u, f) for u in tasks.values()) for f in Usage.__dataclass_fields__])
        return CallTotals(run=run, tasks=tasks)


def _usage(values: Sequence[Any]) -> Usage:
    """A Usage from its fields' values in order (SQL sums: None for no rows)."""
    kinds = [f.type for f in Usage.__dataclass_fields__.values()]
    return Usage(*(float(v or 0) if kind == "float" else int(v or 0) for v, kind in zip(values, kinds, strict=True)))


_STORES: PerFile[CallStore] = PerFile(CallStore)


def open_call_store(path: str | Path) -> CallStore:
    """One CallStore per database file in this process (blocking: call it in a thread)."""
    return _STORES.open(path)


def close_call_stores() -> None:
    _STORES.close_all()


def call_totals(db_path: str | Path, thread_id: str) -> CallTotals:
    """A run's model usage, in all and per task (blocking; zeros when the database does not exist)."""
    if not Path(db_path).exists():
        return CallTotals()
    return open_call_store(db_path).totals(thread_id)


# ---------------------------------------------------------------------------------------------
# the client

# The requests made by the current call, counted by an httpx event hook (each call sets its own box).
_REQUESTS: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("autodevos_model_requests", default=None)


async def _count_request(request: Any) -> None:
    box = _REQUESTS.get()
    if box is not None:
        box[0] += 1


def _transport_errors() -> tuple[type[BaseException], ...]:
    """httpx's transport errors (the openai SDK moved from httpx to httpx2; either may raise)."""
    kinds: list[type[BaseException]] = []
    for name in ("httpx2", "httpx"):
        try:
            kinds.append(__import__(name).TransportError)
        except (ImportError, AttributeError):
            pass
    return tuple(kinds)


_TRANSPORT = _transport_errors()


class ModelClient:
    """Every model call of one run: retried, bounded, metered into adv_calls, cached in adv_model_cache.

    `model` is a spec as agents.llm.parse_model reads it ('openai:gpt-4.1-mini', 'ollama:llama3.1';
    `base_url` overrides the provider's server). The API key is read here, once, from where
    `options.keys` says it is kept (OPENAI_API_KEY by default; not in replay mode), and kept in memory
    only: for the HTTP client, and to scrub it from error text. After a 401 it is fetched again, once. Use it as `async with ModelClient(...) as client:` (or call aclose()) to close its
    connections. Nothing here blocks the event loop.
    """

    def __init__(self, model: str, db_path: str | Path, thread_id: str, *, base_url: str | None = None,
                 options: CallOptions | None = None):
        self.endpoint: Endpoint = resolve_model(model, base_url)
        self.options = options or CallOptions()
        if self.options.structured_method not in STRUCTURED_METHODS:
            raise ValueError(f"structured_method must be one of {', '.join(STRUCTURED_METHODS)}")
        if self.options.timeout <= 0 or self.options.max_retries < 0:
            raise ValueError("timeout must be positive and max_retries not negative")
        self.db_path = Path(db_path)
        self.thread_id = thread_id
        self.price = price_of(self.endpoint, dict(self.options.prices or {}))
        keys = self.options.keys
        self._secret: SecretStr | None = None  # a file, keyring or command is read when the model is built (a worker thread)
        if not self.options.replay and (keys is None or keys.kind == "env"):
            self._secret = SecretStr(api_key_for(self.endpoint, keys))
        self._retired: list[SecretStr] = []  # keys a 401 replaced: still scrubbed from error text
        self._chat: Any = None
        self._http: Any = None
        self._old_http: list[Any] = []  # HTTP clients of replaced keys, closed by aclose()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._building: asyncio.Lock | None = None

    def __repr__(self) -> str:
        return f"ModelClient({self.endpoint.spec!r}, server={self.endpoint.server!r}, thread={self.thread_id!r})"

    async def __aenter__(self) -> ModelClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connections (the client can be used again afterwards)."""
        http, self._http, self._chat = self._http, None, None
        old, self._old_http = self._old_http, []
        for client in (*old, http):
            if client is not None:
                await client.aclose()

    # public calls --------------------------------------------------------------------------
    async def text(self, messages: Messages, *, role: str, task_id: str) -> str:
        """The model's answer as text."""
        return await self._call(_messages(messages), None, role=role, task_id=task_id)

    async def structured(self, messages: Messages, schema: type[M], *, role: str, task_id: str) -> M:
        """The answer as an instance of schema, by the server's structured output (CallOptions.structured_method).

        Raises StructuredOutputUnsupported when the server refuses it, StructuredOutputError when the
        answer does not fit the schema: either way the caller can ask for text instead.
        """
        return await self._call(_messages(messages), schema, role=role, task_id=task_id)

    async def totals(self) -> CallTotals:
        """This run's model usage, in all and per task."""
        return await asyncio.to_thread(call_totals, self.db_path, self.thread_id)

    # the call ------------------------------------------------------------------------------
    async def _call(self, messages: list[dict[str, Any]], schema: type[M] | None, *, role: str, task_id: str) -> Any:
        opts = self.options
        tool = openai.pydantic_function_tool(schema) if schema is not None else None
        mode = "text" if schema is None else f"structured:{opts.structured_method}"
        key = self._cache_key(messages, mode, tool)
        store = await asyncio.to_thread(open_call_store, self.db_path)
        started = time.monotonic()
        row = {"thread_id": self.thread_id, "task_id": task_id, "role": role, "model": self.endpoint.spec,
               "base_url": self.endpoint.base_url, "mode": mode}

        if opts.cache or opts.replay:
            answer = await asyncio.to_thread(store.cached, key)
            if answer is not None:
                hit = {**row, **_tokens(0, 0), "cost": 0.0, "cached": 1, "tries": 0, "at": time.time()}
                try:
                    result = answer if schema is None else self._structured(json.loads(answer), schema, 0)
                except StructuredOutputError as exc:  # an unusable answer, recorded: it fails again, for free
                    await asyncio.to_thread(store.record, {**hit, "error": str(exc), "seconds": time.monotonic() - started})
                    raise
                await asyncio.to_thread(store.record, {**hit, "seconds": time.monotonic() - started})
                return result
            if opts.replay:
                n = await asyncio.to_thread(store.recorded_for, self.endpoint.spec, role, task_id)
                why = (f"{n} other answer(s) are recorded for it, so its prompt or settings changed" if n
                       else "nothing is recorded for it; run once without replay to record it")
                raise ReplayMiss(f"replay: no recorded answer for this call of {role!r} (task {task_id!r}, "
                                 f"{self.endpoint.spec} at {self.endpoint.server}): {why}",
                                 model=self.endpoint.spec, server=self.endpoint.server)

        if opts.before_network is not None:
            await opts.before_network(self)  # e.g. the run's budget: may raise before anything is sent
        try:
            message, tries = await self._answer(messages, tool, structured=schema is not None)
        except ModelCallError as exc:
            await asyncio.to_thread(store.record, {**row, "cached": 0, "tries": exc.tries, "error": str(exc),
                                                   "seconds": time.monotonic() - started, "at": time.time()})
            raise
        usage = message.usage_metadata
        prompt, completion = (usage["input_tokens"], usage["output_tokens"]) if usage else (None, None)
        done = {**row, **_tokens(prompt, completion), "cost": self._cost(prompt, completion), "cached": 0,
                "tries": tries, "seconds": time.monotonic() - started, "at": time.time()}
        said = message.text if schema is None else self._said(message)
        cache = None
        if opts.cache:  # usable or not: an identical call is never paid for twice
            cache = {"key": key, "model": self.endpoint.spec, "base_url": self.endpoint.base_url, "mode": mode,
                     "role": role, "task_id": task_id, "thread_id": self.thread_id,
                     "answer": said if schema is None else json.dumps(said, ensure_ascii=False),
                     "prompt_tokens": prompt, "completion_tokens": completion, "created": time.time()}
        try:
            result = said if schema is None else self._structured(said, schema, tries)
        except StructuredOutputError as exc:
            await asyncio.to_thread(store.record, {**done, "error": str(exc)}, cache)
            raise
        await asyncio.to_thread(store.record, done, cache)
        return result

    async def _answer(self, messages: list[dict[str, Any]], tool: dict[str, Any] | None, *, structured: bool) -> tuple[AIMessage, int]:
        """_invoke, and on a 401 the key fetched again once: when it changed, the call is made again with it."""
        try:
            chat = await self._model()
        except KeyUnavailable as exc:  # the key's file, keyring or command: one line, recorded like a failed call
            raise self._error(ModelCallError, str(exc), None, 0) from None
        used = self._secret
        try:
            return await self._invoke(self._bind(chat, tool), messages, structured=structured)
        except ModelCallError as exc:
            if exc.status != 401 or not await self._rotated(used):
                raise
            before = exc.tries
        try:
            message, tries = await self._invoke(self._bind(await self._model(), tool), messages, structured=structured)
        except ModelCallError as exc:
            exc.tries += before
            raise
        return message, tries + before

    async def _rotated(self, used: SecretStr | None) -> bool:
        """After the server refused the key `used` (401): fetch it again (calls refused with the same key
        share one fetch). True when there is another key; the model is then built again with it."""
        if used is None:
            return False
        try:
            fresh = await asyncio.to_thread(refetch_key, self.options.keys, used.get_secret_value())
        except KeyUnavailable:  # the source cannot give one now: the 401 stands
            return False
        if not fresh or fresh == used.get_secret_value():
            return False
        if self._secret is used:  # the first call here after the fetch swaps the key
            self._retired.append(used)
            self._secret = SecretStr(fresh)
            if self._http is not None:
                self._old_http.append(self._http)
            self._chat = self._http = None
        return True

    async def _invoke(self, runnable: Any, messages: list[dict[str, Any]], *, structured: bool) -> tuple[AIMessage, int]:
        """One answer, with the SDK's retries, our restarts of broken streams, and the deadline."""
        box = [0]
        token = _REQUESTS.set(box)
        restarts = 0
        deadline = self.options.call_deadline
        try:
            async with asyncio.timeout(deadline):
                while True:
                    try:
                        return await runnable.ainvoke(messages), box[0]
                    except Exception as exc:
                        if _restartable(exc) and box[0] <= self.options.max_retries:
                            restarts += 1
                            await asyncio.sleep(_backoff(restarts))
                            continue
                        raise self._failure(exc, box[0], structured) from None
        except TimeoutError:  # only the deadline: everything raised inside became a ModelCallError
            raise self._error(ModelCallError, f"no answer within the {deadline:g} s deadline", None, box[0]) from None
        finally:
            _REQUESTS.reset(token)

    async def _model(self) -> Any:
        """The ChatOpenAI, built in a worker thread on first use (again in a new event loop)."""
        loop = asyncio.get_running_loop()
        if self._chat is not None and self._loop is loop:
            return self._chat
        if self._building is None or self._loop is not loop:
            self._building, self._loop, self._chat = asyncio.Lock(), loop, None
        async with self._building:
            if self._chat is None:
                self._chat, self._http = await asyncio.to_thread(self._build)
        return self._chat

    def _build(self) -> tuple[Any, Any]:
        assert not self.options.replay, "replay mode builds no model"
        if self._secret is None:
            self._secret = SecretStr(api_key_for(self.endpoint, self.options.keys))
        opts = self.options
        http = openai.DefaultAsyncHttpxClient(event_hooks={"request": [_count_request]})
        chat = build_chat_model(self.endpoint, self._secret.get_secret_value(), timeout=opts.timeout,
                                max_retries=opts.max_retries, streaming=opts.streaming, temperature=opts.temperature,
                                http_async_client=http)
        if opts.streaming:
            _ = chat.root_async_client.beta  # imports the SDK's stream helpers here, not on the event loop
        return chat, http

    def _bind(self, chat: Any, tool: dict[str, Any] | None) -> Any:
        if tool is None:
            return chat
        fn = tool["function"]
        method = self.options.structured_method
        if method == "function_calling":
            return chat.bind_tools([tool], tool_choice=fn["name"], parallel_tool_calls=False)
        if method == "json_mode":
            return chat.bind(response_format={"type": "json_object"})
        return chat.bind(response_format={"type": "json_schema", "json_schema": {
            "name": fn["name"], "schema": fn["parameters"], "strict": True}})

    def _said(self, message: AIMessage) -> dict[str, Any]:
        """What the model answered to a structured request, as plain data (what the cache keeps)."""
        refusal = message.additional_kwargs.get("refusal")
        if refusal:
            return {"refusal": str(refusal)}
        if self.options.structured_method != "function_calling":
            return {"text": message.text}
        if message.tool_calls:
            return {"args": message.tool_calls[0]["args"]}
        if message.invalid_tool_calls:
            return {"bad_args": str(message.invalid_tool_calls[0].get("args") or "")}
        return {"no_tool": message.text}

    def _structured(self, said: dict[str, Any], schema: type[M], tries: int) -> M:
        """An instance of schema from what the model said, or StructuredOutputError saying why."""

        def bad(why: str, answer: str) -> StructuredOutputError:
            return self._error(StructuredOutputError, why, None, tries, kind="structured output failed", answer=answer)

        if "refusal" in said:
            raise bad(f"the model refused: {said['refusal']}", said["refusal"])
        if "bad_args" in said:
            raise bad("the tool call's arguments are not JSON", said["bad_args"])
        if "no_tool" in said:
            raise bad("the answer holds no tool call", said["no_tool"])
        if "args" in said:
            data, raw = said["args"], json.dumps(said["args"])
        else:
            raw = said.get("text", "")
            try:
                data = json_in(raw)
            except AnswerError:
                raise bad("the answer is not JSON", raw) from None
        try:
            return schema.model_validate(data)
        except ValidationError as exc:
            raise bad(f"the answer does not fit {schema.__name__}: {first_error(exc)}", raw) from None

    # errors, costs, keys --------------------------------------------------------------------
    def _failure(self, exc: Exception, tries: int, structured: bool) -> ModelCallError:
        cause, status = _cause(exc, self.options.timeout)
        if structured and (status in UNSUPPORTED or isinstance(exc, NotImplementedError)):
            return self._error(StructuredOutputUnsupported, f"the server refused the structured request: {cause}",
                               status, tries, kind="structured output unsupported")
        return self._error(ModelCallError, cause, status, tries)

    def _error(self, kind_cls: type[ModelCallError], cause: str, status: int | None, tries: int, *,
               kind: str = "model call failed", **extra: Any) -> Any:
        count = "no request sent" if tries == 0 else f"after {tries} {'try' if tries == 1 else 'tries'}"
        text = f"{kind}: {self.endpoint.spec} at {self.endpoint.server}: {cause}, {count}"
        return kind_cls(self._scrub(_one_line(text, 500)), model=self.endpoint.spec, server=self.endpoint.server,
                        status=status, tries=tries, cause=self._scrub(_one_line(cause, 300)),
                        **{k: self._scrub(v) for k, v in extra.items()})

    def _scrub(self, text: str) -> str:
        """text without the API key, nor any key it replaced (a server may echo what it was sent)."""
        for secret in (self._secret, *self._retired):
            key = secret.get_secret_value() if secret is not None else ""
            text = text.replace(key, "[api key]") if len(key) >= 8 else text
        return text

    def _cost(self, prompt: int | None, completion: int | None) -> float | None:
        if prompt is None or completion is None or self.price is None:
            return None
        return round((prompt * self.price[0] + completion * self.price[1]) / 1_000_000, 10)

    def _cache_key(self, messages: list[dict[str, Any]], mode: str, tool: dict[str, Any] | None) -> str:
        """What makes two calls the same call. Not the key, the timeout, retries or streaming."""
        data = {"format": CACHE_FORMAT, "model": self.endpoint.spec, "base_url": self.endpoint.base_url,
                "messages": messages, "mode": mode, "schema": tool, "temperature": self.options.temperature}
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# helpers


def _messages(messages: Messages) -> list[dict[str, Any]]:
    """Messages in the OpenAI form: what is sent, and what the cache key is made of."""
    converted = convert_to_openai_messages([messages] if isinstance(messages, str) else list(messages))
    return converted if isinstance(converted, list) else [converted]


def _tokens(prompt: int | None, completion: int | None) -> dict[str, int | None]:
    total = None if prompt is None or completion is None else prompt + completion
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}


def _restartable(exc: BaseException) -> bool:
    """An error the SDK does not retry because the answer had begun: a broken or stalled stream."""
    if isinstance(exc, openai.APIStatusError):
        return False  # the SDK's to retry (and it did, or was told not to)
    if isinstance(exc, (openai.APIConnectionError, TimeoutError)):
        return True  # APIConnectionError after the SDK's last retry is not restarted: the tries are used up
    if isinstance(exc, openai.APIError):
        return True  # an error event in the middle of a stream
    return isinstance(exc, _TRANSPORT)


def _backoff(n: int) -> float:
    """The SDK's backoff: 0.5 s doubling, at most 8 s, less 0-25 % jitter."""
    return min(0.5 * 2 ** (n - 1), 8.0) * (1 - 0.25 * random.random())


def _cause(exc: BaseException, timeout: float) -> tuple[str, int | None]:
    """(what went wrong, the HTTP status if any), short and on one line."""
    if isinstance(exc, openai.APIStatusError):
        detail = _status_detail(exc)
        text = f"HTTP {exc.status_code}" + (f" ({_one_line(detail, 160)})" if detail else "")
        wait = exc.response.headers.get("retry-after")
        if wait:
            text += f", Retry-After {wait} s" + (" (longer than the 120 s the SDK waits)" if _over(wait, 120) else "")
        return text, exc.status_code
    if isinstance(exc, openai.APITimeoutError):
        return f"no answer within the {timeout:g} s timeout", None
    if isinstance(exc, TimeoutError):
        return f"the stream stalled for more than {timeout:g} s", None
    if isinstance(exc, openai.APIConnectionError):
        root: BaseException = exc
        while root.__cause__ is not None and root.__cause__ is not root:
            root = root.__cause__
        detail = f"{type(root).__name__}: {root}" if root is not exc else exc.message
        return f"connection failed or dropped ({_one_line(detail, 160)})", None
    if isinstance(exc, openai.APIError):
        return f"the server sent an error ({_one_line(exc.message, 160)})", None
    if isinstance(exc, _TRANSPORT):
        return f"connection broken ({type(exc).__name__}: {_one_line(str(exc), 160)})", None
    return f"{type(exc).__name__}: {_one_line(str(exc), 200)}", None


def _status_detail(exc: openai.APIStatusError) -> str:
    """The error message a server put in its body ({"error": {"message": ...}} or close to it)."""
    body = exc.body
    err = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(err, dict) and err.get("message"):
        return str(err["message"])
    if isinstance(err, str):
        return err
    return re.sub(r"^Error code: \d+ - ", "", exc.message or "")


def _over(value: str, limit: float) -> bool:
    try:
        return float(value) > limit
    except ValueError:
        return False


def _one_line(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
