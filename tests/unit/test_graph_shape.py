"""The graph Studio draws: the planner, the gate, every agent node, and the conditional edges."""

from __future__ import annotations

from autodevos.graph.session import compile_graph

AGENTS = {"frontend", "backend", "devops", "tests", "docs", "code_review", "verify"}


def test_nodes_and_edges_of_the_drawn_graph():
    drawn = compile_graph().get_graph()
    assert set(drawn.nodes) == {"__start__", "planner", "approve_plan", "approve_task", *AGENTS, "review", "finish", "budget_gate", "__end__"}
    edges = {(e.source, e.target, e.conditional) for e in drawn.edges}
    assert ("__start__", "planner", False) in edges
    assert ("planner", "approve_plan", True) in edges
    assert {("planner", "budget_gate", True), ("review", "budget_gate", True), ("budget_gate", "planner", True),
            ("budget_gate", "backend", True)} <= edges  # the model budget pauses the run, then it goes on
    for agent in AGENTS:
        assert ("approve_plan", agent, True) in edges  # dispatched by the plan's DAG
        assert ("review", agent, True) in edges  # repairs
        assert (agent, "review", False) in edges
    for agent in AGENTS:
        assert ("approve_task", agent, True) in edges  # step mode: one approved task at a time
    assert {("approve_plan", "approve_task", True), ("review", "approve_task", True), ("approve_task", "finish", True),
            ("approve_plan", "planner", True), ("approve_plan", "approve_plan", True), ("approve_plan", "finish", True),
            ("review", "finish", True), ("finish", "__end__", False)} <= edges
    mermaid = compile_graph().get_graph().draw_mermaid()
    assert "approve_plan -.-> backend" in mermaid and "backend --> review" in mermaid
    assert "approve_plan -.-> code_review" in mermaid and "code_review --> review" in mermaid  # the code review, drawn
