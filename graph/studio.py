"""The graph for LangGraph Studio / `langgraph dev` (langgraph.json points here).

Compiled without a checkpointer: the LangGraph server brings its own persistence. Run settings
(model, output folder, approval mode) come from the Context schema, which Studio shows.
"""

from autodevos.graph.session import compile_graph

graph = compile_graph()
