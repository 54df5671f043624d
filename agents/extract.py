"""Offline spec extraction: the request's entities, fields, relations and features, by rules.

Pure functions of text. With a model the planner asks for the spec instead; these rules are
the offline default and the fallback when a model fails.
"""

from __future__ import annotations

import re

from autodevos.domain.spec import ENTITY_RESERVED, RESERVED, AppSpec, Entity, Field, camel, pascal, singularize

# Words that name the app or its parts, never an entity.
_NOT_ENTITIES = {
    "app", "apps", "application", "applications", "website", "websites", "site", "sites", "page", "pages",
    "system", "systems", "tool", "tools", "dashboard", "dashboards", "platform", "frontend", "backend", "api",
    "apis", "ui", "database", "db", "login", "logins", "auth", "authentication", "user", "users", "account",
    "accounts", "password", "passwords", "data", "crud", "rest", "web", "thing", "things", "stuff", "way",
    "ability", "support", "feature", "features", "list", "lists", "field", "fields", "simple", "basic",
    "small", "new", "each", "every", "their", "them", "they", "it", "its", "this", "that", "some", "all",
    "screen", "screens", "view", "views", "form", "forms", "react", "express", "typescript", "sqlite", "json",
    "people", "everyone", "someone", "lot", "lots", "manager", "tracker", "service", "server", "client",
    "second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months",
    "year", "years", "dollar", "dollars", "euro", "euros", "time", "times", "something", "anything", "need", "needs",
}
_STOP = {"a", "an", "the", "my", "our", "your", "some", "many", "multiple", "several", "all", "any", "and", "or",
         "to", "of", "in", "on", "for", "with", "by", "at", "from", "its", "their", "his", "her"}
_ADJECTIVES = {"simple", "basic", "small", "little", "new", "personal", "shared", "public", "private", "online",
               "full", "complete", "tiny", "modern", "nice", "great", "clean", "minimal"}

_FIELD_HINTS: dict[str, list[tuple[str, str]]] = {
    "patient": [("name", "string"), ("email", "email"), ("birthDate", "date")],
    "doctor": [("name", "string"), ("specialty", "string"), ("email", "email")],
    "appointment": [("startsAt", "datetime"), ("reason", "text"), ("status", "enum")],
    "task": [("title", "string"), ("description", "text"), ("done", "boolean"), ("dueDate", "date")],
    "todo": [("title", "string"), ("done", "boolean"), ("dueDate", "date")],
    "tag": [("name", "string")],
    "note": [("title", "string"), ("body", "text")],
    "project": [("name", "string"), ("description", "text")],
    "issue": [("title", "string"), ("description", "text"), ("status", "enum"), ("priority", "enum")],
    "comment": [("body", "text")],
    "post": [("title", "string"), ("body", "text"), ("published", "boolean")],
    "book": [("title", "string"), ("author", "string"), ("year", "integer")],
    "author": [("name", "string"), ("bio", "text")],
    "product": [("name", "string"), ("price", "number"), ("stock", "integer")],
    "order": [("reference", "string"), ("total", "number"), ("status", "enum")],
    "customer": [("name", "string"), ("email", "email"), ("phone", "string")],
    "invoice": [("number", "string"), ("amount", "number"), ("dueDate", "date"), ("paid", "boolean")],
    "event": [("title", "string"), ("startsAt", "datetime"), ("location", "string")],
    "contact": [("name", "string"), ("email", "email"), ("phone", "string")],
    "employee": [("name", "string"), ("email", "email"), ("role", "string")],
    "recipe": [("title", "string"), ("instructions", "text"), ("minutes", "integer")],
    "ingredient": [("name", "string"), ("quantity", "string")],
    "expense": [("description", "string"), ("amount", "number"), ("spentOn", "date")],
    "category": [("name", "string")],
    "student": [("name", "string"), ("email", "email")],
    "course": [("title", "string"), ("credits", "integer")],
    "movie": [("title", "string"), ("year", "integer"), ("rating", "number")],
    "review": [("rating", "integer"), ("body", "text")],
    "room": [("name", "string"), ("capacity", "integer")],
    "booking": [("startsAt", "datetime"), ("endsAt", "datetime"), ("status", "enum")],
    "ticket": [("title", "string"), ("description", "text"), ("status", "enum"), ("priority", "enum")],
    "item": [("name", "string"), ("description", "text")],
}

_ENUM_DEFAULTS = {
    "status": ["open", "inProgress", "done"],
    "priority": ["low", "medium", "high"],
    "role": ["member", "admin"],
    "level": ["beginner", "intermediate", "advanced"],
    "severity": ["minor", "major", "critical"],
}
_APPOINTMENT_STATUS = ["scheduled", "completed", "cancelled"]

_AUTH = re.compile(
    r"\b(log[ -]?in|logs in|logged in|sign[ -]?in|sign[ -]?up|signs? (?:in|up)|authenticat\w*|accounts?|users?|"
    r"passwords?|register\w*|jwt|auth)\b"
)
_NO_FRONTEND = re.compile(
    r"\b(api[- ]only|only (?:an? )?(?:rest |json )?api|just (?:an? )?(?:rest |json )?api|no (?:ui|frontend|front[- ]end)|"
    r"without (?:an? )?(?:ui|frontend|front[- ]end)|backend[- ]only|headless|an? (?:rest |json )?api (?:for|to|that))\b"
)
_NO_BACKEND = re.compile(r"\b(frontend[- ]only|front[- ]end only|no backend|without (?:a )?backend|static (?:site|page))\b")
_TRIGGER = re.compile(
    r"\b(?:with|of|manag\w*|track\w*|stor\w*|for|list\w*|organi[sz]\w*|book\w*|schedul\w*|record\w*|keep\w*|"
    r"handl\w*|has|have|contain\w*|about|add\w*|edit\w*|crud)\s+(.+)"
)
_RELATION = re.compile(r"\b([a-z]+)\s+(?:(?:are|is)\s+)?(?:on|for|of|to|in|under|belong(?:s|ing)? to|attached to|linked to)\s+(?:an?\s+|the\s+)?([a-z]+)")
_HAS_MANY = re.compile(r"\b([a-z]+)\s+(?:has|have|contain|contains)\s+(?:many|several|multiple|some)\s+([a-z]+)")


def extract_spec(request: str) -> AppSpec:
    """Build an AppSpec from a plain-language request, recording what was assumed."""
    text = " ".join(request.split())
    low = text.lower()
    assumptions: list[str] = []

    auth = bool(_AUTH.search(low))
    frontend = not _NO_FRONTEND.search(low)
    backend = not _NO_BACKEND.search(low)
    if not frontend and not backend:
        frontend = backend = True
    if auth and not backend:
        backend = True
        assumptions.append("logging in needs a server, so the app has a backend after all")

    entities = _entities(low)
    if not entities:
        entities = {"Item": {}}
        assumptions.append("the request names no records to keep, so the app manages generic items (name, description)")

    built: list[Entity] = []
    known = set(entities)
    for name, explicit in entities.items():
        fields = _fields_for(name, explicit, low, assumptions)
        for target in _relations(name, low, known):
            fname = camel(target)
            if all(f.name != fname for f in fields):
                fields.append(Field(name=fname, type="ref", ref=target, required=False))
        built.append(Entity(name=name, fields=fields))

    title = _title(low, built)
    return AppSpec(
        name=title, title=title.title(), description=text[:500], entities=built, auth=auth,
        frontend=frontend, backend=backend, assumptions=assumptions,
    )


def _clauses(low: str) -> list[str]:
    return [c.strip() for c in re.split(r"[.;!?\n]|\busers? (?:must|should|can|need)\b|\bwhere\b|\bso that\b", low) if c.strip()]


def _entities(low: str) -> dict[str, dict[str, str]]:
    """Entity name -> explicitly listed fields (field phrase -> type hint or '')."""
    found: dict[str, dict[str, str]] = {}

    def add(noun: str | None, fields: dict[str, str] | None = None) -> None:
        if noun:
            found.setdefault(noun, {}).update(fields or {})

    # the noun naming the app ("a todo app", "a recipe tracker", "a blog") when it is a known record
    for m in re.finditer(r"\b([a-z]+)\s+(?:app|application|tracker|manager|list|organi[sz]er|planner|log|book|catalog(?:ue)?)\b", low):
        if m.group(1) in _FIELD_HINTS:
            add(_noun(m.group(1)))
    if re.search(r"\bblog\b", low):
        add("Post")
    for clause in _clauses(low):
        clause, groups = _take_groups(clause)
        for noun_word, body in groups:  # "issues (title, priority (low/high), due date)"
            add(_noun(noun_word), _field_list(body))
        # "tasks: title, due date" and "tasks with fields title, due date"
        m = re.search(r"\b([a-z]+)\s*(?::|with (?:the )?fields?|having)\s+(.+)$", clause)
        if m and _noun(m.group(1)) and (_is_plural(m.group(1)) or m.group(1) in _FIELD_HINTS):
            add(_noun(m.group(1)), _field_list(m.group(2)))
            clause = clause[: m.start(2)]
        # "each workout has a date and a duration": singular items are fields of the owner
        m = re.search(r"\b([a-z]+)\s+(?:has|have|contains?|includes?|needs?|stores?)\s+(?:an?\s+|the\s+)(.+)$", clause)
        if m and _noun(m.group(1)):
            owner = _noun(m.group(1))
            singles = {p: "" for p in _split_list(m.group(2)) if not _is_plural(p.split()[-1])}
            singles = {re.sub(r"^(?:an?|the)\s+", "", p): h for p, h in singles.items()}
            if singles:
                add(owner, singles)
        first = _TRIGGER.search(clause)
        _list_items(clause[: first.start()] if first else clause, add)
        for m in _TRIGGER.finditer(clause):
            _list_items(m.group(1), add)
    # known records named anywhere in the plural ("customers place orders")
    for word in re.findall(r"[a-z]+", low):
        single = singularize(word)
        if single in _FIELD_HINTS and word != single and single not in _NOT_ENTITIES:
            add(_noun(word))
    # drop "entities" that are actually listed fields of another entity
    fields = {camel(f).lower() for body in found.values() for f in body}
    return {n: body for n, body in found.items() if n.lower() not in fields or body}


def _take_groups(clause: str) -> tuple[str, list[tuple[str, str]]]:
    """Pull out 'noun ( ... )' groups, nested parentheses allowed; return the rest and the groups."""
    groups: list[tuple[str, str]] = []
    out, i = [], 0
    while i < len(clause):
        m = re.compile(r"([a-z]+)\s*\(").search(clause, i)
        if not m:
            out.append(clause[i:])
            break
        depth, j = 0, m.end() - 1
        while j < len(clause):
            depth += {"(": 1, ")": -1}.get(clause[j], 0)
            if depth == 0:
                break
            j += 1
        groups.append((m.group(1), clause[m.end(): j]))
        out.append(clause[i: m.start()] + m.group(1))
        i = j + 1
    return "".join(out), groups


def _list_items(phrase: str, add) -> None:
    """Entities from a list like 'patients, doctors and appointments' or 'expenses with amount and date'."""
    owner: str | None = None
    for part in _split_list(phrase):
        with_fields = re.split(r"\bwith\b", part, maxsplit=1)
        head_part = re.split(r"\b(?:on|for|of|in|to|under|from|by|at|per|belonging|inside|within)\b", with_fields[0])[0]
        words = [w for w in re.findall(r"[a-z]+", head_part) if w not in _STOP and w not in _ADJECTIVES]
        if owner is not None and words and not _is_plural(words[-1]):
            add(owner, {" ".join(words): ""})  # a singular item after 'X with' is a field of X
            continue
        if not words:
            continue
        noun = _noun(words[-1])
        if noun and (_is_plural(words[-1]) or words[-1] in _FIELD_HINTS):
            add(noun)
            if len(with_fields) > 1:
                owner = noun
                rest = [w for w in re.findall(r"[a-z]+", with_fields[1]) if w not in _STOP]
                if rest and not _is_plural(rest[-1]):
                    add(owner, {" ".join(rest): ""})


def _split_list(phrase: str) -> list[str]:
    phrase = re.split(r"\b(?:that|which|who|where|so|must|should|can|will|using|in which)\b", phrase)[0]
    return [p.strip() for p in re.split(r",|\band\b|&|\bor\b|\bplus\b|/", phrase) if p.strip()]


def _noun(word: str) -> str | None:
    word = word.lower()
    if word in _NOT_ENTITIES or word in _STOP or len(word) < 3:
        return None
    single = singularize(word)
    if single in _NOT_ENTITIES or single.lower() in ENTITY_RESERVED:
        return None
    return pascal(single)


def _is_plural(word: str) -> bool:
    return word.endswith("s") and not word.endswith(("ss", "us", "is")) or word in ("people", "children")


def _field_list(body: str) -> dict[str, str]:
    out: dict[str, str] = {}
    body, groups = _take_groups(body)
    hints = dict(groups)
    for part in re.split(r",|\band\b|;", body):
        part = re.sub(r"^\s*(?:an?|the|its|their)\s+", "", part.strip())
        m = re.match(r"([a-z][a-z ]*?)\s*(?:\(([^)]*)\)|as (?:an? )?([a-z]+)|:\s*([a-z/|]+))?\s*$", part)
        if not m:
            continue
        name = re.sub(r"\b(flag|field)\b", "", m.group(1)).strip()
        if name and camel(name):
            last = name.split()[-1]
            out[name] = (m.group(2) or m.group(3) or m.group(4) or hints.get(last, "")).strip()
    return out


def _infer_type(name: str, hint: str = "") -> tuple[str, list[str]]:
    n = camel(name).lower()
    hint = hint.lower()
    options = [camel(o) for o in re.split(r"[/|,]", hint) if o.strip()] if re.search(r"[/|,]", hint) else []
    if options:
        return "enum", options
    for key, kind in (("email", "email"), ("bool", "boolean"), ("date", "date"), ("time", "datetime"),
                      ("int", "integer"), ("number", "number"), ("text", "text")):
        if key in hint:
            return kind, []
    if n in _ENUM_DEFAULTS:
        return "enum", list(_ENUM_DEFAULTS[n])
    if "email" in n:
        return "email", []
    if n.endswith(("at", "time")) or n in ("starts", "ends", "when", "datetime", "scheduledfor"):
        return "datetime", []
    if "date" in n or n in ("due", "deadline", "birthday", "dob") or camel(name).endswith("On"):
        return "date", []
    if n.startswith(("is", "has")) and len(n) > 3 or n in ("done", "completed", "complete", "active", "published",
                                                           "paid", "archived", "finished", "enabled", "available"):
        return "boolean", []
    if n in ("quantity", "count", "age", "year", "stock", "pages", "capacity", "minutes", "credits", "seats") or n.startswith("numberof"):
        return "integer", []
    if n in ("price", "amount", "cost", "total", "salary", "rating", "score", "weight", "height", "balance", "budget"):
        return "number", []
    if n in ("description", "notes", "note", "body", "content", "bio", "text", "details", "summary", "instructions", "reason"):
        return "text", []
    return "string", []


def _fields_for(entity: str, explicit: dict[str, str], low: str, assumptions: list[str]) -> list[Field]:
    fields: list[Field] = []
    if explicit:
        pairs = [(name, *_infer_type(name, hint)) for name, hint in explicit.items()]
    else:
        hints = _FIELD_HINTS.get(entity.lower())
        if hints is None:
            hints = [("name", "string"), ("description", "text")]
            assumptions.append(f"{entity} has no fields in the request, so it gets a name and a description")
        pairs = []
        for name, kind in hints:
            options = (_APPOINTMENT_STATUS if entity.lower() in ("appointment", "booking") else _ENUM_DEFAULTS.get(name, [])) if kind == "enum" else []
            pairs.append((name, kind, options))
    seen: set[str] = set()
    for name, kind, options in pairs:
        fname = camel(name)
        if not fname or fname.lower() in seen or fname in ("id", "createdAt", "updatedAt") or fname.lower() in RESERVED:
            continue
        seen.add(fname.lower())
        optional = kind in ("text", "boolean") or fname in ("dueDate", "phone", "bio")
        fields.append(Field(name=fname, type=kind, options=options, required=not optional))
    return fields or [Field(name="name")]


def _relations(entity: str, low: str, known: set[str]) -> list[str]:
    """Entities this one refers to: 'comments on issues', 'projects have many tasks', domain pairs."""
    targets: list[str] = []
    for m in _RELATION.finditer(low):
        src, dst = _noun(m.group(1)), _noun(m.group(2))
        if src == entity and dst in known and dst != entity and dst not in targets:
            targets.append(dst)
    for m in _HAS_MANY.finditer(low):
        parent, child = _noun(m.group(1)), _noun(m.group(2))
        if child == entity and parent in known and parent != entity and parent not in targets:
            targets.append(parent)
    domain = {"Appointment": ("Patient", "Doctor"), "Booking": ("Room", "Customer"), "Review": ("Product", "Movie", "Book"),
              "Comment": ("Post", "Issue", "Task", "Ticket"), "Order": ("Customer",), "Invoice": ("Customer",),
              "Ingredient": ("Recipe",)}
    for dst in domain.get(entity, ()):
        if dst in known and dst not in targets:
            targets.append(dst)
    return targets


def _title(low: str, entities: list[Entity]) -> str:
    m = re.search(r"(?:^|\b(?:an?|the|my|our)\s+)((?:[a-z]+\s){0,2}?)(?:app|application|website|site|system|tool|platform|manager|tracker|service|api)\b", low)
    if m:
        words = [w for w in m.group(1).split() if w not in _ADJECTIVES and w not in _STOP and w not in ("rest", "json", "web", "full", "stack")]
        if words:
            return " ".join(words) + " app"
    return f"{entities[0].plural} app"
