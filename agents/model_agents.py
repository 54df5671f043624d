"""Model-written code for the code agents: prompt -> answer -> checked files, never an unchecked path.

With a model, a code agent (backend, frontend, tests, docs, devops) writes or edits its files from
the spec, the plan, the other agents' interfaces and the offline generator's baseline. The model
call is injected (`Ask`), so this module holds no network code and is tested with a scripted fake.

How an answer is obtained (`write_files`):
1. structured output (`FilesAnswer`); an answer that does not validate is asked again with the
   error, at most `max_reasks` times;
2. when the server has no structured output or it kept failing: plain text in the documented
   format (`### path` + fenced block, or the same JSON), parsed by `parse_files_text`, re-asked
   the same way;
3. then `ModelAnswerError`, whose one-line message says why (the caller fails the task with it).

Every answer is checked before it is used: safe relative paths (`files.check_relpath`), each
inside the agent's own area (derived from what the offline generator renders for each agent),
text content, at least one file, valid JSON where the file is JSON, and package.json keeps the
baseline's scripts (install/typecheck/lint/test/build must keep working).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal, Protocol

from autodevos.agents import render
from autodevos.agents.files import FileSet, UnsafePathError, check_relpath
from autodevos.agents.prompts import render_prompt
from autodevos.domain.dag import Plan, Task
from autodevos.domain.spec import AppSpec
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic import Field as PField

CODE_AGENTS: tuple[str, ...] = ("backend", "frontend", "tests", "docs", "devops")
"""Agents whose files a model can write."""

RENDERERS: dict[str, Callable[[AppSpec], dict[str, str]]] = {
    "backend": render.render_backend,
    "frontend": render.render_frontend,
    "tests": render.render_tests,
    "docs": render.render_docs,
    "devops": render.render_devops,
}
"""The offline generator of each code agent: its baseline, and the source of every agent's area."""

MAX_FILE_CHARS = 200_000
"""Longest file a model may write (a longer one is a runaway answer)."""


# --- errors and the answer schema -------------------------------------------------------------


class StructuredUnsupported(Exception):
    """Raised by `Ask.structured` when the server has no structured output (NotImplementedError counts too)."""


class AnswerError(ValueError):
    """One answer that cannot be used; the message names the culprit and is shown to the model on a re-ask."""


class ModelAnswerError(RuntimeError):
    """No usable answer after the bounded asks; the one-line message says why (the task fails with it)."""


class FileOut(BaseModel):
    """One file the model adds or changes."""

    model_config = ConfigDict(extra="forbid")

    path: str = PField(description="path from the app root, e.g. backend/src/app.ts")
    content: str = PField(description="the file's complete new content (never a diff or an excerpt)")


class FilesAnswer(BaseModel):
    """What a code agent's model answers: the files it adds or changes, with full content."""

    model_config = ConfigDict(extra="forbid")

    files: list[FileOut] = PField(description="every file you add or change, each with its complete content")
    notes: str = PField(default="", description="one or two sentences: what you changed and why")


class Ask(Protocol):
    """The injected model call. `role` is the agent, `task_id` the task (for budgets and logs).

    `structured` returns an instance of `schema` (or a dict of it); it raises StructuredUnsupported
    (or NotImplementedError) when the server cannot do structured output, and a ValueError (pydantic's
    ValidationError, langchain's OutputParserException, ...) when the answer does not validate.
    Anything else (transport errors, timeouts) propagates unchanged to the caller.
    """

    async def structured(self, messages: list[BaseMessage], schema: type[BaseModel], *, role: str, task_id: str) -> BaseModel: ...

    async def text(self, messages: list[BaseMessage], *, role: str, task_id: str) -> str: ...


@dataclass
class ModelFiles:
    """The result of one model-written task."""

    files: dict[str, str]
    """The full set the task owns: baseline, overlaid with the current files, overlaid with the model's."""
    changed: list[str]
    """Paths the model wrote (sorted)."""
    notes: list[str] = field(default_factory=list)
    """What happened, in order: structured ok / re-asked with error X / fell back to text / ..."""
    how: Literal["structured", "text"] = "structured"
    """Which kind of answer was used."""
    asks: int = 0
    """How many times the model was asked."""


@dataclass(frozen=True)
class Budgets:
    """Character budgets of the prompt's file sections (the rest is listed by path)."""

    files: int = 40_000
    """The task's own files (baseline, or current on disk)."""
    interfaces: int = 30_000
    """The other agents' interfaces."""
    repair: int = 30_000
    """Repair mode: the current content of the failing files."""


# --- areas: where each agent may write --------------------------------------------------------


def _folder(path: str) -> str:
    parent = PurePosixPath(path).parent.as_posix()
    return "" if parent == "." else parent


def _ancestors(path: str) -> list[str]:
    """Folders that hold path, deepest first, ending with the root ''."""
    out, folder = [], _folder(path)
    while True:
        out.append(folder)
        if not folder:
            return out
        folder = _folder(folder)


def _show(folder: str) -> str:
    return f"{folder}/" if folder else "the app root"


class Areas:
    """Which agent may write which path, derived from the files each agent renders offline.

    A path another agent renders belongs to that agent. A new path belongs to the agents that
    have files directly in its deepest known folder (backend/src/util.ts -> backend,
    backend/tests/util.ts -> tests, a new file at the app root -> docs and devops).
    """

    def __init__(self, owned: Mapping[str, Iterable[str]]):
        self.owner: dict[str, str] = {}
        self.direct: dict[str, set[str]] = {}
        self.under: dict[str, set[str]] = {}
        for agent, paths in owned.items():
            for p in paths:
                self.owner.setdefault(p, agent)
                self.direct.setdefault(_folder(p), set()).add(agent)
                for folder in _ancestors(p):
                    self.under.setdefault(folder, set()).add(agent)

    def allowed(self, path: str) -> set[str]:
        """The agents that may write path."""
        if path in self.owner:
            return {self.owner[path]}
        return self._folder_agents(next(f for f in _ancestors(path) if f in self.under))

    def _folder_agents(self, folder: str) -> set[str]:
        return set(self.direct.get(folder) or self.under.get(folder, set()))

    def check(self, agent: str, path: str) -> None:
        """Raise AnswerError unless agent may write path (a normalised relative path)."""
        if agent in self.allowed(path):
            return
        if path in self.owner:
            raise AnswerError(f"file path {path!r} belongs to the {self.owner[path]} agent, not the {agent} agent")
        folder = next(f for f in _ancestors(path) if f in self.under)
        raise AnswerError(f"file path {path!r} is outside the {agent} agent's area "
                          f"(new files in {_show(folder)} belong to the {' and '.join(sorted(self._folder_agents(folder)))} agent)")

    def describe(self, agent: str) -> str:
        """One line for the prompt: the folders the agent writes into, and where it may only add files."""
        mine = sorted(f for f, agents in self.direct.items() if agent in agents)
        alone = [f for f in mine if f and self.direct[f] == {agent}]
        roots = [f for f in alone if not any(f.startswith(r + "/") for r in alone if r != f)]
        shared = [f for f in mine if f not in alone and not any(f.startswith(r + "/") for r in roots)]
        others = sorted({f for f in self.under for r in roots if f.startswith(r + "/") and agent not in self._folder_agents(f)})
        others = [f for f in others if not any(f.startswith(o + "/") for o in others if o != f)]
        parts = []
        if roots:
            parts.append("anything under " + ", ".join(f"{r}/" for r in roots)
                         + (f" (except {', '.join(f'{o}/' for o in others)}, which other agents own)" if others else ""))
        if shared:
            parts.append("new files directly in " + ", ".join(_show(f) for f in shared))
        parts.append("and the files of your baseline; never a file another agent renders")
        return "; ".join(parts)


def areas_for(spec: AppSpec) -> Areas:
    """Every code agent's area for this spec (renders the offline app: reads templates)."""
    return Areas({agent: list(renderer(spec)) for agent, renderer in RENDERERS.items()})


# --- interfaces: what an agent must agree with ----------------------------------------------


_INTERFACES: dict[str, tuple[str, ...]] = {
    "backend": (),
    "frontend": ("backend/src/types.ts", "docs/openapi.json"),
    "tests": ("backend/src/types.ts", "backend/src/app.ts", "frontend/src/types.ts", "frontend/src/api.ts",
              "frontend/src/App.tsx", "frontend/src/pages/", "backend/package.json", "frontend/package.json",
              "docs/openapi.json"),
    "docs": ("backend/package.json", "frontend/package.json", "backend/.env.example", "frontend/.env.example",
             "backend/src/types.ts", "docker-compose.yml"),
    "devops": ("backend/package.json", "frontend/package.json", "backend/.env.example", "frontend/.env.example",
               "frontend/vite.config.ts", "backend/src/config.ts"),
}
"""Per agent, the other agents' files (or folders, ending in /) it must agree with, most useful first."""


def interfaces_for(agent: str, spec: AppSpec, written: Mapping[str, str] | None = None) -> dict[str, str]:
    """The other agents' files this agent must agree with (the backend's API contract for the frontend
    and tests, package scripts and environment for docs and devops), as rendered offline from the spec.

    `written` (what the other tasks actually wrote) replaces the rendered text where it has the path.
    JSON is compacted (it is read by the model, not written). Ordered most useful first.
    """
    wanted = _INTERFACES.get(agent, ())
    if not wanted:
        return {}
    rendered: dict[str, str] = {}
    for other, renderer in RENDERERS.items():
        if other != agent:
            rendered |= renderer(spec)
    rendered |= {p: t for p, t in (written or {}).items() if p in rendered or any(p.startswith(w) for w in wanted if w.endswith("/"))}
    out: dict[str, str] = {}
    for want in wanted:
        for path in sorted(rendered) if want.endswith("/") else [want]:
            if (path == want or (want.endswith("/") and path.startswith(want))) and path in rendered:
                out[path] = _compact(path, rendered[path])
    return out


def _compact(path: str, text: str) -> str:
    if path.endswith(".json") and not path.endswith("package.json"):
        try:
            return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False) + "\n"
        except json.JSONDecodeError:
            return text
    return text


# --- choosing what fits in the prompt -------------------------------------------------------


_KEY_NAMES = {"package.json", "types.ts", "app.ts", "App.tsx", "api.ts", "schema.ts", "server.ts", "README.md", "ci.yml",
              "docker-compose.yml", "Dockerfile"}
_LOW_VALUE = re.compile(r"(^|/)(drizzle/meta/|\.prettier|\.gitignore$|\.dockerignore$)|\.(snap|lock|svg)$|snapshot\.json$")


def _rank(path: str) -> int:
    name = PurePosixPath(path).name
    if name in _KEY_NAMES:
        return 0
    if _LOW_VALUE.search(path):
        return 2
    return 1


def select_files(files: Mapping[str, str], budget: int, first: Iterable[str] = ()) -> tuple[dict[str, str], list[str]]:
    """The files to show in full (within `budget` characters) and the paths only listed. Pure.

    Order of preference: the `first` paths, in their order; then key files (package.json, types,
    app entry points); then the rest, one file per folder before a second from the same folder (so
    a route, a controller and a service come before the second route); low-value files (lock-like,
    generated snapshots, ignore files) last. A file that does not fit is skipped for a smaller one.
    """
    first = [p for p in dict.fromkeys(first) if p in files]
    rest = sorted((p for p in files if p not in first), key=lambda p: (_rank(p), _folder(p), len(files[p]), p))
    seen: dict[tuple[int, str], int] = {}
    order_key: dict[str, tuple[int, int, int, str]] = {}
    for p in rest:
        k = (_rank(p), _folder(p))
        seen[k] = seen.get(k, -1) + 1
        order_key[p] = (_rank(p), seen[k], len(files[p]), p)
    ordered = first + sorted(rest, key=order_key.__getitem__)
    shown: dict[str, str] = {}
    left = budget
    for p in ordered:
        if len(files[p]) <= left:
            shown[p] = files[p]
            left -= len(files[p])
    listed = [p for p in ordered if p not in shown]
    return shown, listed


def failing_paths(feedback: str | None, paths: Iterable[str]) -> list[str]:
    """The known paths the feedback names, in path order. A path counts when it appears whole
    (backend/src/app.ts), or relative to its package (src/app.ts) when the package is named
    (verify's feedback says "in backend/" and then quotes tsc/eslint/vitest output). Pure."""
    if not feedback:
        return []
    found = []
    for p in sorted(paths):
        head, _, rel = p.partition("/")
        whole = re.search(rf"(?<![\w.-]){re.escape(p)}(?![\w-])", feedback)
        named = rel and re.search(rf"(?<![\w.-]){re.escape(head)}/", feedback)
        if whole or (named and re.search(rf"(?<![\w./-]){re.escape(rel)}(?![\w-])", feedback)):
            found.append(p)
    return found


# --- the answer format ------------------------------------------------------------------------


_HEADING = re.compile(r"^ {0,3}(?:#{1,6}[ \t]+|\*\*)(?:file:[ \t]*)?`?(?P<path>[^\s`*]+?)`?(?:\*\*)?:?[ \t]*$", re.I)
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\s]*)[^`]*$")
_LANG = {".ts": "ts", ".tsx": "tsx", ".js": "js", ".mjs": "js", ".json": "json", ".md": "markdown", ".yml": "yaml",
         ".yaml": "yaml", ".sql": "sql", ".css": "css", ".html": "html", ".conf": "nginx"}


def _looks_like_path(token: str) -> bool:
    """backend/src/app.ts, README.md, .env: yes; Install, Usage: no (a README's own headings)."""
    return re.search(r"[/.]\w", token) is not None


def parse_files_text(text: str) -> dict[str, str]:
    """A text answer -> {path: content}. Pure; raises AnswerError when it holds no files.

    The format (prompts/shared/answer_text.md): for each file, a line `### path/from/app/root.ext`
    and then a fenced block with the file's full content. A block ends at the last closing fence
    before the next file's heading, so fences inside a file (a README's examples) survive; a
    longer fence (````) works too. Prose between blocks is ignored. A JSON object
    {"files": [{"path", "content"}]} (bare or in a ```json block) is accepted as well.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    starts: list[tuple[int, int, str, str]] = []  # heading line, fence line, path, fence
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if not m or not _looks_like_path(m.group("path")):
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        f = _FENCE.match(lines[j]) if j < len(lines) else None
        if f:
            starts.append((i, j, m.group("path"), f.group("fence")))
    if not starts:
        return _parse_json_files(text)
    out: dict[str, str] = {}
    for n, (_, j, path, fence) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        close = None
        for k in range(end - 1, j, -1):
            s = lines[k].strip()
            if s and set(s) == {fence[0]} and len(s) >= len(fence) and len(lines[k]) - len(lines[k].lstrip(" ")) <= 3:
                close = k
                break
        if close is None:
            raise AnswerError(f"the block of {path!r} has no closing {fence} (was the answer cut off?)")
        if path in out:
            raise AnswerError(f"the answer gives {path!r} twice")
        body = lines[j + 1 : close]
        out[path] = "\n".join(body) + "\n" if body else ""
    return out


def _parse_json_files(text: str) -> dict[str, str]:
    fence = re.search(r"```(?:json)?[ \t]*\n(\{.*\})\s*```", text, re.S)
    body = fence.group(1) if fence else text
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end <= start:
        raise AnswerError("the answer holds no files: expected a line `### path` before each fenced block "
                          "(or a JSON object with \"files\")")
    try:
        data = json.loads(body[start : end + 1])
    except json.JSONDecodeError as exc:
        raise AnswerError(f"the answer holds no `### path` blocks and its JSON does not parse ({exc.msg} at line {exc.lineno})") from None
    files = data.get("files") if isinstance(data, dict) else None
    if isinstance(files, dict):
        files = [{"path": p, "content": c} for p, c in files.items()]
    try:
        answer = FilesAnswer.model_validate({"files": files, "notes": str(data.get("notes", ""))})
    except ValidationError as exc:
        raise AnswerError(f"the answer's JSON does not fit the schema: {_first_error(exc)}") from None
    out: dict[str, str] = {}
    for f in answer.files:
        if f.path in out:
            raise AnswerError(f"the answer gives {f.path!r} twice")
        out[f.path] = f.content
    return out


def format_file(path: str, text: str) -> str:
    """A file in the answer format (`### path` + fenced block; the fence is longer than any run of
    backticks inside). The prompts show files this way, so the model sees the format it answers in."""
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * max(3, longest + 1)
    name = PurePosixPath(path).name
    lang = "dockerfile" if name == "Dockerfile" else _LANG.get(PurePosixPath(path).suffix, "")
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"### {path}\n{fence}{lang}\n{body}{fence}\n"


# --- checking an answer -----------------------------------------------------------------------


def check_answer(agent: str, files: Mapping[str, object], areas: Areas, base: Mapping[str, str]) -> dict[str, str]:
    """The answer's files with normalised paths, or AnswerError naming the first culprit. Pure.

    `base` is what the task already owns (baseline and current files): package.json must keep
    its scripts, and a path may not differ from one of them only in case.
    """
    if not files:
        raise AnswerError("the answer holds no files: give at least one file you add or change")
    out: dict[str, str] = {}
    for raw, content in files.items():
        try:
            path = check_relpath(raw)
        except UnsafePathError as exc:
            raise AnswerError(str(exc)) from None
        areas.check(agent, path)
        if not isinstance(content, str):
            raise AnswerError(f"the content of {path!r} is not text")
        if len(content) > MAX_FILE_CHARS:
            raise AnswerError(f"{path!r} is longer than {MAX_FILE_CHARS} characters")
        if path in out:
            raise AnswerError(f"the answer gives {path!r} twice")
        _check_content(path, content, base.get(path))
        out[path] = content
    try:
        FileSet(base).update(out)
    except UnsafePathError as exc:
        raise AnswerError(str(exc)) from None
    return out


def _check_content(path: str, content: str, before: str | None) -> None:
    name = PurePosixPath(path).name
    if not name.endswith(".json") or name.startswith("tsconfig"):  # tsconfig allows comments
        return
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise AnswerError(f"{path!r} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if name == "package.json" and before is not None:
        try:
            wanted = set(json.loads(before).get("scripts", {}))
        except (json.JSONDecodeError, AttributeError):
            return
        have = set(data.get("scripts", {})) if isinstance(data, dict) and isinstance(data.get("scripts"), dict) else set()
        if wanted - have:
            raise AnswerError(f"{path!r} drops the script(s) {', '.join(sorted(wanted - have))}: keep every script of the baseline")


# --- prompts --------------------------------------------------------------------------------


def _section(files: Mapping[str, str], listed: list[str], empty: str) -> str:
    if not files and not listed:
        return empty
    text = "\n".join(format_file(p, t) for p, t in files.items())
    if listed:
        text += "\nNot shown (over the size budget), by path:\n" + "\n".join(f"- {p}" for p in listed) + "\n"
    return text


def _tasks(plan: Plan, task: Task) -> str:
    rows = []
    for t in plan.tasks:
        deps = f" (after {', '.join(t.depends_on)})" if t.depends_on else ""
        mark = "  <- this task" if t.id == task.id else ""
        rows.append(f"- {t.id} [{t.agent}]{deps}: {t.description}{mark}")
    return "\n".join(rows)


def build_messages(
    agent: str, task: Task, spec: AppSpec, plan: Plan, *, baseline: Mapping[str, str], interfaces: Mapping[str, str],
    areas: Areas, current: Mapping[str, str] | None = None, feedback: str | None = None,
    mode: Literal["structured", "text"] = "structured", budgets: Budgets = Budgets(),
) -> list[BaseMessage]:
    """System + user message for one agent (reads prompts/<agent>/ and prompts/shared/)."""
    own = {**baseline, **(current or {})}
    failing = failing_paths(feedback, own) if feedback else []
    repair = ""
    if feedback is not None:
        shown, listed = select_files({p: own[p] for p in failing}, budgets.repair, failing)
        repair = render_prompt("shared", "repair", feedback=feedback.strip() or "(no reason given)",
                               failing=_section(shown, listed, "(the feedback names none of this task's files)"))
    files_shown, files_listed = select_files({p: t for p, t in own.items() if p not in failing}, budgets.files)
    if_shown, if_listed = select_files(interfaces, budgets.interfaces, list(interfaces))
    values = {
        "spec_json": spec.model_dump_json(indent=2),
        "tasks": _tasks(plan, task),
        "task_id": task.id,
        "task_description": task.description or "(none)",
        "interfaces": _section(if_shown, if_listed, "(none: this agent's contract is the spec)"),
        "files": _section(files_shown, files_listed, "(none yet)"),
        "files_kind": "as they are on disk now" if current else "the offline generator's baseline, which installs, builds and passes its checks",
        "repair": repair,
        "answer_format": render_prompt("shared", f"answer_{mode}"),
    }
    system = render_prompt(agent, "system", area=areas.describe(agent))
    return [SystemMessage(system), HumanMessage(render_prompt(agent, "user", **values))]


# --- the loop -------------------------------------------------------------------------------


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "answer"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return _first_error(exc)
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())[:300]


async def write_files(
    agent: str, task: Task, spec: AppSpec, plan: Plan, ask: Ask, *, baseline: Mapping[str, str],
    interfaces: Mapping[str, str], current: Mapping[str, str] | None = None, feedback: str | None = None,
    max_reasks: int = 2, areas: Areas | None = None, budgets: Budgets = Budgets(),
) -> ModelFiles:
    """Ask the model for the task's files; return the full set the task owns, or raise ModelAnswerError.

    `baseline`: the offline generator's files for the task; `interfaces`: the other agents' files
    (see interfaces_for); `current`: the task's files on disk when it runs again; `feedback`: why
    it runs again (a failed verify step, a person's rejection) - repair mode; `areas`: defaults to
    areas_for(spec).
    """
    if agent not in RENDERERS:
        raise ValueError(f"agent {agent!r} has no model prompts (known: {', '.join(RENDERERS)})")
    if areas is None:
        areas = await asyncio.to_thread(areas_for, spec)
    base = {**baseline, **(current or {})}
    notes: list[str] = []
    asks = 0
    last = ""

    def prompt(mode: Literal["structured", "text"]) -> list[BaseMessage]:
        return build_messages(agent, task, spec, plan, baseline=baseline, interfaces=interfaces, areas=areas,
                              current=current, feedback=feedback, mode=mode, budgets=budgets)

    def done(answer: dict[str, str], how: Literal["structured", "text"], summary: str) -> ModelFiles:
        if summary.strip():
            notes.append("model: " + " ".join(summary.split())[:300])
        return ModelFiles({**base, **answer}, sorted(answer), notes, how, asks)

    # 1. structured output
    messages = await asyncio.to_thread(prompt, "structured")
    extra: list[BaseMessage] = []
    for attempt in range(max_reasks + 1):
        asks += 1
        answer: FilesAnswer | None = None
        try:
            raw = await ask.structured(messages + extra, FilesAnswer, role=agent, task_id=task.id)
            answer = raw if isinstance(raw, FilesAnswer) else FilesAnswer.model_validate(
                raw.model_dump() if isinstance(raw, BaseModel) else raw)
            files = check_answer(agent, {f.path: f.content for f in answer.files}, areas, base)
        except (StructuredUnsupported, NotImplementedError):
            notes.append("structured output not supported by the server; asked for text")
            break
        except (ValueError, TypeError) as exc:  # ValidationError, OutputParserException and AnswerError are ValueErrors
            last = f"structured: {_reason(exc)}"
            again = attempt < max_reasks
            notes.append(f"structured answer refused ({_reason(exc)})" + ("; asked again with the error" if again else ""))
            if again:  # the refused answer (when there is one) and the error, in place of the previous pair
                reask = await asyncio.to_thread(render_prompt, "shared", "reask_structured", error=_reason(exc))
                extra = ([AIMessage(answer.model_dump_json())] if answer is not None else []) + [HumanMessage(reask)]
            continue
        notes.append(f"structured answer accepted ({len(files)} file{'s' * (len(files) != 1)})")
        return done(files, "structured", answer.notes)
    else:
        notes.append("structured output kept failing; asked for text")

    # 2. plain text, parsed
    messages = await asyncio.to_thread(prompt, "text")
    extra = []
    for attempt in range(max_reasks + 1):
        asks += 1
        text = await ask.text(messages + extra, role=agent, task_id=task.id)
        try:
            if not isinstance(text, str):
                raise AnswerError("the answer is not text")
            files = check_answer(agent, parse_files_text(text), areas, base)
        except ValueError as exc:
            last = f"text: {_reason(exc)}"
            again = attempt < max_reasks
            notes.append(f"text answer refused ({_reason(exc)})" + ("; asked again with the error" if again else ""))
            if again:
                reask = await asyncio.to_thread(render_prompt, "shared", "reask_text", error=_reason(exc))
                extra = [AIMessage(text if isinstance(text, str) else repr(text)), HumanMessage(reask)]
            continue
        notes.append(f"text answer parsed ({len(files)} file{'s' * (len(files) != 1)})")
        return done(files, "text", "")
    raise ModelAnswerError(f"the {agent} model gave no usable files after {asks} asks; last problem: {last}")
