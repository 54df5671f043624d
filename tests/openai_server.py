"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions API from a script.

Each request takes the next script entry (the last one repeats). An entry is the answer text, a
function of the request body returning it, or a fault:

    Status(429, retry_after=1)   an error status (with a Retry-After header when given)
    Stall(5)                     say nothing for 5 s, then hang up (longer than the client's timeout)
    Drop()                       close the connection without a response
    Cut("text")                  start the answer, then close the connection halfway through it
    Trickle(0.1)                 start the answer and send a byte (or an SSE comment) every 0.1 s, forever

Answers are streamed (SSE, with a final usage chunk when stream_options.include_usage is set)
when the request asks for it. A request with tools gets the text as the first tool's call
arguments; otherwise (plain or response_format) the text is the message content. Usage is
counted deterministically: prompt tokens = words in the request's messages, completion tokens =
words in the answer; `usage_total` sums what the server reported for complete script answers.

`keys` (a set of API keys) makes the server check the bearer token: a request with another key is
answered 401 before it reaches the script or the probes (counted in `refused`, its key in
`refused_keys`), as a server does after its key was rotated.

AutoDevOS's model check (agents/check.py) sends a few small probes before a run's first call to a
model. They are answered by `probes` (an entry like the script's; default `capable`, a model that
answers every probe as asked), not by the script, and counted apart: `request_count` and
`usage_total` are the script's (the agents' calls), `probe_count` the probes', `total_requests`
every request the server received.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Status:
    """Answer with an error status (and a Retry-After header when retry_after is given)."""

    code: int
    retry_after: float | None = None
    message: str = "scripted failure"


@dataclass(frozen=True)
class Stall:
    """Send nothing for `seconds` (or until the server stops), then hang up."""

    seconds: float


@dataclass(frozen=True)
class Drop:
    """Close the connection without sending a response."""


@dataclass(frozen=True)
class Cut:
    """Send the headers and the first part of this answer, then close the connection."""

    text: str = "an answer that never ends"


@dataclass(frozen=True)
class Trickle:
    """Start a 200 answer and keep it alive with a byte (an SSE comment when streaming) every `every` s."""

    every: float = 0.1


Fault = Status | Stall | Drop | Cut | Trickle
Answer = str | Callable[[dict[str, Any]], "str | Fault"]
Entry = Answer | Fault

PROBE_MARK = "AutoDevOS model check"
"""The first words of a model-check probe's system message (agents.check.MARK)."""


def is_probe(body: dict[str, Any]) -> bool:
    first = (body.get("messages") or [{}])[0]
    return isinstance(first.get("content"), str) and first["content"].startswith(PROBE_MARK)


def capable(body: dict[str, Any]) -> str:
    """A model that answers each model-check probe as asked."""
    if body.get("tools") or body.get("response_format"):
        return '{"word": "ready", "number": 7}'
    if "Count from 1 to 20" in prompt_text(body):
        return " ".join(str(i) for i in range(1, 21))
    return "READY"


def words(text: str) -> int:
    return len(text.split())


def prompt_text(body: dict[str, Any]) -> str:
    """All the text of the request's messages (string contents and text parts)."""
    parts: list[str] = []
    for m in body.get("messages", []):
        content = m.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(p.get("text", "") for p in content if isinstance(p, dict))
    return "\n".join(parts)


def usage_for(body: dict[str, Any], answer: str) -> dict[str, int]:
    prompt, completion = words(prompt_text(body)), words(answer)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _pieces(text: str, n: int = 3) -> list[str]:
    """text in n pieces (keeping every character), for streaming."""
    size = max(1, -(-len(text) // n))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class ScriptedOpenAI:
    """Answers each chat completion with the next script entry (the last one repeats)."""

    def __init__(self, answers: list[Entry], probes: Entry = capable, keys: set[str] | None = None):
        self.answers = list(answers)
        self.keys = keys  # None: any key (or none) is accepted
        self.refused = 0  # requests answered 401 because their key is not in `keys`
        self.refused_keys: list[str] = []
        self.probe_answer = probes
        self.probes: list[dict[str, Any]] = []  # model-check probes received (not in requests)
        self.requests: list[dict[str, Any]] = []  # every other request body received, faults included
        self.headers: list[dict[str, str]] = []  # their headers, lower-cased names
        self.times: list[float] = []  # time.monotonic() at each request's arrival
        self.answered = 0  # complete 200 answers sent
        self.usage_total = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._started = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, as real servers do

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                with server._lock:
                    server._connections.add(self.connection)

            def finish(self) -> None:
                with server._lock:
                    server._connections.discard(self.connection)
                try:
                    super().finish()
                except OSError:
                    pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if server.keys is not None:
                    given = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                    if given not in server.keys:
                        with server._lock:
                            server.refused += 1
                            server.refused_keys.append(given)
                        server._serve(self, body, Status(401, message="Incorrect API key provided"), 0, probe=True)
                        return
                if is_probe(body):
                    with server._lock:
                        server.probes.append(body)
                        n = len(server.probes)
                    try:
                        server._serve(self, body, server.probe_answer, n, probe=True)
                    except OSError:
                        self.close_connection = True
                    return
                with server._lock:
                    server.requests.append(body)
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                    server.times.append(time.monotonic())
                    entry = server.answers[min(len(server.requests) - 1, len(server.answers) - 1)]
                    n = len(server.requests)
                try:
                    server._serve(self, body, entry, n)
                except OSError:  # the client went away (timed out); nothing to answer
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    # ------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    @property
    def request_count(self) -> int:
        """Requests received from the agents (each consumed one script entry); probes not included."""
        with self._lock:
            return len(self.requests)

    @property
    def probe_count(self) -> int:
        """Model-check probes received."""
        with self._lock:
            return len(self.probes)

    @property
    def total_requests(self) -> int:
        """Every request the server received: the agents' and the probes."""
        with self._lock:
            return len(self.requests) + len(self.probes)

    def start(self) -> ScriptedOpenAI:
        if not self._started:
            self._started = True
            self.thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and cut every open connection: nothing is answered after this."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._started:
            self.httpd.shutdown()
        self.httpd.server_close()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> ScriptedOpenAI:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler, body: dict[str, Any], entry: Entry, n: int, probe: bool = False) -> None:
        stream = bool(body.get("stream"))
        if callable(entry):  # a function of the request: an answer text, or a fault
            entry = entry(body)
        if isinstance(entry, Status):
            payload = json.dumps({"error": {"message": entry.message, "type": "scripted", "code": entry.code}}).encode()
            h.send_response(entry.code)
            if entry.retry_after is not None:
                h.send_header("Retry-After", f"{entry.retry_after:g}")
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
            return
        if isinstance(entry, Stall):
            self._stopping.wait(entry.seconds)
            _hang_up(h)
            return
        if isinstance(entry, Drop):
            _hang_up(h)
            return
        if isinstance(entry, Trickle):
            self._trickle(h, stream, entry.every)
            return
        if isinstance(entry, Cut):
            self._cut(h, stream, entry.text)
            return
        text = entry
        tool = _tool_name(body)
        usage = usage_for(body, text)
        cid = f"chatcmpl-{n}"
        model = body.get("model", "test")
        if stream:
            self._stream(h, body, cid, model, text, tool, usage)
        else:
            if tool:
                message = {"role": "assistant", "content": None, "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": tool, "arguments": text}}]}
            else:
                message = {"role": "assistant", "content": text}
            payload = json.dumps({
                "id": cid, "object": "chat.completion", "created": 0, "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if tool else "stop"}],
                "usage": usage,
            }).encode()
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
        if probe:
            return
        with self._lock:
            self.answered += 1
            for k, v in usage.items():
                self.usage_total[k] += v

    def _stream(self, h: BaseHTTPRequestHandler, body: dict[str, Any], cid: str, model: str, text: str,
                tool: str | None, usage: dict[str, int]) -> None:
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
            choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
            data = {"id": cid, "object": "chat.completion.chunk", "created": 0, "model": model, "choices": choices}
            if include_usage:
                data["usage"] = None
            data.update(extra)
            return data

        if tool:
            events = [chunk({"role": "assistant", "content": None, "tool_calls": [
                {"index": 0, "id": "call_1", "type": "function", "function": {"name": tool, "arguments": ""}}]})]
            events += [chunk({"tool_calls": [{"index": 0, "function": {"arguments": p}}]}) for p in _pieces(text)]
            events.append(chunk({}, "tool_calls"))
        else:
            events = [chunk({"role": "assistant", "content": ""})]
            events += [chunk({"content": p}) for p in _pieces(text)]
            events.append(chunk({}, "stop"))
        if include_usage:
            events.append(chunk(None, usage=usage))
        _start_sse(h)
        for e in events:
            _send_chunk(h, f"data: {json.dumps(e)}\n\n".encode())
        _send_chunk(h, b"data: [DONE]\n\n")
        _send_chunk(h, b"")

    def _cut(self, h: BaseHTTPRequestHandler, stream: bool, text: str) -> None:
        if stream:
            _start_sse(h)
            first = {"id": "chatcmpl-cut", "object": "chat.completion.chunk", "created": 0, "model": "test",
                     "choices": [{"index": 0, "delta": {"role": "assistant", "content": text[: len(text) // 2]},
                                  "finish_reason": None}]}
            _send_chunk(h, f"data: {json.dumps(first)}\n\n".encode())
        else:
            payload = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}).encode()
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload[: len(payload) // 2])
        h.wfile.flush()
        _hang_up(h)

    def _trickle(self, h: BaseHTTPRequestHandler, stream: bool, every: float) -> None:
        if stream:
            _start_sse(h)
        else:
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", "1000000")
            h.end_headers()
        while not self._stopping.wait(every):
            if stream:
                _send_chunk(h, b": keep-alive\n\n")
            else:
                h.wfile.write(b" ")
            h.wfile.flush()
        _hang_up(h)


def _tool_name(body: dict[str, Any]) -> str | None:
    tools = body.get("tools") or []
    if not tools:
        return None
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("function", {}).get("name"):
        return choice["function"]["name"]
    return tools[0].get("function", {}).get("name")


def _start_sse(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/event-stream")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()


def _send_chunk(h: BaseHTTPRequestHandler, data: bytes) -> None:
    """One HTTP/1.1 chunk (an empty one ends the body)."""
    h.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
    h.wfile.flush()


def _hang_up(h: BaseHTTPRequestHandler) -> None:
    h.close_connection = True
    try:
        h.wfile.flush()
    except OSError:
        pass
    try:
        h.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
