"""The planner agent: request -> spec + task DAG, by a model or by rules, never an invalid plan."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection
from typing import Any

from autodevos.agents import registry
from autodevos.agents.answers import AnswerError, NoValidAnswer, Way, ask_until_valid, first_error, json_in
from autodevos.agents.extract import extract_spec
from autodevos.agents.prompts import render_prompt
from autodevos.domain.dag import Plan, PlanError, Task, validate_plan
from autodevos.domain.spec import AppSpec
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import ValidationError


class PlanParseError(ValueError):
    """A model answer that is not a valid plan; the message says why."""


def parse_plan_text(text: str, agents: tuple[str, ...] | None = None) -> Plan:
    """Model text -> validated Plan. Accepts a bare JSON object or one inside a code fence."""
    try:
        plan = Plan.model_validate(json_in(text))
    except AnswerError as exc:
        raise PlanParseError(str(exc)) from None
    except ValidationError as exc:
        raise PlanParseError(f"the plan does not fit the schema: {first_error(exc)}") from None
    try:
        return validate_plan(plan, agents or registry.names())
    except PlanError as exc:
        raise PlanParseError(str(exc)) from None


def _draft_json(request: str) -> str:
    """The offline extraction of the request, as the draft spec the model corrects (spec v2 JSON)."""
    try:
        return extract_spec(request).model_dump_json(indent=1, exclude_defaults=True)
    except ValueError as exc:
        return f"(no draft: {exc})"


def with_request(plan: Plan, request: str) -> Plan:
    """The plan with the user's request, verbatim, in its spec (every agent's prompt shows it); a
    planner never writes it. A run from a hand-written spec alone keeps the spec's own."""
    if not request.strip() or plan.spec.request == request:
        return plan
    return plan.model_copy(update={"spec": plan.spec.model_copy(update={"request": request})})


def offline_plan(request: str, spec_override: dict[str, Any] | None = None) -> tuple[Plan, list[str]]:
    spec = AppSpec.model_validate(spec_override) if spec_override else extract_spec(request)
    notes = [f"assumed: {a}" for a in spec.assumptions]
    return registry.default_plan(spec), notes


async def model_plan(
    request: str, ask: Any, spec_override: dict[str, Any] | None = None, agents: tuple[str, ...] | None = None,
    max_reasks: int = 2,
) -> tuple[Plan, list[str]]:
    """Ask the model for the plan (agents.answers.ask_until_valid): structured output first, asked
    again with the validation error (at most max_reasks times), then plain JSON text the same way;
    when nothing validates, the rule-based plan, with every reason in the notes.

    `ask` is the planner role's model (agents.ask.RoleAsk): BudgetReached and transport failures
    are not caught here."""
    agents = agents or registry.names()
    system, user, again = await asyncio.to_thread(
        lambda: (render_prompt("planner", "system", agents=", ".join(agents)),
                 render_prompt("planner", "user", request=request, draft=_draft_json(request)),
                 render_prompt("planner", "reask", error="$error"))
    )
    messages = [SystemMessage(system), HumanMessage(user)]

    def reask(why: str) -> str:
        return again.replace("$error", why)

    ways = [Way("structured", messages, lambda plan: validate_plan(plan, agents), reask, schema=Plan),
            Way("text", messages, lambda text: parse_plan_text(text, agents), reask, label="JSON text")]
    try:
        found = await ask_until_valid(ask, ways, role="planner", task_id="planner", max_reasks=max_reasks)
    except NoValidAnswer as exc:
        fallback, more = await asyncio.to_thread(offline_plan, request, spec_override)
        return fallback, [*exc.notes, "no model answer validated; used the default plan", *more]
    plan = found.value
    if spec_override:
        plan = validate_plan(Plan(spec=AppSpec.model_validate(spec_override), tasks=plan.tasks), agents)
    repairs = sum(1 for n in found.notes if "asked again" in n)
    how = f"planned by the model ({found.mode} output" + (f", after {repairs} repair(s)" if repairs else "") + ")"
    return plan, [*found.notes, how]


async def model_change(spec: AppSpec, change: str, ask: Any, max_reasks: int = 2) -> tuple[AppSpec, list[str]]:
    """Apply a change in plain language to a spec with the model (structured output, re-asked with
    the validation error); when no answer validates, the offline rules, with the reasons."""
    prompt, again = await asyncio.to_thread(
        lambda: (render_prompt("planner", "improve", spec=spec.model_dump_json(indent=1), change=change),
                 render_prompt("planner", "improve_reask", error="$error")))
    way = Way("structured", [HumanMessage(prompt)], lambda new: new, lambda why: again.replace("$error", why), schema=AppSpec)
    try:
        found = await ask_until_valid(ask, [way], role="planner", task_id="improve", max_reasks=max_reasks)
    except NoValidAnswer as exc:
        new, applied = apply_feedback(spec, change)
        return new, [*exc.notes, "the model's spec did not validate; used the offline rules", *applied]
    return found.value, [*found.notes, "change applied to the spec by the model"]


def place_verify(plan: Plan, verify: bool, available: Collection[str] | None = None) -> tuple[Plan, list[str]]:
    """Add the checks the planner places (the registry's agents outside the default plan: code_review,
    then verify), each after the last of the tasks it follows, or drop them; say why when dropped.

    A review does not stand in for what it follows: verify depends on the review and on the code and
    test tasks too, so a person who skips the review holds nothing up. `available`: the agents the
    graph has (a check without a node is not placed); default: every registered agent."""
    import shutil

    checks = [a for a in registry.agents() if not a.planned]
    tasks = [t for t in plan.tasks if t.agent not in {a.name for a in checks}]
    if not verify:
        return Plan(spec=plan.spec, tasks=tasks), ([] if len(tasks) == len(plan.tasks) else ["verify turned off"])
    if shutil.which("npm") is None:
        return Plan(spec=plan.spec, tasks=tasks), ["no npm on the PATH: the app is written but not verified (install Node.js 20+)"]
    if len(tasks) != len(plan.tasks):
        return plan, []
    reviewers = set(registry.reviewers())
    for check in checks:
        if available is not None and check.name not in available:
            continue
        follows = [t for t in tasks if t.agent in check.after]
        ends = [t.id for t in follows if not any(t.id in o.depends_on for o in follows if o.agent not in reviewers)]
        text = check.describe(plan.spec) if callable(check.describe) else check.describe
        tasks.append(Task(id=check.name, agent=check.name, depends_on=ends, description=text))
    return validate_plan(Plan(spec=plan.spec, tasks=tasks), registry.names()), []


ACTIONS = ("approve", "edit", "reject", "skip", "quit")


def read_decision(answer: Any) -> dict[str, Any]:
    """A resume value -> {'action', 'feedback'?, 'plan'?, 'who'?}. A bare string is the action."""
    if isinstance(answer, str):
        answer = {"action": answer}
    if not isinstance(answer, dict) or answer.get("action") not in ACTIONS:
        return {"action": "reject", "feedback": f"unreadable answer {answer!r}"}
    return answer


_ADD_FIELD = re.compile(
    r"add (?:a |an )?(?:new )?((?:field|column|property) )?(?:called |named )?([a-z][\w ]*?)(?: \(([\w/ ,|-]+)\)| of type (\w+)| as (?:an? )?(\w+))? (?:to|on|for) (?:the |each )?([a-z]+)",
    re.I)
_REMOVE_FIELD = re.compile(r"(?:remove|drop|delete) (?:the )?(?:field|column|property) ([a-z][\w ]*?) (?:from|of|on) (?:the |each )?([a-z]+)", re.I)
_ADD_ENTITY = re.compile(r"add (?:a |an )?(?:new )?(?:entity|resource|model|table) (?:called |named )?([a-z]+)", re.I)
_REMOVE_ENTITY = re.compile(r"(?:remove|drop|delete) (?:the )?(?:entity|resource|model|table) ([a-z]+)", re.I)


def apply_feedback(spec: AppSpec, text: str) -> tuple[AppSpec, list[str]]:
    """Act on plain feedback such as 'add a field priority to task'; say what was and was not understood."""
    from autodevos.agents.extract import _infer_type
    from autodevos.domain.spec import Entity, Field, camel, pascal, singularize

    data = spec.model_dump()
    done: list[str] = []

    def find(name: str) -> dict[str, Any] | None:
        target = pascal(singularize(name.strip()))
        return next((e for e in data["entities"] if e["name"] == target), None)

    for m in _ADD_ENTITY.finditer(text):
        if find(m.group(1)) is None:
            data["entities"].append(Entity(name=singularize(m.group(1))).model_dump())
            done.append(f"feedback: added entity {pascal(singularize(m.group(1)))}")
    for m in _ADD_FIELD.finditer(text):
        name, hint = m.group(2), (m.group(3) or m.group(4) or m.group(5) or "")
        ent = find(m.group(6))
        if ent is None:
            if m.group(1):  # "add a field X to Y": Y should have been an entity
                done.append(f"feedback names no entity {m.group(6)!r}")
            continue
        if name.lower().startswith(("entity ", "resource ", "model ", "table ")):
            continue
        if any(f["name"] == camel(name) for f in ent["fields"]):
            done.append(f"feedback: {ent['name']} already has a field {camel(name)}")
            continue
        kind, options = _infer_type(name, hint)
        target = find(name) if not hint else None
        if target is not None and kind == "string":  # a field named after an entity refers to it
            many = singularize(name.strip()) != name.strip()
            kind = "refs" if many else "ref"
            ent["fields"].append(Field(name=name, type=kind, ref=target["name"], required=False).model_dump())
            done.append(f"feedback: added field {camel(name)} ({kind} to {target['name']}) to {ent['name']}")
            continue
        ent["fields"].append(Field(name=name, type=kind, options=options, required=False).model_dump())
        done.append(f"feedback: added field {camel(name)} ({kind}) to {ent['name']}")
    for m in _REMOVE_FIELD.finditer(text):
        ent = find(m.group(2))
        if ent is not None:
            before = len(ent["fields"])
            ent["fields"] = [f for f in ent["fields"] if f["name"] != camel(m.group(1))]
            if len(ent["fields"]) < before:
                done.append(f"feedback: removed field {camel(m.group(1))} from {ent['name']}")
    for m in _REMOVE_ENTITY.finditer(text):
        ent = find(m.group(1))
        if ent is not None and len(data["entities"]) > 1:
            data["entities"].remove(ent)
            done.append(f"feedback: removed entity {ent['name']}")
    if re.search(r"\b(no|without( a)?|drop( the)?) (frontend|ui)\b", text, re.I):
        data["frontend"] = False
        done.append("feedback: no frontend")
    if re.search(r"\b(add|with|needs?) (a )?(login|auth|authentication)\b", text, re.I):
        data["auth"] = True
        done.append("feedback: users log in")
    if not done:
        done.append(f"feedback not understood by the offline planner, plan unchanged: {text[:200]!r}")
    try:
        return AppSpec.model_validate(data), done
    except ValidationError as exc:
        return spec, [f"feedback refused ({exc.errors()[0]['msg']}); plan unchanged"]
