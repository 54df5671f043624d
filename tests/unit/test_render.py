"""Fast tests of the offline generator (agents/render.py): no npm, only the rendered text."""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

import pytest

from agents.render import (
    RenderError,
    article,
    creation_plan,
    render_app,
    render_backend,
    render_docs,
    render_frontend,
    render_tests,
    sample,
    ts_type,
    words,
    zod,
)
from graph.spec import AppSpec, Field


def make_spec(**overrides) -> AppSpec:
    data = {
        "name": "Shop",
        "title": "Shop",
        "description": "Customers and their orders.",
        "auth": True,
        "entities": [
            {"name": "Customer", "fields": [
                {"name": "name"}, {"name": "email", "type": "email"}, {"name": "vip", "type": "boolean"},
                {"name": "birthday", "type": "date", "required": False}]},
            {"name": "OrderItem", "plural": "orderItems", "fields": [
                {"name": "product"}, {"name": "quantity", "type": "integer"}, {"name": "price", "type": "number"},
                {"name": "status", "type": "enum", "options": ["new", "shipped"]},
                {"name": "customer", "type": "ref", "ref": "Customer"},
                {"name": "deliveredAt", "type": "datetime", "required": False},
                {"name": "notes", "type": "text", "required": False}]},
            {"name": "Tag"},
        ],
    }
    data.update(overrides)
    return AppSpec(**data)


@pytest.fixture
def spec() -> AppSpec:
    return make_spec()


def test_same_spec_gives_the_same_bytes(spec):
    first = render_app(spec)
    again = render_app(make_spec())
    assert first == again
    assert list(first) == list(again)  # same order too


def test_every_entity_gets_its_files(spec):
    files = render_app(spec)
    for e in spec.entities:
        for layer in ("routes", "controllers", "services", "schemas"):
            assert f"backend/src/{layer}/{e.slug}.ts" in files
        assert f"backend/tests/{e.slug}.test.ts" in files
        assert f"frontend/src/pages/{e.name}Page.tsx" in files
        assert f"frontend/src/__tests__/{e.name}Page.test.tsx" in files
        assert f"/api/{e.slug}" in files["backend/src/app.ts"]
        assert f"/api/{e.slug}" in files["docs/API.md"]
        assert f"{e.name}Page" in files["frontend/src/App.tsx"]
    assert "backend/src/routes/order-items.ts" in files  # plural orderItems -> kebab slug


def test_auth_files_only_with_auth(spec):
    auth_paths = {"backend/src/routes/auth.ts", "backend/src/services/auth.ts", "backend/src/schemas/auth.ts",
                  "backend/src/middleware/require-auth.ts", "backend/tests/auth.test.ts", "frontend/src/Login.tsx"}
    with_auth = render_app(spec)
    assert auth_paths <= set(with_auth)
    assert "requireAuth" in with_auth["backend/src/app.ts"]
    assert '"bcryptjs"' in with_auth["backend/package.json"]

    without = render_app(make_spec(auth=False))
    assert not auth_paths & set(without)
    assert "auth" not in without["backend/src/app.ts"].lower()
    assert "jsonwebtoken" not in without["backend/package.json"]
    assert "JWT_SECRET" not in without["README.md"]
    assert "Authorization" not in without["frontend/src/api.ts"]


def test_no_frontend():
    spec = make_spec(frontend=False, auth=False)
    assert render_frontend(spec) == {}
    files = render_app(spec)
    assert not [p for p in files if p.startswith("frontend/")]
    assert "backend/src/app.ts" in files
    assert "frontend" not in files["docs/ARCHITECTURE.md"].split("## Tests")[0].lower()


def test_no_backend_keeps_data_in_local_storage():
    spec = make_spec(backend=False, auth=False)
    assert render_backend(spec) == {}
    files = render_app(spec)
    assert not [p for p in files if p.startswith("backend/")]
    assert "docs/API.md" not in files
    assert "frontend/src/Login.tsx" not in files
    assert "localStorage" in files["frontend/src/api.ts"]
    assert "fetch(" not in files["frontend/src/api.ts"]
    assert "proxy" not in files["frontend/vite.config.ts"]
    assert "localStorage" in files["frontend/src/__tests__/OrderItemPage.test.tsx"]


def test_no_template_syntax_left(spec):
    for s in (spec, make_spec(auth=False, frontend=False), make_spec(backend=False, auth=False)):
        for path, text in render_app(s).items():
            for token in ("{{", "}}", "{%", "%}", "{#", "#}"):
                assert token not in text, f"{path} contains {token!r}"
            assert text.endswith("\n"), f"{path} does not end with a newline"
            assert "\n\n\n" not in text, f"{path} has two blank lines in a row"
    e2e = render_app(spec)["frontend/e2e/run.mjs"]
    assert "const PLAN = {" in e2e


def test_paths_are_relative_posix_inside_the_app(spec):
    for path in render_app(spec):
        p = PurePosixPath(path)
        assert not p.is_absolute() and ".." not in p.parts and "\\" not in path, path
        assert p.parts[0] in {"backend", "frontend", "docs", "README.md"}, path


def test_the_four_functions_split_the_files(spec):
    backend, frontend, tests, docs = (render_backend(spec), render_frontend(spec), render_tests(spec),
                                      render_docs(spec))
    assert all(p.startswith("backend/") for p in backend)
    assert all(p.startswith("frontend/") for p in frontend)
    assert all(".test." in p or p == "frontend/e2e/run.mjs" for p in tests)
    assert "frontend/e2e/run.mjs" in tests
    assert set(docs) == {"README.md", "docs/ARCHITECTURE.md", "docs/API.md"}
    total = len(backend) + len(frontend) + len(tests) + len(docs)
    assert len(render_app(spec)) == total  # no overlap


def test_package_json_is_valid_and_runs_on_node_20(spec):
    files = render_app(spec)
    for side in ("backend", "frontend"):
        pkg = json.loads(files[f"{side}/package.json"])
        assert pkg["type"] == "module" and pkg["private"] is True
        assert {"dev", "build", "typecheck", "lint", "test"} <= set(pkg["scripts"])
        versions = pkg.get("dependencies", {}) | pkg["devDependencies"]
        assert all(v.startswith(("^", "~")) for v in versions.values()), versions
        assert versions["typescript"].startswith("~6.0"), "typescript-eslint needs TypeScript below 6.1"
        assert versions["vitest"].startswith("^4."), "vitest 5 needs Node 22"
    front = json.loads(files["frontend/package.json"])["devDependencies"]
    assert int(front["jsdom"].lstrip("^").split(".")[0]) < 30, "jsdom 30+ needs Node 22"
    back = json.loads(files["backend/package.json"])
    assert back["scripts"]["start"] == "node dist/server.js"
    json.loads(files["backend/tsconfig.json"])
    json.loads(files["frontend/tsconfig.json"])


def test_backend_and_frontend_share_the_entity_types(spec):
    files = render_app(spec)
    back, front = files["backend/src/types.ts"], files["frontend/src/types.ts"]
    for e in spec.entities:
        block = re.search(rf"export interface {e.name} extends BaseRecord \{{.*?\n\}}", back, re.S)
        assert block and block.group(0) in front
    assert "passwordHash" in back and "passwordHash" not in front


def test_field_types_map_to_typescript_and_zod():
    cases = {
        "string": ("string", "z.string().trim().min(1)"),
        "text": ("string", "z.string()"),
        "email": ("string", "z.email()"),
        "number": ("number", "z.number()"),
        "integer": ("number", "z.number().int()"),
        "boolean": ("boolean", "z.boolean()"),
        "date": ("string", "z.iso.date()"),
        "datetime": ("string", "z.iso.datetime({ offset: true })"),
        "ref": ("number", "z.number().int().positive()"),
    }
    for type_, (ts, schema) in cases.items():
        f = Field(name="thing", type=type_, ref="Customer" if type_ == "ref" else None)
        assert ts_type(f) == ts
        assert zod(f) == schema
        assert zod(f.model_copy(update={"required": False})) == schema + ".optional()"
    status = Field(name="status", type="enum", options=["new", "in progress"])
    assert ts_type(status) == '"new" | "inProgress"'
    assert zod(status) == 'z.enum(["new", "inProgress"])'


def test_samples_differ_and_have_the_right_type(spec):
    order_item = spec.entity("OrderItem")
    for f in order_item.fields:
        one, two = sample(order_item, f, 1), sample(order_item, f, 2)
        if f.type in ("number", "integer", "ref"):
            assert isinstance(one, (int, float)) and not isinstance(one, bool)
        if f.type not in ("ref",):
            assert one != two or (f.type == "enum" and len(f.options) == 1)
    assert sample(order_item, order_item.fields[3], 2) == "shipped"


def test_helpers_for_labels():
    assert words("dueDate") == "Due date"
    assert words("orderItems") == "Order items"
    assert words("URLPath") == "URL path"
    assert article("OrderItem") == "an OrderItem" and article("Customer") == "a Customer"


def test_plan_creates_referenced_records_first():
    spec = make_spec(entities=[
        {"name": "Line", "fields": [{"name": "order", "type": "ref", "ref": "Order"}]},
        {"name": "Order", "fields": [{"name": "client", "type": "ref", "ref": "Client"},
                                     {"name": "parent", "type": "ref", "ref": "Order", "required": False}]},
        {"name": "Client"},
    ])
    before, fields = creation_plan(spec, spec.entity("Line"))
    assert [e.name for e, _ in before] == ["Client", "Order"]
    order_fields = dict((e.name, [f.name for f in fs]) for e, fs in before)["Order"]
    assert order_fields == ["client"]  # the optional self-ref is left out
    assert [f.name for f in fields] == ["order"]
    render_app(spec)


def test_a_cycle_of_required_refs_is_refused():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="cycle"):  # the spec refuses it before any rendering
        make_spec(entities=[
            {"name": "Egg", "fields": [{"name": "hen", "type": "ref", "ref": "Hen"}]},
            {"name": "Hen", "fields": [{"name": "egg", "type": "ref", "ref": "Egg"}]},
        ])
    assert issubclass(RenderError, ValueError)


def test_an_optional_cycle_is_fine():
    spec = make_spec(entities=[
        {"name": "Person", "fields": [{"name": "fullName"},
                                      {"name": "team", "type": "ref", "ref": "Team", "required": False}]},
        {"name": "Team", "fields": [{"name": "lead", "type": "ref", "ref": "Person", "required": False}]},
    ])
    files = render_app(spec)
    assert "teamId = (await post(\"/api/teams\"" in files["backend/tests/people.test.ts"]


def test_titles_are_escaped(spec):
    odd = make_spec(title='Bob\'s <Shop> "1"\n*/')
    files = render_app(odd)
    assert "<title>Bob&#39;s &lt;Shop&gt; &#34;1&#34; * /</title>" in files["frontend/index.html"]
    assert 'const TITLE = "Bob\'s <Shop> \\"1\\"\\n*/";' in files["frontend/src/App.tsx"]
    assert files["backend/src/types.ts"].startswith('// Record types of Bob\'s <Shop> "1" * /.\n')
