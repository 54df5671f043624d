"""The planner agent: request -> spec + task DAG, by a model or by rules, never an invalid plan."""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import ValidationError

from agents.extract import extract_spec
from agents.prompts import render_prompt
from graph.dag import AGENTS, Plan, PlanError, Task, default_plan, validate_plan
from graph.spec import AppSpec


class PlanParseError(ValueError):
    """A model answer that is not a valid plan; the message says why."""


def parse_plan_text(text: str, agents: tuple[str, ...] = AGENTS) -> Plan:
    """Model text -> validated Plan. Accepts a bare JSON object or one inside a code fence."""
    fence = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.S)
    body = fence.group(1) if fence else text
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end <= start:
        raise PlanParseError("the answer holds no JSON object")
    try:
        data = json.loads(body[start : end + 1])
    except json.JSONDecodeError as exc:
        raise PlanParseError(f"the answer is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PlanParseError(f"the plan does not fit the schema: {where}: {first['msg']}") from None
    try:
        return validate_plan(plan, agents)
    except PlanError as exc:
        raise PlanParseError(str(exc)) from None


def offline_plan(request: str, spec_override: dict[str, Any] | None = None) -> tuple[Plan, list[str]]:
    spec = AppSpec.model_validate(spec_override) if spec_override else extract_spec(request)
    notes = [f"assumed: {a}" for a in spec.assumptions]
    return default_plan(spec), notes


async def model_plan(
    request: str, model: BaseChatModel, spec_override: dict[str, Any] | None = None, agents: tuple[str, ...] = AGENTS
) -> tuple[Plan, list[str]]:
    """Ask the model: structured output first, then plain JSON text; on failure, the rule-based plan and why."""
    messages = [
        SystemMessage(render_prompt("planner", "system", agents=", ".join(agents))),
        HumanMessage(render_prompt("planner", "user", request=request)),
    ]
    problems: list[str] = []
    plan: Plan | None = None
    try:
        answer = await model.with_structured_output(Plan).ainvoke(messages)
        plan = validate_plan(answer if isinstance(answer, Plan) else Plan.model_validate(answer), agents)
        how = "planned by the model (structured output)"
    except NotImplementedError:
        pass  # the model has no structured output: ask for text
    except Exception as exc:
        problems.append(f"structured output failed ({_reason(exc)})")
    if plan is None:
        try:
            answer = await model.ainvoke(messages)
            plan = parse_plan_text(str(answer.content), agents)
            how = "planned by the model"
        except Exception as exc:
            problems.append(f"model plan rejected ({_reason(exc)})")
    if plan is None:
        fallback, notes = offline_plan(request, spec_override)
        return fallback, [f"{'; '.join(problems)}; used the default plan", *notes]
    if spec_override:
        plan = validate_plan(Plan(spec=AppSpec.model_validate(spec_override), tasks=plan.tasks), agents)
    return plan, [*problems, how]


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]


def place_verify(plan: Plan, verify: bool) -> tuple[Plan, list[str]]:
    """Add a verify task after the code and test tasks, or drop it; say why when dropped."""
    import shutil

    tasks = [t for t in plan.tasks if t.agent != "verify"]
    if not verify:
        return Plan(spec=plan.spec, tasks=tasks), ([] if len(tasks) == len(plan.tasks) else ["verify turned off"])
    if shutil.which("npm") is None:
        return Plan(spec=plan.spec, tasks=tasks), ["no npm on the PATH: the app is written but not verified (install Node.js 20+)"]
    if len(tasks) != len(plan.tasks):
        return plan, []
    code = [t.id for t in tasks if t.agent in ("tests", "backend", "frontend")]
    ends = [t for t in code if not any(t in o.depends_on for o in tasks if o.id in code)]
    verify_task = Task(id="verify", agent="verify", depends_on=ends,
                       description="Install, type-check, lint, test, build and browser-test the app.")
    return validate_plan(Plan(spec=plan.spec, tasks=[*tasks, verify_task])), []
