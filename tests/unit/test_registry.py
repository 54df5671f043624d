"""One agent registry: every list of agents comes from it, and a plugin is just an entry from elsewhere."""

from __future__ import annotations

import asyncio
import json
from importlib import metadata

import pytest
from autodevos.agents import registry
from autodevos.agents.model_agents import areas_for, interfaces_for
from autodevos.agents.prompts import render_prompt
from autodevos.domain.spec import AppSpec, Entity
from autodevos.graph.runner import RunSettings, check_models, start_run
from autodevos.graph.session import compile_graph
from autodevos.main import app
from typer.testing import CliRunner

SPEC = AppSpec(name="shop", title="Shop", entities=[Entity(name="Product")])


def entry(name: str, value: str) -> metadata.EntryPoint:
    return metadata.EntryPoint(name=name, value=value, group=registry.GROUP)


PLUGINS = [entry("seed", "tests.plugin_agents:SEED"), entry("several", "tests.plugin_agents:several"),
           entry("broken", "tests.no_such_plugin:AGENT"), entry("taken", "tests.plugin_agents:TAKEN"),
           entry("orphan", "tests.plugin_agents:ORPHAN")]


@pytest.fixture
def plugins(monkeypatch):
    """This process's registry, as if the plugins above were installed."""
    monkeypatch.setattr(registry.metadata, "entry_points", lambda group: [e for e in PLUGINS if e.group == group])
    registry.reload()
    yield registry.registry()
    monkeypatch.undo()
    registry.reload()


def test_every_list_of_agents_is_derived_from_the_builtin_entries():
    names = tuple(a.name for a in registry.BUILTIN)
    assert registry.names() == names == ("backend", "frontend", "devops", "tests", "docs", "code_review", "verify")
    assert registry.model_roles() == ("planner", "backend", "frontend", "devops", "tests", "docs", "code_review")
    assert registry.reviewers() == ("code_review",) and "code_review" not in registry.renderers()  # a model reads, writes no code
    assert set(registry.works()) == set(names)
    drawn = compile_graph().get_graph()
    assert {n for n in drawn.nodes} >= set(names)
    plan = registry.default_plan(SPEC)
    assert [t.id for t in plan.tasks] == ["backend", "frontend", "devops", "tests", "docs"]  # the review and verify are placed by the planner
    assert set(areas_for(SPEC).direct) and interfaces_for("frontend", SPEC)


def test_a_plugin_is_an_entry_from_elsewhere(plugins):
    assert plugins.names() == ("backend", "frontend", "devops", "tests", "docs", "code_review", "verify", "seed", "audit")
    assert plugins.find("seed").origin == "tests.plugin_agents:SEED"  # no distribution: the entry point's value
    # the default plan: after the agents it follows, only when the spec meets its condition
    plan = registry.default_plan(SPEC)
    assert plan.task("seed").depends_on == ["backend"] and plan.task("seed").description == "Seed data for products."
    assert plan.task("audit").depends_on == ["seed", "docs"]
    api_only = registry.default_plan(SPEC.model_copy(update={"frontend": False}))
    assert "seed" in {t.id for t in api_only.tasks}
    no_backend = registry.default_plan(SPEC.model_copy(update={"backend": False}))
    assert "seed" not in {t.id for t in no_backend.tasks} and no_backend.task("audit").depends_on == ["docs"]
    # a graph node with the same conditional edges as the built-in agents
    edges = {(e.source, e.target, e.conditional) for e in compile_graph().get_graph().edges}
    for node in ("seed", "audit"):
        assert {("approve_plan", node, True), ("review", node, True), ("approve_task", node, True), (node, "review", False)} <= edges
    # its area, its prompts, its interfaces, its model role
    areas = areas_for(SPEC)
    assert areas.allowed("backend/seed/product.json") == {"seed"} and areas.allowed("backend/seed/new.json") == {"seed"}
    assert "You are the seed agent" in render_prompt("seed", "system", area="backend/seed/")
    assert set(interfaces_for("seed", SPEC)) == {"backend/src/types.ts"}
    assert "seed" in registry.model_roles() and "audit" not in registry.model_roles()
    check_models(RunSettings(request="x", models={"seed": "offline"}))


def test_a_plugin_that_cannot_be_used_is_one_line_naming_it(plugins):
    problems = plugins.problems
    assert len(problems) == 3, problems
    broken, taken, orphan = (next(p for p in problems if f"'{n}'" in p.split(" (")[0]) for n in ("broken", "taken", "orphan"))
    assert broken.startswith("plugin agent 'broken' (tests.no_such_plugin:AGENT) failed to load: ModuleNotFoundError")
    assert "the name 'backend' is taken" in taken
    assert "runs after 'designer'" in orphan
    assert all("\n" not in p for p in problems)


def test_misfits_are_named():
    spec = registry.AgentSpec
    assert "is taken" in registry._misfit(spec("review", lambda s: {}), set())
    assert "lower-case" in registry._misfit(spec("Seed Data", lambda s: {}), set())
    assert "needs a renderer" in registry._misfit(spec("x", work=lambda *a: {}), set())
    assert "not a yes/no field" in registry._misfit(spec("x", lambda s: {}, when="entities"), set())
    assert "not an AgentSpec" in registry._misfit({"name": "x"}, set())


def test_a_run_with_a_plugin_writes_its_files_after_the_agents_it_follows(plugins, tmp_path):
    settings = RunSettings(request="A shop with products", out_dir=str(tmp_path / "app"), db_path=str(tmp_path / "db.sqlite"),
                           verify=False)
    result = asyncio.run(start_run(settings))
    assert result.ok, result.tasks
    assert result.tasks["seed"]["started"] >= result.tasks["backend"]["finished"]
    assert (tmp_path / "app" / "backend" / "seed" / "seed.ts").read_text().startswith("// loads the fixtures")
    assert (tmp_path / "app" / "AUDIT.md").is_file()


def test_the_agents_command_lists_builtin_and_plugin_agents(plugins):
    result = CliRunner().invoke(app, ["agents", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout[result.stdout.index("{"):])
    rows = {r["name"]: r for r in data["agents"]}
    assert rows["backend"]["origin"] == "built-in" and rows["seed"]["plan"] == "after backend, when the spec has backend"
    assert rows["verify"]["plan"].startswith("placed by the planner")
    assert rows["code_review"]["plan"] == "placed by the planner (after backend, frontend, devops, tests)"
    assert rows["code_review"]["prompts"] == "prompts/code_review/"
    assert len(data["problems"]) == 3
    assert "plugin agent 'broken'" in result.stderr and result.stderr.count("warning:") == 3
