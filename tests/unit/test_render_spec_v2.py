"""The offline generator renders every part of spec v2 (relations, ownership, roles, constraints, enum
labels, list search/sort/filter, pages at URLs, accessibility checks): fast checks of the rendered text.
The same parts are built, installed and run for real in tests/e2e/test_spec_v2_apps.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from autodevos.agents import render
from autodevos.agents.render import (
    SUPPORTED,
    default_role,
    drizzle_snapshot,
    migration_statements,
    permissions,
    render_app,
    role_names,
    sample,
    tables,
    violations,
)
from autodevos.domain.spec import FEATURES, AppSpec, not_built

SPECS = Path(__file__).parents[1] / "data" / "specs"


def make(**data) -> AppSpec:
    return AppSpec(**{"name": "app", "title": "App", **data})


def doc_of(files: dict[str, str]) -> dict:
    return json.loads(files["docs/openapi.json"])


@pytest.fixture(scope="module")
def board() -> AppSpec:
    """Roles, ownership, many-to-many, self-reference, constraints and enum labels in one spec."""
    return make(auth=True, roles=[{"name": "manager", "delete": ["Task"]}, {"name": "member", "create": ["Task"]}],
                entities=[
                    {"name": "Tag", "fields": [{"name": "label", "unique": True, "max_length": 30}]},
                    {"name": "Task", "owned": True, "fields": [
                        {"name": "title", "min_length": 3, "max_length": 80},
                        {"name": "status", "type": "enum", "options": ["to do", "in progress", "done"],
                         "option_labels": ["To do", "In progress", "Done"], "default": "to do"},
                        {"name": "points", "type": "integer", "min": 0, "max": 13, "default": 1},
                        {"name": "code", "unique": True, "required": False},
                        {"name": "parent", "type": "ref", "ref": "Task", "required": False},
                        {"name": "tags", "type": "refs", "ref": "Tag"}]}])


@pytest.fixture(scope="module")
def files(board) -> dict[str, str]:
    return render_app(board)


def test_every_part_but_rules_is_built():
    assert SUPPORTED == frozenset(FEATURES) - {"rules"}
    spec = make(auth=True, roles=[{"name": "editor", "update": ["*"]}], rules=[{"text": "a task closes itself"}],
                entities=[{"name": "Task", "owned": True, "fields": [
                    {"name": "title", "unique": True}, {"name": "parent", "type": "ref", "ref": "Task", "required": False},
                    {"name": "related", "type": "refs", "ref": "Task"}]}])
    assert not_built(spec, SUPPORTED) == []  # rules are listed on their own (they need a model)


def test_many_to_many_is_a_join_table_an_id_array_and_a_multi_select(board, files):
    join = next(t for t in tables(board) if t.name == "tasks_tags")
    assert [c.name for c in join.columns] == ["task_id", "tag_id"] and join.primary_key == tuple(join.columns)
    assert {c.ref_table: c.on_delete for c in join.columns} == {"tasks": "cascade", "tags": "cascade"}
    sql = "\n".join(migration_statements(board))
    assert "PRIMARY KEY(`task_id`, `tag_id`)" in sql and "CREATE INDEX `tasks_tags_tag_id_idx`" in sql
    snapshot = drizzle_snapshot(board)["tables"]["tasks_tags"]
    assert snapshot["compositePrimaryKeys"] == {
        "tasks_tags_task_id_tag_id_pk": {"columns": ["task_id", "tag_id"], "name": "tasks_tags_task_id_tag_id_pk"}}
    assert "tags" not in snapshot["columns"] and "tags" not in drizzle_snapshot(board)["tables"]["tasks"]["columns"]
    assert "primaryKey({ columns: [t.taskId, t.tagId] })" in files["backend/src/data/schema.ts"]
    schema = files["backend/src/schemas/tasks.ts"]
    assert "tags: z.array(z.number().int().positive()).max(100)," in schema and "tags: fields.tags.default([])," in schema
    repo = files["backend/src/data/repositories/tasks.ts"]
    assert "db.transaction(" in repo and "function setTags(id: number, ids: number[]): void" in repo
    assert "tags: tags.get(row.id) ?? []" in repo
    service = files["backend/src/services/tasks.ts"]
    assert "data.tags.missing(input.tags ?? [])" in service and "throw missingRefs(issues);" in service
    prop = doc_of(files)["components"]["schemas"]["TaskInput"]["properties"]["tags"]
    assert prop["type"] == "array" and prop["items"]["minimum"] == 1 and prop["maxItems"] == 100
    assert "tags" not in doc_of(files)["components"]["schemas"]["TaskInput"]["required"]
    assert "tags" in doc_of(files)["components"]["schemas"]["Task"]["required"]  # always in a record
    assert "tags: number[];" in files["frontend/src/types.ts"]
    page = files["frontend/src/pages/TaskPage.tsx"]
    assert re.search(r'id="task-tags"\s+multiple', page) and "selectedValues(e.target)" in page
    assert "<RecordLinks" in page and 'base="/tags"' in page  # labels, not ids
    test = files["backend/tests/tasks.test.ts"]
    assert "links to many tags through tags, and forgets a deleted one" in test
    assert [s["kind"] for s in render.browser_steps(board)[-1]["fields"]].count("refs") == 1


def test_self_reference_and_on_delete_rules(board, files):
    parent = next(c for c in tables(board)[1].columns if c.prop == "parent")
    assert (parent.ref_table, parent.on_delete, parent.not_null) == ("tasks", "set null", False)
    spec = make(entities=[{"name": "Shelf"}, {"name": "Box", "plural": "boxes", "fields": [
        {"name": "shelf", "type": "ref", "ref": "Shelf", "on_delete": "cascade"},
        {"name": "spare", "type": "ref", "ref": "Shelf", "required": False, "on_delete": "restrict"}]}])
    sql = "\n".join(migration_statements(spec))
    assert "REFERENCES `shelves`(`id`) ON UPDATE no action ON DELETE cascade" in sql
    assert "REFERENCES `shelves`(`id`) ON UPDATE no action ON DELETE restrict" in sql
    test = render_app(spec)["backend/tests/boxes.test.ts"]
    assert "is deleted with the Shelf that shelf points at" in test
    assert "refuses to delete the Shelf that spare points at (409)" in test
    page = files["frontend/src/pages/TaskPage.tsx"]
    assert '<option value="">—</option>' in page and "options.tasks.map" in page  # optional: an empty option
    assert "filters on parent with ?parent=" in files["backend/tests/tasks.test.ts"]


def test_ownership_is_scoped_in_the_repository(board, files):
    task = tables(board)[1]
    owner = next(c for c in task.columns if c.prop == "ownerId")
    assert (owner.name, owner.ref_table, owner.on_delete, owner.not_null) == ("owner_id", "users", "cascade", True)
    unique = {i.name: [c.name for c in i.columns] for i in task.indexes if i.unique}
    assert unique == {"tasks_code_unique": ["owner_id", "code"]}  # unique among one owner's records
    repo = files["backend/src/data/repositories/tasks.ts"]
    assert "eq(tasksTable.ownerId, ownerId)" in repo and 'withoutNulls(row, "ownerId")' in repo
    assert "get(id: number, ownerId: number)" in repo and "remove(id: number, ownerId: number)" in repo
    assert "currentUser(res).id" in files["backend/src/controllers/tasks.ts"]
    assert "ownerId" not in doc_of(files)["components"]["schemas"]["Task"]["properties"]
    test = files["backend/tests/tasks.test.ts"]
    assert "another user gets 404, and lists only their own" in test and "expect(myIds).not.toContain(theirs.id);" in test
    assert "## Private records" in files["README.md"]
    assert "ownerId" not in files["backend/src/data/repositories/tags.ts"]  # tags are shared


def test_roles_first_admin_403_and_no_role_at_registration(board, files):
    assert role_names(board) == ["admin", "manager", "member"] and default_role(board) == "member"
    assert permissions(board) == {"Task": {"delete": ["admin", "manager"], "create": ["admin", "member"]}}
    assert default_role(make(auth=True, roles=[{"name": "manager", "delete": ["Task"]}], entities=[{"name": "Task"}])) == "user"
    assert default_role(make(auth=True, roles=[{"name": "admin", "delete": ["Task"]}, {"name": "member"}],
                             entities=[{"name": "Task"}])) == "member"  # admins and members: a new account is a member
    assert 'text("role", { enum: ["admin", "manager", "member"] }).notNull()' in files["backend/src/data/schema.ts"]
    perms = files["backend/src/permissions.ts"]
    assert perms == files["frontend/src/permissions.ts"].replace(
        "// backend/src/permissions.ts and frontend/src/permissions.ts come from the same spec: keep them identical.\n", "") \
        or "keep them identical" in perms
    assert 'export const DEFAULT_ROLE: Role = "member";' in perms
    routes = files["backend/src/routes/tasks.ts"]
    assert 'const mayDelete = requireRole("Task", "delete");' in routes and ".delete(guard, mayDelete, controller.remove)" in routes
    assert "requireRole" not in files["backend/src/routes/tags.ts"]
    auth = files["backend/src/services/auth.ts"]
    assert "config.adminEmail === undefined ? users.count() === 0 : email === config.adminEmail" in auth
    assert "credentialsSchema = z.strictObject(" in files["backend/src/schemas/auth.ts"]  # a role in the body is a 400
    doc = doc_of(files)
    assert "403" in doc["paths"]["/api/tasks/{id}"]["delete"]["responses"]
    assert "403" not in doc["paths"]["/api/tasks/{id}"]["put"]["responses"]
    assert doc["components"]["schemas"]["PublicUser"]["properties"]["role"]["enum"] == ["admin", "manager", "member"]
    assert set(doc["paths"]["/api/users/{id}"]) == {"parameters", "patch"}
    users = files["backend/tests/users.test.ts"]
    assert "never lets registration choose a role (400)" in users and "with ADMIN_EMAIL, makes only that account admin" in users
    assert 'lets only admin, manager delete tasks (403 for member)' in files["backend/tests/tasks.test.ts"]
    readme = files["README.md"]
    assert "**The first account to register becomes `admin`**" in readme and "| `ADMIN_EMAIL` |" in readme
    assert "ADMIN_EMAIL=" in files["backend/.env.example"]
    assert "frontend/src/pages/UsersPage.tsx" in files
    assert 'may(role, "Task", "delete") && (' in files["frontend/src/pages/TaskPage.tsx"]
    assert "hides what a member may not do: delete tasks" in files["frontend/src/__tests__/TaskPage.test.tsx"]


def test_constraints_reach_zod_the_database_the_openapi_and_the_form(board, files):
    task = tables(board)[1]
    assert [(c.name, c.sql) for c in task.checks] == [
        ("tasks_title_check", 'length("tasks"."title") >= 3 AND length("tasks"."title") <= 80'),
        ("tasks_points_check", '"tasks"."points" >= 0 AND "tasks"."points" <= 13')]
    sql = "\n".join(migration_statements(board))
    assert "`status` text DEFAULT 'toDo' NOT NULL" in sql and "`points` integer DEFAULT 1 NOT NULL" in sql
    assert 'CONSTRAINT "tasks_points_check" CHECK("tasks"."points" >= 0 AND "tasks"."points" <= 13)' in sql
    assert "CREATE UNIQUE INDEX `tags_label_unique` ON `tags` (`label`);" in sql
    snap = drizzle_snapshot(board)["tables"]["tasks"]
    assert snap["columns"]["status"]["default"] == "'toDo'" and snap["columns"]["points"]["default"] == 1
    assert set(snap["checkConstraints"]) == {"tasks_title_check", "tasks_points_check"}
    schema = files["backend/src/schemas/tasks.ts"]
    assert ('  title: z\n    .string()\n    .refine(atMost(80), "At most 80 characters")\n    .trim()\n    .min(1, "Must not be blank")\n'
            '    .refine(atLeast(3), "At least 3 characters"),\n') in schema  # too long for a line: Prettier's member chain
    assert "points: z.number().int().min(0).max(13)," in schema and "points: fields.points.default(1)," in schema
    assert "UpdateSchema = z.strictObject(fields).partial();" in schema  # a PATCH never resets to the defaults
    props = doc_of(files)["components"]["schemas"]["TaskInput"]["properties"]
    assert (props["points"]["minimum"], props["points"]["maximum"], props["points"]["default"]) == (0, 13, 1)
    assert props["title"]["maxLength"] == 80 and re.search(props["title"]["pattern"], "  abc ")
    assert not re.search(props["title"]["pattern"], " ab ")  # 3 characters once trimmed
    assert "Unique" in props["code"]["description"]
    assert "points" not in doc_of(files)["components"]["schemas"]["TaskInput"]["required"]  # it has a default
    page = files["frontend/src/pages/TaskPage.tsx"]
    for attr in ("min={0}", "max={13}", "minLength={3}", "maxLength={80}", 'aria-describedby="task-title-hint"'):
        assert attr in page
    assert "3 to 80 characters" in page and 'points: "1",' in page  # a hint, and the default in the empty form
    test = files["backend/tests/tasks.test.ts"]
    assert "keeps points within its bounds (400 naming it)" in test and "refuses a second task with the same code (409 naming it)" in test
    assert violations(board.entity("Task"), board.entity("Task").fields[0]) == [
        ("shorter than 3 characters", '"x".repeat(2)'), ("longer than 80 characters", '"x".repeat(81)')]
    assert "lets the browser check each bound before the form is sent" in files["frontend/src/__tests__/TaskPage.test.tsx"]
    for n in (1, 2):  # samples keep the bounds
        assert 0 <= sample(board.entity("Task"), board.entity("Task").fields[2], n) <= 13


def test_enum_labels_as_the_user_spelled_them(files):
    page = files["frontend/src/pages/TaskPage.tsx"]
    assert 'toDo: "To do",' in page and 'inProgress: "In progress",' in page and "STATUS_LABELS[row.status]" in page
    status = doc_of(files)["components"]["schemas"]["TaskInput"]["properties"]["status"]
    assert status["enum"] == ["toDo", "inProgress", "done"] and "`inProgress` (In progress)" in status["description"]


def test_lists_search_sort_and_filter(files):
    doc = doc_of(files)
    params = {p["name"]: p for p in doc["paths"]["/api/tasks"]["get"]["parameters"]}
    assert set(params) == {"page", "pageSize", "q", "sort", "status", "tags", "parent"}
    assert "-createdAt" in params["sort"]["schema"]["enum"] and params["status"]["schema"]["enum"][0] == "toDo"
    query = files["backend/src/schemas/tasks.ts"]
    assert "taskListQuery = pageQuery.extend({" in query and "parent: positive(Number.MAX_SAFE_INTEGER).optional()," in query
    repo = files["backend/src/data/repositories/tasks.ts"]
    assert "LIKE ${pattern} ESCAPE '\\\\'" in repo and "inArray(tasksTable.id, linkedToTags(query.tags))" in repo
    assert "orderBy(sort.startsWith(\"-\") ? desc(column) : asc(column), asc(tasksTable.id))" in repo
    test = files["backend/tests/tasks.test.ts"]
    for name in ("finds records by text with ?q= (any case)", "sorts with ?sort=field and ?sort=-field",
                 "filters on status with ?status="):
        assert name in test
    page = files["frontend/src/pages/TaskPage.tsx"]
    assert 'role="search"' in page and "useSearchParams()" in page and 'id="tasks-filter-status"' in page
    assert "## Lists: search, sort, filter" in files["README.md"]


def test_pages_have_urls_and_the_browser_test_runs_axe(files):
    package = json.loads(files["frontend/package.json"])
    assert package["dependencies"]["react-router"].startswith("^7.") and "@axe-core/playwright" in package["devDependencies"]
    assert "<BrowserRouter>" in files["frontend/src/main.tsx"]
    app = files["frontend/src/App.tsx"]
    assert '<Route path="/tasks/:id" element={<TaskDetail />} />' in app and "<NavLink" in app
    e2e = files["frontend/e2e/app.e2e.ts"]
    assert "new AxeBuilder({ page: p }).analyze()" in e2e and "expect(a11y.violations).toEqual([]);" in e2e
    assert e2e.count("await checkA11y(p,") >= 5 and "await p.reload();" in e2e


def test_the_localstorage_app_searches_sorts_and_filters_too():
    spec = make(backend=False, entities=[{"name": "Tag"}, {"name": "Recipe", "fields": [
        {"name": "title"}, {"name": "tags", "type": "refs", "ref": "Tag"}]}])
    files = render_app(spec)
    api = files["frontend/src/api.ts"]
    assert "function contains(record: object, fields: string[], text: string)" in api and 'resource<Recipe, RecipeInput, RecipeQuery>("app:recipes", ["title"])' in api


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_hand_made_specs_render(path):
    spec = AppSpec.model_validate(yaml.safe_load(path.read_text()))
    assert not_built(spec, SUPPORTED) == []
    files = render_app(spec)
    assert files and all("{%" not in t and "{{ " not in t.replace("${{ ", "") for t in files.values())


def test_the_hand_made_specs_cover_every_part():
    from autodevos.domain.spec import features_used

    used = set()
    for path in SPECS.glob("*.yaml"):
        spec = AppSpec.model_validate(yaml.safe_load(path.read_text()))
        used |= set(features_used(spec))
        used |= {"search_sort_filter"} if any(render.filter_fields(e) for e in spec.entities) else set()
    assert used >= {"many_to_many", "self_reference", "ownership", "roles", "constraints", "search_sort_filter"}
    assert len(list(SPECS.glob("*.yaml"))) == 5


def test_a_unique_enum_declares_no_counter_its_tests_would_not_use():
    """`const next` unused fails the app's lint (no-unused-vars): a unique enum or flag takes its values, not next()."""
    from autodevos.agents.render import render_app

    files = render_app(AppSpec(name="x", title="X", entities=[
        {"name": "Seat", "fields": [{"name": "code", "type": "enum", "options": ["a", "b"], "unique": True}, {"name": "label"}]}]))
    for path in ("backend/tests/database.test.ts", "backend/tests/seats.test.ts"):
        assert ("const next" in files[path]) == ("next()" in files[path].replace("const next = () => ++seq;", "")), path
