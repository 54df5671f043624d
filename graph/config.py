"""An optional run config file (YAML): models per role, prices, budget. The command line wins over it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class RoleModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str
    base_url: str | None = None

    def as_spec(self) -> str:
        return f"{self.model}@{self.base_url}" if self.base_url else self.model


class RunConfig(BaseModel):
    """What a config file may set. Example:

        model: openai:gpt-4.1-mini
        models:
          planner: openai:gpt-4.1
          backend: {model: "openai:qwen2.5-coder", base_url: "http://127.0.0.1:8000/v1"}
        prices:
          qwen2.5-coder: [0, 0]
        max_tokens_total: 200000
        max_cost: 2.5
    """

    model_config = ConfigDict(extra="forbid")
    model: str | None = None
    base_url: str | None = None
    models: dict[str, str | RoleModel] = Field(default_factory=dict)
    prices: dict[str, tuple[float, float]] = Field(default_factory=dict)
    max_tokens_total: int | None = Field(default=None, ge=0)
    max_cost: float | None = Field(default=None, ge=0)
    cache: bool | None = None
    call_timeout: float | None = Field(default=None, gt=0)
    streaming: bool | None = None

    def settings(self) -> dict[str, Any]:
        """The RunSettings fields this config sets."""
        out: dict[str, Any] = {k: v for k, v in self.model_dump(exclude={"models", "prices"}).items() if v is not None}
        if self.models:
            out["models"] = {role: m if isinstance(m, str) else m.as_spec() for role, m in self.models.items()}
        if self.prices:
            out["prices"] = {name: list(p) for name, p in self.prices.items()}
        return out


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the problem."""


def load_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"--config {path} is not a file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--config {path} is not readable YAML: {str(exc).splitlines()[0]}") from None
    try:
        return RunConfig.model_validate(data).settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "config"
        raise ConfigError(f"--config {path}: {where}: {first['msg']}") from None
