"""On random DAGs, no task starts before every one of its dependencies has completed."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from autodevos.graph.runner import RunSettings, start_run
from autodevos.graph.store import close_stores
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Timeline, make_plan


@st.composite
def dags(draw):
    n = draw(st.integers(min_value=1, max_value=14))
    edges: dict[str, list[str]] = {}
    for i in range(n):
        deps = draw(st.sets(st.integers(min_value=0, max_value=i - 1), max_size=3)) if i else set()
        edges[f"t{i}"] = [f"t{j}" for j in sorted(deps)]
    durations = {t: draw(st.sampled_from([0.0, 0.005, 0.02, 0.05])) for t in edges}
    # rename so that plan order is not topological order
    order = draw(st.permutations(list(edges)))
    return {t: edges[t] for t in order}, durations


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dags(), st.sampled_from([0, 2]))
def test_schedule_respects_every_dependency(dag, max_parallel):
    edges, durations = dag
    tl = Timeline(durations)
    with tempfile.TemporaryDirectory() as tmp:
        s = RunSettings(request="prop", out_dir=str(Path(tmp) / "out"), db_path=str(Path(tmp) / "db.sqlite"),
                        plan=make_plan(edges), max_parallel=max_parallel, retry_interval=0.01, force=True)
        result = asyncio.run(start_run(s, agents=tl.agents()))
        close_stores()
    assert result.ok
    assert set(tl.calls) == set(edges) and all(c == 1 for c in tl.calls.values())
    for task, deps in edges.items():
        for dep in deps:
            assert tl.starts[task] >= tl.ends[dep], f"{task} started before its dependency {dep} ended"
