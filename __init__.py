"""AutoDevOS: turn a plain-language request into a full-stack app with a LangGraph multi-agent state machine.

The repository root is the `autodevos` package: domain/ (spec and plan, pure), agents/ (the agents
and the offline generator), graph/ (the LangGraph graph, stores, runner) and main.py (the CLI).
"""

__version__ = "0.2.0"
