"""Prompts are plain files under prompts/<agent>/; one loader that fails loudly on a missing variable."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from autodevos.agents import registry

PROMPTS_DIR = Path(str(files("autodevos") / "prompts"))
"""Package data: the repository's prompts/ folder, inside the wheel as autodevos/prompts."""


def prompt_folder(agent: str) -> Traversable:
    """An agent's prompt folder: its registry entry's (a plugin brings its own), else prompts/<agent>/."""
    found = registry.find(agent)
    return found.prompts if found is not None and found.prompts is not None else PROMPTS_DIR / agent


def render_prompt(agent: str, name: str, **values: object) -> str:
    path = prompt_folder(agent) / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(f"prompt file {agent}/{name}.md is missing") from None
    return Template(text).substitute({k: str(v) for k, v in values.items()})
