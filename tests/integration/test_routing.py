"""The DAG's routing through the real graph: parallel dispatch, joins, skips, fail-fast, retries."""

from __future__ import annotations

from tests.conftest import Timeline, make_plan


def test_independent_tasks_start_together_and_join_waits(run_plan):
    tl = Timeline({"a": 0.3, "b": 0.3, "c": 0.0})
    result = run_plan(make_plan({"a": [], "b": [], "c": ["a", "b"]}), tl)
    assert result.ok
    assert abs(tl.starts["a"] - tl.starts["b"]) < 0.1  # dispatched in the same step, run concurrently
    assert tl.starts["c"] >= max(tl.ends["a"], tl.ends["b"])  # the join waited for both
    assert {t: r["status"] for t, r in result.tasks.items()} == {"a": "completed", "b": "completed", "c": "completed"}


def test_task_starts_when_its_own_dependencies_are_done_not_at_a_step_barrier(run_plan):
    # a(0.2) -> c(0.2) and b(0.8): c must not wait for b
    tl = Timeline({"a": 0.2, "b": 0.8, "c": 0.2})
    result = run_plan(make_plan({"a": [], "b": [], "c": ["a"]}), tl)
    assert result.ok
    assert tl.ends["c"] < tl.ends["b"]


def test_failed_task_skips_its_dependants_and_independent_branch_goes_on(run_plan):
    tl = Timeline({"ok": 0.2}, fail={"bad": -1})
    result = run_plan(make_plan({"bad": [], "after_bad": ["bad"], "later": ["after_bad"], "ok": [], "after_ok": ["ok"]}), tl, retries=0)
    status = {t: r["status"] for t, r in result.tasks.items()}
    assert status == {"bad": "failed", "after_bad": "skipped", "later": "skipped", "ok": "completed", "after_ok": "completed"}
    assert "scripted failure of bad" in result.tasks["bad"]["error"]
    assert "'bad'" in result.tasks["after_bad"]["error"]
    assert result.status == "failed"
    assert "after_bad" not in tl.calls


def test_fail_fast_starts_nothing_after_the_first_failure(run_plan):
    tl = Timeline({"slow": 1.5}, fail={"bad": -1})  # a wide margin: bad fails long before slow ends
    result = run_plan(make_plan({"bad": [], "slow": [], "after_slow": ["slow"]}), tl, retries=0, fail_fast=True)
    status = {t: r["status"] for t, r in result.tasks.items()}
    assert status["bad"] == "failed"
    assert status["slow"] == "completed"  # already running when bad failed: it finishes
    assert status["after_slow"] == "skipped"
    assert "fail-fast" in result.tasks["after_slow"]["error"]


def test_retries_with_backoff_then_success(run_plan):
    tl = Timeline(fail={"flaky": 2})
    result = run_plan(make_plan({"flaky": [], "next": ["flaky"]}), tl, retries=2)
    assert result.ok
    assert result.tasks["flaky"]["attempts"] == 3
    assert tl.calls["flaky"] == 3


def test_retries_exhausted_fail_the_task(run_plan):
    tl = Timeline(fail={"flaky": 5})
    result = run_plan(make_plan({"flaky": []}), tl, retries=1)
    assert result.tasks["flaky"]["status"] == "failed"
    assert tl.calls["flaky"] == 2


def test_every_task_records_duration_and_files(run_plan, tmp_path):
    tl = Timeline({"a": 0.05})
    result = run_plan(make_plan({"a": [], "b": ["a"]}), tl)
    for rec in result.tasks.values():
        assert rec["duration"] is not None and rec["duration"] >= 0
    assert rec["files"] == ["b.txt"]
    assert (tmp_path / "out" / "a.txt").read_text() == "made by a\n"


def test_max_parallel_limits_concurrency(run_plan):
    tl = Timeline({t: 0.2 for t in "abcd"})
    result = run_plan(make_plan({t: [] for t in "abcd"}), tl, max_parallel=2)
    assert result.ok
    starts = sorted(tl.starts.values())
    assert starts[2] - starts[0] >= 0.15  # the third waited for a slot
