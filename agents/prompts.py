"""Prompts are plain files under prompts/<agent>/; one loader that fails loudly on a missing variable."""

from __future__ import annotations

from pathlib import Path
from string import Template

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


def render_prompt(agent: str, name: str, **values: object) -> str:
    path = PROMPTS_DIR / agent / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"prompt file {path} is missing") from None
    return Template(text).substitute({k: str(v) for k, v in values.items()})
