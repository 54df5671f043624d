"""The agents' work: (task, spec, workspace) -> files. Offline, rendered from templates."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents import render, verify
from graph.dag import Task
from graph.spec import AppSpec


@dataclass
class Workspace:
    """What an agent may look at besides the task and the spec."""

    out_dir: Path
    """The app's folder (read-only for agents: files reach it through the task node)."""
    feedback: str | None = None
    """Why this task runs again (a failed verify step, a person's rejection), if it does."""
    browser: bool = True
    """Whether verify runs the browser test."""


@dataclass
class AgentResult:
    """Files, and a report to keep in the task's record (e.g. verify's step results)."""

    files: dict[str, str]
    report: Any = None


def with_feedback(spec: AppSpec, ws: Workspace) -> AppSpec:
    """Offline agents act on feedback they understand ('add a field priority to task'); the rest is kept as is."""
    if not ws.feedback:
        return spec
    from agents.planner import apply_feedback

    return apply_feedback(spec, ws.feedback)[0]


AgentWork = Callable[[Task, AppSpec, Workspace], Awaitable["dict[str, str] | AgentResult"]]


async def frontend(task: Task, spec: AppSpec, ws: Workspace) -> dict[str, str]:
    return await asyncio.to_thread(render.render_frontend, with_feedback(spec, ws))  # templates are read from disk


async def backend(task: Task, spec: AppSpec, ws: Workspace) -> dict[str, str]:
    return await asyncio.to_thread(render.render_backend, with_feedback(spec, ws))  # templates are read from disk


async def tests(task: Task, spec: AppSpec, ws: Workspace) -> dict[str, str]:
    return await asyncio.to_thread(render.render_tests, with_feedback(spec, ws))  # templates are read from disk


async def docs(task: Task, spec: AppSpec, ws: Workspace) -> dict[str, str]:
    return await asyncio.to_thread(render.render_docs, with_feedback(spec, ws))  # templates are read from disk


async def devops(task: Task, spec: AppSpec, ws: Workspace) -> dict[str, str]:
    return await asyncio.to_thread(render.render_devops, with_feedback(spec, ws))


async def verify_app(task: Task, spec: AppSpec, ws: Workspace) -> AgentResult:
    steps = await verify.verify_app(ws.out_dir, browser=ws.browser)
    return AgentResult({}, verify.steps_json(steps))


OFFLINE_AGENTS: dict[str, AgentWork] = {
    "frontend": frontend, "backend": backend, "devops": devops, "tests": tests, "docs": docs, "verify": verify_app,
}
