"""What was understood of a request: the spec's parts with the words each came from, the rules kept,
the phrases not understood, and the parts the generator does not build yet. Shown in the plan panel,
the run's summary and --json, so a person can see (and fix, at --approve plan) what the app will be."""

from __future__ import annotations

from typing import Any

from autodevos.agents.render import SUPPORTED
from autodevos.domain.spec import AppSpec, not_built


def _type(f: Any) -> str:
    if f.type == "enum":
        return "enum(" + " / ".join(f.option_labels or f.options) + ")"
    if f.type in ("ref", "refs"):
        return ("many " if f.type == "refs" else "") + f"{f.ref}" + ("" if f.required or f.type == "refs" else "?")
    return f.type


def _constraints(f: Any) -> list[str]:
    out = []
    if f.unique:
        out.append("unique")
    if f.min is not None:
        out.append(f"min {f.min:g}")
    if f.max is not None:
        out.append(f"max {f.max:g}")
    if f.min_length is not None:
        out.append(f"at least {f.min_length} chars")
    if f.max_length is not None:
        out.append(f"at most {f.max_length} chars")
    if f.default is not None:
        out.append(f"default {f.default}")
    if not f.required and f.type not in ("refs",):
        out.append("optional")
    return out


def understood(spec: AppSpec, checked: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Plain data: entities (fields with type, constraints and source words), relations, roles,
    ownership, rules, unparsed phrases, assumptions, and what is not built yet. `checked`: verify's
    result per rule ({text, status, test}); a rule with a test result is no longer 'not built'."""
    results = {r["text"]: r for r in checked or [] if r.get("status") not in (None, "not built")}
    return {
        "entities": [
            {"name": e.name, "label": e.label, "source": e.source, "assumed": e.assumed, "owned": e.owned,
             "fields": [{"name": f.name, "type": _type(f), "constraints": _constraints(f), "source": f.source, "assumed": f.assumed}
                        for f in e.fields if f.type not in ("ref", "refs")]}
            for e in spec.entities
        ],
        "relations": [{"kind": r.kind + ("(self)" if r.self_reference else ""), "from": r.source, "to": r.target, "field": r.field,
                       "required": r.required, "on_delete": r.on_delete,
                       "source": next(f.source for f in spec.entity(r.source).fields if f.name == r.field)} for r in spec.relations],
        "roles": [{"name": r.name, "label": r.label, "create": r.create, "update": r.update, "delete": r.delete, "source": r.source}
                  for r in spec.roles],
        "owned": [e.name for e in spec.entities if e.owned],
        "rules": [{"text": r.text, "kind": r.kind, "entities": r.entities,
                   "status": results.get(r.text, {}).get("status", "not built"), "test": results.get(r.text, {}).get("test", "")}
                  for r in spec.rules],
        "unparsed": list(spec.unparsed),
        "assumptions": list(spec.assumptions),
        "not_built": not_built(spec, SUPPORTED) + [f"not built (needs a model): rule: {r.text}" for r in spec.rules
                                                   if r.text not in results],
    }


def warnings(spec: AppSpec, checked: list[dict[str, Any]] | None = None) -> list[str]:
    """One line each for what the run could not understand or build, and each rule a test checked
    that did not pass (the summary shows them)."""
    info = understood(spec, checked)
    out = [f"not understood: {p!r}" for p in info["unparsed"]]
    out += [f"rule {r['status']}: {r['text']}" + (f" ({r['test']})" if r["test"] else "")
            for r in info["rules"] if r["status"] in ("failed", "missing")]
    return out + info["not_built"]


def passed_rules(spec: AppSpec, checked: list[dict[str, Any]] | None = None) -> list[str]:
    """One line per rule whose acceptance test passed (the summary shows them)."""
    return [f"rule passed: {r['text']} ({r['test']})" for r in understood(spec, checked)["rules"] if r["status"] == "passed"]
