"""The routes check: every route of the generated backend against the spec. Pure (text in, findings out).

The routes are read from the backend's source as Express declares them: mounts in any file
(`app.use("/api/books", bookRouter(...))`), paths of an app or a router (`router.route("/:id")
.get(...).delete(...)`, `router.get("/x", ...)`, `app.route("/health").get(...)`). What the spec
means in routes is what the offline generator renders for it: the same reading of its backend
files is the expected set. Then:

- a route the spec does not have (on disk, not expected) is blocking;
- an entity of the spec without any route under /api/<slug> is blocking, once per entity;
- an expected route that is missing is blocking;
- when docs/openapi.json was written in this run, a route it documents that the API lacks (or the
  reverse) is a warning for the docs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from autodevos.agents.review.findings import Finding
from autodevos.domain.spec import AppSpec

METHODS = ("get", "post", "put", "patch", "delete")
def _str(group: int) -> str:
    """A string literal whose quote is capture group `group` (its text: group + 1)."""
    return rf"""(["'`])([^"'`]*)\{group}"""


_ROUTER_VAR = re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:express\s*\.\s*)?Router\s*\(")
_APP_VAR = re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*express\s*\(\s*\)")
_FACTORY = re.compile(r"\bexport\s+(?:async\s+)?function\s+([A-Za-z_$][\w$]*)\s*\(|\bexport\s+const\s+([A-Za-z_$][\w$]*)\s*=")
_ALIAS = re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*([A-Za-z_$][\w$]*)\s*\(")


@dataclass(frozen=True)
class Route:
    method: str
    """GET, POST, ... ('*' for a mount whose router could not be read)."""
    path: str
    """As declared, prefix joined: /api/books/:id."""
    file: str
    line: int
    prefix: str = ""
    """The mount's path, for a router's route."""
    mount: tuple[str, int] | None = None
    """Where its router is mounted (file, line), for a router's route."""

    @property
    def key(self) -> tuple[str, str]:
        return self.method, normal(self.path)

    def said(self) -> str:
        return f"{self.method} {self.path}"


def normal(path: str) -> str:
    """/api/books/:bookId/ -> /api/books/:; OpenAPI's {id} the same."""
    path = re.sub(r"/+", "/", "/" + path.strip("/"))
    path = re.sub(r":[A-Za-z_$][\w$]*\??|\{[^}/]+\}", ":", path)
    return path.rstrip("/") or "/"


def _join(prefix: str, sub: str) -> str:
    return re.sub(r"/+", "/", "/" + prefix.strip("/") + "/" + sub.strip("/")).rstrip("/") or "/"


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _chain_methods(text: str, start: int) -> list[tuple[str, int]]:
    """The HTTP methods chained after position start (`.get(...).post(...)`), up to the statement's end.
    Strings, template literals and comments are skipped; only calls at the chain's own depth count."""
    found, depth, i, n = [], 0, start, len(text)
    while i < n:
        c = text[i]
        if c in "\"'`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if text.startswith("//", i):
            i = text.find("\n", i) if "\n" in text[i:] else n
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                break
        elif depth == 0 and c == ";":
            break
        elif depth == 0 and c == ".":
            m = re.match(r"\.\s*([A-Za-z_$][\w$]*)\s*\(", text[i:])
            if m and m.group(1) in METHODS:
                found.append((m.group(1).upper(), i))
            elif m and m.group(1) == "route":
                break
        i += 1
    return found


def declared(path: str, text: str) -> tuple[list[Route], list[tuple[str, str, int]]]:
    """(routes the file declares on an app or a router, relative to their router's mount for a
    router's) and the mounts it makes: (prefix, the mounted name, line)."""
    owners = set(_ROUTER_VAR.findall(text)) | set(_APP_VAR.findall(text))
    apps = set(_APP_VAR.findall(text))
    routes: list[Route] = []
    for m in re.finditer(rf"\b([A-Za-z_$][\w$]*)\s*\.\s*route\s*\(\s*{_str(2)}\s*\)", text):
        if m.group(1) not in owners:
            continue
        for method, at in _chain_methods(text, m.end()):
            routes.append(Route(method, m.group(3) if m.group(1) not in apps else "@" + m.group(3), path, _line(text, at)))
    for m in re.finditer(rf"\b([A-Za-z_$][\w$]*)\s*\.\s*({'|'.join(METHODS)})\s*\(\s*{_str(3)}", text):
        if m.group(1) in owners:
            sub = m.group(4) if m.group(1) not in apps else "@" + m.group(4)
            routes.append(Route(m.group(2).upper(), sub, path, _line(text, m.start())))
    mounts = []
    for m in re.finditer(rf"\b([A-Za-z_$][\w$]*)\s*\.\s*use\s*\(\s*{_str(2)}\s*,\s*([A-Za-z_$][\w$]*)", text):
        if m.group(1) in owners:
            mounts.append((m.group(3), m.group(4), _line(text, m.start())))
    return routes, mounts


def read_routes(files: Mapping[str, str]) -> list[Route]:
    """Every route the backend's source files declare, with its full path (mounts resolved)."""
    per_file: dict[str, list[Route]] = {}
    mounts: list[tuple[str, str, str, int]] = []
    exports: dict[str, str] = {}
    aliases: dict[str, dict[str, str]] = {}
    for path, text in files.items():
        if not path.endswith((".ts", ".js", ".mts", ".mjs")) or "/tests/" in path or ".test." in path:
            continue
        routes, made = declared(path, text)
        per_file[path] = routes
        mounts += [(path, prefix, name, line) for prefix, name, line in made]
        for m in _FACTORY.finditer(text):
            exports.setdefault(m.group(1) or m.group(2), path)
        aliases[path] = {a: f for a, f in _ALIAS.findall(text)}
    out = [Route(r.method, r.path[1:], r.file, r.line) for rs in per_file.values() for r in rs if r.path.startswith("@")]
    for where, prefix, name, line in mounts:
        name = aliases.get(where, {}).get(name, name)
        source = exports.get(name)
        inner = [r for r in per_file.get(source, []) if not r.path.startswith("@")] if source else []
        if not inner:
            out.append(Route("*", _join(prefix, "*"), where, line, prefix, (where, line)))
        out += [Route(r.method, _join(prefix, r.path), r.file, r.line, prefix, (where, line)) for r in inner]
    return out


def _backend(files: Mapping[str, str]) -> dict[str, str]:
    return {p: t for p, t in files.items() if p.startswith("backend/src/")}


def check_routes(spec: AppSpec, files: Mapping[str, str], expected_files: Mapping[str, str],
                 openapi: str | None = None) -> list[Finding]:
    """Findings for the backend's routes (`files`: the backend's files on disk) against what the
    spec means (`expected_files`: the offline generator's backend for the same spec). `openapi`:
    docs/openapi.json's text when the docs were written in this run."""
    actual = read_routes(_backend(files))
    expected = {r.key: r for r in read_routes(_backend(expected_files))}
    have = {r.key for r in actual}
    findings: list[Finding] = []
    known_prefixes = {normal(r.prefix) for r in expected.values() if r.mount}
    strays: dict[tuple[str, int], list[Route]] = {}
    for r in actual:
        if r.key in expected:
            continue
        if r.mount and normal(r.prefix) not in known_prefixes:  # a whole router mounted where the spec has none
            strays.setdefault(r.mount, []).append(r)
            continue
        if r.method == "*":
            findings.append(Finding("routes", "unreadable-mount", r.file, r.line, "warning",
                                    f"{r.path} is mounted, but its router's routes could not be read", key=r.path))
            continue
        findings.append(Finding("routes", "route-not-in-spec", r.file, r.line, "blocking",
                                f"{r.said()} is not a route of the spec: no entity, auth or health route of the "
                                "spec has it; remove it or plan it in the spec", key=f"{r.method} {normal(r.path)}"))
    for (file, line), routes in strays.items():
        prefix = normal(routes[0].prefix)
        said = ", ".join(r.said() for r in routes if r.method != "*") or f"{prefix}/*"
        findings.append(Finding("routes", "route-not-in-spec", file, line, "blocking",
                                f"{prefix} is mounted, but the spec has no such resource ({said}); remove it or "
                                "plan it in the spec", key=f"mount {prefix}"))
    app_file = "backend/src/app.ts" if "backend/src/app.ts" in files else next(iter(sorted(_backend(files))), "backend/src/app.ts")
    lost: set[tuple[str, str]] = set()
    for e in spec.entities:
        base = normal(f"/api/{e.slug}")
        mine = [k for k in expected if k[1] == base or k[1].startswith(base + "/")]
        if mine and not any(k[1] == base or k[1].startswith(base + "/") for k in have):
            lost |= set(mine)
            findings.append(Finding("routes", "entity-without-route", app_file, 0, "blocking",
                                    f"the spec's entity {e.name} has no route: /api/{e.slug} is not mounted "
                                    f"(expected {', '.join(sorted({m for m, _ in mine}))})", key=e.name))
    for key, r in sorted(expected.items()):
        if key not in have and key not in lost and r.method != "*":
            findings.append(Finding("routes", "route-missing", app_file, 0, "blocking",
                                    f"{r.said()} is missing: the spec's API has it (the frontend, the tests and "
                                    "docs/openapi.json use it)", key=f"{r.method} {normal(r.path)}"))
    if openapi is not None:
        findings += _check_openapi(openapi, actual)
    return findings


def _check_openapi(text: str, actual: list[Route]) -> list[Finding]:
    try:
        paths = json.loads(text).get("paths") or {}
    except (ValueError, AttributeError):
        return [Finding("routes", "openapi-unreadable", "docs/openapi.json", 0, "warning",
                        "docs/openapi.json is not a JSON object with paths", key="unreadable")]
    documented = {(m.upper(), normal(p)) for p, ops in paths.items() if isinstance(ops, dict) for m in ops if m in METHODS}
    have = {r.key for r in actual if r.method != "*"}
    wild = [normal(r.path)[:-2] for r in actual if r.method == "*"]
    findings = []
    for method, path in sorted(documented - have):
        if any(path.startswith(w) for w in wild):
            continue
        findings.append(Finding("routes", "documented-not-served", "docs/openapi.json", 0, "warning",
                                f"docs/openapi.json documents {method} {path}, which the API does not serve",
                                key=f"{method} {path}"))
    for method, path in sorted(have - documented):
        findings.append(Finding("routes", "served-not-documented", "docs/openapi.json", 0, "warning",
                                f"the API serves {method} {path}, which docs/openapi.json does not document",
                                key=f"{method} {path}"))
    return findings
