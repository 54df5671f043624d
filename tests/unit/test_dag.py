"""Plan validation names its culprit; the default plan follows the spec; scheduling facts."""

from __future__ import annotations

import pytest
from autodevos.agents.registry import default_plan, improvement_plan, names
from autodevos.domain import dag
from autodevos.domain.dag import (
    Plan,
    PlanError,
    Slot,
    Task,
    blocked_by,
    critical_path,
    next_step_task,
    ready_tasks,
    validate_plan,
)
from autodevos.domain.spec import AppSpec, Entity


def spec(**kw) -> AppSpec:
    return AppSpec(name="x", title="X", entities=[Entity(name="Task")], **kw)


def plan(*tasks: Task) -> Plan:
    return Plan(spec=spec(), tasks=list(tasks))


@pytest.mark.parametrize(
    "tasks, message",
    [
        ([Task(id="a", agent="wizard")], "task 'a' is owned by unknown agent 'wizard'"),
        ([Task(id="docs", agent="docs", depends_on=["api"])], "task 'docs' depends on unknown task 'api'"),
        ([Task(id="a", agent="docs"), Task(id="a", agent="tests")], "duplicate task id 'a'"),
        ([Task(id="a", agent="docs", depends_on=["a"])], "task 'a' depends on itself"),
        ([Task(id="a", agent="docs", depends_on=["b"]), Task(id="b", agent="docs", depends_on=["a"])], "cycle"),
        ([], "no tasks"),
    ],
)
def test_validation_names_the_culprit(tasks, message):
    with pytest.raises(PlanError, match=message):
        validate_plan(plan(*tasks), names())


def test_cycle_message_lists_the_cycle():
    p = plan(Task(id="a", agent="docs", depends_on=["c"]), Task(id="b", agent="docs", depends_on=["a"]),
             Task(id="c", agent="docs", depends_on=["b"]), Task(id="d", agent="docs"))
    with pytest.raises(PlanError) as exc:
        validate_plan(p, names())
    text = str(exc.value)
    assert all(t in text for t in ("a", "b", "c")) and "d" not in text.split(":", 1)[1]


def test_default_plan_shape():
    p = default_plan(spec())
    edges = {t.id: t.depends_on for t in p.tasks}
    assert edges == {"backend": [], "frontend": [], "devops": [], "tests": ["backend", "frontend"], "docs": ["tests"]}


def test_default_plan_drops_frontend_for_api_only():
    p = default_plan(spec(frontend=False))
    assert [t.id for t in p.tasks] == ["backend", "devops", "tests", "docs"]
    assert p.task("tests").depends_on == ["backend"]


def test_default_plan_follows_the_layout_it_is_given():
    """The domain knows no agent: the layout (from agents.registry) says who is planned, after whom, when."""
    layout = [Slot("api", when="backend", describe=lambda s: f"API for {s.entities[0].plural}"), Slot("ui", when="frontend"),
              Slot("seed", after=("api",), describe="fixtures"), Slot("check", after=("api", "ui", "seed"))]
    p = dag.default_plan(spec(), layout)
    assert {t.id: t.depends_on for t in p.tasks} == {"api": [], "ui": [], "seed": ["api"], "check": ["api", "ui", "seed"]}
    assert p.task("api").description == "API for tasks" and p.task("seed").description == "fixtures"
    p = dag.default_plan(spec(frontend=False), layout)
    assert [t.id for t in p.tasks] == ["api", "seed", "check"] and p.task("check").depends_on == ["api", "seed"]
    with pytest.raises(PlanError, match="unknown agent 'api'"):
        validate_plan(p, ["ui", "seed", "check"])


def test_ready_tasks_and_blocking():
    p = default_plan(spec())
    assert ready_tasks(p, {}) == ["backend", "frontend", "devops"]
    assert ready_tasks(p, {"backend": "completed"}) == ["frontend", "devops"]
    assert ready_tasks(p, {"backend": "completed", "frontend": "completed", "devops": "running"}) == ["tests"]
    assert blocked_by(p.task("tests"), {"backend": "completed", "frontend": "failed"}) == "frontend"
    assert blocked_by(p.task("tests"), {"backend": "completed", "frontend": "running"}) is None


def test_critical_path():
    p = plan(Task(id="a", agent="docs"), Task(id="b", agent="docs"), Task(id="c", agent="docs", depends_on=["a"]),
             Task(id="d", agent="docs", depends_on=["c", "b"]))
    assert critical_path(p, {"a": 1, "b": 2, "c": 1, "d": 0.2}) == pytest.approx(2.2)


def test_task_ids_are_checked():
    with pytest.raises(ValueError):
        Task(id="../x", agent="docs")


def test_place_verify_goes_after_the_last_code_tasks():
    from autodevos.agents.planner import place_verify

    p, notes = place_verify(default_plan(spec()), True)
    assert p.task("code_review").depends_on == ["devops", "tests"] and notes == []
    # verify follows the review and what the review follows: a skipped review holds nothing up
    assert p.task("verify").depends_on == ["devops", "tests", "code_review"]
    p, notes = place_verify(p, False)
    assert [t.id for t in p.tasks] == ["backend", "frontend", "devops", "tests", "docs"] and notes == ["verify turned off"]
    p, _ = place_verify(default_plan(spec()), True, available=("backend", "frontend", "devops", "tests", "docs", "verify"))
    assert "code_review" not in {t.id for t in p.tasks} and p.task("verify").depends_on == ["devops", "tests"]


def test_a_skipped_review_holds_nothing_up_a_failed_one_does():
    p = plan(Task(id="a", agent="docs"), Task(id="r", agent="docs", depends_on=["a"]), Task(id="v", agent="docs", depends_on=["a", "r"]))
    assert blocked_by(p.task("v"), {"a": "completed", "r": "skipped"}) == "r"
    assert blocked_by(p.task("v"), {"a": "completed", "r": "skipped"}, waived={"r"}) is None
    assert blocked_by(p.task("v"), {"a": "completed", "r": "failed"}, waived={"r"}) == "r"
    assert next_step_task(p, {"a": "completed", "r": "skipped"}, waived={"r"}) == ("v", None)
    assert next_step_task(p, {"a": "completed", "r": "skipped"}) == ("v", "r")


def test_spec_refuses_required_reference_cycles_and_auth_without_backend():
    from autodevos.domain.spec import Field
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="cycle"):
        AppSpec(name="x", title="X", entities=[
            Entity(name="Hen", fields=[Field(name="egg", type="ref", ref="Egg")]),
            Entity(name="Egg", fields=[Field(name="hen", type="ref", ref="Hen")])])
    AppSpec(name="x", title="X", entities=[  # optional breaks the cycle
        Entity(name="Hen", fields=[Field(name="egg", type="ref", ref="Egg", required=False)]),
        Entity(name="Egg", fields=[Field(name="hen", type="ref", ref="Hen")])])
    with pytest.raises(ValidationError, match="auth needs a backend"):
        AppSpec(name="x", title="X", entities=[Entity(name="Note")], auth=True, backend=False)


@pytest.mark.parametrize(
    "change",
    ["add a field priority (low/medium/high) to task", "add an entity called tag", "add login", "no frontend",
     "remove the field done from todo"],
)
def test_improvement_plan_runs_every_task_whose_files_change(change):
    """Sound against the real generator: an agent whose rendered files differ after the change is planned."""
    from autodevos.agents.extract import extract_spec
    from autodevos.agents.planner import apply_feedback
    from autodevos.agents.render import render_backend, render_devops, render_docs, render_frontend, render_tests

    old_spec = extract_spec("A todo app: todos (title, done, due date) and tasks (title)")
    new_spec, _ = apply_feedback(old_spec, change)
    assert new_spec != old_spec
    plan, notes = improvement_plan(default_plan(old_spec), new_spec)
    planned = {t.agent for t in plan.tasks}
    renders = {"backend": render_backend, "frontend": render_frontend, "tests": render_tests, "docs": render_docs,
               "devops": render_devops}
    for agent, render in renders.items():
        if agent == "frontend" and not new_spec.frontend:
            continue
        if render(old_spec) != render(new_spec):
            assert agent in planned, (change, agent, notes)
    ids = {t.id for t in plan.tasks}
    assert all(d in ids for t in plan.tasks for d in t.depends_on)


def test_improvement_plan_leaves_devops_alone_when_only_fields_change():
    from autodevos.agents.extract import extract_spec
    from autodevos.agents.planner import apply_feedback

    old_spec = extract_spec("A todo app with todos")
    plan, notes = improvement_plan(default_plan(old_spec), apply_feedback(old_spec, "add a field estimate (integer) to todo")[0])
    assert [t.id for t in plan.tasks] == ["backend", "frontend", "tests", "docs"]
    assert "unchanged: devops" in notes[0]


def test_the_checks_the_planner_places_are_not_no_longer_planned_in_an_improve():
    from autodevos.agents.extract import extract_spec
    from autodevos.agents.planner import apply_feedback, place_verify

    old_spec = extract_spec("A todo app with todos")
    old, _ = place_verify(default_plan(old_spec), True)
    assert {"code_review", "verify"} <= {t.id for t in old.tasks}
    plan, notes = improvement_plan(old, apply_feedback(old_spec, "add a field estimate (integer) to todo")[0])
    assert not any("no longer planned" in n for n in notes), notes
