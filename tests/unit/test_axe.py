"""The axe row, read from the browser test's report (agents/axe.py)."""

from __future__ import annotations

from autodevos.agents.axe import read_report

CLEAN = {"checked": 3, "violations": [], "states": [{"state": "the login screen", "violations": []},
                                                    {"state": "the empty todo list", "violations": []},
                                                    {"state": "the page of a todo", "violations": []}]}
BAD = {"checked": 2,
       "violations": ["the login screen: color-contrast (serious): Elements must meet minimum color contrast - button.primary"],
       "states": [{"state": "the login screen", "violations": ["color-contrast: Elements must meet minimum color contrast"]},
                  {"state": "the register screen", "violations": []}]}


def test_every_state_clean_passes_with_the_count():
    found = read_report(CLEAN, True)
    assert found.ok and not found.skipped and found.owner is None and found.states == 3
    assert found.summary == "3 page states checked, 0 violations"
    assert "- the page of a todo" in found.text


def test_a_violation_fails_for_the_frontend_naming_the_state_and_the_element():
    for e2e_ok in (True, False):
        found = read_report(BAD, e2e_ok)
        assert not found.ok and found.owner == "frontend" and found.states == 2
        assert found.summary == ("1 violation(s) on 1 of 2 page states: the login screen: "
                                 "color-contrast: Elements must meet minimum color contrast")
        assert found.text.splitlines()[0] == found.summary
        assert "the login screen:\n  color-contrast" in found.text and "button.primary" in found.text


def test_a_browser_test_that_stopped_early_is_skipped_not_failed_by_axe():
    found = read_report(None, False)
    assert found.ok and found.skipped == "the browser test stopped before it wrote its axe report"
    found = read_report({"checked": 0, "violations": [], "states": []}, False)
    assert found.ok and "before axe checked a page" in found.skipped
    found = read_report({"states": CLEAN["states"][:1]}, False)
    assert found.ok and not found.skipped and found.summary.endswith("(the browser test stopped early)")


def test_a_passing_browser_test_without_axe_fails_for_the_tests_agent():
    for report in (None, "not a report", {"checked": 0, "violations": [], "states": []}):
        found = read_report(report, True)
        assert not found.ok and not found.skipped and found.owner == "tests"
