"""The app spec (v2): what the user asked for, as data every agent renders from.

Pure pydantic, no LangGraph, no I/O. Names are normalised on entry so every agent can use them
directly as TypeScript identifiers, URL segments and file names; the user's own words are kept
beside them (`label`, `source`) so a person can see what each part came from.

Relations are fields, as in Django or Prisma: `ref` is many-to-one (required or optional, with an
on-delete rule; a ref to its own entity is a self-reference), `refs` is many-to-many (a join
table, an id array in the API). `AppSpec.relations` lists them as first-class parts. Ownership
(`Entity.owned`), roles with what each may create/change/delete, field constraints, enum labels,
business rules kept verbatim and the phrases no rule could place (`unparsed`) complete it.
"""

from __future__ import annotations

import functools
import keyword
import re
import unicodedata
from graphlib import CycleError, TopologicalSorter
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from pydantic import Field as PField

FieldType = Literal["string", "text", "number", "integer", "boolean", "date", "datetime", "email", "enum", "ref", "refs"]
OnDelete = Literal["restrict", "cascade", "set_null"]
Action = Literal["create", "update", "delete"]

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

MAX_NAME = 60
"""Most characters of an entity, plural or field name (they become file, table, column and type names)."""

TS_GLOBALS: frozenset[str] = frozenset(n.lower() for n in """
    Partial Required Readonly Record Pick Omit Exclude Extract NonNullable Parameters ConstructorParameters ReturnType
    InstanceType ThisParameterType OmitThisParameter ThisType Uppercase Lowercase Capitalize Uncapitalize Awaited NoInfer
    PropertyKey PropertyDescriptor ArrayLike PromiseLike ReadonlyArray ReadonlyMap ReadonlySet Iterable Iterator
    IterableIterator AsyncIterable AsyncIterator Generator AsyncGenerator TemplateStringsArray Any Unknown Never
    Object Function Array String Number Boolean Symbol BigInt Date RegExp Error EvalError RangeError ReferenceError
    SyntaxError TypeError URIError AggregateError Promise Map Set WeakMap WeakSet WeakRef FinalizationRegistry Proxy
    Reflect JSON Math Intl Atomics ArrayBuffer SharedArrayBuffer DataView Int8Array Uint8Array Uint8ClampedArray
    Int16Array Uint16Array Int32Array Uint32Array Float32Array Float64Array BigInt64Array BigUint64Array GlobalThis
    Console Buffer Process NodeJS
    Event EventTarget CustomEvent FormEvent Node NodeList Element HTMLElement Document DocumentFragment Window Location
    Navigator History Storage Request Response Headers FormData URL URLSearchParams Blob File FileList FileReader Image
    Audio Text Comment Range Selection Option Attr Notification AbortController AbortSignal
""".split())
"""TypeScript's utility types, JavaScript's built-in objects and the DOM's globals (lower case): an
entity named like one would shadow or clash with it in the generated code (`Omit<Task, "id">`)."""

PROTOTYPE_MEMBERS: frozenset[str] = frozenset(n.lower() for n in (
    "constructor", "__proto__", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString",
    "toString", "valueOf", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__"))
"""Object.prototype's members (lower case): a record whose field is named like one reads the
inherited function when the field is missing (every PATCH without it would fail)."""

APP_MODULES: frozenset[str] = frozenset({
    "app", "api", "common", "config", "database", "db", "errors", "health", "index", "logger", "metrics", "schema", "server"})
"""The generated app's own module names (schemas/common.ts, tests/health.test.ts, ...): an entity's
plural names its files and route, so it must not be one of them. (`auth` and `users` clash only in
an app with login; the generator refuses those: agents.render.check_spec.)"""

GENERATED_TYPES: frozenset[str] = frozenset({
    "Db", "ValidationIssue", "PageOf", "BaseRecord", "Repositories", "PublicUser", "AuthResult", "ApiError", "ResourceClient",
    "FormState", "HttpError", "Credentials", "WithoutNulls"})
"""Types the generated code declares beside the entity types: the generator refuses an entity named
like one (agents.render.check_spec), and safe_name never gives such a name."""

NameKind = Literal["entity", "plural", "field"]


def name_problem(name: str, kind: NameKind) -> str | None:
    """Why `name` (as the spec keeps it: PascalCase entity, camelCase plural or field) cannot be used
    in the generated app, or None when it can."""
    low = name.lower()
    if not _IDENT.match(name):
        return "is not an identifier (letters and digits, starting with a letter)"
    if len(name) > MAX_NAME:
        return f"is {len(name)} characters long (at most {MAX_NAME})"
    if low in PROTOTYPE_MEMBERS:
        return "is a member every JavaScript object has (Object.prototype)"
    if low in RESERVED or keyword.iskeyword(name if kind != "entity" else low):
        return "is a reserved word"
    if kind == "entity" and low in ENTITY_RESERVED:
        return "is a reserved word"
    if kind == "entity" and low in TS_GLOBALS:
        return "is a TypeScript or DOM global type the generated code would shadow"
    if kind == "plural" and low in APP_MODULES:
        return "is the name of one of the app's own modules"
    if kind == "field" and name in AUTO_FIELDS:
        return "is added automatically"
    return None


def safe_name(name: str, kind: Literal["entity", "field"]) -> str | None:
    """The name to use for the user's word `name`: itself (PascalCase for an entity, camelCase for a
    field) when it is safe, else renamed (Omit -> OmitEntry, valueOf -> valueOfValue, class ->
    className; the user's word stays the label); None when no renaming makes it usable. An entity's
    plural, derived from its name, must be safe too (Metric -> metrics, one of the app's modules)."""
    if kind == "entity":
        candidates = [pascal(name)]
        candidates.append(candidates[0] + "Entry")
    else:
        base = camel(name)
        candidates = [base, "className" if base.lower() == "class" else base + "Value"]
    taken = {n.lower() for n in GENERATED_TYPES} if kind == "entity" else set()
    for candidate in candidates:
        if name_problem(candidate, kind) is None and candidate.lower() not in taken \
                and (kind == "field" or name_problem(pluralize(camel(candidate)), "plural") is None):
            return candidate
    return None


def _checked_name(v: str, kind: Literal["entity", "field"]) -> str:
    """A field's camelCase or an entity's PascalCase name, or the one-line refusal (_refused) saying why not."""
    reserved = RESERVED if kind == "field" else ENTITY_RESERVED
    if v.strip().lower() in reserved | PROTOTYPE_MEMBERS:
        raise _refused(f"{kind} name", v.strip(), kind, "is a reserved word")
    v = camel(v) if kind == "field" else pascal(v)
    problem = name_problem(v, kind)
    if problem:
        raise _refused(f"{kind} name", v, kind, problem)
    return v


def _refused(what: str, name: str, kind: Literal["entity", "field"], problem: str) -> ValueError:
    """A one-line refusal of a name, with the name that would do when there is one."""
    safe = safe_name(name, kind) if len(name) <= MAX_NAME else None
    hint = f"; call it {safe!r} (the user's word can stay its label)" if safe and safe != name else ""
    return ValueError(f"{what} {name[:80]!r}{'...' if len(name) > 80 else ''} {problem}{hint}")


def camel(words: str) -> str:
    """camelCase of words, accents dropped ('rosé' -> 'rose', 'Crème brûlée' -> 'cremeBrulee')."""
    words = "".join(c for c in unicodedata.normalize("NFKD", words) if not unicodedata.combining(c))
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
    type: FieldType = PField(default="string", description="ref: many-to-one (a reference to one record); refs: many-to-many (a list of records)")
    required: bool = True
    options: list[str] = PField(default_factory=list, description="allowed values when type is enum, as the user spelled them")
    option_labels: list[str] = PField(default_factory=list, description="enum options as the user spelled them (filled from options when empty)")
    ref: str | None = PField(default=None, description="referenced entity name when type is ref or refs")
    on_delete: OnDelete | None = PField(default=None, description="ref only: what deleting the referenced record does (default: restrict when required, set_null when optional)")
    unique: bool = PField(default=False, description="no two records may share the value")
    min: float | None = PField(default=None, description="number/integer: smallest allowed value")
    max: float | None = PField(default=None, description="number/integer: largest allowed value")
    min_length: int | None = PField(default=None, ge=0, description="string/text/email: fewest characters")
    max_length: int | None = PField(default=None, ge=1, description="string/text/email: most characters")
    default: str | float | bool | None = PField(default=None, description="value given when none is sent")
    label: str = PField(default="", description="the user's words for the field, e.g. 'due date' (the name when empty)")
    source: str = PField(default="", description="the words of the request the field came from")
    assumed: bool = PField(default=False, description="added by assumption, not named by the request")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _checked_name(v, "field")

    @model_validator(mode="after")
    def _kind(self) -> Field:
        if self.type == "enum":
            spelled = [" ".join(str(o).split()) for o in self.options if str(o).strip()]
            if not self.option_labels or len(self.option_labels) != len(spelled):
                self.option_labels = spelled
            self.options = [camel(o) or o for o in spelled]
            if not self.options:
                raise ValueError(f"enum field {self.name!r} needs options")
            if len(set(o.lower() for o in self.options)) != len(self.options):
                raise ValueError(f"enum field {self.name!r} repeats an option")
        else:
            self.options, self.option_labels = [], []
        if self.type in ("ref", "refs"):
            if not self.ref:
                raise ValueError(f"{self.type} field {self.name!r} needs the entity it refers to")
            self.ref = pascal(self.ref)
        else:
            self.ref = None
        if self.type == "ref":
            if self.on_delete is None:
                self.on_delete = "restrict" if self.required else "set_null"
            if self.on_delete == "set_null" and self.required:
                raise ValueError(f"ref field {self.name!r} is required, so deleting its target cannot set it to null")
        else:
            self.on_delete = None
        if self.type == "refs":
            self.required = False  # an empty list is always allowed
        if (self.min is not None or self.max is not None) and self.type not in ("number", "integer"):
            raise ValueError(f"field {self.name!r} ({self.type}) cannot have min/max: use min_length/max_length for text")
        if (self.min_length is not None or self.max_length is not None) and self.type not in ("string", "text", "email"):
            raise ValueError(f"field {self.name!r} ({self.type}) cannot have a length bound")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"field {self.name!r}: min {self.min:g} is above max {self.max:g}")
        if self.min_length is not None and self.max_length is not None and self.min_length > self.max_length:
            raise ValueError(f"field {self.name!r}: min_length is above max_length")
        if self.unique and self.type in ("boolean", "refs"):
            raise ValueError(f"field {self.name!r} ({self.type}) cannot be unique")
        if self.default is not None and self.type == "enum" and camel(str(self.default)) not in self.options:
            raise ValueError(f"field {self.name!r}: default {self.default!r} is not one of its options")
        if self.type == "enum" and self.default is not None:
            self.default = camel(str(self.default))
        if not self.label:
            self.label = humanize(self.name)
        return self

    @property
    def constrained(self) -> bool:
        """True when the field has a constraint beyond its type and requiredness."""
        return bool(self.unique or self.default is not None
                    or any(v is not None for v in (self.min, self.max, self.min_length, self.max_length)))


class Entity(BaseModel):
    """A kind of record the app stores, with a REST resource and a page."""

    model_config = ConfigDict(extra="forbid")

    name: str = PField(description="PascalCase singular, e.g. Appointment")
    plural: str = PField(default="", description="camelCase plural, e.g. appointments")
    fields: list[Field] = PField(default_factory=list)
    owned: bool = PField(default=False, description="records belong to the signed-in user: other users can neither see nor change them")
    label: str = PField(default="", description="the user's word for the entity, e.g. 'class' (renamed when it is a reserved word)")
    source: str = PField(default="", description="the words of the request the entity came from")
    assumed: bool = PField(default=False, description="added by assumption, not named by the request")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _checked_name(v, "entity")

    @model_validator(mode="after")
    def _fields(self) -> Entity:
        derived = not self.plural
        if derived:
            self.plural = pluralize(camel(self.name))
        self.plural = camel(self.plural)
        problem = name_problem(self.plural, "plural")
        if problem:
            safe = safe_name(self.name, "entity") if derived else None
            hint = f"; call the entity {safe!r} or give it another plural" if safe and safe != self.name else "; give it another plural"
            raise ValueError(f"entity {self.name!r}: plural {self.plural[:80]!r} {problem}{hint}")
        seen: set[str] = set()
        for f in self.fields:
            if f.name.lower() in seen:
                raise ValueError(f"entity {self.name!r} has field {f.name!r} twice")
            seen.add(f.name.lower())
        if not self.fields:
            self.fields = [Field(name="name", type="string", assumed=True)]
        if not self.label:
            self.label = humanize(self.name)
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


class Role(BaseModel):
    """A kind of user the request names, with what it may create, change and delete.

    An action on an entity that some role lists is allowed to the roles that list it only; an action
    no role lists is open to every signed-in user. '*' stands for every entity."""

    model_config = ConfigDict(extra="forbid")

    name: str = PField(description="camelCase identifier, e.g. manager")
    label: str = PField(default="", description="as the user spelled it, e.g. 'Manager'")
    create: list[str] = PField(default_factory=list, description="entities this role may create ('*': all)")
    update: list[str] = PField(default_factory=list, description="entities this role may change ('*': all)")
    delete: list[str] = PField(default_factory=list, description="entities this role may delete ('*': all)")
    source: str = PField(default="", description="the words of the request the role came from")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        v = camel(v)
        if not _IDENT.match(v) or v.lower() in RESERVED:
            raise ValueError(f"role name {v!r} is not a usable identifier")
        return v

    @model_validator(mode="after")
    def _norm(self) -> Role:
        for action in ("create", "update", "delete"):
            setattr(self, action, list(dict.fromkeys("*" if e == "*" else pascal(e) for e in getattr(self, action))))
        if not self.label:
            self.label = humanize(self.name)
        return self

    def may(self, action: str, entity: str) -> bool:
        allowed = getattr(self, action)
        return "*" in allowed or entity in allowed


class Rule(BaseModel):
    """Something the request says that is not data shape: a business rule, a workflow, a computed value."""

    model_config = ConfigDict(extra="forbid")

    text: str = PField(description="the request's words, verbatim")
    entities: list[str] = PField(default_factory=list, description="the entities the rule is about")
    kind: Literal["rule", "workflow", "computed"] = "rule"

    @field_validator("entities")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(pascal(e) for e in v))


class Relation(BaseModel):
    """A relation between two entities, as the spec's ref/refs fields define it (a view, not stored)."""

    kind: Literal["many_to_one", "many_to_many"]
    source: str
    target: str
    field: str
    required: bool
    on_delete: OnDelete | None = None

    @property
    def self_reference(self) -> bool:
        return self.source == self.target


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
    roles: list[Role] = PField(default_factory=list, description="kinds of users the request names (needs auth)")
    rules: list[Rule] = PField(default_factory=list, description="business rules, workflows and computed values, verbatim")
    unparsed: list[str] = PField(default_factory=list, description="phrases of the request nothing could place")
    assumptions: list[str] = PField(default_factory=list, description="what was assumed where the request was silent")
    request: str = PField(default="", description="the user's request, verbatim; AutoDevOS sets it (leave it empty)")

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
                if f.type in ("ref", "refs") and f.ref not in known:
                    raise ValueError(f"field {e.name}.{f.name} refers to unknown entity {f.ref!r}")
        if not (self.frontend or self.backend):
            raise ValueError("the app needs a frontend or a backend")
        if (self.roles or any(e.owned for e in self.entities)) and not self.auth:
            self.auth = True
            self.assumptions.append("roles and per-user records need users who log in, so the app has login")
        if self.auth and not self.backend:
            raise ValueError("auth needs a backend (a login kept in the browser protects nothing)")
        role_names: set[str] = set()
        for r in self.roles:
            if r.name in role_names:
                raise ValueError(f"role {r.name!r} is declared twice")
            role_names.add(r.name)
            for action in ("create", "update", "delete"):
                for ent in getattr(r, action):
                    if ent != "*" and ent not in known:
                        raise ValueError(f"role {r.name!r} may {action} unknown entity {ent!r}")
        for rule in self.rules:
            unknown = [x for x in rule.entities if x not in known]
            if unknown:
                raise ValueError(f"rule {rule.text[:60]!r} is about unknown entity {unknown[0]!r}")
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

    @property
    def relations(self) -> list[Relation]:
        """Every relation, from the ref (many-to-one) and refs (many-to-many) fields."""
        out: list[Relation] = []
        for e in self.entities:
            for f in e.fields:
                if f.type in ("ref", "refs"):
                    out.append(Relation(kind="many_to_one" if f.type == "ref" else "many_to_many", source=e.name,
                                        target=f.ref or "", field=f.name, required=f.required, on_delete=f.on_delete))
        return out


FEATURES: tuple[str, ...] = ("many_to_many", "self_reference", "optional_reference", "ownership", "roles", "constraints", "rules")
"""Parts of spec v2 beyond entities, typed fields, enums and required many-to-one references."""


def features_used(spec: AppSpec) -> dict[str, list[str]]:
    """Which spec v2 parts this spec uses, each with what uses it (for 'not built yet' notes)."""
    used: dict[str, list[str]] = {}
    for r in spec.relations:
        where = f"{r.source}.{r.field} -> {r.target}"
        if r.kind == "many_to_many":
            used.setdefault("many_to_many", []).append(where)
        elif r.self_reference:
            used.setdefault("self_reference", []).append(where)
        elif not r.required:
            used.setdefault("optional_reference", []).append(where)
    for e in spec.entities:
        if e.owned:
            used.setdefault("ownership", []).append(e.name)
        for f in e.fields:
            if f.constrained:
                used.setdefault("constraints", []).append(f"{e.name}.{f.name}")
    if spec.roles:
        used["roles"] = [r.name for r in spec.roles]
    if spec.rules:
        used["rules"] = [r.text for r in spec.rules]
    return used


def not_built(spec: AppSpec, supported: frozenset[str] | set[str]) -> list[str]:
    """One line per spec v2 part the generator cannot build yet, naming what it would have applied to."""
    out = []
    for feature, where in features_used(spec).items():
        if feature not in supported and feature != "rules":  # rules are listed on their own: they need a model
            shown = "; ".join(where[:6]) + (f" (+{len(where) - 6} more)" if len(where) > 6 else "")
            out.append(f"not built yet: {feature.replace('_', '-')}: {shown}")
    return out


def buildable(spec: AppSpec, supported: frozenset[str] | set[str]) -> AppSpec:
    """The spec without the parts a generator cannot build yet (see not_built, which names them):
    many-to-many and self-reference fields dropped, ownership, roles and constraints cleared.
    Rules are never rendered offline; they stay in the spec."""
    data = spec.model_dump()
    for e in data["entities"]:
        kept = []
        for f in e["fields"]:
            if f["type"] == "refs" and "many_to_many" not in supported:
                continue
            if f["type"] == "ref" and f["ref"] == e["name"] and "self_reference" not in supported:
                continue
            if "constraints" not in supported:
                f.update(unique=False, min=None, max=None, min_length=None, max_length=None, default=None)
            kept.append(f)
        e["fields"] = kept
        if "ownership" not in supported:
            e["owned"] = False
    if "roles" not in supported:
        data["roles"] = []
    return AppSpec.model_validate(data)


def humanize(name: str) -> str:
    """dueDate -> 'due date'; OrderLine -> 'order line'."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


@functools.cache
def pluralize(word: str) -> str:
    """The plural of an English noun or camelCase name (orderLine -> orderLines), from lemminflect's
    inflection data, which ships in its wheel."""
    from lemminflect import getInflection

    m = re.search(r"([A-Z]?[a-z0-9]+|[A-Z]+)$", word)
    if not m:
        return word + "s"
    head, last = word[: m.start()], m.group(1)
    low = last.lower()
    forms = [f for f in getInflection(low, tag="NNS") if f != low] or list(getInflection(low, tag="NNS"))
    plural = "people" if low == "person" else (forms[0] if forms else low + "s")
    return head + _match_case(last, plural)


@functools.cache
def singularize(word: str) -> str:
    """The singular (lemma) of an English noun; a word that is not a plural comes back unchanged."""
    from lemminflect import getAllLemmas, getLemma

    low = word.lower()
    if low in ("data", "media", "criteria", "news", "series", "species", "status", "analysis"):
        return word
    if low == "people":
        return _match_case(word, "person")
    lemmas = getAllLemmas(low).get("NOUN")
    single = lemmas[0] if lemmas else getLemma(low, upos="NOUN", lemmatize_oov=True)[0]
    if single == low and re.search(r"[^su]s$", low) and len(low) > 3 and not lemmas:
        single = low[:-1]  # an unknown plural the statistical lemmatizer kept (skus, kpis)
    return _match_case(word, single)


def _match_case(original: str, new: str) -> str:
    if original[:1].isupper():
        return new[:1].upper() + new[1:]
    return new
