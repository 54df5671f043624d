"""Model-written code for the code agents: prompt -> answer -> checked files, never an unchecked path.

With a model, a code agent (backend, frontend, tests, docs, devops) writes or edits its files from
the spec, the plan, the other agents' interfaces and the offline generator's baseline. The model
call is injected (`Ask`), so this module holds no network code and is tested with a scripted fake.

How an answer is obtained (`write_files`):
1. structured output (`FilesAnswer`); an answer that does not validate is asked again with the
   error, at most `max_reasks` times;
2. when the server has no structured output or it kept failing: plain text in the documented
   format (`### path` + fenced block, or the same JSON), parsed by `parse_files_text`, re-asked
   the same way (both steps are agents.answers.ask_until_valid, the planner's loop too);
3. then `ModelAnswerError`, whose one-line message says why (the caller keeps the offline
   generator's baseline for the task and records the reason).

Every answer is checked before it is used: safe relative paths (`files.check_relpath`), each
inside the agent's own area (derived from what the offline generator renders for each agent),
text content, at least one file, valid JSON where the file is JSON, and package.json keeps the
baseline's scripts (install/typecheck/lint/test/build must keep working).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal

from autodevos.agents import registry
from autodevos.agents.answers import (  # noqa: F401  (AnswerError, Ask, StructuredUnsupported: re-exported)
    AnswerError,
    Ask,
    NoValidAnswer,
    StructuredUnsupported,
    Way,
    ask_until_valid,
    first_error,
    json_in,
)
from autodevos.agents.files import FileSet, UnsafePathError, check_relpath
from autodevos.agents.prompts import render_prompt
from autodevos.domain.dag import Plan, Task
from autodevos.domain.spec import AppSpec
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic import Field as PField

MAX_FILE_CHARS = 200_000
"""Longest file a model may write (a longer one is a runaway answer)."""


# --- errors and the answer schema -------------------------------------------------------------


class ModelAnswerError(RuntimeError):
    """No usable answer after the bounded asks; the one-line message says why. `asks` and `notes`
    tell what happened (the caller keeps the baseline and records them)."""

    def __init__(self, message: str, asks: int = 0, notes: list[str] | None = None):
        super().__init__(message)
        self.asks = asks
        self.notes = list(notes or [])


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
    return Areas({agent: list(renderer(spec)) for agent, renderer in registry.renderers().items()})


# --- interfaces: what an agent must agree with ----------------------------------------------


def interfaces_for(agent: str, spec: AppSpec, written: Mapping[str, str] | None = None) -> dict[str, str]:
    """The other agents' files this agent must agree with (the backend's API contract for the frontend
    and tests, package scripts and environment for docs and devops), as rendered offline from the spec.

    `written` (what the other tasks actually wrote) replaces the rendered text where it has the path.
    JSON is compacted (it is read by the model, not written). Ordered most useful first.
    """
    found = registry.find(agent)
    wanted = found.interfaces if found is not None else ()
    if not wanted:
        return {}
    rendered: dict[str, str] = {}
    for other, renderer in registry.renderers().items():
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
    try:
        data = json_in(text)
    except AnswerError as exc:
        if "holds no JSON" in str(exc):
            raise AnswerError("the answer holds no files: expected a line `### path` before each fenced block "
                              "(or a JSON object with \"files\")") from None
        raise AnswerError(f"the answer holds no `### path` blocks and {str(exc).removeprefix('the answer ')}") from None
    files = data.get("files") if isinstance(data, dict) else None
    if isinstance(files, dict):
        files = [{"path": p, "content": c} for p, c in files.items()]
    try:
        answer = FilesAnswer.model_validate({"files": files, "notes": str(data.get("notes", "")) if isinstance(data, dict) else ""})
    except ValidationError as exc:
        raise AnswerError(f"the answer's JSON does not fit the schema: {first_error(exc)}") from None
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


def request_section(spec: AppSpec) -> str:
    """The user's words, the spec's rules and what nothing placed, for every code agent's prompt: what
    the spec cannot hold (rules, workflows, computed values) still reaches the code."""
    rules = "\n".join(f"- rule: {r.text}" + (f" (about {', '.join(r.entities)})" if r.entities else "")
                      + (f" [{r.kind}]" if r.kind != "rule" else "") for r in spec.rules)
    unparsed = "\n".join(f"- {p}" for p in spec.unparsed)
    return render_prompt("shared", "request", request=spec.request.strip() or "(none: the app was planned from a hand-written spec)",
                         rules=rules or "(none)", unparsed=unparsed or "(none)")


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
        "request_section": request_section(spec),
        "spec_json": spec.model_dump_json(indent=2, exclude={"request"}),
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


# --- asking -----------------------------------------------------------------------------------


async def write_files(
    agent: str, task: Task, spec: AppSpec, plan: Plan, ask: Ask, *, baseline: Mapping[str, str],
    interfaces: Mapping[str, str], current: Mapping[str, str] | None = None, feedback: str | None = None,
    max_reasks: int = 2, areas: Areas | None = None, budgets: Budgets = Budgets(),
) -> ModelFiles:
    """Ask the model for the task's files; return the full set the task owns, or raise ModelAnswerError.

    `baseline`: the offline generator's files for the task; `interfaces`: the other agents' files
    (see interfaces_for); `current`: the task's files on disk when it runs again; `feedback`: why
    it runs again (a failed verify step, a person's rejection) - repair mode; `areas`: defaults to
    areas_for(spec). The asking is agents.answers.ask_until_valid: structured output, then text.
    """
    if agent not in registry.renderers():
        raise ValueError(f"agent {agent!r} has no model prompts (known: {', '.join(registry.renderers())})")
    if areas is None:
        areas = await asyncio.to_thread(areas_for, spec)
    base = {**baseline, **(current or {})}

    def prompt(mode: Literal["structured", "text"]) -> list[BaseMessage]:
        return build_messages(agent, task, spec, plan, baseline=baseline, interfaces=interfaces, areas=areas,
                              current=current, feedback=feedback, mode=mode, budgets=budgets)

    def messages() -> tuple[list[BaseMessage], list[BaseMessage], str, str]:
        return (prompt("structured"), prompt("text"), render_prompt("shared", "reask_structured", error="$error"),
                render_prompt("shared", "reask_text", error="$error"))

    structured, text, again_structured, again_text = await asyncio.to_thread(messages)
    ways = [
        Way("structured", structured, lambda a: (check_answer(agent, {f.path: f.content for f in a.files}, areas, base), a.notes),
            lambda why: again_structured.replace("$error", why), schema=FilesAnswer),
        Way("text", text, lambda t: (check_answer(agent, parse_files_text(t), areas, base), ""),
            lambda why: again_text.replace("$error", why)),
    ]
    try:
        found = await ask_until_valid(ask, ways, role=agent, task_id=task.id, max_reasks=max_reasks)
    except NoValidAnswer as exc:
        why = (f"the {agent} model gave no usable files after {exc.asks} asks; last problem: {exc.last}" if exc.asks
               else f"the {agent} model was not asked ({exc.last})")
        raise ModelAnswerError(why, exc.asks, exc.notes) from None
    files, summary = found.value
    notes = [*found.notes, f"{found.mode} answer {'accepted' if found.mode == 'structured' else 'parsed'} "
                           f"({len(files)} file{'s' * (len(files) != 1)})"]
    if summary.strip():
        notes.append("model: " + " ".join(summary.split())[:300])
    return ModelFiles({**base, **files}, sorted(files), notes, found.mode, found.asks)
