"""The shared state of a run (the run settings, LangGraph's runtime context, are in graph/settings.py)."""

from __future__ import annotations

from typing import Annotated, Any, NotRequired

# typing_extensions' TypedDict: pydantic (and so Studio's input and output schemas) refuses
# typing.TypedDict before Python 3.12
from typing_extensions import TypedDict


def merge(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    """Reducer for keys that parallel tasks write at once: later keys win, others are kept, None deletes."""
    out = dict(left or {})
    for key, value in (right or {}).items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def append(left: list[Any] | None, right: list[Any] | None) -> list[Any]:
    return [*(left or []), *(right or [])]


def latest(left: Any, right: Any) -> Any:
    """Reducer for a value several parallel tasks may set in one step: the last write wins."""
    return right


class State(TypedDict, total=False):
    request: str
    """The user's request, as typed."""
    spec_override: dict[str, Any] | None
    """A hand-written spec that replaces extraction (from --spec), if any."""
    plan: dict[str, Any]
    """The validated Plan (spec + task DAG) as plain data."""
    planner_notes: Annotated[list[str], append]
    """Why the planner did what it did: model fallbacks, assumptions."""
    tasks: Annotated[dict[str, dict[str, Any]], merge]
    """Task id -> record: agent, status, attempts, started, finished, duration, error, files."""
    files: Annotated[dict[str, str], merge]
    """Generated path -> sha256 of its content (contents live once in the run database)."""
    feedback: Annotated[dict[str, str], merge]
    """Task id -> why it must run again (a failed verify step); given to the agent as input."""
    repairs: int
    """How many times a failed verify was routed back to an agent."""
    repaired: Annotated[list[str], append]
    """The tasks a failed verify sent back to their agent, in order."""
    restored: list[str]
    """The tasks whose files were put back to the last version known to pass, once repairs ran out."""
    gate: str
    """The plan gate's last answer: approved | again (show the plan again) | replan."""
    current: str | None
    """In step mode: the task a person approved and that runs (or awaits review) now."""
    decisions: Annotated[list[dict[str, Any]], append]
    """Every answer a person gave at a pause: gate, action, who, when, feedback, refusal."""
    trusted: Annotated[list[str], append]
    """SHA-256 of the model-written package files a person approved for verify to install and run."""
    hold: Annotated[str | None, latest]
    """Why the run waits for a person before it goes on (the model budget was reached); None: it does not."""
    outcome: dict[str, Any]
    """The run's summary, written by the finish node."""


class TaskInput(TypedDict):
    """What the dispatcher sends one agent node: which task of which plan, never the plan itself
    (LangGraph stores every Send in its checkpoint tables; see graph/plans.py)."""

    task_id: str
    """The task to run."""
    plan_key: str
    """SHA-256 of the plan's canonical JSON; the plan is kept once in the run database."""
    feedback: NotRequired[str]
    """Why the task runs again (a failed verify step, a person's rejection), when it does."""
    previous: NotRequired[list[str]]
    """The paths the task wrote last time, when it runs again."""
    trusted: NotRequired[list[str]]
    """verify: SHA-256 of the package files a person approved, when there are any."""
