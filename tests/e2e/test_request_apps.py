"""From a plain request to a verified app, offline: five requests that together ask for many-to-many,
self-reference, ownership, roles, constraints and search/sort/filter. Each is extracted (no --spec),
built through the graph and verified as a user's run is (install, typecheck, lint, format:check,
test, build, the browser test with axe-core, and the API and accessibility steps verify has). The
spec must hold what the request asked for, and the app's own tests must have run it.

These requests were written for this test and used while the extractor was worked on; they check
that what is understood reaches a working app, not how well requests are understood (that is
bench/spec_accuracy.py on the held-out split).
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from autodevos.domain.spec import AppSpec, features_used
from autodevos.graph.runner import RunSettings, start_run

# request -> (spec features it must use, patterns of backend test names that must exist and pass)
REQUESTS = {
    "tasks": ("A team tasks app. Users log in and each user sees only their own tasks. Tasks have a title (unique), a due date "
              "and a priority (low/medium/high). Tasks can have many labels and a label can be on many tasks; labels have a name.",
              {"many_to_many", "ownership", "constraints"},
              [r"another user gets 404, and lists only their own", r"same title \(409 naming it\)", r"links to many labels",
               r"filters on priority with \?priority="]),
    "org": ("An org chart: employees have a name, an email and a salary between 0 and 500000; each employee reports to "
            "another employee.",
            {"self_reference", "constraints"},
            [r"filters on reportsTo with \?reportsTo=", r"keeps salary within its bounds \(400 naming it\)",
             r"finds records by text with \?q="]),
    "club": ("A club app where users log in. Roles: admins and members. Only admins may delete events; members can create "
             "events. Events have a title, a date and a capacity (at least 1, at most 200).",
             {"roles", "constraints"},
             [r"\(403 for member\)", r"keeps capacity within its bounds \(400 naming it\)"]),
    "recipes": ("A recipe book: recipes have a name, servings (1 to 20) and a cuisine (italian/french/thai). Ingredients have a "
                "name. A recipe can have many ingredients and an ingredient can be in many recipes.",
                {"many_to_many", "constraints"},
                [r"links to many ingredients", r"sorts with \?sort=field"]),
    "bookshop": ("A bookshop inventory: books have a title, an ISBN (unique), a price of at least 0 and a genre (fiction, "
                 "non-fiction, poetry); each book belongs to one publisher; publishers have a name and a country.",
                 {"constraints"},
                 [r"same isbn \(409 naming it\)", r"filters on publisher with \?publisher=", r"filters on genre with \?genre="]),
}


@pytest.mark.e2e
@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_a_request_becomes_a_verified_app_with_what_it_asked_for(name: str, tmp_path: Path, npm, chromium, sandbox) -> None:
    request, features, tests = REQUESTS[name]
    settings = RunSettings(request=request, out_dir=str(tmp_path / "app"), db_path=str(tmp_path / "db.sqlite"))
    result = asyncio.run(start_run(settings, agents=None))
    spec = AppSpec.model_validate(result.plan["spec"])
    assert features <= set(features_used(spec)), (name, features_used(spec), spec.model_dump_json(indent=1)[:3000])
    assert spec.request == request
    report = result.tasks["verify"].get("report") or []
    assert result.ok, json.dumps(report, indent=1)[-6000:]

    ran = [s for s in report if not s.get("skipped")]
    assert all(s["ok"] for s in ran), [s for s in ran if not s["ok"]]
    names = {(s["package"], s["step"]) for s in ran}
    for step in ("install", "typecheck", "lint", "format:check", "test", "build"):
        assert ("backend", step) in names and ("frontend", step) in names, step
    assert ("frontend", "e2e") in names
    e2e = next(s for s in ran if s["step"] == "e2e")
    axe = re.search(r"\[axe\] (\d+) page states checked, (\d+) violations", e2e["output"])
    assert axe and axe[2] == "0", e2e["output"][-2000:]
    print(f"\n[{name}] axe: {axe[1]} page states, 0 violations; steps: {sorted(f'{p}:{s}' for p, s in names)}")

    backend_tests = "\n".join(p.read_text() for p in (tmp_path / "app/backend/tests").glob("*.test.ts"))
    for pattern in tests:
        assert re.search(pattern, backend_tests), f"{name}: no backend test matching {pattern!r}"
    output = next(s for s in ran if s["package"] == "backend" and s["step"] == "test")["output"]
    assert re.search(r"Tests\s+\d+ passed", output) and not re.search(r"\b[1-9]\d* failed", output), output[-2000:]
