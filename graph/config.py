"""An optional run config file (YAML): models per role, prices, budget. The command line wins over it.

The keys a file may set are the settings marked `config` in graph.settings.Context; they are not
listed here again. Example:

    model: openai:gpt-4.1-mini
    models:
      planner: openai:gpt-4.1
      backend: {model: "openai:qwen2.5-coder", base_url: "http://127.0.0.1:8000/v1"}
    prices:
      qwen2.5-coder: [0, 0]
    max_tokens_total: 200000
    max_cost: 2.5
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, get_type_hints

import yaml
from autodevos.agents.answers import first_error
from autodevos.graph.settings import Context, config_fields
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model


class RoleModel(BaseModel):
    """A role's model written out: {model: ..., base_url: ...}."""

    model_config = ConfigDict(extra="forbid")
    model: str
    base_url: str | None = None

    def as_spec(self) -> str:
        return f"{self.model}@{self.base_url}" if self.base_url else self.model


FILE_FORMS: dict[str, tuple[Any, Any]] = {
    "models": (dict[str, str | RoleModel], lambda v: {role: m if isinstance(m, str) else m.as_spec() for role, m in v.items()}),
    "prices": (dict[str, tuple[float, float]], lambda v: {name: list(p) for name, p in v.items()}),
}
"""Settings a file may write in a richer form than the setting holds: (the file's type, to the setting)."""

BOUNDS = ("ge", "gt", "le", "lt")


@functools.cache
def file_schema() -> type[BaseModel]:
    """What a config file may hold: every config setting, optional, with its bounds; nothing else."""
    hints = get_type_hints(Context)
    spec: dict[str, Any] = {}
    for f in config_fields():
        kind = FILE_FORMS[f.name][0] if f.name in FILE_FORMS else hints[f.name]
        bounds = {k: f.metadata[k] for k in BOUNDS if k in f.metadata}
        spec[f.name] = (kind | None, Field(None, description=f.metadata["description"], **bounds))
    return create_model("ConfigFile", __config__=ConfigDict(extra="forbid"), **spec)


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the problem."""


def load_config(path: Path) -> dict[str, Any]:
    """The settings a config file sets (only those it gives)."""
    if not path.is_file():
        raise ConfigError(f"--config {path} is not a file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--config {path} is not readable YAML: {str(exc).splitlines()[0]}") from None
    try:
        given = file_schema().model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"--config {path}: {first_error(exc, 'config')}") from None
    out: dict[str, Any] = {}
    for name in type(given).model_fields:
        value = getattr(given, name)
        if name in FILE_FORMS:
            if value:
                out[name] = FILE_FORMS[name][1](value)
        elif value is not None:
            out[name] = value
    return out
