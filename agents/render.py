"""Offline code generator: renders an `AppSpec` into the files of a full-stack TypeScript app.

Pure functions, no LangGraph. Every function returns a mapping of relative POSIX path to file
text; the same spec always gives the same bytes. The file contents live in Jinja2 templates
under `agents/templates/` (one template per kind of file); this module only decides which
templates to render, for which entity, and offers a few helpers the templates call.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import escape

from agents.files import check_relpath
from graph.spec import AppSpec, Entity, Field

TEMPLATES = Path(__file__).parent / "templates"


class RenderError(ValueError):
    """The spec cannot be turned into a working app (the message names the culprit)."""


# --- helpers the templates call -------------------------------------------------------------


def js(value: object) -> str:
    """A JavaScript/TypeScript literal for a Python str, number, bool, list or dict."""
    return json.dumps(value, ensure_ascii=False)


def oneline(text: str) -> str:
    """Text on one line, safe inside a // or /* */ comment and a Markdown heading."""
    return " ".join(text.split()).replace("*/", "* /")


def article(noun: str) -> str:
    """The noun with "a" or "an" before it: an OrderItem, a Customer."""
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def words(name: str) -> str:
    """Human label of a camelCase or PascalCase name: dueDate -> Due date."""
    parts = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+|[A-Z]", name)
    text = " ".join(p if p.isupper() and len(p) > 1 else p.lower() for p in parts)
    return text[:1].upper() + text[1:]


def ts_type(field: Field) -> str:
    """TypeScript type of a field's value."""
    if field.type == "enum":
        return " | ".join(js(o) for o in field.options)
    if field.type in ("number", "integer", "ref"):
        return "number"
    if field.type == "boolean":
        return "boolean"
    return "string"


_ZOD = {
    "string": "z.string().trim().min(1)",
    "text": "z.string()",
    "email": "z.email()",
    "number": "z.number()",
    "integer": "z.number().int()",
    "boolean": "z.boolean()",
    "date": "z.iso.date()",
    "datetime": "z.iso.datetime({ offset: true })",
    "ref": "z.number().int().positive()",
}


def zod(field: Field) -> str:
    """zod (v4) schema expression validating a field in a create body."""
    expr = f"z.enum({js(field.options)})" if field.type == "enum" else _ZOD[field.type]
    return expr if field.required else expr + ".optional()"


_INPUT = {"number": "number", "integer": "number", "email": "email", "date": "date", "datetime": "datetime-local"}


def input_type(field: Field) -> str:
    """HTML input type of a field (text, number, email, date, datetime-local, checkbox, select)."""
    if field.type in ("enum", "ref"):
        return "select"
    if field.type == "boolean":
        return "checkbox"
    if field.type == "text":
        return "textarea"
    return _INPUT.get(field.type, "text")


def sample(entity: Entity, field: Field, n: int = 1) -> object:
    """A valid value of the field for the n-th test record (1 or 2); a ref gives the id 1."""
    t = field.type
    if t == "string":
        return f"{entity.name} {field.name} {n}"
    if t == "text":
        return f"Some {words(field.name).lower()} about {entity.name} {n}"
    if t == "email":
        return f"{entity.slug}-{field.name.lower()}-{n}@example.com"
    if t == "number":
        return 1.5 * n
    if t == "integer":
        return 10 + n
    if t == "boolean":
        return n == 1
    if t == "date":
        return f"2024-0{n}-1{n}"
    if t == "datetime":
        return f"2024-0{n}-1{n}T10:30:00.000Z"
    if t == "enum":
        return field.options[(n - 1) % len(field.options)]
    return 1  # ref


def invalid(field: Field) -> object:
    """A value of the wrong type or shape for the field, which validation must reject."""
    return {
        "string": 12345,
        "text": 12345,
        "email": "not-an-email",
        "number": "not a number",
        "integer": 1.5,
        "boolean": "yes",
        "date": "not-a-date",
        "datetime": "not-a-datetime",
        "enum": "notAnOption",
        "ref": "abc",
    }[field.type]


def label_expr(entity: Entity, var: str) -> str:
    """TypeScript expression naming the record `var` of `entity` for people (a string)."""
    f = entity.label_field
    if f.required and f.type in ("string", "email", "text"):
        return f"{var}.{f.name}"
    return f'String({var}.{f.name} ?? "#" + {var}.id)'


def display_field(entity: Entity) -> Field | None:
    """A field whose value a table cell shows as is, to find a record on a page in tests."""
    for f in entity.fields:
        if f.type in ("string", "email", "text", "integer", "number", "date"):
            return f
    return None


def refs(entity: Entity) -> list[Field]:
    return [f for f in entity.fields if f.type == "ref"]


def ref_targets(spec: AppSpec, entity: Entity) -> list[Entity]:
    """The distinct entities this entity's ref fields point to, in field order."""
    names = list(dict.fromkeys(f.ref for f in refs(entity) if f.ref))
    return [spec.entity(n) for n in names]


Plan = tuple[list[tuple[Entity, list[Field]]], list[Field]]


def creation_plan(spec: AppSpec, entity: Entity, _path: tuple[str, ...] = ()) -> Plan:
    """How an API test creates a record of `entity`.

    Returns (records to create first, in order, each as (entity, fields to set); fields to set).
    Every ref field needs a record of its target first. An optional ref that would loop back is
    left unset; a loop of required refs raises RenderError, since no such record could exist.
    """
    path = _path or (entity.name,)
    before: list[tuple[Entity, list[Field]]] = []
    fields: list[Field] = []
    for f in entity.fields:
        if f.type != "ref":
            fields.append(f)
            continue
        try:
            if f.ref in path:
                chain = " -> ".join((*path, f.ref or ""))
                raise RenderError(f"required ref fields form a cycle ({chain}): make one of them optional")
            target = spec.entity(f.ref or "")
            sub_before, sub_fields = creation_plan(spec, target, (*path, target.name))
        except RenderError:
            if f.required:
                raise
            continue
        for e, ef in (*sub_before, (target, sub_fields)):
            if e.name not in {b.name for b, _ in before}:
                before.append((e, ef))
        fields.append(f)
    return before, fields


# --- environment ----------------------------------------------------------------------------


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(js=js, words=words, oneline=oneline, a=article, html=lambda s: str(escape(s)))
    env.globals.update(
        ts_type=ts_type,
        zod=zod,
        input_type=input_type,
        sample=sample,
        invalid=invalid,
        refs=refs,
        label_expr=label_expr,
        display_field=display_field,
        ref_targets=ref_targets,
        creation_plan=creation_plan,
    )
    return env


_ENV = _env()


def _render(template: str, **context: object) -> str:
    return _ENV.get_template(template).render(**context)


def _render_all(spec: AppSpec, side: str, files: list[str], per_entity: dict[str, str]) -> dict[str, str]:
    """Render `side/<file>` for each file, then each per-entity template once per entity.

    `per_entity` maps a template (under `side/`) to an output path pattern with `{slug}` or
    `{name}` (the entity's PascalCase name).
    """
    for e in spec.entities:
        creation_plan(spec, e)  # fail fast on a cycle of required refs
    ctx = {"spec": spec, "auth": spec.auth and spec.backend}
    out: dict[str, str] = {}
    for f in files:
        template = f"{side}/{f[1:] if f.startswith('.') else f}.j2"  # no dotfiles among the templates
        out[check_relpath(f"{side}/{f}")] = _render(template, **ctx)
    for template, pattern in per_entity.items():
        for e in spec.entities:
            path = f"{side}/" + pattern.format(slug=e.slug, name=e.name)
            out[check_relpath(path)] = _render(f"{side}/{template}", entity=e, **ctx)
    return out


# --- public API -----------------------------------------------------------------------------


def render_backend(spec: AppSpec) -> dict[str, str]:
    """The Express 5 API under `backend/` (without its tests); {} when the spec has no backend."""
    if not spec.backend:
        return {}
    files = [
        "package.json", "tsconfig.json", "tsconfig.build.json", "vitest.config.ts", ".env.example",
        ".gitignore", "src/app.ts", "src/server.ts", "src/config.ts", "src/errors.ts", "src/types.ts",
        "src/data/store.ts", "src/data/db.ts", "src/schemas/common.ts", "src/log.ts", "src/metrics.ts",
        "eslint.config.js",
    ]
    if spec.auth:
        files += ["src/routes/auth.ts", "src/services/auth.ts", "src/schemas/auth.ts", "src/middleware/require-auth.ts"]
    per_entity = {
        "src/routes/entity.ts.j2": "src/routes/{slug}.ts",
        "src/controllers/entity.ts.j2": "src/controllers/{slug}.ts",
        "src/services/entity.ts.j2": "src/services/{slug}.ts",
        "src/schemas/entity.ts.j2": "src/schemas/{slug}.ts",
    }
    out = _render_all(spec, "backend", files, per_entity)
    out["backend/.prettierrc.json"] = _render("shared/prettierrc.json.j2")
    return out


def render_frontend(spec: AppSpec) -> dict[str, str]:
    """The Vite + React app under `frontend/` (without its tests); {} when the spec has no frontend."""
    if not spec.frontend:
        return {}
    files = [
        "package.json", "tsconfig.json", "vite.config.ts", "index.html", ".gitignore", "src/main.tsx",
        "src/App.tsx", "src/index.css", "src/api.ts", "src/types.ts", "src/form.ts",
        "src/test-setup.ts", "eslint.config.js",
    ]
    if spec.auth and spec.backend:
        files.append("src/Login.tsx")
    out = _render_all(spec, "frontend", files, {"src/pages/EntityPage.tsx.j2": "src/pages/{name}Page.tsx"})
    out["frontend/.prettierrc.json"] = _render("shared/prettierrc.json.j2")
    return out


def render_tests(spec: AppSpec) -> dict[str, str]:
    """vitest + supertest API tests under `backend/tests/`, Testing Library tests under `frontend/`."""
    out: dict[str, str] = {}
    if spec.backend:
        files = ["tests/health.test.ts"] + (["tests/auth.test.ts"] if spec.auth else [])
        out |= _render_all(spec, "backend", files, {"tests/entity.test.ts.j2": "tests/{slug}.test.ts"})
    if spec.frontend:
        per_entity = {"src/__tests__/EntityPage.test.tsx.j2": "src/__tests__/{name}Page.test.tsx"}
        out |= _render_all(spec, "frontend", ["src/__tests__/App.test.tsx"], per_entity)
    if spec.frontend and spec.backend:
        out["frontend/e2e/run.mjs"] = _render("frontend/e2e/run.mjs.j2", spec=spec, e2e=e2e_plan(spec))
    return out


def e2e_plan(spec: AppSpec) -> dict[str, object]:
    """What the browser test does: which records it creates through the API first, which form it
    fills (input ids and values) and which value must then show in the list and the API."""
    entity = min(spec.entities, key=lambda e: sum(1 for f in e.fields if f.type == "ref" and f.required))
    before, fields = creation_plan(spec, entity)
    setup = [{"path": f"/api/{e.slug}", "body": {f.name: sample(e, f, 1) for f in efs}} for e, efs in before]
    inputs: list[dict[str, object]] = []
    for f in fields:
        value = sample(entity, f, 1)
        kind = input_type(f)
        if f.type == "ref":
            inputs.append({"id": f"{entity.var}-{f.name}", "kind": "select-index", "value": 1})
        elif kind == "checkbox":
            inputs.append({"id": f"{entity.var}-{f.name}", "kind": "checkbox", "value": bool(value)})
        elif kind == "select":
            inputs.append({"id": f"{entity.var}-{f.name}", "kind": "select", "value": value})
        elif f.type == "datetime":
            inputs.append({"id": f"{entity.var}-{f.name}", "kind": "fill", "value": str(value)[:16]})
        else:
            inputs.append({"id": f"{entity.var}-{f.name}", "kind": "fill", "value": value})
    shown = next((f for f in fields if f.type in ("string", "email")), None) or display_field(entity) or fields[0]
    one = words(entity.name).lower()
    return {"entity": entity.name, "slug": entity.slug, "tab": words(entity.plural), "formName": f"New {one}",
            "setup": setup, "inputs": inputs, "expect": {"field": shown.name, "value": sample(entity, shown, 1)},
            "auth": spec.auth}


def render_docs(spec: AppSpec) -> dict[str, str]:
    """The generated app's `README.md`, `docs/ARCHITECTURE.md` and `docs/API.md`."""
    ctx = {"spec": spec, "auth": spec.auth and spec.backend}
    out = {"README.md": _render("docs/README.md.j2", **ctx),
           "docs/ARCHITECTURE.md": _render("docs/ARCHITECTURE.md.j2", **ctx)}
    if spec.backend:
        out["docs/API.md"] = _render("docs/API.md.j2", **ctx)
    return out


def render_app(spec: AppSpec) -> dict[str, str]:
    """Every file of the app: backend, frontend, tests and docs."""
    return render_backend(spec) | render_frontend(spec) | render_tests(spec) | render_docs(spec)
