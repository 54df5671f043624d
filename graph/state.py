"""The shared state of a run, and the run settings that arrive through LangGraph's runtime context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, NotRequired

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


@dataclass
class Context:
    """Run settings (shown by LangGraph Studio); never part of the checkpointed state."""

    model: str = "offline"
    """Provider and model: 'offline', 'openai:gpt-4.1-mini', 'ollama:llama3.1', ..."""
    base_url: str | None = None
    """OpenAI-compatible server URL (Ollama, vLLM, LM Studio)."""
    models: dict[str, str] = field(default_factory=dict)
    """Per-role overrides (planner, backend, frontend, tests, docs, devops): role -> 'PROVIDER:NAME' or 'PROVIDER:NAME@URL'."""
    cache: bool = True
    """Answer identical model calls from the response cache in the run database."""
    replay: bool = False
    """Answer model calls only from the cache (no network); a call never made before is an error."""
    max_tokens_total: int = 0
    """Pause the run for a person once its model calls used this many tokens (0: no limit)."""
    max_cost: float = 0.0
    """Pause the run once its model calls cost this much, in USD (0: no limit)."""
    streaming: bool = False
    """Stream model answers (tokens are still metered, from the final usage chunk)."""
    call_timeout: float = 120.0
    """Seconds one model call may take before it is retried."""
    prices: dict[str, list[float]] = field(default_factory=dict)
    """Model name -> [USD per 1M input tokens, USD per 1M output tokens], added to the known prices."""
    out_dir: str = "out"
    """Folder the generated app is written to."""
    db_path: str = "checkpoints/autodevos.sqlite"
    """SQLite file holding checkpoints, the task ledger and file contents."""
    fail_fast: bool = False
    """Stop starting new tasks after the first failure."""
    max_parallel: int = 0
    """Most tasks running at once (0: no limit)."""
    approval: Literal["none", "plan", "step"] = "none"
    """Where the run pauses for a person."""
    verify: bool = True
    """Plan a verify task that installs, checks, tests and builds the app."""
    browser: bool = True
    """Run the generated app's browser test during verify."""
    max_repairs: int = 2
    """How often a failed verify goes back to the agent that owns the failing files."""
    task_delay: float = 0.0
    """Test-only: seconds each task sleeps before it writes, to widen crash windows."""

    def model_for(self, role: str) -> tuple[str, str | None]:
        """(model spec, base URL) for a role: its override, else the run's model."""
        spec = self.models.get(role) or self.model
        name, _, url = spec.partition("@")
        return name, url or self.base_url
