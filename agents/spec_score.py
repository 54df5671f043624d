"""Scoring an AppSpec against an expected spec from the request corpus (tests/data/requests/FORMAT.md).

Pure functions: a corpus file in, an `Expectation` out; a spec and an expectation in, a `CaseScore`
(true/false positives and negatives per category, plus the misses in words) out. The bench
(bench/spec_accuracy.py) and the regression test run extractors through `measure`.

How things are matched and counted:
- Names match case-insensitively once everything but letters and digits is removed; an extracted
  name matches an expected one when it equals any stated alternative (`Flat|Apartment`). Entities
  also match through the singular or plural of either name. Matching is greedy and one-to-one:
  exact before inflected, an earlier-named alternative before a later one, then in corpus order.
- Entities and fields the extractor marked `assumed` are guesses and not scored; nor are relations
  from an assumed field or touching an assumed entity. ref/refs fields are relations, not fields.
- Fields of an extra entity count as extra fields; fields of a missed entity as missed fields.
- types: a field counts when its name matches and its type is right (`text` = `string`; an enum
  also needs the same option set, compared case-insensitively without spaces or punctuation).
  `type_agreement` is the share of name-matched fields whose type is right.
- constraints: unique, optional, min=N, max=N of name-matched fields; an extracted one the request
  does not state is an extra (FORMAT.md: each only when stated). min/max of a text field are its length.
- relations: kind and endpoints (many-to-many unordered); each ref/refs field is one relation.
  `relation_required` is the share of matched many-to-one relations whose required/optional agrees.
- access: the owned entities and the role names, as one category; each part only where stated.
- rules: by count only (found vs stated): min(found, stated) are hits.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from autodevos.domain.spec import AppSpec, pascal, pluralize, singularize

SPLITS = ("dev", "test")
CATEGORIES = ("entities", "fields", "types", "constraints", "relations", "access", "rules")
POOLED = ("entities", "fields", "types", "relations", "access")
"""The categories the overall F1 pools."""
AGREEMENTS = ("type_agreement", "relation_required", "auth", "frontend")
TYPES = frozenset({"string", "text", "integer", "number", "boolean", "date", "datetime", "email", "enum"})
_FLAGS = ("unique", "optional")
_BOUND = re.compile(r"^(min|max)=(-?\d+(?:\.\d+)?)$")
_RELATION = re.compile(r"^\s*(\w+(?:\|\w+)*)\s*(<->|->)\s*(\w+(?:\|\w+)*)\s*(\?)?\s*$")


class CorpusError(ValueError):
    """A corpus file that does not follow FORMAT.md; the message names the file and the part."""


# --- the expectation ------------------------------------------------------------------------------

@dataclass(frozen=True)
class TypeSpec:
    name: str
    options: frozenset[str] = frozenset()
    """enum only: the options, normalised."""

    def __str__(self) -> str:
        return f"enum[{','.join(sorted(self.options))}]" if self.name == "enum" else self.name


@dataclass(frozen=True)
class ExpectedField:
    names: tuple[str, ...]
    types: tuple[TypeSpec, ...]
    constraints: frozenset[str] = frozenset()
    """'unique', 'optional', 'min=N', 'max=N' (N as %g)."""


@dataclass(frozen=True)
class ExpectedEntity:
    names: tuple[str, ...]
    fields: tuple[ExpectedField, ...] = ()


@dataclass(frozen=True)
class ExpectedRelation:
    kind: str
    """many_to_one | many_to_many"""
    source: int
    """index into Expectation.entities"""
    target: int
    required: bool
    text: str


@dataclass(frozen=True)
class Expectation:
    entities: tuple[ExpectedEntity, ...]
    relations: tuple[ExpectedRelation, ...] = ()
    owned: frozenset[int] | None = None
    """indexes of the owned entities; None: not stated, not scored"""
    roles: tuple[tuple[str, ...], ...] | None = None
    rules: int | None = None
    auth: bool | None = None
    frontend: bool | None = None


@dataclass(frozen=True)
class Case:
    id: str
    split: str
    request: str
    voice: str
    expect: Expectation


def norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _alternatives(key: Any, where: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in str(key).split("|") if n.strip())
    if not names or any(not norm(n) for n in names):
        raise CorpusError(f"{where}: bad name {key!r}")
    return names


def parse_field_spec(text: Any, where: str) -> tuple[tuple[TypeSpec, ...], frozenset[str]]:
    """'integer|number unique min=1' -> (types, constraints)."""
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: field spec {text!r} is not 'TYPE [unique] [optional] [min=N] [max=N]'")
    tokens = re.findall(r"\S*\[[^\]]*\]\S*|\S+", text.strip())
    types: list[TypeSpec] = []
    for alt in re.split(r"\|(?![^\[]*\])", tokens[0]):
        m = re.fullmatch(r"enum\[([^\]]*)\]", alt.strip())
        if m:
            options = frozenset(norm(o) for o in m.group(1).split(",") if norm(o))
            if not options:
                raise CorpusError(f"{where}: enum with no options in {text!r}")
            types.append(TypeSpec("enum", options))
        elif alt.strip() in TYPES - {"enum"}:
            types.append(TypeSpec(alt.strip()))
        else:
            raise CorpusError(f"{where}: unknown type {alt!r} in {text!r} (known: {', '.join(sorted(TYPES))})")
    constraints: set[str] = set()
    for tok in tokens[1:]:
        m = _BOUND.match(tok)
        if tok in _FLAGS:
            constraints.add(tok)
        elif m:
            constraints.add(f"{m.group(1)}={float(m.group(2)):g}")
        else:
            raise CorpusError(f"{where}: unknown word {tok!r} in {text!r} (known: unique, optional, min=N, max=N)")
    return tuple(types), frozenset(constraints)


def parse_expectation(data: Any, where: str) -> Expectation:
    """The `expect:` mapping of a corpus file -> Expectation."""
    if not isinstance(data, dict):
        raise CorpusError(f"{where}: 'expect' is not a mapping")
    unknown = set(data) - {"auth", "frontend", "entities", "relations", "owned", "roles", "rules"}
    if unknown:
        raise CorpusError(f"{where}: unknown key(s) under expect: {', '.join(sorted(unknown))}")
    if "entities" not in data:
        raise CorpusError(f"{where}: expect has no 'entities'")
    raw = data["entities"] or {}
    if not isinstance(raw, dict):
        raise CorpusError(f"{where}: expect.entities is not a mapping")
    entities = []
    for key, fields in raw.items():
        names = _alternatives(key, where)
        fields = fields or {}
        if not isinstance(fields, dict):
            raise CorpusError(f"{where}: entity {key!r} has {fields!r}, not a mapping of fields")
        parsed = tuple(ExpectedField(_alternatives(fk, f"{where}: {key}"), *parse_field_spec(fv, f"{where}: {key}.{fk}"))
                       for fk, fv in fields.items())
        entities.append(ExpectedEntity(names, parsed))

    def resolve(name: str) -> int:
        wanted = {norm(n) for n in name.split("|")}
        for i, e in enumerate(entities):
            if wanted & {norm(n) for n in e.names}:
                return i
        raise CorpusError(f"{where}: {name!r} is not one of the expected entities")

    relations = []
    for text in data.get("relations") or []:
        m = _RELATION.match(str(text))
        if not m or (m.group(2) == "<->" and m.group(4)):
            raise CorpusError(f"{where}: relation {text!r} is not 'A -> B', 'A -> B?' or 'A <-> B'")
        kind = "many_to_many" if m.group(2) == "<->" else "many_to_one"
        relations.append(ExpectedRelation(kind, resolve(m.group(1)), resolve(m.group(3)), not m.group(4), str(text).strip()))
    owned = None if "owned" not in data else frozenset(resolve(str(n)) for n in data["owned"] or [])
    roles = None if "roles" not in data else tuple(_alternatives(r, f"{where}: roles") for r in data["roles"] or [])
    rules = data.get("rules")
    if rules is not None and (not isinstance(rules, int) or isinstance(rules, bool) or rules < 0):
        raise CorpusError(f"{where}: rules is {rules!r}, not a count")
    for key in ("auth", "frontend"):
        if key in data and not isinstance(data[key], bool):
            raise CorpusError(f"{where}: {key} is {data[key]!r}, not true or false")
    return Expectation(tuple(entities), tuple(relations), owned, roles, rules, data.get("auth"), data.get("frontend"))


def load_case(path: Path, split: str) -> Case:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CorpusError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("request"), str) or not data["request"].strip():
        raise CorpusError(f"{path}: needs a 'request' text and an 'expect' mapping")
    return Case(path.stem, split, data["request"], str(data.get("voice", "")), parse_expectation(data.get("expect"), str(path)))


def load_corpus(root: Path, splits: Iterable[str] = SPLITS) -> dict[str, list[Case]]:
    """split -> its cases, in file-name order (an absent folder is an empty split)."""
    out: dict[str, list[Case]] = {}
    for split in splits:
        folder = Path(root) / split
        paths = sorted(p for p in folder.glob("*") if p.suffix in (".yaml", ".yml")) if folder.is_dir() else []
        out[split] = [load_case(p, split) for p in paths]
    return out


# --- counts ---------------------------------------------------------------------------------------

@dataclass
class Count:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Count) -> Count:
        return Count(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """2TP / (2TP + FP + FN); None when there was nothing to find and nothing found."""
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else None


@dataclass
class Agreement:
    agree: int = 0
    total: int = 0

    def __add__(self, other: Agreement) -> Agreement:
        return Agreement(self.agree + other.agree, self.total + other.total)

    @property
    def rate(self) -> float | None:
        return self.agree / self.total if self.total else None


@dataclass
class CaseScore:
    counts: dict[str, Count] = field(default_factory=lambda: {c: Count() for c in CATEGORIES})
    agreements: dict[str, Agreement] = field(default_factory=lambda: {a: Agreement() for a in AGREEMENTS})
    unparsed: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def overall(self) -> Count:
        return sum((self.counts[c] for c in POOLED), Count())


# --- matching -------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _inflections(name: str) -> frozenset[str]:
    """The name, and its singular and plural (of its last word)."""
    m = re.search(r"([A-Z]?[a-z0-9]+|[A-Z]+)$", name)
    head, last = (name[: m.start()], m.group(1)) if m else ("", name)
    return frozenset({norm(name), norm(head + singularize(last)), norm(pluralize(name))})


def match_names(expected: list[tuple[str, ...]], extracted: list[str], *, inflect: bool = False) -> dict[int, int]:
    """Greedy one-to-one matching: expected index -> extracted index."""
    candidates = []
    for i, alts in enumerate(expected):
        for j, name in enumerate(extracted):
            n = norm(name)
            exact = [k for k, a in enumerate(alts) if n == norm(a)]
            inflected = [k for k, a in enumerate(alts) if inflect and _inflections(name) & _inflections(a)]
            if exact or inflected:
                candidates.append(((0, exact[0]) if exact else (1, inflected[0]), i, j))
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for _, i, j in sorted(candidates):
        if i not in pairs and j not in taken:
            pairs[i] = j
            taken.add(j)
    return pairs


def type_ok(kind: str, options: Iterable[str], wanted: tuple[TypeSpec, ...]) -> bool:
    got = "string" if kind == "text" else kind
    for t in wanted:
        if ("string" if t.name == "text" else t.name) != got:
            continue
        if got != "enum" or {norm(o) for o in options} == t.options:
            return True
    return False


def constraints_of(f: Any) -> frozenset[str]:
    out = {name for name, on in (("unique", f.unique), ("optional", not f.required)) if on}
    low, high = (f.min_length, f.max_length) if f.type in ("string", "text", "email") else (f.min, f.max)
    out |= {f"{k}={float(v):g}" for k, v in (("min", low), ("max", high)) if v is not None}
    return frozenset(out)


def _types_text(types: tuple[TypeSpec, ...]) -> str:
    return "|".join(str(t) for t in types)


def _field_type_text(f: Any) -> str:
    return f"enum[{','.join(sorted(norm(o) for o in f.options))}]" if f.type == "enum" else f.type


def score_spec(spec: AppSpec, expect: Expectation) -> CaseScore:
    """Score one extracted spec against one expectation."""
    s = CaseScore(unparsed=len(spec.unparsed))
    c, miss = s.counts, s.misses
    ents = [e for e in spec.entities if not e.assumed]
    expected_names = {norm(n) for e in expect.entities for n in e.names}
    names = []
    for e in ents:  # an entity renamed for safety (Case -> CaseEntry) is matched by the user's word, its label
        words = e.label.split()
        by_label = pascal(" ".join([*words[:-1], singularize(words[-1])])) if words else ""
        names.append(by_label if by_label and norm(e.name) not in expected_names and norm(by_label) in expected_names else e.name)
    pairs = match_names([e.names for e in expect.entities], names, inflect=True)
    back = {j: i for i, j in pairs.items()}

    def label(i: int) -> str:
        exp = expect.entities[i].names[0]
        got = ents[pairs[i]].name if i in pairs else exp
        return exp if norm(got) == norm(exp) else f"{exp}({got})"

    c["entities"] = Count(len(pairs), len(ents) - len(pairs), len(expect.entities) - len(pairs))
    miss += [f"entity missed: {e.names[0]}" for i, e in enumerate(expect.entities) if i not in pairs]
    miss += [f"entity extra: {e.name}" for j, e in enumerate(ents) if j not in back]

    for j, e in enumerate(ents):  # fields of extra entities
        if j not in back:
            extra = [f for f in e.fields if not f.assumed and f.type not in ("ref", "refs")]
            for key in ("fields", "types"):
                c[key].fp += len(extra)
            miss += [f"field extra: {e.name}.{f.name}" for f in extra]
    for i, exp in enumerate(expect.entities):
        if i not in pairs:  # fields of missed entities
            for key in ("fields", "types"):
                c[key].fn += len(exp.fields)
            miss += [f"field missed: {exp.names[0]}.{f.names[0]}" for f in exp.fields]
            c["constraints"].fn += sum(len(f.constraints) for f in exp.fields)
            continue
        got = [f for f in ents[pairs[i]].fields if not f.assumed and f.type not in ("ref", "refs")]
        fpairs = match_names([f.names for f in exp.fields], [f.name for f in got])
        fback = set(fpairs.values())
        for key in ("fields", "types"):
            c[key].fp += len(got) - len(fpairs)
            c[key].fn += len(exp.fields) - len(fpairs)
        c["fields"].tp += len(fpairs)
        miss += [f"field missed: {label(i)}.{f.names[0]}" for k, f in enumerate(exp.fields) if k not in fpairs]
        miss += [f"field extra: {label(i)}.{f.name}" for k, f in enumerate(got) if k not in fback]
        for k, ef in enumerate(exp.fields):
            if k not in fpairs:
                c["constraints"].fn += len(ef.constraints)
                continue
            f = got[fpairs[k]]
            ok = type_ok(f.type, f.options, ef.types)
            s.agreements["type_agreement"] += Agreement(int(ok), 1)
            c["types"] += Count(1, 0, 0) if ok else Count(0, 1, 1)
            if not ok:
                miss.append(f"type: {label(i)}.{ef.names[0]} is {_field_type_text(f)}, expected {_types_text(ef.types)}")
            have = constraints_of(f)
            c["constraints"] += Count(len(have & ef.constraints), len(have - ef.constraints), len(ef.constraints - have))
            miss += [f"constraint missed: {label(i)}.{ef.names[0]} {x}" for x in sorted(ef.constraints - have)]
            miss += [f"constraint extra: {label(i)}.{ef.names[0]} {x}" for x in sorted(have - ef.constraints)]

    _score_relations(s, spec, ents, back, expect)
    _score_access(s, spec, ents, back, expect)
    if expect.rules is not None:
        found = len(spec.rules)
        c["rules"] = Count(min(found, expect.rules), max(0, found - expect.rules), max(0, expect.rules - found))
        if found != expect.rules:
            miss.append(f"rules: found {found}, stated {expect.rules}")
    for key in ("auth", "frontend"):
        want = getattr(expect, key)
        if want is not None:
            got_flag = bool(getattr(spec, key))
            s.agreements[key] = Agreement(int(got_flag == want), 1)
            if got_flag != want:
                miss.append(f"{key}: {str(got_flag).lower()}, expected {str(want).lower()}")
    miss += [f"unparsed: {p!r}" for p in spec.unparsed]
    return s


def _score_relations(s: CaseScore, spec: AppSpec, ents: list, back: dict[int, int], expect: Expectation) -> None:
    index = {e.name: j for j, e in enumerate(ents)}
    found = []  # (key or None, required, text)
    for j, e in enumerate(ents):
        for f in e.fields:
            if f.type not in ("ref", "refs") or f.assumed or f.ref not in index:
                continue
            kind = "many_to_one" if f.type == "ref" else "many_to_many"
            text = f"{e.name} {'->' if f.type == 'ref' else '<->'} {f.ref}{'?' if f.type == 'ref' and not f.required else ''}"
            a, b = back.get(j), back.get(index[f.ref])
            key = None if a is None or b is None else _relation_key(kind, a, b)
            found.append((key, f.required, text))
    used: set[int] = set()
    for r in expect.relations:
        key = _relation_key(r.kind, r.source, r.target)
        k = next((k for k, (fk, _, _) in enumerate(found) if k not in used and fk == key), None)
        if k is None:
            s.counts["relations"].fn += 1
            s.misses.append(f"relation missed: {r.text}")
            continue
        used.add(k)
        s.counts["relations"].tp += 1
        if r.kind == "many_to_one":
            agree = found[k][1] == r.required
            s.agreements["relation_required"] += Agreement(int(agree), 1)
            if not agree:
                s.misses.append(f"relation {'optional' if r.required else 'required'}: {found[k][2]}, expected {r.text}")
    for k, (_, _, text) in enumerate(found):
        if k not in used:
            s.counts["relations"].fp += 1
            s.misses.append(f"relation extra: {text}")


def _relation_key(kind: str, a: int, b: int) -> tuple:
    return (kind, frozenset((a, b))) if kind == "many_to_many" else (kind, a, b)


def _score_access(s: CaseScore, spec: AppSpec, ents: list, back: dict[int, int], expect: Expectation) -> None:
    c = s.counts["access"]
    if expect.owned is not None:
        got = {back.get(j, -1 - j) for j, e in enumerate(ents) if e.owned}
        c += Count(len(got & expect.owned), len(got - expect.owned), len(expect.owned - got))
        s.misses += [f"owned missed: {expect.entities[i].names[0]}" for i in sorted(expect.owned - got)]
        s.misses += [f"owned extra: {ents[j].name}" for j, e in enumerate(ents) if e.owned and back.get(j, -1 - j) not in expect.owned]
    if expect.roles is not None:
        got_roles = [r.name for r in spec.roles]
        pairs = match_names(list(expect.roles), got_roles)
        c += Count(len(pairs), len(got_roles) - len(pairs), len(expect.roles) - len(pairs))
        s.misses += [f"role missed: {r[0]}" for i, r in enumerate(expect.roles) if i not in pairs]
        s.misses += [f"role extra: {r}" for j, r in enumerate(got_roles) if j not in set(pairs.values())]
    s.counts["access"] = c


# --- a split --------------------------------------------------------------------------------------

@dataclass
class CaseResult:
    case: Case
    score: CaseScore
    ms: float
    error: str | None = None
    """the extractor's exception, one line; the case is then scored as if nothing was extracted"""


@dataclass
class Summary:
    requests: int
    counts: dict[str, Count]
    agreements: dict[str, Agreement]
    overall: Count
    unparsed_share: float | None
    """share of requests whose spec has at least one unparsed phrase"""
    unparsed_mean: float | None
    errors: int
    ms_mean: float | None
    ms_max: float | None


def summarize(results: list[CaseResult]) -> Summary:
    """Micro-averaged: the counts of every request of the split added up."""
    counts = {c: sum((r.score.counts[c] for r in results), Count()) for c in CATEGORIES}
    agreements = {a: sum((r.score.agreements[a] for r in results), Agreement()) for a in AGREEMENTS}
    n = len(results)
    times = [r.ms for r in results if r.error is None]
    return Summary(
        requests=n, counts=counts, agreements=agreements, overall=sum((counts[c] for c in POOLED), Count()),
        unparsed_share=sum(1 for r in results if r.score.unparsed) / n if n else None,
        unparsed_mean=sum(r.score.unparsed for r in results) / n if n else None,
        errors=sum(1 for r in results if r.error), ms_mean=sum(times) / len(times) if times else None,
        ms_max=max(times) if times else None,
    )


def _nothing(expect: Expectation) -> CaseScore:
    """The score of an extractor that found nothing (it failed)."""
    s = CaseScore()
    s.counts["entities"].fn = len(expect.entities)
    nfields = sum(len(e.fields) for e in expect.entities)
    s.counts["fields"].fn = s.counts["types"].fn = nfields
    s.counts["constraints"].fn = sum(len(f.constraints) for e in expect.entities for f in e.fields)
    s.counts["relations"].fn = len(expect.relations)
    s.counts["access"].fn = len(expect.owned or ()) + len(expect.roles or ())
    s.counts["rules"].fn = expect.rules or 0
    for key in ("auth", "frontend"):
        if getattr(expect, key) is not None:
            s.agreements[key] = Agreement(0, 1)
    return s


def measure(cases: list[Case], extract: Callable[[str], AppSpec], *, warm_up: bool = True,
            catch: bool = True) -> list[CaseResult]:
    """Run `extract` on each case's request and score it; time each call (after one warm-up call,
    so one-time loading is not counted). With `catch`, an exception scores as nothing found."""
    if warm_up and cases:
        try:
            extract(cases[0].request)
        except Exception:
            if not catch:
                raise
    out = []
    for case in cases:
        t0 = time.perf_counter()
        try:
            spec = extract(case.request)
        except Exception as exc:
            if not catch:
                raise
            ms = (time.perf_counter() - t0) * 1000
            s = _nothing(case.expect)
            s.misses.insert(0, f"extractor failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            out.append(CaseResult(case, s, ms, f"{type(exc).__name__}: {exc}".splitlines()[0][:300]))
            continue
        ms = (time.perf_counter() - t0) * 1000
        out.append(CaseResult(case, score_spec(spec, case.expect), ms))
    return out
