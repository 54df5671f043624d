"""The agent registry: every agent AutoDevOS knows, in one list, and every list of agents derived from it.

An agent is one `AgentSpec` entry: its name (its graph node, its tasks' `agent`, its model role),
its offline renderer (whose files are its area: where its model may write), its prompt folder,
and where it sits in the default plan (after which agents, under which spec condition). The graph's
nodes, the default plan, plan validation, the model roles, the areas and the CLI's `agents` list
all come from here, so adding an agent is one entry in `BUILTIN`.

A plugin is an entry from elsewhere: an installed package names an `AgentSpec` (or a function that
returns one or several) under the entry point group `autodevos.agents`:

    [project.entry-points."autodevos.agents"]
    seed = "seed_agent:AGENT"

A plugin that fails to load, or whose entry does not fit (a name already taken, `after` an agent
nobody has), is left out with one line naming it (`problems()`); the rest still runs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import metadata
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from autodevos.agents import render
from autodevos.domain import dag
from autodevos.domain.dag import Plan, Slot
from autodevos.domain.spec import AppSpec

if TYPE_CHECKING:
    from autodevos.agents.codegen import AgentWork

Renderer = Callable[[AppSpec], dict[str, str]]
"""An offline generator: spec -> {relative path: text}."""

GROUP = "autodevos.agents"
"""The entry point group plugins register their agents under."""

GRAPH_NODES = frozenset({"planner", "approve_plan", "approve_task", "review", "finish", "budget_gate"})
"""Names of the graph's own nodes (and the planner's model role): no agent may take them."""

NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class AgentSpec:
    """One agent: what it writes, what its model reads, where it sits in the default plan."""

    name: str
    """Its graph node, its tasks' `agent`, its model role (--agent-model NAME=MODEL)."""
    render: Renderer | None = None
    """The offline generator of its files; the paths it renders are its area (where its model may write)."""
    work: AgentWork | None = None
    """The node's work when it is not 'the rendered files, or, with a model, the model's edit of them'."""
    prompts: Traversable | None = None
    """Its prompt folder (system.md, user.md, with $-variables); None: prompts/<name>/ of AutoDevOS."""
    model_role: bool = True
    """Whether a model may write its files (needs `render`: the model starts from its files)."""
    after: tuple[str, ...] = ()
    """In the default plan, it runs after the planned tasks of these agents."""
    when: str | None = None
    """A boolean field of the spec: it is planned only when that is true (None: always)."""
    describe: Callable[[AppSpec], str] | str = ""
    """Its task's description in the default plan (text, or a function of the spec)."""
    reads: tuple[str, ...] | None = None
    """The spec fields its files depend on (None: all): `improve` runs it again when they change."""
    interfaces: tuple[str, ...] = ()
    """The other agents' files (folders end in /) its model must agree with, most useful first."""
    planned: bool = True
    """In the default plan; False: the planner places it with the checks (code_review, verify), when verify is on."""
    reviewer: bool = False
    """It reviews the files of the tasks it follows instead of writing code: it is given their paths and
    its last report, a model may read for it (a model role with no area), its blocking findings send
    their owners back (graph.routing.plan_review_repair), and a person skipping it holds nothing up."""
    origin: str = "built-in"
    """Where the entry comes from: built-in, or the plugin's package and version."""

    def slot(self) -> Slot:
        """Its place in the default plan, as the domain's plain data."""
        return Slot(self.name, self.after, self.when, self.describe, self.reads)


# --- the built-in agents ------------------------------------------------------------------------


def _backend_text(spec: AppSpec) -> str:
    names = ", ".join(e.plural for e in spec.entities)
    auth = " with register/login and JWT-protected routes" if spec.auth else ""
    return f"Express + TypeScript REST API for {names}{auth}."


def _frontend_text(spec: AppSpec) -> str:
    names = ", ".join(e.plural for e in spec.entities)
    auth = " and a login screen" if spec.auth else ""
    return f"Vite + React + TypeScript + Tailwind pages for {names}{auth}."


async def _backend(task: Any, spec: AppSpec, ws: Any) -> Any:
    from autodevos.agents.codegen import backend_work  # codegen stands on the registry: imported when it runs

    return await backend_work(task, spec, ws)


async def _review(task: Any, spec: AppSpec, ws: Any) -> Any:
    from autodevos.agents.review import review_app  # the review stands on the registry: imported when it runs

    return await review_app(task, spec, ws)


async def _verify(task: Any, spec: AppSpec, ws: Any) -> Any:
    from autodevos.agents.codegen import verify_app  # codegen stands on the registry: imported when verify runs

    return await verify_app(task, spec, ws)


_PACKAGES = ("backend/package.json", "frontend/package.json", "backend/.env.example", "frontend/.env.example")

BUILTIN: tuple[AgentSpec, ...] = (
    AgentSpec("backend", render.render_backend, work=_backend, when="backend", describe=_backend_text),
    AgentSpec("frontend", render.render_frontend, when="frontend", describe=_frontend_text,
              interfaces=("backend/src/types.ts", "docs/openapi.json")),
    AgentSpec("devops", render.render_devops,
              describe="Multi-stage non-root Dockerfiles, docker-compose, a CI workflow and Dependabot.",
              reads=("name", "title", "auth", "frontend", "backend"),
              interfaces=(*_PACKAGES, "frontend/vite.config.ts", "backend/src/config.ts")),
    AgentSpec("tests", render.render_tests, after=("backend", "frontend"),
              describe="Unit and API tests for the backend, component tests for the frontend.",
              interfaces=("backend/src/types.ts", "backend/src/app.ts", "frontend/src/types.ts", "frontend/src/api.ts",
                          "frontend/src/App.tsx", "frontend/src/pages/", "backend/package.json", "frontend/package.json",
                          "docs/openapi.json")),
    AgentSpec("docs", render.render_docs, after=("tests",), describe="README, architecture notes and an API reference.",
              interfaces=(*_PACKAGES, "backend/src/types.ts", "docker-compose.yml")),
    AgentSpec("code_review", work=_review, model_role=False, reviewer=True, planned=False,
              after=("backend", "frontend", "devops", "tests"),
              describe="Review the code: ESLint security rules, duplication, every route against the spec "
                       "(with a model: each task's changes); blocking findings go back to their agent."),
    AgentSpec("verify", work=_verify, model_role=False, planned=False, after=("backend", "frontend", "devops", "tests", "code_review"),
              describe="Install, type-check, lint, test, build and browser-test the app; check its pages with axe "
                       "and its API with schemathesis."),
)
"""The built-in agents, in plan order (each after the agents it follows)."""


# --- the registry: built-in entries and plugins -----------------------------------------------


@dataclass(frozen=True)
class Registry:
    """The agents of this installation, and a line per plugin that could not be used."""

    agents: tuple[AgentSpec, ...]
    problems: tuple[str, ...] = ()

    @classmethod
    def load(cls, entry_points: Iterable[metadata.EntryPoint] | None = None, builtin: Sequence[AgentSpec] = BUILTIN) -> Registry:
        """The built-in agents, then every plugin that loads and fits, each after the agents it follows."""
        found = metadata.entry_points(group=GROUP) if entry_points is None else entry_points
        agents, problems, where = list(builtin), [], {}
        for ep in sorted(found, key=lambda e: e.name):
            said = f"plugin agent {ep.name!r} ({ep.value})"
            try:
                loaded = _entries(ep.load())
            except Exception as exc:  # a broken plugin must not stop the rest
                problems.append(f"{said} failed to load: {_first_line(exc)}")
                continue
            dist = getattr(ep, "dist", None)
            for spec in loaded or [None]:
                problem = _misfit(spec, {a.name for a in agents})
                if problem:
                    problems.append(f"{said} not used: {problem}")
                    continue
                agents.append(replace(spec, origin=f"{dist.name} {dist.version}" if dist is not None else ep.value))
                where[spec.name] = said
        return cls(tuple(_in_plan_order(agents, where, problems)), tuple(problems))

    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.agents)

    def find(self, name: str) -> AgentSpec | None:
        return next((a for a in self.agents if a.name == name), None)


def _entries(obj: Any) -> list[Any]:
    """What an entry point names: an AgentSpec, a list of them, or a function returning either."""
    if callable(obj) and not isinstance(obj, AgentSpec):
        obj = obj()
    return [obj] if isinstance(obj, AgentSpec) else list(obj) if isinstance(obj, (list, tuple)) else [obj]


def _misfit(spec: Any, taken: set[str]) -> str | None:
    """Why a plugin entry cannot be used, or None."""
    if not isinstance(spec, AgentSpec):
        return f"it names a {type(spec).__name__}, not an AgentSpec"
    if not NAME.match(spec.name):
        return f"the name {spec.name!r} is not lower-case letters, digits and _ (at most 40)"
    if spec.name in taken or spec.name in GRAPH_NODES or spec.name == "shared":
        return f"the name {spec.name!r} is taken"
    if spec.render is None and spec.work is None:
        return "it has neither a renderer nor a work function"
    if spec.model_role and spec.render is None:
        return "a model role needs a renderer (the model starts from its files)"
    field = AppSpec.model_fields.get(spec.when) if spec.when is not None else None
    if spec.when is not None and (field is None or field.annotation is not bool):
        return f"when={spec.when!r} is not a yes/no field of the spec"
    return None


def _in_plan_order(agents: list[AgentSpec], where: dict[str, str], problems: list[str]) -> list[AgentSpec]:
    """The agents with each after those it follows (built-in order kept); a plugin that follows an
    agent nobody provides, or itself through others, is left out with a line."""
    left, out, placed = list(agents), [], set()
    while left:
        ready = next((a for a in left if set(a.after) <= placed), None)
        if ready is None:
            for a in left:
                missing = [x for x in a.after if x not in placed]
                problems.append(f"{where.get(a.name, a.name)} not used: it runs after {', '.join(map(repr, missing))}, "
                                f"which no loaded agent provides before it (known: {', '.join(sorted(placed))})")
            break
        left.remove(ready)
        out.append(ready)
        placed.add(ready.name)
    return out


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


@functools.cache
def registry() -> Registry:
    """This installation's agents (built-in and plugins), loaded once."""
    return Registry.load()


def reload() -> Registry:
    """Load the agents again (after installing a plugin, or in tests)."""
    registry.cache_clear()
    _works.cache_clear()
    return registry()


# --- every list of agents, derived ---------------------------------------------------------------


def agents() -> tuple[AgentSpec, ...]:
    return registry().agents


def names() -> tuple[str, ...]:
    """Every agent a task may be owned by (each is a node of the graph), in plan order."""
    return registry().names()


def find(name: str) -> AgentSpec | None:
    return registry().find(name)


def get(name: str) -> AgentSpec:
    found = find(name)
    if found is None:
        raise KeyError(f"no agent {name!r} (known: {', '.join(names())})")
    return found


def problems() -> tuple[str, ...]:
    """One line per plugin that was left out, naming it and why."""
    return registry().problems


def works() -> dict[str, AgentWork]:
    """Agent name -> the work its node runs (the offline generator, or the model's edit of its files)."""
    return dict(_works())


@functools.cache
def _works() -> tuple[tuple[str, AgentWork], ...]:
    from autodevos.agents.codegen import coder  # codegen stands on the registry

    return tuple((a.name, a.work or coder(a.name, a.render)) for a in agents())


def layout() -> tuple[Slot, ...]:
    """The default plan's agents and their places, as plain data for the domain."""
    return tuple(a.slot() for a in agents() if a.planned)


def renderers() -> dict[str, Renderer]:
    """The agents a model may write for, each with its offline generator (its baseline and its area)."""
    return {a.name: a.render for a in agents() if a.model_role and a.render is not None}


def reviewers() -> tuple[str, ...]:
    """The agents that review the others' files (a model may read for them; they write none of the app's code)."""
    return tuple(a.name for a in agents() if a.reviewer)


def model_roles() -> tuple[str, ...]:
    """The roles that may have a model of their own: the planner, every code agent and every reviewer."""
    return ("planner", *renderers(), *reviewers())


def default_plan(spec: AppSpec) -> Plan:
    """The plan of every agent whose condition the spec meets (domain.dag.default_plan over this registry)."""
    return dag.default_plan(spec, layout())


def improvement_plan(old: Plan, spec: AppSpec) -> tuple[Plan, list[str]]:
    """The tasks a change of the spec touches (domain.dag.improvement_plan over this registry)."""
    return dag.improvement_plan(old, spec, layout(), tuple(a.name for a in agents() if not a.planned))


def validate_plan(plan: Plan) -> Plan:
    """domain.dag.validate_plan against this registry's agents."""
    return dag.validate_plan(plan, names())


def listing() -> list[dict[str, Any]]:
    """One row per agent (for `autodevos agents`): where it comes from and where it sits in the plan."""
    rows = []
    for a in agents():
        place = ("after " + ", ".join(a.after) if a.after else "at the start") + (f", when the spec has {a.when}" if a.when else "")
        rows.append({"name": a.name, "origin": a.origin, "plan": place if a.planned else f"placed by the planner ({place})",
                     "model_role": a.model_role, "renders": a.render is not None,
                     "prompts": str(a.prompts) if a.prompts is not None else f"prompts/{a.name}/" if a.model_role or a.reviewer else ""})
    return rows
