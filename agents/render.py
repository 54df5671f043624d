"""Offline code generator: renders an `AppSpec` into the files of a full-stack TypeScript app.

Pure functions, no LangGraph. Every function returns a mapping of relative POSIX path to file
text; the same spec always gives the same bytes. The file contents live in Jinja2 templates
under `agents/templates/<agent>/`, which mirrors the app's tree: a template is rendered because
it exists there (see "templates, found by convention" below). This module computes what the
templates need (tables, migrations, the OpenAPI document, test plans) and offers a few helpers
the templates call.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass, replace
from importlib.resources import files
from pathlib import Path

from autodevos.agents import tsformat
from autodevos.agents.files import check_relpath
from autodevos.domain.spec import GENERATED_TYPES, AppSpec, Entity, Field, buildable, camel, singularize
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import escape

TEMPLATES = Path(str(files("autodevos.agents") / "templates"))


SUPPORTED: frozenset[str] = frozenset(
    {"many_to_many", "self_reference", "optional_reference", "ownership", "roles", "constraints"}
)
"""Spec v2 parts (domain.spec.FEATURES) these templates build; the others are left out of the
rendered spec and named in the run's summary as "not built yet" (domain.spec.not_built)."""


class RenderError(ValueError):
    """The spec cannot be turned into a working app (the message names the culprit)."""


# --- helpers the templates call -------------------------------------------------------------


def js(value: object) -> str:
    """A JavaScript/TypeScript literal for a Python str, number, bool, list or dict."""
    return json.dumps(value, ensure_ascii=False)


def oneline(text: str) -> str:
    """Text on one line, safe inside a // or /* */ comment and a Markdown heading."""
    return " ".join(text.split()).replace("*/", "* /")


def union_type(name: str, values: list[str]) -> str:
    """`export type Name = "a" | "b";` laid out as Prettier does."""
    members = [js(v) for v in values]
    line = f"export type {name} = {' | '.join(members)};"
    if tsformat.fits(line):
        return line
    if tsformat.fits("  " + " | ".join(members) + ";"):
        return f"export type {name} =\n  {' | '.join(members)};"
    return f"export type {name} =\n" + "\n".join(f"  | {m}" for m in members) + ";"


def enum_property(key: str, values: list[str], tail: str, indent: int = 2) -> str:
    """An object property `key: z.enum([...])<tail>,` laid out as Prettier does (a long one breaks the chain)."""
    pad = " " * indent
    items = ", ".join(js(v) for v in values)
    line = f"{pad}{key}: z.enum([{items}]){tail},"
    if tsformat.fits(line):
        return line
    call = f"{pad}  .enum([{items}])"
    if not tsformat.fits(call):
        call = f"{pad}  .enum([\n" + "".join(f"{pad}    {js(v)},\n" for v in values) + f"{pad}  ])"
    return f"{pad}{key}: z\n{call}\n{pad}  {tail.lstrip('.') and '.' + tail.lstrip('.')},"


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
    if field.type == "refs":
        return "number[]"
    if field.type == "boolean":
        return "boolean"
    return "string"


# --- bounds: one home for the limits of every value, used by zod, the OpenAPI document and the form ---

MAX_SAFE_INTEGER = 2**53 - 1
"""Integers stay within JavaScript's safe range (zod's `.int()` checks it too)."""
NUMBER_LIMIT = 1e15
"""Numbers stay within +/- this: more than enough for prices and measures, exact to a cent."""
JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
"""What JavaScript's String.prototype.trim removes, as a regex character class body."""
NOT_BLANK = f"[^{JS_WHITESPACE}]"
"""A regex that a string matches when it has something besides whitespace (OpenAPI `pattern`)."""
MAX_PASSWORD_BYTES = 72
"""bcrypt reads only the first 72 bytes of a password: a longer one is refused, never cut."""
MAX_PAGE = 1_000_000_000
"""The largest `?page=` (so that the row offset stays an exact integer)."""


@dataclass(frozen=True)
class Bounds:
    """The limits a field's values keep. zod, the OpenAPI document and the form all read them from
    here, so they cannot disagree; spec constraints (min/max, min_length/max_length) narrow them
    in `bounds` when they are rendered."""

    max_length: int | None = None
    """Strings: most characters (UTF-16 code units, as JavaScript counts)."""
    min_length: int | None = None
    """Strings: fewest characters (after trimming, for a string)."""
    not_blank: bool = False
    """Strings: trimmed, and something must be left."""
    minimum: float | None = None
    maximum: float | None = None


_BOUNDS = {
    "string": Bounds(max_length=200, not_blank=True),
    "text": Bounds(max_length=10_000),
    "email": Bounds(max_length=254),  # the longest address SMTP carries
    "number": Bounds(minimum=-NUMBER_LIMIT, maximum=NUMBER_LIMIT),
    "integer": Bounds(minimum=-MAX_SAFE_INTEGER, maximum=MAX_SAFE_INTEGER),
    "ref": Bounds(minimum=1, maximum=MAX_SAFE_INTEGER),
}


MAX_LINKS = 100
"""The most records a refs (many-to-many) field links to."""


def bounds(field: Field) -> Bounds:
    """The limits of the field's values (none for booleans, enums, dates), narrowed by the spec's
    constraints (min/max, min_length/max_length)."""
    b = _BOUNDS.get(field.type, Bounds())
    if field.max_length is not None:
        b = replace(b, max_length=min(field.max_length, b.max_length or field.max_length))
    if field.min_length:
        b = replace(b, min_length=field.min_length)
    if field.min is not None:
        b = replace(b, minimum=field.min if b.minimum is None else max(field.min, b.minimum))
    if field.max is not None:
        b = replace(b, maximum=field.max if b.maximum is None else min(field.max, b.maximum))
    return b


def _num(value: float) -> str:
    """A JavaScript number literal: 1000000000000000, -9007199254740991, 0.5."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


_ZOD = {
    "string": "z.string()",
    "text": "z.string()",
    "email": "z.email({ pattern: z.regexes.rfc5322Email })",
    "number": "z.number()",
    "integer": "z.number().int()",
    "boolean": "z.boolean()",
    "date": "z.iso.date()",
    "datetime": "z.iso.datetime({ offset: true })",
    "ref": "z.number().int().positive()",
}


def zod_rule(field: Field) -> str:
    """zod (v4) schema expression of a field's value, with its bounds (neither optional nor defaulted)."""
    if field.type == "enum":
        return f"z.enum({js(field.options)})"
    if field.type == "refs":
        return f"z.array({_ZOD['ref']}).max({MAX_LINKS})"
    expr = _ZOD[field.type]
    b = bounds(field)
    # zod's .max()/.min() count UTF-16 code units, OpenAPI's maxLength/minLength (and SQLite's
    # length()) count characters: a length bound counts characters here too, or 40 emoji would be
    # refused by a 40-character field that the API document accepts
    if b.max_length is not None:
        expr += f'.refine(atMost({b.max_length}), "At most {b.max_length} characters")'
    if b.not_blank:
        expr += '.trim().min(1, "Must not be blank")'
    if b.min_length and b.min_length > (1 if b.not_blank else 0):
        expr += f'.refine(atLeast({b.min_length}), "At least {b.min_length} characters")'
    # .int() already keeps integers (and ids) in the safe range: a number needs its own bounds, an
    # integer only those the spec narrows
    default = _BOUNDS.get(field.type, Bounds())
    if field.type in ("number", "integer"):
        if field.type == "number" or b.minimum != default.minimum:
            expr += f".min({_num(b.minimum)})"  # type: ignore[arg-type]
        if field.type == "number" or b.maximum != default.maximum:
            expr += f".max({_num(b.maximum)})"  # type: ignore[arg-type]
    return expr


def zod(field: Field) -> str:
    """zod (v4) schema expression validating a field in a create body, with its bounds: optional when
    the field is, with its default when it has one (a refs field is an empty list by default)."""
    expr = zod_rule(field)
    default = default_value(field)
    if field.type == "refs":
        return expr + ".default([])"
    if default is not None:
        return expr + f".default({js(default)})"
    return expr if field.required else expr + ".optional()"


def out_of_bounds(field: Field) -> str | None:
    """A TypeScript expression of a value just outside the field's bounds, or None when it has none."""
    b = bounds(field)
    if field.type == "email" and b.max_length is not None:
        return f'"x".repeat({b.max_length - 11}) + "@example.com"'
    if b.max_length is not None:
        return f'"x".repeat({b.max_length + 1})'
    if b.maximum is not None:
        return "Number.MAX_SAFE_INTEGER + 1" if b.maximum == MAX_SAFE_INTEGER else _num(b.maximum * 10)
    return None


def longest_text(field: Field) -> str | None:
    """A TypeScript expression of the longest text the field takes, in characters outside the BMP
    (two UTF-16 code units each), or None when it is not a text with a length bound."""
    b = bounds(field)
    if field.type not in ("string", "text") or b.max_length is None:
        return None
    return f'"\\u{{1F600}}".repeat({b.max_length})'


def longest_field(entity: Entity) -> Field | None:
    """The entity's first text field with a length bound, for the test that sends its longest value."""
    return next((f for f in entity.fields if longest_text(f) is not None), None)


def unknown_field(entity: Entity) -> str:
    """A field name the entity does not have, for tests that send one."""
    names = {f.name for f in entity.fields}
    return next(n for n in (f"notAField{i or ''}" for i in range(len(names) + 1)) if n not in names)


def _member_chain(expr: str) -> list[str]:
    """`z.string().max(3)` -> ["z", ".string()", ".max(3)"]: the head and each call of a member chain, split at
    the dots outside brackets and strings."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(expr):
        if quote:
            quote = "" if ch == quote and expr[i - 1] != "\\" else quote
        elif ch in "\"'`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "." and depth == 0 and i > start:
            parts.append(expr[start:i])
            start = i
    return [*parts, expr[start:]]


def common_imports(entity: Entity) -> list[str]:
    """What an entity's schema module imports from schemas/common.ts, in the order Prettier keeps."""
    rules = " ".join(zod_rule(f) for f in entity.fields)
    used = {"pageQuery"} | {n for n in ("atLeast", "atMost") if f"{n}(" in rules}
    if any(f.type not in ("enum", "boolean") for f in filter_fields(entity)):
        used.add("positive")
    return sorted(used)


def zod_property(field: Field, indent: int, rule: bool = False) -> str:
    """`name: <zod schema>,` of a field in a schema object at `indent`, as Prettier prints it: an enum
    whose options do not fit on the line has one option a line. With `rule`, the schema of the value
    only (`zod_rule`: neither optional nor defaulted)."""
    expr = zod_rule(field) if rule else zod(field)
    one = f"{field.name}: {expr},"
    if tsformat.fits(one, indent):
        return one
    if field.type != "enum":
        head, *calls = _member_chain(expr)
        return tsformat.chain(head, calls, indent, prefix=f"{field.name}: ", suffix=",")
    inner = " " * (indent + 2)
    options = "".join(f"{inner}{tsformat.string(o)},\n" for o in field.options)
    return f"{field.name}: z.enum([\n{options}{' ' * indent}]){expr[len(zod_rule(field)):]},"


def max_body_bytes(spec: AppSpec) -> int:
    """A JSON body limit that fits the largest record of any entity with every string one character
    over its longest, so that such a body reaches validation (400) instead of the size check (413):
    the OpenAPI maxLength counts characters, and a character outside the BMP is escaped as two
    \\uXXXX (12 bytes). Never less than 100 kB."""
    largest = 0
    for e in spec.entities:
        size = 2
        for f in e.fields:
            b = bounds(f)
            size += len(f.name) + 4 + (12 * (b.max_length + 1) + 2 if b.max_length else 32)
        largest = max(largest, size)
    return max(100 * 1024, -(-largest // 1024) * 1024)


_INPUT = {"number": "number", "integer": "number", "email": "email", "date": "date", "datetime": "datetime-local"}


def input_type(field: Field) -> str:
    """HTML input type of a field (text, number, email, date, datetime-local, checkbox, select, multiple)."""
    if field.type == "refs":
        return "multiple"
    if field.type in ("enum", "ref"):
        return "select"
    if field.type == "boolean":
        return "checkbox"
    if field.type == "text":
        return "textarea"
    return _INPUT.get(field.type, "text")


def _fit(text: str, b: Bounds, n: int) -> str:
    """`text` cut or padded to the field's length bounds, still ending in `n`."""
    if b.max_length is not None and len(text) > b.max_length:
        text = (text[: b.max_length - len(str(n))].rstrip() + str(n))[-b.max_length:]
    if b.min_length and len(text.strip()) < b.min_length:
        text = text + "x" * (b.min_length - len(text.strip()))
    return text


def _inside(value: float, b: Bounds) -> bool:
    return (b.minimum is None or value >= b.minimum) and (b.maximum is None or value <= b.maximum)


def _within(value: float, b: Bounds, n: int, integer: bool) -> float:
    """`value`, or when the field's bounds exclude it, the n-th value from the bottom of its range."""
    lo, hi = b.minimum, b.maximum
    if (lo is None or value >= lo) and (hi is None or value <= hi):
        return value
    if lo is not None and lo > -1e9:
        start = math.ceil(lo) if integer else lo
        value = start + (n - 1) * (1 if integer else 0.5)
    else:
        start = math.floor(hi) if integer else hi  # type: ignore[arg-type]
        value = start - (n - 1) * (1 if integer else 0.5)
    if hi is not None and value > hi:
        value = math.floor(hi) if integer else hi
    return value


def sample(entity: Entity, field: Field, n: int = 1) -> object:
    """A valid value of the field for the n-th test record (1 or 2), within its bounds; a ref gives the
    id 1, a refs field [1]."""
    t = field.type
    b = bounds(field)
    # the k-th field of its type gets other values than the first, so that no two columns of a record read
    # the same ("position 12, minutes 12" made a page test find two cells)
    k = next((i for i, f in enumerate(x for x in entity.fields if x.type == t) if f.name == field.name), 0)
    if t == "string":
        return _fit(f"{entity.name} {field.name} {n}", b, n)
    if t == "text":
        return _fit(f"Some {words(field.name).lower()} about {entity.name} {n}", b, n)
    if t == "email":
        return f"{entity.slug}-{field.name.lower()}-{n}@example.com"
    if t == "number":
        value = 1.5 * n + 100 * k
        return _within(value if _inside(value + 1.5, b) else 1.5 * n, b, n, integer=False)  # the offset only where both samples fit
    if t == "integer":
        value = 10 + n + 100 * k
        return int(_within(value if _inside(value + 1, b) else 10 + n, b, n, integer=True))
    if t == "boolean":
        return n == 1
    if t == "date":
        return f"2024-0{n}-{min(10 + n + 2 * k, 28)}"
    if t == "datetime":
        return f"2024-0{n}-{min(10 + n + 2 * k, 28)}T10:30:00.000Z"
    if t == "enum":
        return field.options[(n - 1) % len(field.options)]
    if t == "refs":
        return [1]
    return 1  # ref


def sample_pairs(entity: Entity, fields: list[Field], n: int = 1) -> list[tuple[str, str]]:
    """(field name, TypeScript literal of its n-th sample value) of each field, for object literals."""
    return [(f.name, tsformat.literal(sample(entity, f, n))) for f in fields]


def body_pairs(spec: AppSpec, entity: Entity, fields: list[Field], n: int = 1, ids: str = "") -> list[tuple[str, str]]:
    """Like `sample_pairs`, but as the API tests write bodies (`value_expr`): a ref field takes the id of its
    target (`customerId`, or `ids.customer`), a unique field a value no other record of the test has."""
    return [(f.name, value_expr(spec, entity, f, n, ids)) for f in fields]


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
        "refs": "abc",
    }[field.type]


def value_expr(spec: AppSpec, entity: Entity, field: Field, n: int, ids: str = "") -> str:
    """A TypeScript expression of a valid value of the field in a test body. A ref takes the id of its
    target (`ids.<target>` when `ids` is given, else the variable `<target>Id`); a unique field a value
    no other record of the test file has (from `next()`, a counter the test file declares)."""
    if field.type in ("ref", "refs"):
        var = spec.entity(field.ref or "").var
        ref = f"{ids}.{var}" if ids else f"{var}Id"
        return ref if field.type == "ref" else f"[{ref}]"
    value = sample(entity, field, n)
    if not field.unique:
        return tsformat.literal(value)
    b = bounds(field)
    t = field.type
    if t in ("string", "text"):
        head = str(value).rstrip("0123456789").rstrip()
        if b.max_length is not None:
            head = head[: max(0, b.max_length - 4)].rstrip()
        if b.min_length and len(head) + 1 < b.min_length:
            head = head + "x" * (b.min_length - len(head) - 1)
        return f"`{head}{' ' if head else ''}${{next()}}`".replace("` ", "`")
    if t == "email":
        return f"`{entity.slug}-{field.name.lower()}-${{next()}}@example.com`"
    if t in ("integer", "number"):
        lo = math.ceil(b.minimum) if b.minimum is not None and b.minimum > -1e9 else 1000
        if field.max is not None:
            return f"{lo} + (next() % {max(1, math.floor(b.maximum) - lo + 1)})"  # type: ignore[arg-type]
        return f"{lo} + next()"
    if t == "date":
        return "`${2000 + next()}-06-15`"
    if t == "datetime":
        return "new Date(Date.UTC(2024, 0, 1, 0, next())).toISOString()"
    return tsformat.literal(value)  # enum, boolean: as many records as values at most


def needs_counter(spec: AppSpec, entity: Entity) -> bool:
    """Whether an API test of the entity creates records with unique fields (and so needs `next()`)."""
    deps, fields = creation_plan(spec, entity)
    counted = ("string", "text", "email", "integer", "number", "date", "datetime")  # value_expr uses next() for these
    return any(f.unique and f.type in counted for f in [*fields, *(f for _, dfields in deps for f in dfields)])


def search_value(entity: Entity, field: Field) -> str | None:
    """A TypeScript expression of a valid value of a searched field that contains `marker` (a string of
    at most 8 characters the test declares), or None when the field is too short for one."""
    b = bounds(field)
    if field.type == "email":
        return None if (b.max_length or 254) < 24 else "`${marker}@example.com`"
    if b.max_length is not None and b.max_length < 8:
        return None
    pad = max(0, (b.min_length or 0) - 8)
    return "`${marker}" + "x" * pad + "`"


def violations(entity: Entity, field: Field) -> list[tuple[str, str]]:
    """Values that break the field's spec constraints, each as (what it breaks, a TypeScript expression)."""
    out: list[tuple[str, str]] = []
    if field.min is not None:
        out.append((f"below min {_num(field.min)}", _num(math.floor(field.min) - 1)))
    if field.max is not None:
        out.append((f"above max {_num(field.max)}", _num(math.ceil(field.max) + 1)))
    if field.min_length:
        out.append((f"shorter than {field.min_length} characters", f'"x".repeat({field.min_length - 1})'))
    if field.max_length is not None:
        n = field.max_length + 1
        out.append((f"longer than {field.max_length} characters",
                    f'"x".repeat({n})' if field.type != "email" else f'`${{"x".repeat({n})}}@example.com`'))
    return out


def option_labels(field: Field) -> dict[str, str]:
    """An enum's options with their labels as the user spelled them: {"inProgress": "in progress"}."""
    labels = field.option_labels if len(field.option_labels) == len(field.options) else field.options
    return {o: (lab[:1].upper() + lab[1:]) if lab else words(o) for o, lab in zip(field.options, labels)}


def field_label(field: Field) -> str:
    """The field's name as people read it, in the user's words: "Due date"."""
    from autodevos.domain.spec import humanize

    if not field.label or field.label == humanize(field.name):
        return words(field.name)
    return field.label[:1].upper() + field.label[1:]


def entity_title(entity: Entity) -> str:
    """The entity's plural as people read it, in the user's words: "Order items", "Classes"."""
    from autodevos.domain.spec import humanize, pluralize

    if not entity.label or entity.label == humanize(entity.name):
        return words(entity.plural)
    label = pluralize(entity.label)
    return label[:1].upper() + label[1:]


def entity_word(entity: Entity) -> str:
    """The entity's singular in lower case, in the user's words: "order item", "class"."""
    return (entity.label or words(entity.name)).lower()


def hint(field: Field) -> str:
    """What a form says under a constrained input: "3 to 80 characters", "From 0 to 10; unique" ("" for none)."""
    parts = []
    lo, hi = field.min_length, field.max_length
    if lo and hi is not None:
        parts.append(f"{lo} to {hi} characters")
    elif lo:
        parts.append(f"At least {lo} characters")
    elif hi is not None:
        parts.append(f"At most {hi} characters")
    if field.min is not None and field.max is not None:
        parts.append(f"From {_num(field.min)} to {_num(field.max)}")
    elif field.min is not None:
        parts.append(f"At least {_num(field.min)}")
    elif field.max is not None:
        parts.append(f"At most {_num(field.max)}")
    if field.unique:
        parts.append("Unique")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:].lower() if text else ""


def sort_label(field: Field, descending: bool) -> str:
    """A sort select's option: "Title, A to Z", "Points, highest first"."""
    orders = {"string": ("A to Z", "Z to A"), "text": ("A to Z", "Z to A"), "email": ("A to Z", "Z to A"),
              "enum": ("in order", "reverse order"), "number": ("lowest first", "highest first"),
              "integer": ("lowest first", "highest first"), "date": ("earliest first", "latest first"),
              "datetime": ("earliest first", "latest first"), "boolean": ("no first", "yes first")}
    return f"{field_label(field)}, {orders.get(field.type, ('ascending', 'descending'))[descending]}"


def form_default(field: Field) -> str:
    """The TypeScript value of a field in an empty form (what its input starts with)."""
    if field.type == "refs":
        return "[]"
    if field.type == "boolean":
        return "true" if default_value(field) is True else "false"
    default = default_value(field)
    if default is not None:
        return tsformat.string(_num(default) if isinstance(default, (int, float)) else str(default))
    if field.type == "enum" and field.required:
        return tsformat.string(field.options[0])
    return '""'


def field_note(spec: AppSpec, f: Field) -> str:
    """What the docs say about a field beyond its type: its values, bounds, uniqueness, default, and what
    deleting the record it refers to does (Markdown, one line)."""
    notes = []
    if f.type == "enum":
        labels = option_labels(f)
        notes.append("one of " + ", ".join(f"`{o}` ({labels[o]})" for o in f.options))
    elif f.type == "ref":
        target = spec.entity(f.ref or "")
        what = {"restrict": "it cannot be deleted while this points at it (409)",
                "cascade": "deleting it deletes this record too",
                "set_null": "deleting it clears this field"}[f.on_delete or "restrict"]
        notes.append(f"id of {article(target.name)}; {what}")
    elif f.type == "refs":
        target = spec.entity(f.ref or "")
        notes.append(f"ids of {words(target.plural).lower()} (many-to-many, at most {MAX_LINKS}); [] by default")
    elif f.type == "date":
        notes.append("`YYYY-MM-DD`")
    elif f.type == "datetime":
        notes.append("ISO 8601, e.g. `2024-01-31T09:30:00.000Z`")
    elif f.type == "email":
        notes.append("an email address")
    elif f.type == "integer":
        notes.append("a whole number")
    elif f.type == "string":
        notes.append("not blank")
    b = bounds(f)
    if f.min_length and f.max_length is not None:
        notes.append(f"{f.min_length} to {f.max_length} characters")
    elif f.min_length:
        notes.append(f"at least {f.min_length} characters")
    elif b.max_length is not None:
        notes.append(f"at most {b.max_length} characters")
    if f.min is not None and f.max is not None:
        notes.append(f"from {_num(f.min)} to {_num(f.max)}")
    elif f.min is not None:
        notes.append(f"at least {_num(f.min)}")
    elif f.max is not None:
        notes.append(f"at most {_num(f.max)}")
    if f.unique:
        notes.append("unique (a taken value is a 409)")
    if default_value(f) is not None:
        notes.append(f"default `{json.dumps(default_value(f))}`")
    return "; ".join(notes)


def jsx_text(text: str) -> str:
    """Text for JSX children: as is when plain, else a JavaScript string in braces."""
    return text if re.fullmatch(r"[\w .,:;!?'()/+%#@&-]*", text) and text.strip() == text else "{" + js(text) + "}"


# --- lists: search, sort and filter ---------------------------------------------------------

LIST_PARAMS = ("page", "pageSize", "q", "sort")


def like_of(name: str, table: str) -> str:
    """The drizzle SQL of `<column> LIKE <pattern>` for a searched field (the pattern escapes % and _ with \\)."""
    return f"sql`${{{table}.{name}}} LIKE ${{pattern}} ESCAPE '\\\\'`"


def search_fields(entity: Entity) -> list[Field]:
    """The fields `?q=` searches (their text contains it, case-insensitively for ASCII)."""
    return [f for f in entity.fields if f.type in ("string", "text", "email")]


def sort_fields(entity: Entity) -> list[Field]:
    """The fields a list can be sorted by (`?sort=name`, `?sort=-name`), besides id and the timestamps."""
    return [f for f in entity.fields if f.type not in ("ref", "refs")]


def sort_keys(entity: Entity) -> list[str]:
    """Every value `?sort=` takes: each key ascending, then "-key" descending."""
    keys = ["id", *(f.name for f in sort_fields(entity)), "createdAt", "updatedAt"]
    return [k for key in keys for k in (key, "-" + key)]


def filter_fields(entity: Entity) -> list[Field]:
    """The fields a list can be filtered on by value (`?status=done`, `?done=true`, `?project=3`, `?tags=2`)."""
    return [f for f in entity.fields if f.type in ("enum", "boolean", "ref", "refs") and f.name not in LIST_PARAMS]


LABEL_TYPES = ("string", "email", "text", "number", "integer", "date")
"""Field types whose value can name a record; a record named by none is "<Entity> #<id>"."""


def label_field(entity: Entity) -> Field | None:
    """The field whose value names a record in links, selects and headings (None: "<Entity> #<id>")."""
    f = entity.label_field
    return f if f.type in LABEL_TYPES else None


def label_expr(entity: Entity, var: str) -> str:
    """TypeScript expression naming the record `var` of `entity` for people (a string)."""
    f = label_field(entity)
    if f is None:
        return f"{tsformat.string(words(entity.name) + ' #')} + {var}.id"
    if f.required and f.type in ("string", "email", "text"):
        return f"{var}.{f.name}"
    return f'String({var}.{f.name} ?? "#" + {var}.id)'


def label_of_sample(entity: Entity) -> str:
    """A TypeScript string of how the pages name the 2nd sample record (id 1) of the entity (label_expr)."""
    f = label_field(entity)
    if f is None:
        return tsformat.string(words(entity.name) + " #1")
    value = sample(entity, f, 2)
    if value is None:
        text = "#1"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, list):
        text = ",".join(str(v) for v in value)
    elif isinstance(value, (int, float)):
        text = _num(value)
    else:
        text = str(value)
    return tsformat.string(text)


def display_field(entity: Entity) -> Field | None:
    """A field whose value a table cell shows as is, to find a record on a page in tests."""
    for f in entity.fields:
        if f.type in ("string", "email", "text", "integer", "number", "date"):
            return f
    return None


def refs(entity: Entity) -> list[Field]:
    return [f for f in entity.fields if f.type == "ref"]


def related(entity: Entity) -> list[Field]:
    """The fields that point at other records: ref (many-to-one) and refs (many-to-many)."""
    return [f for f in entity.fields if f.type in ("ref", "refs")]


def ref_targets(spec: AppSpec, entity: Entity) -> list[Entity]:
    """The distinct entities this entity's ref and refs fields point to, in field order."""
    names = list(dict.fromkeys(f.ref for f in related(entity) if f.ref))
    return [spec.entity(n) for n in names]


def any_related(spec: AppSpec) -> bool:
    """Whether some entity has a ref or refs field (the frontend then links records to each other)."""
    return any(related(e) for e in spec.entities)


def owned(spec: AppSpec, entity: Entity) -> bool:
    """Whether the entity's records are private to their owner (ownership needs login and a backend)."""
    return entity.owned and spec.auth and spec.backend


def scoped(spec: AppSpec, entity: Entity) -> bool:
    """Whether the entity's service needs the signed-in user: its records are owned, or records it
    refers to are (a user may only refer to records they can see)."""
    return owned(spec, entity) or refers_to_owned(spec, entity)


def refers_to_owned(spec: AppSpec, entity: Entity) -> bool:
    """Whether some ref or refs field of the entity points at owned records (checked against the user's own)."""
    return any(owned(spec, t) for t in ref_targets(spec, entity))


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
        if f.type not in ("ref", "refs"):
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


def browser_plan(spec: AppSpec) -> Plan:
    """What the browser test creates through the UI: the first entity with a ref or refs field to another
    entity (else one to itself, else the first entity), after the records its refs need; like
    `creation_plan`, but refs are chosen in a <select>."""
    target = next((e for e in spec.entities if any(f.ref != e.name for f in related(e))), None)
    target = target or next((e for e in spec.entities if related(e)), spec.entities[0])
    before, fields = creation_plan(spec, target)
    return [*before, (target, fields)], fields


def browser_steps(spec: AppSpec) -> list[dict]:
    """What the browser test does, as data: per record to create through the UI (in order), the tab,
    the form, each input with the value to enter and the value the API must then hold."""
    steps = []
    for e, efields in browser_plan(spec)[0]:
        fields = []
        for f in efields:
            value = sample(e, f, 1)
            step: dict[str, object] = {"id": f"{e.var}-{f.name}", "label": field_label(f), "field": f.name,
                                       "target": None}
            if f.type == "ref":
                step |= {"kind": "ref", "value": "", "api": None, "target": f.ref}
            elif f.type == "refs":
                step |= {"kind": "refs", "value": "", "api": None, "target": f.ref}
            elif f.type == "boolean":
                step |= {"kind": "check", "value": "", "api": value}
            elif f.type == "enum":
                step |= {"kind": "option", "value": value, "api": value}
            elif f.type == "datetime":
                step |= {"kind": "datetime", "value": str(value)[:16], "api": None}
            else:
                step |= {"kind": "fill", "value": str(value), "api": value}
            fields.append(step)
        shown = display_field(e)
        searched = next((f for f in search_fields(e) if f in efields and f.type != "email"), None)
        steps.append({
            "entity": e.name,
            "slug": e.slug,
            "tab": entity_title(e),
            "form": "New " + entity_word(e),
            "empty": f"No {entity_title(e).lower()} yet.",
            "none": f"No {entity_title(e).lower()} match.",
            "shown": None if shown is None else str(sample(e, shown, 1)),
            "search": None if searched is None else str(sample(e, searched, 1)),
            "fields": fields,
        })
    return steps


# --- safe defaults --------------------------------------------------------------------------

JWT_EXAMPLE_SECRET = "change-me-to-a-long-random-string"
"""The JWT_SECRET of .env.example: the backend refuses it (and any short secret) in production."""
MIN_SECRET_LENGTH = 32

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'"))

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
"""The headers the built web app is served with: by nginx (frontend/nginx.conf) and by `vite preview`,
so the browser test runs the app under the same Content-Security-Policy."""


# --- data layer: one SQLite table per entity (drizzle-orm) ----------------------------------


def snake(name: str) -> str:
    """snake_case of a camelCase name: orderItems -> order_items, URLPath -> url_path."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


@dataclass(frozen=True)
class Column:
    """A column of a generated table, as drizzle's schema.ts, the SQL and the snapshot see it."""

    prop: str
    """Property of the record in TypeScript and JSON: customer."""
    name: str
    """SQL name: customer_id."""
    sql: str
    """SQLite type: integer, text or real."""
    not_null: bool
    builder: str
    """drizzle-orm column builder (TypeScript)."""
    pk: bool = False
    ref_table: str | None = None
    on_delete: str | None = None
    ref_const: str | None = None
    """schema.ts name of the referenced table: customersTable."""
    enum: tuple[str, ...] = ()
    default: object = None
    """The column's DEFAULT as drizzle-kit's snapshot holds it ('text' quoted, numbers and booleans as is)."""
    default_call: str = ""
    """The `.default(...)` call of its builder in schema.ts, if any."""


@dataclass(frozen=True)
class Index:
    name: str
    columns: tuple[Column, ...]
    unique: bool

    @property
    def call(self) -> str:
        """The drizzle-orm call that declares it in schema.ts (with the table as `t`)."""
        on = ", ".join(f"t.{c.prop}" for c in self.columns)
        return f'{"uniqueIndex" if self.unique else "index"}({js(self.name)}).on({on})'


@dataclass(frozen=True)
class Check:
    """A CHECK constraint: `ts` for schema.ts (inside sql`...`), `sql` as the migration and snapshot write it."""

    name: str
    ts: str
    sql: str


@dataclass(frozen=True)
class Table:
    const: str
    """TypeScript name of the table in schema.ts: orderItemsTable."""
    name: str
    """SQL name: order_items."""
    columns: list[Column]
    indexes: list[Index]
    entity: Entity | None = None
    checks: tuple[Check, ...] = ()
    primary_key: tuple[Column, ...] = ()
    """A composite primary key (the join tables of refs fields)."""
    link: Field | None = None
    """For a join table: the refs field of `entity` it holds."""

    @property
    def fks(self) -> list[Column]:
        return [c for c in self.columns if c.ref_table]


def table_name(entity: Entity) -> str:
    return snake(entity.plural)


def column_name(field: Field) -> str:
    base = snake(field.name)
    return base if field.type != "ref" or base.endswith("_id") else base + "_id"


def _default(field: Field) -> tuple[str, object] | None:
    """(drizzle builder call, snapshot value) of the field's default, or None."""
    d = field.default
    if d is None:
        return None
    if field.type == "boolean":
        v = d if isinstance(d, bool) else str(d).lower() in ("true", "yes", "1")
        return f".default({js(v)})", v
    if field.type in ("number", "integer"):
        v = float(d)
        return f".default({_num(v)})", (int(v) if v.is_integer() else v)
    text = str(d)
    return f".default({js(text)})", "'" + text.replace("'", "''") + "'"


def default_value(field: Field) -> object:
    """The field's default as the API and the form use it (a JSON value), or None."""
    got = _default(field)
    if got is None:
        return None
    value = got[1]
    if isinstance(value, str):
        return str(field.default)
    return value


def _column(field: Field, spec: AppSpec) -> Column:
    col = column_name(field)
    t = field.type
    if t == "enum":
        sql, builder = "text", f"text({js(col)}, {{ enum: {js(field.options)} }})"
    elif t == "number":
        sql, builder = "real", f"real({js(col)})"
    elif t in ("integer", "ref"):
        sql, builder = "integer", f"integer({js(col)})"
    elif t == "boolean":
        sql, builder = "integer", f'integer({js(col)}, {{ mode: "boolean" }})'
    else:
        sql, builder = "text", f"text({js(col)})"
    if field.required:
        builder += ".notNull()"
    default = _default(field)
    if default:
        builder += default[0]
    if t != "ref":
        return Column(field.name, col, sql, field.required, builder, enum=tuple(field.options),
                      default=default and default[1], default_call=default[0] if default else "")
    target = spec.entity(field.ref or "")
    # restrict: deleting the target answers 409; cascade: deletes this record too; set null: clears the field.
    on_delete = (field.on_delete or ("restrict" if field.required else "set_null")).replace("_", " ")
    builder += f".references({_references(target)}, {{ onDelete: {js(on_delete)} }})"
    return Column(field.name, col, sql, field.required, builder, ref_table=table_name(target), on_delete=on_delete,
                  ref_const=f"{target.plural}Table")


def _references(target: Entity) -> str:
    return f"(): AnySQLiteColumn => {target.plural}Table.id"


def column_code(c: Column, indent: int) -> str:
    """`prop: builder,` of a column in schema.ts, laid out as Prettier prints it at `indent` spaces."""
    one = f"{c.prop}: {c.builder},"
    pad, inner = " " * indent, " " * (indent + 2)
    if c.ref_const and c.not_null:  # three calls, one with a function argument: always one call a line
        ref = f".references((): AnySQLiteColumn => {c.ref_const}.id, {{ onDelete: {js(c.on_delete)} }}),"
        return f'{c.prop}: integer({js(c.name)})\n{inner}.notNull()\n{inner}{ref}'
    if c.enum and c.not_null and c.default_call:  # three calls, one with an array in an object: one a line
        head = f"{c.prop}: text({js(c.name)}, {{ enum: {js(list(c.enum))} }})"
        if not tsformat.fits(head, indent):
            head = (f"{c.prop}: text({js(c.name)}, {{\n{inner}enum: [\n" + "".join(f"{inner}  {js(o)},\n" for o in c.enum)
                    + f"{inner}],\n{pad}}})")
        return f"{head}\n{inner}.notNull()\n{inner}{c.default_call},"
    if tsformat.fits(one, indent):
        return one
    if c.ref_const:  # the last argument, an object, is broken over lines; if that is still too long, every one
        hugged = f"{c.prop}: integer({js(c.name)}).references((): AnySQLiteColumn => {c.ref_const}.id, {{"
        if tsformat.fits(hugged, indent):
            return f"{hugged}\n{inner}onDelete: {js(c.on_delete)},\n{pad}}}),"
        return (f"{c.prop}: integer({js(c.name)}).references(\n{inner}(): AnySQLiteColumn => {c.ref_const}.id,\n"
                f"{inner}{{ onDelete: {js(c.on_delete)} }},\n{pad}),")
    if c.enum:
        options = f"enum: {js(list(c.enum))},"
        if not tsformat.fits(options, indent + 2):
            options = "enum: [\n" + "".join(f"{inner}  {js(o)},\n" for o in c.enum) + f"{inner}],"
        return (f"{c.prop}: text({js(c.name)}, {{\n{inner}{options}\n{pad}}})"
                f"{'.notNull()' if c.not_null else ''}{c.default_call},")
    return one


def _checks(table: str, field: Field, col: Column) -> list[Check]:
    """The CHECK constraints of a field's bounds (a NULL passes them, as SQL has it)."""
    parts: list[tuple[str, str]] = []  # (TypeScript, SQL) of each condition
    ref_ts, ref_sql = f"${{t.{col.prop}}}", f'"{table}"."{col.name}"'
    for bound, op in ((field.min, ">="), (field.max, "<=")):
        if bound is not None:
            parts.append((f"{ref_ts} {op} {_num(bound)}", f"{ref_sql} {op} {_num(bound)}"))
    for bound, op in ((field.min_length, ">="), (field.max_length, "<=")):
        if bound is not None:
            parts.append((f"length({ref_ts}) {op} {bound}", f"length({ref_sql}) {op} {bound}"))
    if not parts:
        return []
    return [Check(f"{table}_{col.name}_check", " AND ".join(p[0] for p in parts), " AND ".join(p[1] for p in parts))]


_ID = Column("id", "id", "integer", True, 'integer("id").primaryKey({ autoIncrement: true })', pk=True)
_STAMPS = [Column("createdAt", "created_at", "text", True, 'text("created_at").notNull()'),
           Column("updatedAt", "updated_at", "text", True, 'text("updated_at").notNull()')]
_OWNER = Column("ownerId", "owner_id", "integer", True,
                'integer("owner_id").notNull().references((): AnySQLiteColumn => usersTable.id, { onDelete: "cascade" })',
                ref_table="users", on_delete="cascade", ref_const="usersTable")


def link_columns(entity: Entity, field: Field) -> tuple[str, str]:
    """SQL names of a join table's two columns: the record's id, the linked record's id (task_id, tag_id)."""
    own = snake(entity.var) + "_id"
    other = snake(singularize(field.name)) + "_id"
    if other == own:
        other = snake(field.name) + "_id"
    if other == own:
        other = "linked_" + own
    return own, other


def link_table(spec: AppSpec, entity: Entity, field: Field) -> Table:
    """The join table of a refs (many-to-many) field: one row per link, both ends deleted with their records."""
    name = f"{table_name(entity)}_{snake(field.name)}"
    target = spec.entity(field.ref or "")
    cols = []
    for col, to in zip(link_columns(entity, field), (entity, target)):
        prop = camel(col)
        builder = (f"integer({js(col)}).notNull().references((): AnySQLiteColumn => {to.plural}Table.id, "
                   '{ onDelete: "cascade" })')
        cols.append(Column(prop, col, "integer", True, builder, ref_table=table_name(to), on_delete="cascade",
                           ref_const=f"{to.plural}Table"))
    return Table(link_const(entity, field), name, cols,
                 [Index(f"{name}_{cols[1].name}_idx", (cols[1],), False)], entity, primary_key=tuple(cols), link=field)


def link_const(entity: Entity, field: Field) -> str:
    """TypeScript name of a refs field's join table in schema.ts: tasksTagsTable."""
    return f"{entity.plural}{pascal_of(field.name)}Table"


def link_props(entity: Entity, field: Field) -> tuple[str, str]:
    """The join table's two properties in schema.ts: the record's id, the linked record's id (taskId, tagId)."""
    a, b = link_columns(entity, field)
    return camel(a), camel(b)


def links(entity: Entity) -> list[Field]:
    """The entity's refs (many-to-many) fields."""
    return [f for f in entity.fields if f.type == "refs"]


def tables(spec: AppSpec) -> list[Table]:
    """The app's tables, in the spec's order, each entity's join tables after it, then `users` when auth is on."""
    out: list[Table] = []
    auth = spec.auth and spec.backend
    for e in spec.entities:
        name = table_name(e)
        owned = e.owned and auth
        fields = [f for f in e.fields if f.type != "refs"]
        columns = {f.name: _column(f, spec) for f in fields}
        cols = [_ID, *columns.values(), *([_OWNER] if owned else []), *_STAMPS]
        indexes = [Index(f"{name}_{c.name}_idx", (c,), False) for c in cols if c.ref_table]
        for f in fields:
            if f.unique:
                c = columns[f.name]
                # an owned record's value is unique among its owner's records only
                indexes.append(Index(f"{name}_{c.name}_unique", (_OWNER, c) if owned else (c,), True))
        checks = tuple(ch for f in fields for ch in _checks(name, f, columns[f.name]))
        out.append(Table(f"{e.plural}Table", name, cols, indexes, e, checks))
        out.extend(link_table(spec, e, f) for f in links(e))
    if auth:
        email = Column("email", "email", "text", True, 'text("email").notNull()')
        cols = [_ID, email, Column("passwordHash", "password_hash", "text", True, 'text("password_hash").notNull()')]
        if spec.roles:
            cols.append(Column("role", "role", "text", True, f"text(\"role\", {{ enum: {js(role_names(spec))} }}).notNull()"))
        out.append(Table("usersTable", "users", [*cols, *_STAMPS], [Index("users_email_unique", (email,), True)]))
    return out


# --- roles ------------------------------------------------------------------------------------

ADMIN = "admin"
"""The built-in role that may do everything and sets the others' roles (a spec role so named is this one)."""
BUILTIN_DEFAULT = "user"


def _rights(spec: AppSpec, role) -> int:
    return sum(len(spec.entities) if "*" in getattr(role, a) else len(getattr(role, a))
               for a in ("create", "update", "delete"))


def default_role(spec: AppSpec) -> str:
    """The role a new account gets: a spec role named `user`; else, with two or more other roles, the one
    with the fewest rights (the last of equals); else the one other role when it has no rights of its own
    ('admins and members': a new account is a member); else a built-in `user` role with none of the listed rights."""
    others = [r for r in spec.roles if r.name != ADMIN]
    named = [r for r in others if r.name == BUILTIN_DEFAULT]
    if named:
        return named[0].name
    if len(others) == 1 and _rights(spec, others[0]) == 0:
        return others[0].name
    if len(others) >= 2:
        fewest = min(_rights(spec, r) for r in others)
        return [r for r in others if _rights(spec, r) == fewest][-1].name
    return BUILTIN_DEFAULT


def role_names(spec: AppSpec) -> list[str]:
    """Every role of the app: admin first, then the spec's, and the built-in default when it is one."""
    names = [ADMIN, *(r.name for r in spec.roles if r.name != ADMIN)]
    default = default_role(spec)
    return names if default in names else [*names, default]


def role_labels(spec: AppSpec) -> dict[str, str]:
    """Each role's name as people read it."""
    spelled = {r.name: r.label for r in spec.roles}
    return {n: (spelled.get(n) or words(n)) for n in role_names(spec)}


def permissions(spec: AppSpec) -> dict[str, dict[str, list[str]]]:
    """Per entity, per action that some role lists: the roles allowed to do it (admin always is). An action
    no role lists is open to every signed-in user, so it is absent."""
    out: dict[str, dict[str, list[str]]] = {}
    for e in spec.entities:
        for action in ("create", "update", "delete"):
            allowed = [r.name for r in spec.roles if r.may(action, e.name)]
            if allowed:
                out.setdefault(e.name, {})[action] = list(dict.fromkeys([ADMIN, *allowed]))
    return out


def restricted(spec: AppSpec, entity: Entity) -> dict[str, list[str]]:
    """The entity's actions some role is needed for: {action: roles allowed}."""
    return permissions(spec).get(entity.name, {}) if spec.auth and spec.backend else {}


def refused(spec: AppSpec, entity: Entity) -> list[tuple[str, list[str]]]:
    """The entity's actions a new account (the default role) may not do: [(action, roles allowed)]."""
    return [(a, roles) for a, roles in restricted(spec, entity).items() if default_role(spec) not in roles]


# TypeScript names the generated code declares next to the entity types, and the suffixes it adds to
# an entity's name (OrderItemInput, OrderItemPage, ...): an entity must not be called like one of them.
TS_NAMES = GENERATED_TYPES  # kept in domain.spec, whose safe_name never gives one of them
TS_SUFFIXES = ("Input", "Create", "Update", "Patch", "Page", "Repository", "Service", "Controller")


def check_spec(spec: AppSpec) -> None:
    """Refuses what the spec allows but the generated app could not do (RenderError names it)."""
    for e in spec.entities:
        creation_plan(spec, e)  # a cycle of required refs
    names = {e.name for e in spec.entities}
    for e in spec.entities:
        if e.name in TS_NAMES:
            raise RenderError(f"entity name {e.name!r} is a name the generated code uses: choose another")
        for other in names - {e.name}:
            if e.name.startswith(other) and e.name[len(other):] in TS_SUFFIXES:
                raise RenderError(f"entity {e.name!r} would collide with the {e.name[len(other):]} type of {other!r}")
    if not spec.backend:
        return
    seen: dict[str, str] = {}
    for t in tables(spec):
        owner = t.entity.name if t.entity else "the login users"
        if t.name in seen:
            raise RenderError(f"{owner} and {seen[t.name]} would share the table {t.name!r}: give one another plural")
        if t.name.startswith("sqlite_"):
            raise RenderError(f"{owner}'s table {t.name!r} starts with sqlite_, which SQLite keeps for itself")
        seen[t.name] = owner
        cols: dict[str, str] = {}
        for c in t.columns:
            if c.name in cols:
                raise RenderError(f"{owner}: fields {cols[c.name]!r} and {c.prop!r} would share the column {c.name!r}")
            cols[c.name] = c.prop
    for e in spec.entities:
        if spec.auth and e.slug == "auth":
            raise RenderError(f"{e.name}'s route /api/auth collides with the login routes: give it another plural")


def schema_imports(spec: AppSpec) -> str:
    """The names schema.ts imports from drizzle-orm/sqlite-core (only those it uses)."""
    used = {"sqliteTable", "integer", "text"}
    for t in tables(spec):
        for c in t.columns:
            if c.sql == "real":
                used.add("real")
            if c.ref_table:
                used.add("type AnySQLiteColumn")
        for i in t.indexes:
            used.add("uniqueIndex" if i.unique else "index")
        if t.checks:
            used.add("check")
        if t.primary_key:
            used.add("primaryKey")
    return ", ".join(sorted(used, key=lambda n: n.removeprefix("type ").lower()))


def table_extras(t: Table) -> list[str]:
    """What schema.ts declares in a table's third argument: its composite key, indexes and checks."""
    def on(cols: tuple[Column, ...]) -> str:
        return ", ".join(f"t.{c.prop}" for c in cols)

    out = [f"primaryKey({{ columns: [{on(t.primary_key)}] }})"] if t.primary_key else []
    out += [i.call for i in t.indexes]
    out += [f"check({js(ch.name)}, sql`{ch.ts}`)" for ch in t.checks]
    return out


def migration_statements(spec: AppSpec) -> list[str]:
    """The SQL of the initial migration, one statement per item, as `drizzle-kit generate` writes it."""
    from autodevos.agents.migrations import create_statements  # migrations stands on this module

    return create_statements(drizzle_snapshot(spec)["tables"])


MIGRATION_TAG = "0000_init"
MIGRATION_WHEN = 1735689600000  # fixed (2025-01-01), so the same spec gives the same bytes


def _json(data: object, sort_keys: bool = False) -> str:
    """A JSON file: indented by 2, with a final newline."""
    return json.dumps(data, indent=2, sort_keys=sort_keys, ensure_ascii=False) + "\n"


def drizzle_snapshot(spec: AppSpec) -> dict:
    """drizzle-kit's snapshot of the schema after 0000_init, so `drizzle-kit generate` diffs from it."""
    out_tables: dict[str, dict] = {}
    for t in tables(spec):
        columns = {c.name: {"name": c.name, "type": c.sql, "primaryKey": c.pk, "notNull": c.not_null,
                            "autoincrement": c.pk, **({} if c.default is None else {"default": c.default})}
                   for c in t.columns}
        indexes = {i.name: {"name": i.name, "columns": [c.name for c in i.columns], "isUnique": i.unique}
                   for i in t.indexes}
        fks = {}
        for c in t.fks:
            name = f"{t.name}_{c.name}_{c.ref_table}_id_fk"
            fks[name] = {"name": name, "tableFrom": t.name, "tableTo": c.ref_table, "columnsFrom": [c.name],
                         "columnsTo": ["id"], "onDelete": c.on_delete, "onUpdate": "no action"}
        pks = {}
        if t.primary_key:
            pk_name = f"{t.name}_" + "_".join(c.name for c in t.primary_key) + "_pk"
            pks[pk_name] = {"columns": [c.name for c in t.primary_key], "name": pk_name}
        checks = {ch.name: {"name": ch.name, "value": ch.sql} for ch in t.checks}
        out_tables[t.name] = {"name": t.name, "columns": columns, "indexes": indexes, "foreignKeys": fks,
                              "compositePrimaryKeys": pks, "uniqueConstraints": {}, "checkConstraints": checks}
    return {
        "version": "6",
        "dialect": "sqlite",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "autodevos:" + json.dumps(out_tables, sort_keys=True))),
        "prevId": "00000000-0000-0000-0000-000000000000",
        "tables": out_tables,
        "views": {},
        "enums": {},
        "_meta": {"schemas": {}, "tables": {}, "columns": {}},
        "internal": {"indexes": {}},
    }


def drizzle_journal() -> dict:
    return {"version": "7", "dialect": "sqlite", "entries": [
        {"idx": 0, "version": "6", "when": MIGRATION_WHEN, "tag": MIGRATION_TAG, "breakpoints": True}]}


# --- OpenAPI --------------------------------------------------------------------------------


ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "Malformed JSON, or no body where one is needed."),
    401: ("Unauthorized", "Missing, invalid or expired bearer token."),
    403: ("Forbidden", "The logged-in user may not do this."),
    404: ("NotFound", "No such record, or no such route."),
    405: ("MethodNotAllowed", "The path does not have this method; the `Allow` header lists the ones it has."),
    409: ("Conflict", "A record it refers to does not exist (`issues` names the field), it is still referenced "
                      "by others, or its unique value is taken."),
    413: ("PayloadTooLarge", "The body is larger than the API accepts."),
    415: ("UnsupportedMediaType", "The body is not JSON: send it with `Content-Type: application/json`."),
    429: ("TooManyRequests", "Too many requests from this client: wait `Retry-After` seconds."),
    500: ("InternalServerError", "Something went wrong in the API (it is logged)."),
    503: ("Unavailable", "The database does not answer."),
}
"""Every status the API answers with an error, its `error` code and what it means: the one home of
the error format, read by the OpenAPI document, src/errors.ts and docs/API.md."""

VALIDATION_ERROR = ("ValidationError", "The body or query breaks the schema: `issues` names each field at fault, "
                                       "an unknown field included.")
"""The other `error` code of a 400."""
ERROR_CODES = sorted({code for code, _ in ERRORS.values()} | {VALIDATION_ERROR[0]})
BODY_ERRORS = (400, 413, 415)
"""What any operation with a JSON body may answer besides its own statuses."""


def error_code(status: int) -> str:
    return ERRORS[status][0]


def _field_schema(spec: AppSpec, f: Field) -> dict:
    out = _value_schema(spec, f)
    notes = [out["description"]] if "description" in out else []
    default = default_value(f)
    if default is not None:
        out["default"] = default
    if f.unique:
        notes.append("Unique: no two records may have the same value (409).")
    if notes:
        out["description"] = " ".join(notes)
    return out


def _value_schema(spec: AppSpec, f: Field) -> dict:
    t = f.type
    if t == "enum":
        labels = option_labels(f)
        return {"type": "string", "enum": list(f.options),
                "description": "One of: " + ", ".join(f"`{o}` ({labels[o]})" for o in f.options) + "."}
    if t == "refs":
        target = spec.entity(f.ref or "")
        return {"type": "array", "maxItems": MAX_LINKS,
                "items": {"type": "integer", "minimum": 1, "maximum": MAX_SAFE_INTEGER},
                "description": f"Ids of existing {words(target.plural).lower()} (many-to-many); [] by default."}
    out: dict = {
        "string": {"type": "string", "minLength": 1},
        "text": {"type": "string"},
        "email": {"type": "string", "format": "email"},
        "number": {"type": "number"},
        "integer": {"type": "integer"},
        "ref": {"type": "integer", "description": f"Id of an existing {f.ref}."},
        "boolean": {"type": "boolean"},
        "date": {"type": "string", "format": "date"},
        "datetime": {"type": "string", "format": "date-time"},
    }[t]
    b = bounds(f)
    if b.max_length is not None:
        out["maxLength"] = b.max_length
    if b.not_blank:
        out["pattern"] = NOT_BLANK
        out["description"] = "Not blank; leading and trailing spaces are removed."
        if b.min_length and b.min_length > 1:
            # at least min_length characters from the first non-space one to the last
            out["pattern"] = f"{NOT_BLANK}[\\s\\S]{{{b.min_length - 2},}}{NOT_BLANK}"
            out["description"] = (f"At least {b.min_length} characters besides leading and trailing spaces, "
                                  "which are removed.")
    elif b.min_length:
        out["minLength"] = b.min_length
    if b.minimum is not None:
        out["minimum"] = int(b.minimum) if float(b.minimum).is_integer() else b.minimum
    if b.maximum is not None:
        out["maximum"] = int(b.maximum) if float(b.maximum).is_integer() else b.maximum
    return out


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_body(schema: dict, example: object = None) -> dict:
    media: dict = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"content": {"application/json": media}}


def _error_responses() -> dict[str, dict]:
    """One response per error status, all with the Error body; 405 and 429 with their headers."""
    out: dict[str, dict] = {}
    for status, (code, meaning) in ERRORS.items():
        if status == 400:
            meaning = f"`{VALIDATION_ERROR[0]}`: {VALIDATION_ERROR[1]} `{code}`: {meaning}"
        response: dict = {"description": meaning, **_json_body(_ref("Error"))}
        if status == 405:
            response["headers"] = {"Allow": {"required": True, "description": "The methods the path has.",
                                             "schema": {"type": "string", "examples": ["GET, HEAD, POST, OPTIONS"]}}}
        if status == 429:
            response["headers"] = {"Retry-After": {"required": True, "description": "Seconds to wait.",
                                                   "schema": {"type": "string"}}}
        out[code] = response
    return out


def _operation(op_id: str, summary: str, tag: str, ok: dict, statuses: tuple[int, ...], security: list[dict],
               **more: object) -> dict:
    """One operation: its success answer, the error answers it can give (401 when it needs a token)."""
    codes = set(statuses) | ({401} if security else set())
    res = {**ok, **{str(s): _ref_response(error_code(s)) for s in codes}}
    out = {"operationId": op_id, "summary": summary, "tags": [tag], **more, "responses": dict(sorted(res.items()))}
    if security:
        out["security"] = security
    return out


def _ref_response(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


API_DESCRIPTION = (
    "Bodies are JSON (`Content-Type: application/json`; anything else is a 415). Every error has one "
    "shape, `{error, message, issues?}`: `error` is a code (`NotFound`, `ValidationError`, ...), `message` "
    "says what happened for people, and a `ValidationError` lists in `issues` each field at fault, "
    "an unknown field included. A method a path does not have answers 405 with an `Allow` header."
)


def openapi(spec: AppSpec) -> dict:
    """An OpenAPI 3.1 description of every route of the generated backend, every error status included."""
    auth = spec.auth
    schemas: dict[str, dict] = {
        "ValidationIssue": {"type": "object", "required": ["path", "message"], "properties": {
            "path": {"type": "array", "items": {"type": "string"}, "description": "The field at fault, e.g. [\"title\"]."},
            "message": {"type": "string"}}},
        "Error": {"type": "object", "required": ["error", "message"], "properties": {
            "error": {"type": "string", "enum": ERROR_CODES}, "message": {"type": "string"},
            "issues": {"type": "array", "items": _ref("ValidationIssue")}}},
    }
    components: dict = {"schemas": schemas, "responses": _error_responses()}
    components["securitySchemes"] = {"metricsToken": {
        "type": "http", "scheme": "bearer", "description": "The METRICS_TOKEN of the API's environment."}}
    paths: dict[str, dict] = {
        "/health": {"get": _operation("health", "Liveness and database check", "ops", {
            "200": {"description": "The API and its database are up.", **_json_body(
                {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "const": "ok"}}})}},
            (503,), [])},
        "/metrics": {"get": _operation("metrics", "Prometheus metrics (needs METRICS_TOKEN; 404 when it is not set)", "ops", {
            "200": {"description": "Metrics in the Prometheus text format.",
                    "content": {"text/plain": {"schema": {"type": "string"}}}}},
            (404,), [{"metricsToken": []}])},
    }
    secured: list[dict] = []
    if auth:
        components["securitySchemes"]["bearerAuth"] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        secured = [{"bearerAuth": []}]
        schemas["Credentials"] = {"type": "object", "required": ["email", "password"], "additionalProperties": False,
                                  "properties": {
                                      "email": {"type": "string", "format": "email", "maxLength": 254},
                                      "password": {"type": "string", "minLength": 8, "maxLength": MAX_PASSWORD_BYTES,
                                                   "description": f"8 characters or more, and at most {MAX_PASSWORD_BYTES} "
                                                                  "bytes in UTF-8 (bcrypt's limit): fewer characters when "
                                                                  "they are not ASCII."}}}
        schemas["PublicUser"] = {"type": "object", "required": ["id", "email"], "properties": {
            "id": {"type": "integer", "minimum": 1}, "email": {"type": "string", "format": "email"}}}
        schemas["AuthResult"] = {"type": "object", "required": ["token", "user"], "properties": {
            "token": {"type": "string", "description": "JWT (HS256) to send as `Authorization: Bearer <token>`."},
            "user": _ref("PublicUser")}}
        creds = {"required": True, **_json_body(_ref("Credentials"), {"email": "ada@example.com",
                                                                      "password": "correct-horse-battery"})}
        limited = "; at most AUTH_RATE_LIMIT a client per 15 minutes (429)"
        paths["/api/auth/register"] = {"post": _operation(
            "register", "Create an account" + limited, "auth",
            {"201": {"description": "Registered and logged in.", **_json_body(_ref("AuthResult"))}},
            (*BODY_ERRORS, 409, 429), [], requestBody=creds)}
        paths["/api/auth/login"] = {"post": _operation(
            "login", "Log in" + limited, "auth",
            {"200": {"description": "Logged in.", **_json_body(_ref("AuthResult"))}},
            (*BODY_ERRORS, 401, 429), [], requestBody=creds)}
        paths["/api/auth/me"] = {"get": _operation(
            "me", "The logged-in user", "auth",
            {"200": {"description": "The token's user.", **_json_body(_ref("PublicUser"))}}, (), secured)}
        if spec.roles:
            _users_paths(spec, schemas, paths, secured)
    id_param = {"name": "id", "in": "path", "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_SAFE_INTEGER}}
    paging = [
        {"name": "page", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}},
        {"name": "pageSize", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
    ]
    for e in spec.entities:
        E, many = e.name, pascal_of(e.plural)
        props = {f.name: _field_schema(spec, f) for f in e.fields}
        required = [f.name for f in e.fields if f.required and f.type != "refs" and default_value(f) is None]
        always = [f.name for f in e.fields if f.required or f.type == "refs"]  # in every record
        schemas[f"{E}Input"] = {"type": "object", "required": required, "properties": props, "additionalProperties": False,
                                "description": f"Body of a create (POST) or replace (PUT) of {article(E)}."}
        schemas[f"{E}Patch"] = {"type": "object", "properties": props, "additionalProperties": False,
                                "description": f"Body of a PATCH of {article(E)}: any of its fields."}
        record_props = {"id": {"type": "integer", "minimum": 1}, **props,
                        "createdAt": {"type": "string", "format": "date-time"},
                        "updatedAt": {"type": "string", "format": "date-time"}}
        schemas[E] = {"type": "object", "required": ["id", *always, "createdAt", "updatedAt"], "properties": record_props}
        if owned(spec, e):
            schemas[E]["description"] = "Private to the user who created it: other users get 404."
        schemas[f"{E}Page"] = {"type": "object", "required": ["items", "total", "page", "pageSize"], "properties": {
            "items": {"type": "array", "items": _ref(E)}, "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1}, "pageSize": {"type": "integer", "minimum": 1}}}
        writes = (*BODY_ERRORS, 409) if related(e) else BODY_ERRORS  # 409: a ref to a record that does not exist
        example = {f.name: sample(e, f, 1) for f in e.fields}
        body = {"required": True, **_json_body(_ref(f"{E}Input"), example)}
        one = _json_body(_ref(E))

        roles = restricted(spec, e)
        taken = (409,) if any(f.unique for f in e.fields) else ()

        def op(op_id: str, summary: str, ok: dict, statuses: tuple[int, ...], tag: str = e.plural,
               action: str | None = None, **more: object) -> dict:
            if action in roles:
                statuses = (*statuses, 403)
                summary += " (" + _only(spec, roles[action]) + ")"
            return _operation(op_id, summary, tag, ok, statuses, secured, **more)

        paths[f"/api/{e.slug}"] = {
            "get": op(f"list{many}", f"List {words(e.plural).lower()}, a page at a time, searched, sorted and filtered",
                      {"200": {"description": f"A page of the {e.name} records the query asks for.",
                               **_json_body(_ref(f"{E}Page"))}},
                      (400,), parameters=[*paging, *_list_parameters(spec, e)]),
            "post": op(f"create{E}", f"Create {article(E)}",
                       {"201": {"description": f"The created {E}.", **one}}, (*writes, *taken), requestBody=body,
                       action="create"),
        }
        paths[f"/api/{e.slug}/{{id}}"] = {
            "parameters": [id_param],
            "get": op(f"get{E}", f"Get {article(E)}", {"200": {"description": f"The {E}.", **one}}, (404,)),
            "put": op(f"replace{E}", f"Replace every field of {article(E)}", {"200": {"description": f"The {E}.", **one}},
                      (*writes, 404, *taken), requestBody=body, action="update"),
            "patch": op(f"update{E}", f"Change some fields of {article(E)}", {"200": {"description": f"The {E}.", **one}},
                        (*writes, 404, *taken), requestBody={"required": True, **_json_body(_ref(f"{E}Patch"))},
                        action="update"),
            "delete": op(f"delete{E}", f"Delete {article(E)}", {"204": {"description": "Deleted."}}, (404, 409),
                         action="delete"),
        }
    description = (oneline(spec.description) + "\n\n" if spec.description else "") + API_DESCRIPTION
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{oneline(spec.title)} API", "version": "0.1.0", "description": description},
        "servers": [{"url": "http://localhost:3000", "description": "npm run dev in backend/"}],
        "paths": paths,
        "components": components,
    }


def _users_paths(spec: AppSpec, schemas: dict, paths: dict, secured: list[dict]) -> None:
    """The role of each user, and the admin's routes that list users and set their roles."""
    labels = role_labels(spec)
    role = {"type": "string", "enum": role_names(spec),
            "description": "One of: " + ", ".join(f"`{n}` ({labels[n]})" for n in role_names(spec))
                           + f". A new account is `{default_role(spec)}`; `{ADMIN}` may do everything."}
    schemas["PublicUser"]["required"].append("role")
    schemas["PublicUser"]["properties"]["role"] = role
    schemas["RoleChange"] = {"type": "object", "required": ["role"], "additionalProperties": False,
                             "properties": {"role": role}}
    schemas["UserPage"] = {"type": "object", "required": ["items", "total", "page", "pageSize"], "properties": {
        "items": {"type": "array", "items": _ref("PublicUser")}, "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1}, "pageSize": {"type": "integer", "minimum": 1}}}
    paging = [{"name": "page", "in": "query", "required": False,
               "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}},
              {"name": "pageSize", "in": "query", "required": False,
               "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}]
    paths["/api/users"] = {"get": _operation(
        "listUsers", "List the accounts, oldest first (admins only)", "users",
        {"200": {"description": "A page of accounts.", **_json_body(_ref("UserPage"))}}, (400, 403), secured,
        parameters=paging)}
    paths["/api/users/{id}"] = {
        "parameters": [{"name": "id", "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_SAFE_INTEGER}}],
        "patch": _operation(
            "setUserRole", "Set a user's role (admins only; not their own: 409)", "users",
            {"200": {"description": "The user, with the new role.", **_json_body(_ref("PublicUser"))}},
            (*BODY_ERRORS, 403, 404, 409), secured,
            requestBody={"required": True, **_json_body(_ref("RoleChange"), {"role": default_role(spec)})})}


def _only(spec: AppSpec, roles: list[str]) -> str:
    labels = role_labels(spec)
    names = [labels[r].lower() for r in roles]
    return "only " + (", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0])


def _list_parameters(spec: AppSpec, e: Entity) -> list[dict]:
    """The query parameters of an entity's list besides paging: q, sort and one filter per field that has one."""
    out: list[dict] = []
    searched = search_fields(e)
    if searched:
        out.append({"name": "q", "in": "query", "required": False,
                    "description": "Only the records whose " + ", ".join(f"`{f.name}`" for f in searched)
                                   + " contains this text (case-insensitive for ASCII letters).",
                    "schema": {"type": "string", "maxLength": 100}})
    out.append({"name": "sort", "in": "query", "required": False,
                "description": "The field to sort by, `-field` for descending order; ties are sorted by id. "
                               "`id` (oldest first) by default.",
                "schema": {"type": "string", "enum": sort_keys(e), "default": "id"}})
    for f in filter_fields(e):
        if f.type == "enum":
            schema: dict = {"type": "string", "enum": list(f.options)}
            what = f"whose `{f.name}` is this value"
        elif f.type == "boolean":
            schema = {"type": "boolean"}
            what = f"whose `{f.name}` is true, or false"
        elif f.type == "ref":
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_SAFE_INTEGER}
            what = f"whose `{f.name}` is this {f.ref} id"
        else:
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_SAFE_INTEGER}
            what = f"whose `{f.name}` include this {f.ref} id"
        out.append({"name": f.name, "in": "query", "required": False, "description": f"Only the records {what}.",
                    "schema": schema})
    return out


def pascal_of(camel_name: str) -> str:
    return camel_name[:1].upper() + camel_name[1:]


# --- templates, found by convention ---------------------------------------------------------
#
# agents/templates/<agent>/ mirrors the app's folder tree: every `*.j2` file under it is rendered to
# the same path in the app, without `.j2`. Nothing lists them; a new template file is rendered
# because it exists. The conventions:
#   - a path segment `dot_x` is written `.x` (package data leaves dotfiles out): dot_gitignore;
#   - `__slug__` (kebab plural: order-items) or `__Entity__` (PascalCase: OrderItem) in the path
#     makes a per-entity template, rendered once per entity with `entity` in its context;
#   - a file under `backend/` (or `frontend/`) of the app exists only when the app has one;
#   - a first line `{# when: EXPR #}` renders the file only when the Jinja expression is true
#     (e.g. `auth`, `spec.backend`);
#   - anything under a `_partials/` folder is only included or imported by other templates.
# Every template sees `spec` and `auth` (login is on, with a backend to hold the users).

PARTIALS = "_partials"
ENTITY_SLOTS = {"__slug__": lambda e: e.slug, "__Entity__": lambda e: e.name}
_WHEN = re.compile(r"\A\{#-?\s*when:\s*(?P<expr>.+?)\s*-?#\}")


@dataclass(frozen=True)
class Template:
    """One template file and what the conventions above make of it."""

    name: str
    """Its loader name: <agent>/<path in the app>.j2."""
    path: str
    """Its output path pattern (dotfiles restored, entity slots still in)."""
    when: str | None
    """Its front-matter condition (a Jinja expression), if any."""

    @property
    def per_entity(self) -> bool:
        return any(slot in self.path for slot in ENTITY_SLOTS)

    def output(self, entity: Entity | None = None) -> str:
        out = self.path
        for slot, value in ENTITY_SLOTS.items():
            if slot in out:
                assert entity is not None
                out = out.replace(slot, value(entity))
        return check_relpath(out)


def _env(root: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(root),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(js=js, words=words, oneline=oneline, a=article, html=lambda s: str(escape(s)),
                       snake=snake, pascal=pascal_of, json_file=_json, ts=tsformat.literal, ts_block=tsformat.block,
                       jsx_text=jsx_text, like_of=like_of, int_or_float=_num,
                       ts_pair=lambda kv: (kv[0], tsformat.string(kv[1])),
                       pretty=lambda v: json.dumps(v, indent=2, ensure_ascii=False))
    env.globals.update(
        ts_type=ts_type,
        zod=zod,
        zod_property=zod_property,
        common_imports=common_imports,
        input_type=input_type,
        sample=sample,
        sample_pairs=sample_pairs,
        body_pairs=body_pairs,
        invalid=invalid,
        refs=refs,
        label_expr=label_expr,
        display_field=display_field,
        ref_targets=ref_targets,
        creation_plan=creation_plan,
        browser_plan=browser_plan,
        browser_steps=browser_steps,
        tables=tables,
        table_name=table_name,
        schema_imports=schema_imports,
        migration_statements=migration_statements,
        table_extras=table_extras,
        zod_rule=zod_rule,
        owned=owned,
        scoped=scoped,
        refers_to_owned=refers_to_owned,
        related=related,
        any_related=any_related,
        links=links,
        link_const=link_const,
        link_props=link_props,
        link_table=link_table,
        search_fields=search_fields,
        sort_fields=sort_fields,
        sort_keys=sort_keys,
        filter_fields=filter_fields,
        option_labels=option_labels,
        field_label=field_label,
        entity_title=entity_title,
        entity_word=entity_word,
        violations=violations,
        value_expr=value_expr,
        needs_counter=needs_counter,
        search_value=search_value,
        default_value=default_value,
        restricted=restricted,
        refused=refused,
        permissions=permissions,
        role_names=role_names,
        role_labels=role_labels,
        default_role=default_role,
        ADMIN=ADMIN,
        union_type=union_type,
        enum_property=enum_property,
        hint=hint,
        field_note=field_note,
        label_of_sample=label_of_sample,
        label_field=label_field,
        sort_label=sort_label,
        form_default=form_default,
        column_code=column_code,
        drizzle_journal=drizzle_journal,
        drizzle_snapshot=drizzle_snapshot,
        openapi=openapi,
        bounds=bounds,
        out_of_bounds=out_of_bounds,
        longest_text=longest_text,
        longest_field=longest_field,
        unknown_field=unknown_field,
        max_body_bytes=max_body_bytes,
        error_code=error_code,
        ERRORS=ERRORS,
        VALIDATION_ERROR=VALIDATION_ERROR,
        MAX_PASSWORD_BYTES=MAX_PASSWORD_BYTES,
        MAX_PAGE=MAX_PAGE,
        JWT_EXAMPLE_SECRET=JWT_EXAMPLE_SECRET,
        MIN_SECRET_LENGTH=MIN_SECRET_LENGTH,
        SECURITY_HEADERS=SECURITY_HEADERS,
        fits=tsformat.fits,
        ts_entries=tsformat.entries,
        ts_import=tsformat.import_names,
        ts_call=tsformat.call,
        ts_union=tsformat.union,
        jsx_tag=tsformat.jsx_tag,
        ts_chain=tsformat.chain,
        ts_obj=tsformat.obj,
        ts_arr=tsformat.arr,
        ts_prop=tsformat.prop,
        ts_arrow=tsformat.arrow,
        ts_members=tsformat.members,
        ts_member=tsformat.member,
        ts_expect=tsformat.expect,
        ts_assign=tsformat.assign,
        ts_binary=tsformat.binary,
        ts_ternary=tsformat.ternary,
        ts_awaited=tsformat.awaited,
        ts_generic=tsformat.generic,
        ts_signature=tsformat.signature,
        ts_clause=tsformat.clause,
        ts_if_all=tsformat.if_all,
        ts_layout=tsformat.layout,
        jsx_attr=tsformat.jsx_attr,
        jsx_element=tsformat.jsx_element,
        jsx_and=tsformat.jsx_and,
    )
    return env


class TemplateSet:
    """The templates under one folder (agents/templates by default), one subfolder per agent."""

    def __init__(self, root: Path):
        self.root = root
        self.env = _env(root)

    def agents(self) -> list[str]:
        """The agents that have templates: the folders under the root (not `_partials`)."""
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("_"))

    def templates(self, agent: str) -> list[Template]:
        """Every template of `agent`, in path order."""
        folder = self.root / agent
        if not folder.is_dir():
            raise RenderError(f"no templates for agent {agent!r} in {self.root} (known: {', '.join(self.agents())})")
        out = []
        for file in sorted(folder.rglob("*.j2")):
            rel = file.relative_to(folder)
            if PARTIALS in rel.parts:
                continue
            path = "/".join("." + p[4:] if p.startswith("dot_") else p for p in rel.with_suffix("").parts)
            match = _WHEN.match(file.read_text(encoding="utf-8"))
            out.append(Template(f"{agent}/{rel.as_posix()}", path, match and match["expr"]))
        return out

    def render(self, agent: str, spec: AppSpec) -> dict[str, str]:
        """Every file `agent` writes for `spec`: {path in the app: text}."""
        spec = buildable(spec, SUPPORTED)
        check_spec(spec)
        ctx = _context(spec)
        out: dict[str, str] = {}
        for t in self.templates(agent):
            if not self._wanted(t, ctx):
                continue
            template = self.env.get_template(t.name)
            if t.per_entity:
                for e in spec.entities:
                    out[t.output(e)] = template.render(entity=e, **ctx)
            else:
                out[t.output()] = template.render(**ctx)
        return out

    def _wanted(self, t: Template, ctx: dict[str, object]) -> bool:
        spec = ctx["spec"]
        assert isinstance(spec, AppSpec)
        top = t.path.split("/", 1)[0]
        if (top == "backend" and not spec.backend) or (top == "frontend" and not spec.frontend):
            return False
        return t.when is None or bool(self.env.compile_expression(t.when)(**ctx))


def _context(spec: AppSpec) -> dict[str, object]:
    return {"spec": spec, "auth": spec.auth and spec.backend}


DEFAULT = TemplateSet(TEMPLATES)


def render_agent(agent: str, spec: AppSpec) -> dict[str, str]:
    """The files of `agent` (its folder under agents/templates/) for `spec`."""
    return DEFAULT.render(agent, spec)


# --- public API -----------------------------------------------------------------------------


def render_backend(spec: AppSpec) -> dict[str, str]:
    """The Express 5 API under `backend/` (without its tests); {} when the spec has no backend."""
    return render_agent("backend", spec)


def render_frontend(spec: AppSpec) -> dict[str, str]:
    """The Vite + React app under `frontend/` (without its tests); {} when the spec has no frontend."""
    return render_agent("frontend", spec)


def render_tests(spec: AppSpec) -> dict[str, str]:
    """vitest + supertest API tests under `backend/tests/`; Testing Library component tests and the
    browser end-to-end test (playwright-core + Chromium, `npm run e2e`) under `frontend/`."""
    return render_agent("tests", spec)


def render_docs(spec: AppSpec) -> dict[str, str]:
    """The app's `README.md`, `docs/ARCHITECTURE.md`, and with a backend `docs/API.md` and the
    OpenAPI 3.1 description `docs/openapi.json`."""
    return render_agent("docs", spec)


def render_devops(spec: AppSpec) -> dict[str, str]:
    """Container and CI files: a multi-stage Dockerfile (non-root) and .dockerignore per package,
    `docker-compose.yml`, a GitHub Actions workflow (install, lint, typecheck, test, build, and the
    browser test) and a Dependabot config."""
    return render_agent("devops", spec)


def render_app(spec: AppSpec) -> dict[str, str]:
    """Every file of the app: backend, frontend, tests, docs and devops."""
    return (render_backend(spec) | render_frontend(spec) | render_tests(spec) | render_docs(spec)
            | render_devops(spec))
