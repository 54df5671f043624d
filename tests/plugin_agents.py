"""Agents as a plugin package would register them (entry point group autodevos.agents), for tests/unit/test_registry.py."""

from __future__ import annotations

import json
from pathlib import Path

from autodevos.agents.registry import AgentSpec
from autodevos.domain.spec import AppSpec


def render_seed(spec: AppSpec) -> dict[str, str]:
    """One fixture file per entity and a seed script, under backend/seed/."""
    files = {f"backend/seed/{e.name.lower()}.json": json.dumps([{"id": 1}]) + "\n" for e in spec.entities}
    files["backend/seed/seed.ts"] = "// loads the fixtures\nexport const SEEDED = true;\n"
    return files


SEED = AgentSpec("seed", render_seed, prompts=Path(__file__).parent / "plugin_prompts", after=("backend",), when="backend",
                 describe=lambda spec: f"Seed data for {', '.join(e.plural for e in spec.entities)}.",
                 interfaces=("backend/src/types.ts",))


def several() -> list[AgentSpec]:
    """An entry point may name a function that returns several agents; this one follows the seed agent."""
    return [AgentSpec("audit", lambda spec: {"AUDIT.md": "# audit\n"}, model_role=False, after=("seed", "docs"))]


TAKEN = AgentSpec("backend", render_seed)
"""A plugin that takes a built-in agent's name."""

ORPHAN = AgentSpec("orphan", render_seed, after=("designer",))
"""A plugin that follows an agent nobody provides."""
