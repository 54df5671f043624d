"""Names safe by construction (issue 17, item 6): entity, plural and field names that clash with
TypeScript's and the DOM's globals, Object.prototype, the app's own modules, identifier rules or
sane lengths are refused in one line before any task runs; renamed (domain.spec.safe_name, as the
extractor does), they give an app that renders with no file overwriting another and, on a bounded
sample here, typechecks."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from autodevos.agents import render
from autodevos.agents.answers import first_error
from autodevos.domain.spec import AppSpec, camel, safe_name
from autodevos.graph.runner import RunError, check_buildable
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

ROOT = Path(__file__).resolve().parents[2]

# The dangerous sets, written out here (not read from the code under test).
UTILITY_TYPES = ["Omit", "ReturnType", "NonNullable", "Record", "Partial", "Required", "Readonly", "Pick", "Exclude", "Extract",
                 "Parameters", "InstanceType", "Awaited", "Uppercase", "PropertyKey", "Promise", "Array", "Map", "Set", "Date",
                 "Error", "Object", "String", "Number", "Boolean", "Symbol", "JSON", "Math", "RegExp", "Function"]
DOM_GLOBALS = ["Event", "Node", "Element", "Document", "Window", "Location", "Request", "Response", "Headers", "Storage", "History",
               "Notification", "Blob", "File", "Image", "Text", "Comment", "Range", "Selection", "Option", "FormData", "URL",
               "HTMLElement", "AbortSignal", "FormEvent"]
PROTOTYPE = ["isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "hasOwnProperty", "valueOf", "toString", "constructor",
             "__proto__", "__defineGetter__", "__lookupSetter__"]
MODULES = ["common", "health", "database", "metrics", "errors", "config", "app", "server", "logger", "db", "index", "schema"]
KEYWORDS = ["class", "delete", "new", "return", "default", "import", "from", "await", "yield", "enum", "interface", "id", "createdAt"]
SHAPES = ["1notes", "2fa", "x" * 61, "n" * 200, "p" * 300, "_under", "dash-ed", "ünïcode", "Order Item", "a"]
ORDINARY = ["Task", "Note", "Invoice", "Customer", "title", "dueDate", "amount"]

RUN_CASES = {
    "entity Omit": {"entities": [{"name": "Omit"}]},
    "entity ReturnType": {"entities": [{"name": "ReturnType"}]},
    "entity NonNullable": {"entities": [{"name": "NonNullable"}]},
    "entity Event (a DOM global)": {"entities": [{"name": "Event"}]},
    "plural 1notes": {"entities": [{"name": "Note", "plural": "1notes"}]},
    "plural common": {"entities": [{"name": "Note", "plural": "common"}]},
    "plural health": {"entities": [{"name": "Check", "plural": "health"}]},
    "plural database": {"entities": [{"name": "Base", "plural": "database"}]},
    "field isPrototypeOf": {"entities": [{"name": "Note", "fields": [{"name": "isPrototypeOf"}]}]},
    "field propertyIsEnumerable": {"entities": [{"name": "Note", "fields": [{"name": "propertyIsEnumerable"}]}]},
    "field toLocaleString": {"entities": [{"name": "Note", "fields": [{"name": "toLocaleString"}]}]},
    "200-character entity": {"entities": [{"name": "N" + "o" * 199}]},
    "300-character plural": {"entities": [{"name": "Note", "plural": "n" * 300}]},
    "plural users with login": {"auth": True, "entities": [{"name": "Member", "plural": "users"}]},
}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("case", list(RUN_CASES))
def test_a_name_the_app_cannot_use_is_refused_in_one_line_before_any_task(tmp_path, case):
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"name": "x", "title": "X", **RUN_CASES[case]}))
    db, out = tmp_path / "db.sqlite", tmp_path / "app"
    r = cli("run", "--spec", str(spec), "--out", str(out), "--db", str(db), "--no-verify")
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, (case, r.returncode, r.stderr[-1500:])
    assert not out.exists() or not any(out.iterdir()), "files were written"
    if db.exists():  # no run was recorded, so no task ran
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM adv_tasks").fetchone()[0] == 0


def test_the_refusal_names_the_name_that_would_do():
    with pytest.raises(ValidationError) as caught:
        AppSpec.model_validate({"name": "x", "title": "X", "entities": [{"name": "Omit"}]})
    assert "'OmitEntry'" in first_error(caught.value, "spec")
    with pytest.raises(ValidationError) as caught:
        AppSpec.model_validate({"name": "x", "title": "X", "entities": [{"name": "Note", "fields": [{"name": "isPrototypeOf"}]}]})
    assert "'isPrototypeOfValue'" in first_error(caught.value, "spec")


# --- the property: whatever is accepted renders (and, on a sample, typechecks) ----------------------

WORDS = st.sampled_from(UTILITY_TYPES + DOM_GLOBALS + PROTOTYPE + MODULES + KEYWORDS + SHAPES + ORDINARY)


@st.composite
def raw_specs(draw) -> dict:
    """Specs as a person or a model might write them, with names from the dangerous sets."""
    entities = []
    for _ in range(draw(st.integers(1, 3))):
        e: dict = {"name": draw(WORDS)}
        if draw(st.booleans()):
            e["plural"] = draw(WORDS)
        e["fields"] = [{"name": draw(WORDS)} for _ in range(draw(st.integers(1, 3)))]
        entities.append(e)
    return {"name": "names", "title": "Names", "auth": draw(st.booleans()), "entities": entities}


def accepted(data: dict) -> AppSpec | None:
    """The spec when `autodevos run --spec` would start it, else None (refused in one line)."""
    try:
        spec = AppSpec.model_validate(data)
    except ValidationError as exc:
        assert "\n" not in first_error(exc, "spec")
        return None
    try:
        check_buildable(spec.model_dump())
    except RunError as exc:
        assert "\n" not in str(exc)
        return None
    return spec


def check_renders_without_overwriting(spec: AppSpec) -> dict[str, str]:
    files = render.render_app(spec)
    owners: dict[str, str] = {}
    built = AppSpec.model_validate(render.buildable(spec, render.SUPPORTED).model_dump())
    ctx = render._context(built)
    for agent in render.DEFAULT.agents():
        for t in (t for t in render.DEFAULT.templates(agent) if render.DEFAULT._wanted(t, ctx)):
            outputs = [(t.output(e), e.name) for e in built.entities] if t.per_entity else [(t.output(), "the app")]
            for path, owner in outputs:
                assert owners.setdefault(path, owner) == owner, f"{path}: {owner} would overwrite {owners[path]}"
    for e in built.entities:
        assert f"/api/{e.slug}" in files[f"backend/tests/{e.slug}.test.ts"]
    return files


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_specs())
@example({"name": "n", "title": "N", "entities": [{"name": "Omit", "fields": [{"name": "isPrototypeOf"}]}]})
@example({"name": "n", "title": "N", "entities": [{"name": "Note", "plural": "health"}, {"name": "Task", "plural": "common"}]})
def test_every_accepted_spec_renders_and_nothing_overwrites(data):
    spec = accepted(data)
    if spec is not None:
        check_renders_without_overwriting(spec)


def renamed(data: dict) -> dict:
    """The spec the extractor would make of the same words: every name through domain.spec.safe_name."""
    out = json.loads(json.dumps(data))
    for e in out["entities"]:
        e["label"] = e["name"]
        e["name"] = safe_name(e["name"], "entity") or "Thing"
        e.pop("plural", None)
        for f in e["fields"]:
            f["label"] = f["name"]
            f["name"] = safe_name(f["name"], "field") or "value"
        e["fields"] = list({camel(f["name"]).lower(): f for f in e["fields"]}.values())
    names = [e["name"] for e in out["entities"]]
    out["entities"] = [e for i, e in enumerate(out["entities"]) if e["name"] not in names[:i]]
    return out


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_specs())
def test_renamed_names_are_always_accepted(data):
    """Names safe by construction: whatever the user's words, the renamed spec is accepted and renders."""
    spec = accepted(renamed(data))
    assert spec is not None, renamed(data)
    check_renders_without_overwriting(spec)


# --- the bounded sample that typechecks (one npm install for all) ------------------------------------


@pytest.fixture(scope="module")
def node_modules(tmp_path_factory) -> dict[str, Path]:
    """node_modules for the backend and the frontend of an app without login, installed once (from the
    prepared copy in ~/.cache/autodevos when there is one)."""
    if shutil.which("npm") is None:
        pytest.fail("npm is not on the PATH: this test needs Node.js 20+ and npm")
    from autodevos.agents.verify import install

    base = tmp_path_factory.mktemp("modules")
    spec = AppSpec.model_validate({"name": "base", "title": "Base", "entities": [{"name": "Note"}]})
    write(render.render_app(spec), base)
    found = {}
    for side in ("backend", "frontend"):
        step = asyncio.run(install(base / side))
        assert step.ok, step.output[-2000:]
        found[side] = base / side / "node_modules"
    return found


def write(files: dict[str, str], root: Path) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


SAMPLE = 0


@pytest.mark.e2e
@settings(max_examples=2, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw_specs())
@example({"name": "n", "title": "N", "entities": [
    {"name": "Omit", "fields": [{"name": "isPrototypeOf"}, {"name": "valueOf"}]},
    {"name": "Comment", "plural": "health", "fields": [{"name": "class"}, {"name": "toLocaleString"}]}]})
def test_a_sample_of_renamed_apps_typechecks(node_modules, tmp_path, data):
    global SAMPLE
    SAMPLE += 1
    data = {**renamed(data), "auth": False}  # one install: the dependencies of an app without login
    spec = accepted(data)
    assert spec is not None, data
    app = tmp_path / f"app{SAMPLE}"
    write(check_renders_without_overwriting(spec), app)
    for side in ("backend", "frontend"):
        os.symlink(node_modules[side], app / side / "node_modules")
        r = subprocess.run(["npm", "run", "typecheck"], cwd=app / side, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"{side} of {[e.name for e in spec.entities]}:\n{r.stdout[-3000:]}{r.stderr[-1000:]}"
