"""The reviewing model: it reads each task's diff against its part of the spec and answers findings.

A task's diff is its files on disk against the offline generator's baseline for the same spec (the
files known to pass): exactly what a model (or anything else) changed. A task whose files are the
baseline has no diff and is not asked about, so an offline-built app costs no call. One ask per task,
through agents.answers.ask_until_valid: structured output (`ReviewAnswer`), then the same JSON as
text, each asked again with the error. Every finding must name a file of that diff and a line the
file has. When no answer validates, the task has no model findings and the report says why (the
analyzers' findings still count); a server that keeps failing fails the review, as it fails a code
task.
"""

from __future__ import annotations

import asyncio
import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from autodevos.agents import registry
from autodevos.agents.answers import AnswerError, NoValidAnswer, Way, ask_until_valid, json_in
from autodevos.agents.prompts import render_prompt
from autodevos.agents.review.findings import Finding
from autodevos.domain.dag import Task
from autodevos.domain.spec import AppSpec
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic import Field as PField

ROLE = "code_review"
MAX_DIFF_CHARS = 60_000
"""Most diff text shown per task (the rest is named, not shown)."""


class ModelFinding(BaseModel):
    """One problem the reviewer sees in the diff."""

    model_config = ConfigDict(extra="forbid")

    file: str = PField(description="path from the app root; one of the files in the diff")
    line: int = PField(ge=0, description="line number in the file as it is now (the + side of the diff); 0 for the file as a whole")
    severity: Literal["blocking", "warning", "info"] = PField(
        description="blocking: a security hole, a broken contract with the spec or the other agents, code that cannot work; "
                    "warning: worth fixing; info: a remark")
    title: str = PField(min_length=3, max_length=80, description="a short name for the problem, e.g. 'SQL built from user input'")
    why: str = PField(min_length=3, max_length=600, description="why it is a problem, and what to do instead")


class ReviewAnswer(BaseModel):
    """What the reviewer answers for one task: its findings (none when the diff is sound)."""

    model_config = ConfigDict(extra="forbid")

    findings: list[ModelFinding] = PField(default_factory=list, max_length=20)


@dataclass
class TaskDiff:
    """One task's changes against the baseline."""

    task: Task
    text: str
    """The unified diff (cut at MAX_DIFF_CHARS)."""
    lines: dict[str, int]
    """Each changed file -> its number of lines now."""


def task_diff(task: Task, baseline: Mapping[str, str], now: Mapping[str, str]) -> TaskDiff | None:
    """The task's files on disk (`now`) against the baseline; None when nothing differs."""
    parts, lines, shown = [], {}, 0
    for path in sorted(now):
        before, after = baseline.get(path), now[path]
        if before == after:
            continue
        lines[path] = len(after.splitlines())
        diff = "".join(difflib.unified_diff((before or "").splitlines(keepends=True), after.splitlines(keepends=True),
                                            fromfile=f"a/{path}" if before is not None else "/dev/null", tofile=f"b/{path}", n=3))
        if not diff.endswith("\n"):
            diff += "\n"
        if shown + len(diff) > MAX_DIFF_CHARS:
            parts.append(f"(diff of {path} not shown: the diff is too long; {lines[path]} lines now)\n")
            continue
        parts.append(diff)
        shown += len(diff)
    return TaskDiff(task, "".join(parts), lines) if lines else None


def spec_part(spec: AppSpec, agent: str) -> str:
    """The part of the spec the agent's files follow (its `reads`), as JSON."""
    data = spec.model_dump(mode="json", exclude_defaults=True)
    entry = registry.find(agent)
    keys = entry.reads if entry is not None else None
    if keys is not None:
        data = {k: v for k, v in spec.model_dump(mode="json").items() if k in keys}
    return json.dumps(data, indent=1)


def check_answer(answer: ReviewAnswer, diff: TaskDiff) -> list[ModelFinding]:
    """The answer's findings, or AnswerError naming the first that points nowhere."""
    for i, f in enumerate(answer.findings):
        if f.file not in diff.lines:
            raise AnswerError(f"findings.{i}.file: {f.file!r} is not a file of the diff (files: {', '.join(sorted(diff.lines))})")
        if f.line > diff.lines[f.file]:
            raise AnswerError(f"findings.{i}.line: {f.file} has {diff.lines[f.file]} lines, not {f.line}")
    return list(answer.findings)


def _read_text(text: str, diff: TaskDiff) -> list[ModelFinding]:
    try:
        answer = ReviewAnswer.model_validate(json_in(text))
    except ValidationError as exc:
        raise AnswerError(f"the answer does not fit the schema: {exc.errors()[0]['msg']}", text) from None
    return check_answer(answer, diff)


def messages(diff: TaskDiff, spec: AppSpec, earlier: list[dict[str, Any]], mode: Literal["structured", "text"]) -> list[BaseMessage]:
    task = diff.task
    sent = [f for f in earlier if f.get("owner") == task.id and f.get("source") == "model"]
    values = {
        "task_id": task.id, "task_agent": task.agent, "task_description": task.description or "(none)",
        "spec_part": spec_part(spec, task.agent), "diff": diff.text,
        "earlier": "\n".join(f"- {f['file']}:{f['line']} ({f['severity']}, {f['fate']}) {f['rule']}: {f['message']}" for f in sent)
                   or "(none)",
        "answer_format": render_prompt(ROLE, f"answer_{mode}"),
    }
    return [SystemMessage(render_prompt(ROLE, "system")), HumanMessage(render_prompt(ROLE, "user", **values))]


async def review_task(ask: Any, diff: TaskDiff, spec: AppSpec, earlier: list[dict[str, Any]], review_id: str,
                      max_reasks: int = 2) -> tuple[list[Finding], list[str]]:
    """The model's findings for one task's diff, and notes on how the answer was got."""
    structured, text, again = await asyncio.to_thread(
        lambda: (messages(diff, spec, earlier, "structured"), messages(diff, spec, earlier, "text"), render_prompt(ROLE, "reask", error="$error")))
    ways = [Way("structured", structured, lambda a: check_answer(a, diff), lambda why: again.replace("$error", why), schema=ReviewAnswer),
            Way("text", text, lambda t: _read_text(t, diff), lambda why: again.replace("$error", why), label="JSON text")]
    try:
        found = await ask_until_valid(ask, ways, role=ROLE, task_id=review_id, max_reasks=max_reasks)
    except NoValidAnswer as exc:
        return [], [*exc.notes, f"the reviewer's model gave no usable answer about task {diff.task.id!r} ({exc.last or 'not asked'}); "
                                "only the analyzers reviewed it"]
    out = [Finding("model", f.title.strip(), f.file, f.line, f.severity, f.why.strip(), key=f.title.strip().lower(), owner=diff.task.id)
           for f in found.value]
    return out, [*found.notes, f"task {diff.task.id!r}: {len(out)} finding{'s' * (len(out) != 1)} from the model ({found.mode})"]
