"""The spec's rules, each checked by the acceptance test named after it.

With a model, the tests agent writes one test per rule, named `rule: <the rule's text>` (prompts/
tests/system.md), and the backend and frontend agents implement the rules. Verify then runs the
test files that hold such tests with vitest's JSON reporter and gives the `rules` step one row per
rule: passed, failed, or missing (no test so named). A missing test goes back to the tests agent, a
failing one to the agent whose package it tests. Offline nothing writes rules: the step is skipped
and the summary lists each rule as not built (needs a model).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

PREFIX = "rule: "
TEST_DIRS = {"backend": ("tests",), "frontend": ("src/__tests__",)}
OWNER_OF_PACKAGE = {"backend": "backend", "frontend": "frontend"}


def normal(text: str) -> str:
    """A rule's text for matching: lower case, one space, no closing punctuation or quotes."""
    return re.sub(r"\s+", " ", text).strip().strip("'\"`").rstrip(".!;:").strip().lower()


@dataclass
class RuleResult:
    text: str
    status: str
    """passed, failed, or missing (no test named after it)."""
    test: str = ""
    """The test file that holds its test (app-relative)."""


def test_files(app_dir: Path) -> dict[str, list[str]]:
    """Per package, its test files (package-relative) that name at least one rule test."""
    found: dict[str, list[str]] = {}
    for package, dirs in TEST_DIRS.items():
        for d in dirs:
            root = app_dir / package / d
            if not root.is_dir():
                continue
            for path in sorted(root.rglob("*.test.ts*")):
                try:
                    text = path.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                if PREFIX in text:
                    found.setdefault(package, []).append(str(path.relative_to(app_dir / package)))
    return found


def read_report(report: dict, package: str, package_dir: Path) -> dict[str, tuple[str, str]]:
    """vitest's JSON report -> {normal(test title): (status, app-relative file)} for the rule tests."""
    out: dict[str, tuple[str, str]] = {}
    for file in report.get("testResults") or []:
        name = str(file.get("name") or "")
        try:
            rel = f"{package}/{Path(name).resolve().relative_to(package_dir.resolve())}"
        except ValueError:
            rel = f"{package}/{Path(name).name}"
        for test in file.get("assertionResults") or []:
            title = str(test.get("title") or "")
            full = str(test.get("fullName") or title)
            for text in (title, full):
                at = text.lower().find(PREFIX)
                if at >= 0:
                    key = normal(text[at + len(PREFIX):])
                    raw = test.get("status")
                    status = "passed" if raw == "passed" else "missing" if raw in ("pending", "skipped", "todo", "disabled") else "failed"
                    if out.get(key, ("passed",))[0] == "passed":
                        out[key] = (status, rel)
                    break
    return out


def match(rules: list[str], found: dict[str, tuple[str, str]]) -> list[RuleResult]:
    """Each rule with the result of the test named after it (a test may give the rule's text cut
    short or with more after it: the longer of the two must start with the shorter)."""
    results = []
    for rule in rules:
        key = normal(rule)
        # the test's title holds the whole rule (and may say more after it); a title cut short matches no rule:
        # 'rule: only admins can' would pass every rule that starts so
        hit = found.get(key) or next((v for k, v in found.items() if key and k.startswith(key)), None)
        results.append(RuleResult(rule, hit[0], hit[1]) if hit else RuleResult(rule, "missing"))
    return results


def report_text(results: list[RuleResult]) -> str:
    """One line per rule, those that need work first (the repair shows its owner the end of a long output)."""
    lines = []
    for r in sorted(results, key=lambda r: r.status == "passed"):
        where = f" ({r.test})" if r.test else ""
        lines.append(f"{r.status}: rule: {r.text}{where}")
    missing = [r for r in results if r.status == "missing"]
    if missing:
        lines.append("A missing rule needs an acceptance test named `rule: <its text>` in backend/tests/rules.test.ts "
                     "(or frontend/src/__tests__/rules.test.tsx).")
    return "\n".join(lines)


def owner(results: list[RuleResult]) -> str | None:
    """The agent a failed rules step goes back to: the tests agent for a missing test, else the
    agent of the package whose rule test failed."""
    if any(r.status == "missing" for r in results):
        return "tests"
    failed = next((r for r in results if r.status == "failed"), None)
    return OWNER_OF_PACKAGE.get(failed.test.split("/", 1)[0]) if failed else None


def load(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
