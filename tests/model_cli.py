"""The CLI as the model-run tests drive it: in-process, against the loopback server (tests/openai_server.py)."""

from __future__ import annotations

import json
from typing import Any

from autodevos.domain.spec import AppSpec, Entity, Field
from autodevos.main import app
from typer.testing import CliRunner

SPEC = AppSpec(name="widget-shop", title="Widget Shop",
               entities=[Entity(name="Widget", fields=[Field(name="label"), Field(name="weight", type="number")])])
"""What 'a shop for widgets' is planned as (the scripted planner answers it)."""

runner = CliRunner()


def cli(*args: str) -> tuple[Any, Any]:
    """(result, the printed JSON when --json was given)."""
    result = runner.invoke(app, list(args), catch_exceptions=False)
    text = result.stdout
    data = json.loads(text[text.index("{"):]) if "{" in text and "--json" in args else None
    return result, data


def run_app(server, tmp_path, *extra: str, out: str = "app", db: str = "db.sqlite", model: tuple[str, ...] | None = None):
    """`autodevos run "a shop for widgets"` with every role on the server's model (or `model`), no verify."""
    chosen = model if model is not None else ("--model", "openai:test-model", "--base-url", server.base_url)
    return cli("run", "a shop for widgets", *chosen, "--out", str(tmp_path / out), "--db", str(tmp_path / db),
               "--no-verify", "--call-timeout", "2", *extra)


def tree(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
