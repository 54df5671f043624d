"""The seed agent's offline renderer: spec -> fixtures per entity and the script that loads them.

Fixture values come from AutoDevOS's own sample values (`autodevos.agents.render.sample`: within
each field's type, bounds and enum options, as the generated tests use them). A ref names an
earlier entity's fixture by its number (1: the first); the seed script turns it into the id that
record got. Entities are seeded in an order where every required ref points back; an optional ref
or a list of refs to an entity seeded later (or to the same entity) is left out. A unique field
never repeats: a fixture whose unique value an earlier one has is dropped.

Every file is written as Prettier prints it (the app's `npm run format:check` covers backend/seed/).
"""

from __future__ import annotations

from importlib.resources import files

from autodevos.agents.render import SUPPORTED, owned, sample, scoped
from autodevos.domain.spec import AppSpec, Entity, buildable
from jinja2 import Environment, StrictUndefined

RECORDS = 3
"""Fixtures per entity (fewer when a unique field has fewer values, e.g. a unique yes/no field)."""

SEED_EMAIL = "seed@example.com"
"""The account that owns the seeded records of an app with login."""

Fixture = dict[str, object]


def render_seed(spec: AppSpec) -> dict[str, str]:
    """backend/seed/<slug>.json per entity and backend/seed/seed.ts; {} without a backend or entities."""
    if not spec.backend or not spec.entities:
        return {}
    spec = buildable(spec, SUPPORTED)  # what the backend agent builds
    order = creation_order(spec)
    made: dict[str, list[Fixture]] = {}
    for e in order:
        made[e.name] = fixtures(spec, e, made)
    out = {f"backend/seed/{e.slug}.json": to_json(made[e.name]) for e in order}
    steps = [_step(spec, e, {x.name for x in order[:i]}) for i, e in enumerate(order)]
    account = any(s["owner"] for s in steps)  # records that belong to a user need an account to own them
    out["backend/seed/seed.ts"] = _template().render(spec=spec, steps=steps, first=order[0], owned=owned, account=account,
                                                     SEED_EMAIL=SEED_EMAIL)
    return out


def creation_order(spec: AppSpec) -> list[Entity]:
    """The entities, each after those its required refs point to, and after those its other refs
    point to when a loop of optional refs allows it (the spec's order otherwise). AutoDevOS refuses a
    spec with a loop of required refs, so the required ones always can be."""
    left, order = list(spec.entities), []

    def after(e: Entity, done: set[str], required_only: bool) -> bool:
        return all(f.ref in done or f.ref == e.name for f in e.fields
                   if f.type in ("ref", "refs") and (f.required and f.type == "ref" or not required_only))

    while left:
        done = {e.name for e in order}
        ready = (next((e for e in left if after(e, done, False)), None)
                 or next((e for e in left if after(e, done, True)), left[0]))
        left.remove(ready)
        order.append(ready)
    return order


def fixtures(spec: AppSpec, entity: Entity, made: dict[str, list[Fixture]]) -> list[Fixture]:
    """The entity's fixtures; `made` holds those of the entities seeded before it."""
    out: list[Fixture] = []
    seen: dict[str, set[str]] = {f.name: set() for f in entity.fields if f.unique}
    for n in range(1, RECORDS + 1):
        record: Fixture = {}
        for f in entity.fields:
            if f.type in ("ref", "refs"):
                targets = made.get(f.ref or "")
                if targets is None or f.ref == entity.name:
                    continue  # seeded later, or the entity itself: left out (it is optional, or a list)
                pick = (n - 1) % len(targets) + 1
                record[f.name] = pick if f.type == "ref" else [pick]
            else:
                record[f.name] = _plain(sample(entity, f, n))
        keys = {name: repr(record.get(name)) for name in seen}
        if any(k in seen[name] for name, k in keys.items()):
            continue  # a unique value an earlier fixture has
        for name, k in keys.items():
            seen[name].add(k)
        out.append(record)
    return out


def refs_of(entity: Entity, before: set[str]) -> list[tuple[str, str]]:
    """(field, entity it points to) of the ref fields the fixtures set: those to the entities seeded `before` it."""
    return [(f.name, f.ref) for f in entity.fields
            if f.type in ("ref", "refs") and f.ref in before and f.ref != entity.name]  # type: ignore[misc]


def to_json(records: list[Fixture]) -> str:
    """JSON as Prettier prints it: each record's keys one a line, short lists on one line."""
    if not records:
        return "[]\n"
    import json

    def value(v: object) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(json.dumps(x, ensure_ascii=False) for x in v) + "]"
        return json.dumps(v, ensure_ascii=False)

    def record(r: Fixture) -> str:
        if not r:
            return "  {}"
        lines = [f'    {json.dumps(k)}: {value(v)}' for k, v in r.items()]
        return "  {\n" + ",\n".join(lines) + "\n  }"

    return "[\n" + ",\n".join(record(r) for r in records) + "\n]\n"


def _plain(value: object) -> object:
    """A sample value as JSON holds it (a whole float as an integer: 12, not 12.0)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _step(spec: AppSpec, entity: Entity, before: set[str]) -> dict[str, object]:
    return {"entity": entity, "owner": ", owner" if scoped(spec, entity) else "",
            "refs": [(field, made_var(spec.entity(target))) for field, target in refs_of(entity, before)]}


def made_var(entity: Entity) -> str:
    """The script's variable for the ids an entity's fixtures got."""
    return f"{entity.var}Ids"


def _template():
    env = Environment(undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                      autoescape=False)
    env.filters["ids"] = made_var
    text = (files("autodevos_seed") / "templates" / "seed.ts.j2").read_text(encoding="utf-8")
    return env.from_string(text)
