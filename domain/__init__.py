"""The domain model: the app spec and the plan (a DAG of tasks). Pure: no LangGraph, no I/O."""
