"""TypeScript as Prettier prints it, for the generated code whose layout depends on the spec.

The offline generator writes code that passes `prettier --check` as written (printWidth 120, the
generated apps' .prettierrc.json), without running Node. Most of a template is fixed text, laid out
once the way Prettier lays it out. What is not fixed is a line whose length depends on names, sample
values or enum options: for those the templates call these helpers, which follow Prettier's rules
for the constructs they print (string quotes, object literals, import lists, calls, unions).
"""

from __future__ import annotations

import json
import re

WIDTH = 120
"""Prettier's printWidth in the generated apps (.prettierrc.json)."""

_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def fits(text: str, indent: int = 0) -> bool:
    """Whether a line of `text` at `indent` spaces stays within the print width."""
    return indent + len(text) <= WIDTH


def string(value: str) -> str:
    """A string literal with Prettier's quotes: double, unless the text has more double quotes than single."""
    doubled = json.dumps(value, ensure_ascii=False)
    if value.count('"') <= value.count("'"):
        return doubled
    body = doubled[1:-1].replace('\\"', '"').replace("'", "\\'")
    return f"'{body}'"


def key(name: str) -> str:
    """An object key: bare when it is an identifier (Prettier's quoteProps "as-needed")."""
    return name if _IDENT.match(name) else string(name)


def literal(value: object) -> str:
    """A TypeScript literal on one line: `{ a: 1, b: "x" }`, `["a", "b"]`, `"text"`, `1.5`, `null`."""
    if isinstance(value, str):
        return string(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{key(str(k))}: {literal(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no TypeScript literal for {type(value).__name__}")


def block(value: object, indent: int = 0, start: int | None = None) -> str:
    """A TypeScript literal laid out as Prettier keeps it: each object expanded, one property a line
    with a trailing comma (Prettier keeps an object expanded when its first property starts a new
    line); an array on one line when it holds no object and fits, else one item a line. `indent` is
    the indentation of the line the literal starts on, `start` the column it starts at (default:
    `indent`); the line must end right after the literal but for one character (`,` or `;`)."""
    pad, inner = " " * indent, " " * (indent + 2)
    start = indent if start is None else start
    if isinstance(value, dict) and value:
        lines = []
        for k, v in value.items():
            head = f"{inner}{key(str(k))}: "
            text = block(v, indent + 2, len(head))
            if "\n" not in text and not fits(head + text + ","):  # a long string goes to the next line
                lines.append(f"{head.rstrip()}\n{inner}  {text},")
            else:
                lines.append(f"{head}{text},")
        return "{\n" + "\n".join(lines) + f"\n{pad}}}"
    if isinstance(value, (list, tuple)) and value:
        one = literal(value)
        if not any(isinstance(v, dict) and v for v in value) and fits(one + ",", start):
            return one
        return "[\n" + "\n".join(f"{inner}{block(v, indent + 2)}," for v in value) + f"\n{pad}]"
    return literal(value)


def entries(pairs: list[tuple[str, str]], indent: int) -> str:
    """An expanded object literal from (key, TypeScript expression) pairs: `{`, one `key: expr,` a line, `}`."""
    if not pairs:
        return "{}"
    inner = " " * (indent + 2)
    return "{\n" + "\n".join(f"{inner}{key(k)}: {expr}," for k, expr in pairs) + "\n" + " " * indent + "}"


def import_names(names: list[str], module: str, indent: int = 0, type_only: bool = False) -> str:
    """`import { a, b } from "m";` on one line when it fits, else one name a line."""
    head = "import type " if type_only else "import "
    one = f"{head}{{ {', '.join(names)} }} from {string(module)};"
    if fits(one, indent):
        return one
    inner = " " * (indent + 2)
    return head + "{\n" + "".join(f"{inner}{n},\n" for n in names) + " " * indent + f"}} from {string(module)};"


def call(callee: str, args: list[str], indent: int, prefix: str = "", suffix: str = "") -> str:
    """`prefix callee(a, b)suffix` on one line when it fits, else each argument on its own line with
    a trailing comma (Prettier's layout when the last argument is not an object or function to hug)."""
    one = f"{prefix}{callee}({', '.join(args)}){suffix}"
    if fits(one, indent):
        return one
    inner = " " * (indent + 2)
    return f"{prefix}{callee}(\n" + "".join(f"{inner}{a},\n" for a in args) + " " * indent + f"){suffix}"


def union(members: list[str], indent: int, prefix: str, suffix: str = ";") -> str:
    """A union type after `prefix` (e.g. `status: `): on one line when it fits, else one `| member` a
    line, indented under the prefix's line."""
    one = f"{prefix}{' | '.join(members)}{suffix}"
    if fits(one, indent):
        return one
    inner = " " * (indent + 2)
    return prefix.rstrip() + "\n" + "\n".join(f"{inner}| {m}" for m in members) + suffix


def jsx_tag(tag: str, attrs: list[str], indent: int, self_closing: bool = False) -> str:
    """A JSX opening tag (or a self-closing element) as Prettier prints it: on one line when it fits,
    else one attribute a line and `>` (or `/>`) on a line of its own."""
    one = f"<{tag} {' '.join(attrs)}{' />' if self_closing else '>'}"
    if fits(one, indent):
        return one
    inner = " " * (indent + 2)
    return f"<{tag}\n" + "".join(f"{inner}{a}\n" for a in attrs) + " " * indent + ("/>" if self_closing else ">")


def chain(head: str, calls: list[str], indent: int, prefix: str = "", suffix: str = ";") -> str:
    """`prefix head.a(x).b(y)suffix` (e.g. a supertest request) on one line when it fits, else `head` on
    the first line and one `.call` a line under it (Prettier's member chain, with simple arguments)."""
    one = f"{prefix}{head}{''.join(calls)}{suffix}"
    if fits(one, indent):
        return one
    inner = " " * (indent + 2)
    return f"{prefix}{head}\n" + "\n".join(f"{inner}{c}" for c in calls) + suffix
