"""Wiring only: the AutoDevOS graph, returned uncompiled so each caller picks its checkpointer."""

from __future__ import annotations

from collections.abc import Mapping

from autodevos.agents import registry
from autodevos.agents.codegen import AgentWork
from autodevos.graph import nodes
from autodevos.graph.routing import (
    after_budget_gate,
    after_plan_gate,
    after_planner,
    after_step_gate,
    current_task_payload,
    tasks_to_dispatch,
)
from autodevos.graph.settings import DEFAULT_RETRIES, Context
from autodevos.graph.state import State, TaskInput
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy, Send


def retry_policy(retries: int = DEFAULT_RETRIES, initial_interval: float = 0.5) -> RetryPolicy:
    """Exponential backoff with jitter; permanent errors are not retried."""
    return RetryPolicy(
        max_attempts=retries + 1,
        initial_interval=initial_interval,
        backoff_factor=2.0,
        max_interval=30.0,
        jitter=True,
        retry_on=lambda exc: not isinstance(exc, nodes.PermanentTaskError),
    )


def build_graph(
    agents: Mapping[str, AgentWork] | None = None,
    retry: RetryPolicy | None = None,
) -> StateGraph:
    """planner -> approve_plan -> (every task, each to its agent's node, in one step) -> review -> (repairs) -> finish."""
    agents = dict(agents or registry.works())
    retry = retry or retry_policy()
    builder = StateGraph(State, context_schema=Context)
    builder.add_node("planner", nodes.make_planner(tuple(agents)), retry_policy=retry)
    builder.add_node("approve_plan", nodes.make_plan_gate(tuple(agents)))
    for name, work in agents.items():
        builder.add_node(name, nodes.make_task_node(name, work, retry.max_attempts), input_schema=TaskInput, retry_policy=retry)
        builder.add_edge(name, "review")
    builder.add_node("review", nodes.review)
    builder.add_node("approve_task", nodes.approve_task)
    builder.add_node("finish", nodes.finish)
    builder.add_node("budget_gate", nodes.budget_gate)

    def dispatch(state: State) -> list[Send] | str:
        sends = [Send(agent, payload) for agent, payload in tasks_to_dispatch(state) if agent in agents]
        return sends or "finish"

    def step(state: State) -> list[Send] | str:
        where = after_step_gate(state)
        if where == "dispatch_current":
            agent, payload = current_task_payload(state)
            return [Send(agent, payload)]
        return where

    def after_gate(state: State) -> list[Send] | str:
        where = after_plan_gate(state)
        if where == "step":
            return "approve_task"
        return dispatch(state) if where == "dispatch" else where

    def after_review(state: State) -> list[Send] | str:
        if state.get("hold"):
            return "budget_gate"
        return step(state) if state.get("gate") == "step" else dispatch(state)

    def after_budget(state: State) -> list[Send] | str:
        where = after_budget_gate(state)
        return {"step": step, "dispatch": dispatch}.get(where, lambda _: where)(state)

    builder.add_edge(START, "planner")
    builder.add_conditional_edges("planner", after_planner, ["approve_plan", "budget_gate"])
    builder.add_conditional_edges("budget_gate", after_budget, [*agents, "finish", "planner", "approve_task"])
    builder.add_conditional_edges("approve_plan", after_gate, [*agents, "finish", "approve_plan", "planner", "approve_task"])
    builder.add_conditional_edges("approve_task", step, [*agents, "finish", "approve_task"])
    builder.add_conditional_edges("review", after_review, [*agents, "finish", "approve_task", "budget_gate"])
    builder.add_edge("finish", END)
    return builder
