"""The README says what the code does: its CLI reference is the commands' help, its diagram names every node."""

from __future__ import annotations

import re

from autodevos import clidoc
from autodevos.agents import registry
from autodevos.graph.session import compile_graph

README = clidoc.README.read_text(encoding="utf-8")


def test_the_cli_reference_is_the_commands_help():
    assert clidoc.block(README) == clidoc.render(), (
        "README.md's CLI reference differs from the commands' help: run `python -m autodevos.clidoc --write`")


def test_the_reference_covers_every_command_and_option():
    text = clidoc.render()
    for command in ("run", "improve", "resume", "replay", "approve", "status", "history", "fork", "diff", "agents"):
        assert f"### `autodevos {command} " in text
    for flag in ("--agent-model", "--config", "--max-tokens-total", "--call-timeout", "--stream / --no-stream", "--checkpointer"):
        assert flag in text
    assert "--task-delay" not in text  # hidden


def test_the_diagram_names_every_node_of_the_graph():
    diagram = re.search(r"## What a run does\n\n```\n(.*?)```", README, re.S).group(1)
    builtin = {a.name for a in registry.BUILTIN}
    nodes = {n for n in compile_graph(agents={a: lambda *x: {} for a in builtin}).get_graph().nodes if not n.startswith("__")}
    missing = sorted(n for n in nodes if not re.search(rf"\b{n}\b", diagram))
    assert not missing, f"the README's diagram lacks {missing}"
