"""Each spec rule is matched to the acceptance test named after it, from vitest's JSON report
(agents/rule_tests.py), and the offline app's README lists what it does not do yet."""

from __future__ import annotations

from pathlib import Path

from autodevos.agents import rule_tests
from autodevos.agents.render import render_docs
from autodevos.domain.spec import AppSpec, Rule

RULES = ["A member may borrow at most 3 books at a time.", "Overdue loans are flagged after 14 days",
         "Only librarians delete books"]


def report(tmp: Path, *tests: tuple[str, str]) -> dict:
    return {"testResults": [{"name": str(tmp / "backend/tests/rules.test.ts"),
                             "assertionResults": [{"title": t, "fullName": f"rules {t}", "status": s} for t, s in tests]}]}


def test_each_rule_gets_the_status_of_the_test_named_after_it(tmp_path: Path) -> None:
    found = rule_tests.read_report(report(tmp_path, ("rule: a member may borrow at most 3 books at a time", "passed"),
                                          ("Rule: Overdue loans are flagged after 14 days!", "failed"),
                                          ("lists books", "passed")), "backend", tmp_path / "backend")
    results = rule_tests.match(RULES, found)
    assert [(r.status, r.test) for r in results] == [("passed", "backend/tests/rules.test.ts"),
                                                     ("failed", "backend/tests/rules.test.ts"), ("missing", "")]
    assert rule_tests.owner(results) == "tests"  # a missing test: the tests agent writes it
    assert rule_tests.owner(results[:2]) == "backend"  # a failing API rule test: the backend implements it
    assert rule_tests.owner(results[:1]) is None
    text = rule_tests.report_text(results)
    assert "missing: rule: Only librarians delete books" in text and "rules.test.ts" in text


def test_a_title_must_hold_the_whole_rule_and_a_skipped_test_is_missing(tmp_path: Path) -> None:
    found = rule_tests.read_report(report(tmp_path, ("rule: A member may borrow at most 3 books", "passed"),
                                          ("rule: Overdue loans are flagged after 14 days (checked daily)", "passed"),
                                          ("rule: Only librarians delete books", "skipped")), "backend", tmp_path / "backend")
    results = rule_tests.match(RULES, found)
    assert [r.status for r in results] == ["missing", "passed", "missing"]  # cut short: it could pass any rule so begun
    assert rule_tests.owner(results) == "tests"
    assert rule_tests.report_text(results).splitlines()[0].startswith("missing:")  # what needs work comes first


def test_a_failed_and_a_passed_test_of_one_rule_is_a_failure(tmp_path: Path) -> None:
    found = rule_tests.read_report(report(tmp_path, ("rule: Only librarians delete books", "passed"),
                                          ("rule: Only librarians delete books", "failed")), "backend", tmp_path / "backend")
    assert rule_tests.match(RULES[2:], found)[0].status == "failed"


def test_the_test_files_that_hold_rule_tests_are_found(tmp_path: Path) -> None:
    (tmp_path / "backend/tests").mkdir(parents=True)
    (tmp_path / "backend/tests/rules.test.ts").write_text('it("rule: x", () => {});\n')
    (tmp_path / "backend/tests/books.test.ts").write_text('it("lists", () => {});\n')
    (tmp_path / "frontend/src/__tests__").mkdir(parents=True)
    (tmp_path / "frontend/src/__tests__/rules.test.tsx").write_text('it("rule: y", () => {});\n')
    assert rule_tests.test_files(tmp_path) == {"backend": ["tests/rules.test.ts"], "frontend": ["src/__tests__/rules.test.tsx"]}


def test_the_offline_readme_lists_the_rules_and_the_phrases_under_not_done_yet() -> None:
    spec = AppSpec(name="library", title="Library", entities=[{"name": "Book"}],
                   rules=[Rule(text=RULES[0])], unparsed=["zib frangle"])
    readme = render_docs(spec)["README.md"]
    section = readme.split("## Not done yet", 1)[1].split("\n## ", 1)[0]
    assert f"- rule: {RULES[0]}" in section and '- not understood: "zib frangle"' in section
    assert "## Not done yet" not in render_docs(spec.model_copy(update={"rules": [], "unparsed": []}))["README.md"]
