"""What LangGraph Studio reads from the graph: its input, output and context schemas (on Python 3.11,
pydantic refuses typing.TypedDict there, and Studio then shows no input form)."""

from __future__ import annotations

from autodevos.graph.studio import graph


def test_input_and_output_schemas_load_and_list_the_request():
    assert "request" in graph.get_input_jsonschema()["properties"]
    assert {"request", "plan", "tasks", "files", "outcome"} <= set(graph.get_output_jsonschema()["properties"])


def test_context_schema_loads_with_the_run_settings():
    props = graph.get_context_jsonschema()["properties"]
    assert {"model", "out_dir", "db_path", "verify", "approval"} <= set(props)
