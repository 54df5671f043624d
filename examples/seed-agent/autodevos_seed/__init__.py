"""An AutoDevOS plugin agent: seed data for the generated backend.

The whole plugin is one registry entry, `AGENT`, named by this package's entry point in the group
`autodevos.agents` (pyproject.toml). AutoDevOS then gives it what a built-in agent has: a graph
node with the same conditional edges, a task in the default plan (after the backend, when the app
has one), an area (the paths its renderer writes: `backend/seed/`), a model role
(`--agent-model seed=...`) whose prompts are this package's `prompts/`, and a line in
`autodevos agents`.

Offline it writes, per entity, `backend/seed/<plural>.json` (records whose values fit the spec's
types, bounds and enums, whose refs name earlier fixtures) and `backend/seed/seed.ts`, which loads
them through the app's own schemas and services (`npx tsx seed/seed.ts` in backend/).
"""

from __future__ import annotations

from importlib.resources import files

from autodevos.agents.registry import AgentSpec
from autodevos.domain.spec import AppSpec

from autodevos_seed.render import render_seed

__all__ = ["AGENT", "render_seed"]


def _describe(spec: AppSpec) -> str:
    return f"Seed data: fixtures for {', '.join(e.plural for e in spec.entities)} and a script that loads them."


AGENT = AgentSpec(
    "seed",
    render_seed,
    prompts=files("autodevos_seed") / "prompts",
    after=("backend",),
    when="backend",
    describe=_describe,
    reads=("name", "entities", "auth", "backend"),
    interfaces=("backend/src/types.ts", "backend/src/services/", "backend/src/schemas/", "backend/src/data/index.ts",
                "backend/package.json"),
)
"""The seed agent, as AutoDevOS's registry takes it."""
