"""Run settings, in one place: `Context`, a dataclass with a description per field (LangGraph's
template style), and `RunSettings`, the same plus what one run is asked to do.

LangGraph hands `Context` to every node as the runtime context (Studio shows its fields and their
descriptions). What a config file may set (`config_fields`) and what is stored with a run
(`RunSettings.stored`) are read from the fields' metadata, never listed again.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal, get_args

from autodevos.agents.keys import KeySource
from autodevos.agents.sandbox import Policy
from autodevos.graph.checkpoint import redact

Approval = Literal["none", "plan", "step"]
APPROVALS: tuple[str, ...] = get_args(Approval)

DEFAULT_DB = "checkpoints/autodevos.sqlite"
DEFAULT_RETRIES = 2


def setting(default: Any = dataclasses.MISSING, description: str = "", *, factory: Any = dataclasses.MISSING,
            config: bool = False, store: Any = None, **bounds: Any) -> Any:
    """A described field. config: a config file (--config) may set it; store: how it is written
    into the run database (e.g. a URL without its password); bounds (ge, gt): what a file may give."""
    metadata: dict[str, Any] = {"description": description, **bounds}
    if config:
        metadata["config"] = True
    if store is not None:
        metadata["store"] = store
    return dataclasses.field(default=default, default_factory=factory, metadata=metadata)


def _absolute(path: str) -> str:
    return str(Path(path).resolve())


def _absolute_or_none(path: str | None) -> str | None:
    return str(Path(path).expanduser().resolve()) if path else path


@dataclass(kw_only=True)
class Context:
    """Run settings (shown by LangGraph Studio); never part of the checkpointed state."""

    model: str = setting("offline", "Provider and model: 'offline', 'openai:gpt-4.1-mini', 'ollama:llama3.1', ...", config=True)
    base_url: str | None = setting(None, "OpenAI-compatible server URL (Ollama, vLLM, LM Studio).", config=True)
    models: dict[str, str] = setting(factory=dict, config=True, description=(
        "Per-role overrides (the planner and each code agent): role -> 'PROVIDER:NAME' or 'PROVIDER:NAME@URL'."))
    cache: bool = setting(True, "Answer identical model calls from the response cache in the run database.", config=True)
    replay: bool = setting(False, "Answer model calls only from the cache (no network); a call never made before is an error.")
    max_tokens_total: int = setting(0, "Pause the run for a person once its model calls used this many tokens (0: no limit).",
                                    config=True, ge=0)
    max_cost: float = setting(0.0, "Pause the run once its model calls cost this much, in USD (0: no limit).", config=True, ge=0)
    streaming: bool = setting(False, "Stream model answers (tokens are still metered, from the final usage chunk).", config=True)
    call_timeout: float = setting(120.0, "Seconds one model call may take before it is retried.", config=True, gt=0)
    prices: dict[str, list[float]] = setting(factory=dict, config=True, description=(
        "Model name -> [USD per 1M input tokens, USD per 1M output tokens], added to the known prices."))
    api_key_file: str | None = setting(None, "A file whose first line is the API key (instead of OPENAI_API_KEY).",
                                       config=True, store=_absolute_or_none)
    api_key_keyring: str | None = setting(None, (
        "SERVICE:USERNAME of the API key in the OS keyring (needs the optional keyring library)."), config=True)
    api_key_command: str | None = setting(None, (
        "A shell command that prints the API key, e.g. 'vault kv get -field=api_key secret/openai', "
        "'op read op://Team/OpenAI/credential' or 'pass show openai/api-key'; run again once when the server answers 401."),
        config=True)
    out_dir: str = setting("out", "Folder the generated app is written to.", store=_absolute)
    db_path: str = setting(DEFAULT_DB, "SQLite file holding checkpoints, the task ledger and file contents.")
    fail_fast: bool = setting(False, "Stop starting new tasks after the first failure.")
    max_parallel: int = setting(0, "Most tasks running at once (0: no limit).")
    approval: Approval = setting("none", "Where the run pauses for a person: none, plan (the plan gate) or step (every task).")
    verify: bool = setting(True, "Plan a verify task that installs, checks, tests and builds the app.")
    browser: bool = setting(True, "Run the generated app's browser test during verify.")
    max_repairs: int = setting(2, "How often a failed verify goes back to the agent that owns the failing files.")
    sandbox: Policy = setting("auto", (
        "Where verify runs the app's scripts: auto (in a bubblewrap sandbox when there is one; a model-written app is not "
        "run without one), required (never without one) or off (as your user, with your files and network)."))
    trust_model: bool = setting(False, (
        "Run a model-written package.json or .npmrc that asks for what the generator does not (a dependency, script, "
        "override or registry setting) without asking a person first."))
    allow_data_loss: bool = setting(False, (
        "Let a schema change drop data: a removed entity's table, a removed field's column, a retyped column, or the "
        "rows a new required reference has nothing to point to. Without it such a change is refused with the reasons."))
    task_delay: float = setting(0.0, "Test-only: seconds each task sleeps before it writes, to widen crash windows.")

    def key_source(self) -> KeySource:
        """Where the API key is kept (never the key): a file, the keyring, a command, or OPENAI_API_KEY."""
        return KeySource(file=self.api_key_file, command=self.api_key_command, keyring=self.api_key_keyring)

    def model_for(self, role: str) -> tuple[str, str | None]:
        """(model spec, base URL) for a role: its override, else the run's model."""
        spec = self.models.get(role) or self.model
        name, _, url = spec.partition("@")
        return name, url or self.base_url


@dataclass(kw_only=True)
class RunSettings(Context):
    """Everything a run needs: its settings (Context) and what it is asked to build. Stored with
    the run (`stored`), so `resume` needs only the thread id."""

    request: str = setting("", "The user's request, as typed.")
    project: str = setting("", "The project the run belongs to (default: the output folder's name); `autodevos projects` lists them.")
    spec_override: dict[str, Any] | None = setting(None, "A hand-written spec that replaces extraction (from --spec).")
    plan: dict[str, Any] | None = setting(None, "A ready plan (spec + tasks) to run instead of planning; validated before the run starts.")
    force: bool = setting(False, "Write into a --out folder that is not empty and was not generated here.")
    checkpointer: str | None = setting(None, "postgres://... to keep checkpoints in PostgreSQL; None: the SQLite --db.",
                                       store=redact)
    retries: int = setting(DEFAULT_RETRIES, "Retries per task, with exponential backoff (LangGraph's RetryPolicy).")
    retry_interval: float = setting(0.5, "Seconds before a task's first retry (doubled each time, with jitter).")

    def context(self) -> Context:
        """The run context LangGraph hands the nodes: every Context field, paths made absolute."""
        same = {f.name: copy.copy(getattr(self, f.name)) for f in fields(Context)}
        return Context(**{**same, "out_dir": _absolute(self.out_dir), "db_path": _absolute(self.db_path)})

    def stored(self, **extra: Any) -> dict[str, Any]:
        """What is kept with the run in the run database: every field (a URL without its password, the
        output folder absolute), and `extra` (where the run came from). The values are the settings'
        own, not copies (dataclasses.asdict deep-copied the plan: 5 ms at 500 tasks): dump it, never change it."""
        data = {f.name: f.metadata["store"](getattr(self, f.name)) if "store" in f.metadata else getattr(self, f.name)
                for f in fields(self)}
        return {**data, **extra}

    @classmethod
    def from_stored(cls, data: dict[str, Any], db_path: str) -> RunSettings:
        """The settings of a stored run, opened through db_path. Keys that are not fields (where the
        run came from, settings of older versions) are passed over."""
        known = {f.name for f in fields(cls)} - {"db_path"}
        return cls(**{k: v for k, v in data.items() if k in known}, db_path=db_path)


def config_fields() -> list[dataclasses.Field[Any]]:
    """The settings a config file may set, in declaration order."""
    return [f for f in fields(Context) if f.metadata.get("config")]


def described(cls: type = RunSettings) -> dict[str, str]:
    """Field name -> description (for docs and help)."""
    return {f.name: f.metadata.get("description", "") for f in fields(cls)}
