"""Scripts for the fake OpenAI-compatible server: answers chosen by the agent role that asks.

The role is read from the request's system prompt ("You are the backend agent ...", "You are the
planner ..."). Each role has a queue of answers; its last answer repeats.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from typing import Any

from autodevos.agents.registry import default_plan
from autodevos.domain.spec import AppSpec

ROLE = re.compile(r"You are the (\w+)")


def role_of(body: dict[str, Any]) -> str:
    for message in body.get("messages", []):
        content = message.get("content")
        text = content if isinstance(content, str) else json.dumps(content)
        found = ROLE.search(text or "")
        if found:
            return found.group(1)
    return "unknown"


def files_answer(files: dict[str, str], notes: str = "model edit") -> str:
    return json.dumps({"files": [{"path": p, "content": c} for p, c in files.items()], "notes": notes})


def plan_answer(spec: AppSpec) -> str:
    return default_plan(spec).model_dump_json()


class ByRole:
    """A callable script entry: the next answer of the role that asks."""

    def __init__(self, answers: dict[str, list[str]]):
        self.answers = {role: list(queue) for role, queue in answers.items()}
        self.asked: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> str:
        role = role_of(body)
        with self._lock:
            self.asked[role] += 1
            queue = self.answers.get(role) or self.answers.get("*") or ["{}"]
            return queue.pop(0) if len(queue) > 1 else queue[0]


def small_edits(spec: AppSpec) -> dict[str, list[str]]:
    """One small, valid edit per code agent: a new module, a test of it, a doc page, a CI comment."""
    from autodevos.agents.render import render_devops

    about = 'export const ABOUT = "written by the model";\n'
    test = ('import { describe, expect, it } from "vitest";\nimport { ABOUT } from "../src/about.js";\n\n'
            'describe("about", () => {\n  it("says who wrote it", () => {\n    expect(ABOUT).toContain("model");\n  });\n});\n')
    dependabot = render_devops(spec)[".github/dependabot.yml"]
    return {
        "planner": [plan_answer(spec)],
        "backend": [files_answer({"backend/src/about.ts": about})],
        "frontend": [files_answer({"frontend/src/about.ts": about})],
        "tests": [files_answer({"backend/tests/about.test.ts": test})],
        "docs": [files_answer({"docs/MODEL.md": "# Written by the model\n\nThis app was planned and edited by a model.\n"})],
        "devops": [files_answer({".github/dependabot.yml": "# edited by the model\n" + dependabot})],
    }


class TextOnly:
    """A local server without structured output: a request with response_format or tools gets a
    400 (as vLLM or llama.cpp builds without it answer); plain requests get the role's answer,
    files turned into the fenced-text format. `refuse` names what it refuses (both by default)."""

    def __init__(self, script: ByRole, refuse: tuple[str, ...] = ("response_format", "tools")):
        self.script = script
        self.refuse = refuse
        self.refused = 0

    def __call__(self, body: dict[str, Any]):
        from tests.openai_server import Status

        if any(body.get(feature) for feature in self.refuse):
            self.refused += 1
            return Status(400, message=f"{' and '.join(self.refuse)} not supported by this server")
        answer = self.script(body)
        try:
            data = json.loads(answer)
        except ValueError:
            return answer
        if isinstance(data, dict) and "files" in data and not body.get("tools"):
            from autodevos.agents.model_agents import format_file

            return "Here are the files.\n\n" + "\n".join(format_file(f["path"], f["content"]) for f in data["files"])
        return answer


PROSE = "Sure! I'd love to help you build that."
"""What a model too small for the job says to everything."""


def prose(body: dict[str, Any]) -> str:
    return PROSE


class Refusing:
    """Model-check probes answered by a capable model behind a server that refuses some request
    features ('response_format', 'tools') with a 400, as many local servers do."""

    def __init__(self, *features: str):
        self.features = features
        self.refused = 0

    def __call__(self, body: dict[str, Any]):
        from tests.openai_server import Status, capable

        if any(body.get(feature) for feature in self.features):
            self.refused += 1
            return Status(400, message=f"{' and '.join(self.features)} not supported by this server")
        return capable(body)
