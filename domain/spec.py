"""The app spec: what the user asked for, as data every agent renders from.

Pure pydantic, no LangGraph. Names are normalised on entry so every agent can
use them directly as TypeScript identifiers, URL segments and file names.
"""

from __future__ import annotations

import keyword
import re
from graphlib import CycleError, TopologicalSorter
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from pydantic import Field as PField

FieldType = Literal["string", "text", "number", "integer", "boolean", "date", "datetime", "email", "enum", "ref"]

# Words that break generated TypeScript/JavaScript when used as an identifier or object key.
RESERVED = {
    "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do",
    "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in",
    "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true", "try",
    "typeof", "var", "void", "while", "with", "yield", "let", "static", "implements", "interface",
    "package", "private", "protected", "public", "await", "async", "constructor", "prototype",
    "__proto__", "hasownproperty", "tostring", "valueof", "undefined", "nan", "infinity",
}
# Names an entity cannot take: TypeScript globals it would shadow, and the app's own parts.
ENTITY_RESERVED = RESERVED | {
    "object", "string", "number", "boolean", "date", "array", "error", "promise", "map", "set", "symbol",
    "function", "record", "partial", "response", "request", "router", "json", "math",
    "app", "api", "health", "metrics", "auth", "user", "users",
}
# Field names every record already has.
AUTO_FIELDS = {"id", "createdAt", "updatedAt"}

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def camel(words: str) -> str:
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", words) if p]
    if not parts:
        return ""
    head, *rest = parts
    return head[:1].lower() + head[1:] + "".join(p[:1].upper() + p[1:] for p in rest)


def pascal(words: str) -> str:
    c = camel(words)
    return c[:1].upper() + c[1:]


def kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


class Field(BaseModel):
    """One field of an entity."""

    model_config = ConfigDict(extra="forbid")

    name: str = PField(description="camelCase identifier, e.g. dueDate")
    type: FieldType = "string"
    required: bool = True
    options: list[str] = PField(default_factory=list, description="allowed values when type is enum")
    ref: str | None = PField(default=None, description="referenced entity name when type is ref")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if v.strip().lower() in RESERVED:
            raise ValueError(f"field name {v.strip()!r} is a reserved word")
        v = camel(v)
        if not _IDENT.match(v):
            raise ValueError(f"field name {v!r} is not an identifier")
        if v.lower() in RESERVED or keyword.iskeyword(v):
            raise ValueError(f"field name {v!r} is a reserved word")
        if v in AUTO_FIELDS:
            raise ValueError(f"field name {v!r} is added automatically")
        return v

    @model_validator(mode="after")
    def _kind(self) -> Field:
        if self.type == "enum":
            self.options = [camel(o) or o for o in self.options]
            if not self.options:
                raise ValueError(f"enum field {self.name!r} needs options")
            if len(set(self.options)) != len(self.options):
                raise ValueError(f"enum field {self.name!r} repeats an option")
        if self.type == "ref":
            if not self.ref:
                raise ValueError(f"ref field {self.name!r} needs the entity it refers to")
            self.ref = pascal(self.ref)
        return self


class Entity(BaseModel):
    """A kind of record the app stores, with a REST resource and a page."""

    model_config = ConfigDict(extra="forbid")

    name: str = PField(description="PascalCase singular, e.g. Appointment")
    plural: str = PField(default="", description="camelCase plural, e.g. appointments")
    fields: list[Field] = PField(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if v.strip().lower() in ENTITY_RESERVED:
            raise ValueError(f"entity name {v.strip()!r} is a reserved word")
        v = pascal(v)
        if not _IDENT.match(v):
            raise ValueError(f"entity name {v!r} is not an identifier")
        if v.lower() in ENTITY_RESERVED or keyword.iskeyword(v.lower()):
            raise ValueError(f"entity name {v!r} is a reserved word")
        return v

    @model_validator(mode="after")
    def _fields(self) -> Entity:
        if not self.plural:
            self.plural = pluralize(camel(self.name))
        self.plural = camel(self.plural)
        seen: set[str] = set()
        for f in self.fields:
            if f.name.lower() in seen:
                raise ValueError(f"entity {self.name!r} has field {f.name!r} twice")
            seen.add(f.name.lower())
        if not self.fields:
            self.fields = [Field(name="name", type="string")]
        return self

    @property
    def var(self) -> str:
        """camelCase singular, for variables: appointment."""
        return camel(self.name)

    @property
    def slug(self) -> str:
        """URL segment and file stem: appointments."""
        return kebab(self.plural)

    @property
    def label_field(self) -> Field:
        """The field shown as a record's title in lists."""
        for f in self.fields:
            if f.type in ("string", "email"):
                return f
        return self.fields[0]


class AppSpec(BaseModel):
    """Everything the agents need to know about the app to build."""

    model_config = ConfigDict(extra="forbid")

    name: str = PField(description="kebab-case package name, e.g. clinic-app")
    title: str = PField(description="human title, e.g. Clinic")
    description: str = ""
    entities: list[Entity]
    auth: bool = PField(default=False, description="users register and log in; entity routes need a token")
    frontend: bool = True
    backend: bool = True
    assumptions: list[str] = PField(default_factory=list, description="what was assumed where the request was silent")

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        v = re.sub(r"[^a-z0-9]+", "-", v.lower()).strip("-")[:60]
        if not v:
            raise ValueError("app name is empty")
        return v

    @model_validator(mode="after")
    def _check(self) -> AppSpec:
        if not self.entities:
            raise ValueError("the app needs at least one entity")
        names: dict[str, str] = {}
        seen: set[str] = set()
        for e in self.entities:
            if e.name in seen:
                raise ValueError(f"entity {e.name!r} is declared twice")
            seen.add(e.name)
            for key in (e.name.lower(), e.plural.lower(), e.slug):
                if key in names and names[key] != e.name:
                    raise ValueError(f"entities {names[key]!r} and {e.name!r} collide as {key!r}")
                names[key] = e.name
        known = {e.name for e in self.entities}
        for e in self.entities:
            for f in e.fields:
                if f.type == "ref" and f.ref not in known:
                    raise ValueError(f"field {e.name}.{f.name} refers to unknown entity {f.ref!r}")
        if not (self.frontend or self.backend):
            raise ValueError("the app needs a frontend or a backend")
        if self.auth and not self.backend:
            raise ValueError("auth needs a backend (a login kept in the browser protects nothing)")
        required = {e.name: [f.ref for f in e.fields if f.type == "ref" and f.required] for e in self.entities}
        try:
            TopologicalSorter(required).prepare()
        except CycleError as exc:
            cycle = " -> ".join(exc.args[1])
            raise ValueError(f"required references form a cycle ({cycle}): no record could ever be created; make one optional") from None
        return self

    def entity(self, name: str) -> Entity:
        for e in self.entities:
            if e.name == name:
                return e
        raise KeyError(name)


_IRREGULAR = {"person": "people", "child": "children", "man": "men", "woman": "women", "mouse": "mice",
              "movie": "movies", "cookie": "cookies", "species": "species", "series": "series", "pie": "pies",
              "tie": "ties", "calorie": "calories", "zombie": "zombies", "rookie": "rookies", "selfie": "selfies",
              "smoothie": "smoothies", "goose": "geese", "tooth": "teeth", "foot": "feet", "sheep": "sheep"}


def pluralize(word: str) -> str:
    low = word.lower()
    if low in _IRREGULAR:
        return word[0] + _IRREGULAR[low][1:]
    if re.search(r"(s|x|z|ch|sh)$", low):
        return word + "es"
    if re.search(r"[^aeiou]y$", low):
        return word[:-1] + "ies"
    return word + "s"


def singularize(word: str) -> str:
    low = word.lower()
    for single, plural in _IRREGULAR.items():
        if low == plural:
            return word[0] + single[1:]
    if re.search(r"[^aeiou]ies$", low):
        return word[:-3] + "y"
    if re.search(r"(sses|xes|zzes|ches|shes|tuses|buses|puses|ruses)$", low):
        return word[:-2]
    if low.endswith("s") and not low.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
