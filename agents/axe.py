"""The axe verify step, read from the browser test's report (pure).

The generated browser test (`npm run e2e`, agents/templates/tests/frontend/e2e/app.e2e.ts.j2) runs
axe-core on every page state it opens and fails on a violation; when $AXE_REPORT names a file, it
also writes there what it checked: `{"checked": n, "violations": ["<state>: <rule> ...", ...],
"states": [{"state": "the login screen", "violations": ["<rule>: <help>", ...]}, ...]}`. verify
reads that file into its own `axe` row: ok when every state checked has no violation, failed
(for the frontend agent, whose pages they are) when one has. A browser test that passed without
checking a page, or without writing the report, fails the row for the tests agent that wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REPORT = ".axe-report.json"
"""The report's name in frontend/, set as $AXE_REPORT for the browser test and removed after."""
FEEDBACK = 1900
"""The most a failed row's output holds: the repair router hands its owner the last 2,000 characters."""


@dataclass(frozen=True)
class Outcome:
    """The axe row: whether it passed (or why it is skipped), its one-line summary, its output, its owner."""

    ok: bool
    summary: str
    text: str
    skipped: str | None = None
    owner: str | None = None
    states: int = 0


def read_report(report: Any, e2e_ok: bool) -> Outcome:
    """The axe row from the browser test's report (None when it wrote none) and whether it passed."""
    if not isinstance(report, dict) or not isinstance(report.get("states"), list):
        if not e2e_ok:
            why = "the browser test stopped before it wrote its axe report"
            return Outcome(True, why, why, skipped=why)
        why = "the browser test passed but wrote no axe report ($AXE_REPORT): it must check every page state with axe"
        return Outcome(False, why, why, owner="tests")
    states = [s for s in report["states"] if isinstance(s, dict)]
    bad = [s for s in states if s.get("violations")]
    if bad:
        count = sum(len(s["violations"]) for s in bad)
        summary = f"{count} violation(s) on {len(bad)} of {len(states)} page states: {bad[0].get('state', '?')}: {bad[0]['violations'][0]}"
        lines = [summary]
        for s in bad:
            lines += [f"{s.get('state', '?')}:", *(f"  {v}" for v in s["violations"])]
        details = [str(v) for v in report.get("violations") or []]
        if details:
            lines += ["", "where (CSS selectors):", *details]
        return Outcome(False, summary, "\n".join(lines)[:FEEDBACK], owner="frontend", states=len(states))
    if not states:
        if not e2e_ok:
            why = "the browser test stopped before axe checked a page"
            return Outcome(True, why, why, skipped=why)
        why = "the browser test passed without checking any page state with axe"
        return Outcome(False, why, why, owner="tests")
    summary = f"{len(states)} page states checked, 0 violations"
    if not e2e_ok:
        summary += " (the browser test stopped early)"
    return Outcome(True, summary, "\n".join([summary, *(f"- {s.get('state', '?')}" for s in states)]), states=len(states))
