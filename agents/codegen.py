"""The code agents' work: task + spec -> files. Offline, rendered from templates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from agents import render
from graph.dag import Task
from graph.spec import AppSpec

AgentWork = Callable[[Task, AppSpec], Awaitable[dict[str, str]]]


async def frontend(task: Task, spec: AppSpec) -> dict[str, str]:
    return render.render_frontend(spec)


async def backend(task: Task, spec: AppSpec) -> dict[str, str]:
    return render.render_backend(spec)


async def tests(task: Task, spec: AppSpec) -> dict[str, str]:
    return render.render_tests(spec)


async def docs(task: Task, spec: AppSpec) -> dict[str, str]:
    return render.render_docs(spec)


OFFLINE_AGENTS: dict[str, AgentWork] = {"frontend": frontend, "backend": backend, "tests": tests, "docs": docs}
