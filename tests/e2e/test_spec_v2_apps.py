"""Spec v2 for real: the five hand-made specs of tests/data/specs, built offline through the graph
(`--spec`) and verified as a user's run is: install, typecheck, lint, format:check, test, build, the
browser test (with axe-core on every page it opens) and hadolint. Together they cover many-to-many,
self-reference, ownership, roles, constraints and search/sort/filter; each app's own tests must have
run the behaviours its spec asks for, and its migration must be what drizzle-kit would write.

Installs reuse the npm cache and verify's prepared node_modules (~/.cache/autodevos): about a minute
and a half per app on two cores once the first one has installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from autodevos.graph.runner import RunSettings, start_run

SPECS = Path(__file__).parents[1] / "data" / "specs"

# Tests each app's backend must have run and passed (their names, as the generated tests call them).
EXPECTED_TESTS = {
    "library": [
        "lets only admin, librarian create books (403 for member)",  # roles
        "keeps each user's loans private: another user gets 404, and lists only their own",  # ownership
        "refuses a second book with the same isbn (409 naming it)",  # unique
        "keeps year within its bounds (400 naming it)",  # min/max
        "links to many authors through authors, and forgets a deleted one",  # many-to-many
        "never lets registration choose a role (400)",
        "with ADMIN_EMAIL, makes only that account admin",
    ],
    "tracker": [
        "filters on parent with ?parent=",  # self-reference
        "links to many labels through labels, and forgets a deleted one",
        "keeps title within its bounds (400 naming it)",
        "gives the fields left out their defaults",
        "finds records by text with ?q= (any case)",
        "sorts with ?sort=field and ?sort=-field, and refuses an unknown field (400)",
        "filters on status with ?status=",
    ],
    "budget": [
        "keeps each user's expenses private: another user gets 404, and lists only their own",
        "keeps each user's categories private: another user gets 404, and lists only their own",
        "refuses a second category with the same name (409 naming it)",
        "keeps amount within its bounds (400 naming it)",
        "filters on category with ?category=",
        "filters on recurring with ?recurring=",
    ],
    "directory": [
        "filters on mentor with ?mentor=",  # self-reference, optional
        "links to many people through members, and forgets a deleted one",
        "refuses a second person with the same email (409 naming it)",
        "clears lead when its Person is deleted",
        "filters on level with ?level=",
    ],
    "recipes": [],  # no backend: its frontend tests and the browser test carry it
}


def steps_of(result) -> dict[tuple[str, str], dict]:
    return {(s["package"], s["step"]): s for s in result.tasks["verify"]["report"]}


@pytest.mark.e2e
@pytest.mark.parametrize("name", sorted(EXPECTED_TESTS))
def test_spec_v2_app_passes_verify(name: str, tmp_path: Path, npm, chromium, sandbox) -> None:
    spec = yaml.safe_load((SPECS / f"{name}.yaml").read_text())
    settings = RunSettings(request="", spec_override=spec, out_dir=str(tmp_path / "app"),
                           db_path=str(tmp_path / "db.sqlite"), force=True)
    result = asyncio.run(start_run(settings, agents=None))
    assert result.ok, json.dumps(result.tasks["verify"].get("report"), indent=1)[-6000:]
    assert not [n for n in result.notes if n.startswith("not built yet")], result.notes

    steps = steps_of(result)
    packages = (["backend"] if spec.get("backend", True) else []) + ["frontend"]
    for pkg in packages:
        for step in ("install", "typecheck", "lint", "format:check", "test", "build"):
            assert steps[(pkg, step)]["ok"] and not steps[(pkg, step)]["skipped"], (pkg, step, steps[(pkg, step)])
    e2e = steps[("frontend", "e2e")]
    assert e2e["ok"] and not e2e["skipped"], e2e
    axe = re.search(r"\[axe\] (\d+) page states checked, (\d+) violations", e2e["output"])
    assert axe and int(axe[1]) >= 4 and axe[2] == "0", e2e["output"][-3000:]
    print(f"\n[{name}] axe: {axe[1]} page states, {axe[2]} violations")

    app = tmp_path / "app"
    if "backend" in packages:
        output = steps[("backend", "test")]["output"]
        tests = "\n".join(p.read_text() for p in (app / "backend" / "tests").glob("*.test.ts"))
        for title in EXPECTED_TESTS[name]:
            assert title in tests, f"{name}: no test {title!r}"
        assert re.search(r"Tests\s+\d+ passed", output) and "failed" not in output.lower().replace("0 failed", "")
        # the rendered migration and snapshot are what drizzle-kit writes for src/data/schema.ts
        check = subprocess.run(["npx", "drizzle-kit", "generate"], cwd=app / "backend", capture_output=True, text=True,
                               timeout=120, env={**os.environ, "CI": "1", "NO_COLOR": "1"})
        assert "No schema changes" in check.stdout, check.stdout + check.stderr
