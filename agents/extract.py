"""Offline spec extraction: a request in plain language -> spec v2, by a designed pipeline of rules.

1. **Segment**: sentences (lines, bullets, . ; ! ?) and clauses, parentheses kept whole.
2. **Constructions** over each clause, each a small function that reads noun phrases and lists:
   definitions with a field list ("vans: plate, make", "each van has a plate and a make",
   "speakers (name, bio)"), app introductions ("an app to manage patients and doctors"), actors
   acting on records ("tenants rent flats"), relation cues ("belongs to", "links X to Y", "many",
   "reports to", "who is also a"), enum options as spelled, constraints, ownership, roles and
   their rights, auth and "API only".
3. **Resolve**: names singularised (lemminflect's data), words that are fields or measures never
   become entities, a field that names an entity becomes a reference, types from the type lexicon
   (agents/lexicon.yaml) and units, reserved words renamed with the user's word kept as the label.
4. **Report**: what the request says that is not data shape is kept as rules, verbatim; clauses
   nothing could place are listed as unparsed; every part keeps the words it came from.

Pure functions of text (the lexicon is package data, read once). With a model, the planner is
given this spec as a draft to correct.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from autodevos.domain.spec import (
    ENTITY_RESERVED,
    AppSpec,
    Entity,
    Field,
    Role,
    Rule,
    camel,
    humanize,
    name_problem,
    pascal,
    pluralize,
    safe_name,
    singularize,
)
from pydantic import ValidationError


_DEFINED: ContextVar[dict[str, Any] | None] = ContextVar("defined_entities", default=None)
"""The records the request being read has defined so far: a word kept out of passing mentions ('page',
'route') names one of them once the request gave it fields."""


@cache
def lexicon() -> dict[str, Any]:
    data = yaml.safe_load((files("autodevos.agents") / "lexicon.yaml").read_text(encoding="utf-8"))
    sets = {k: frozenset(str(w) for w in v) for k, v in data.items() if isinstance(v, list) and k != "types"}
    return {**sets, "types": data["types"], "units": {k: frozenset(map(str, v)) for k, v in data["units"].items()},
            "enum_defaults": data.get("enum_defaults", {}), "field_aliases": data.get("field_aliases", {})}


@cache
def _pos(word: str) -> frozenset[str]:
    return frozenset(_getlemmas(word.lower()))


# ---------------------------------------------------------------------------------------------
# working draft


@dataclass
class FieldDraft:
    name: str
    label: str
    source: str
    hint: str = ""
    options: list[str] = field(default_factory=list)
    required: bool = True
    unique: bool = False
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    min_length: int | None = None
    default: Any = None


@dataclass
class EntityDraft:
    name: str
    label: str
    source: str
    fields: dict[str, FieldDraft] = field(default_factory=dict)
    owned: bool = False
    weight: int = 0  # how strongly the request makes it an entity (a definition counts more than a mention)


@dataclass
class Draft:
    text: str
    entities: dict[str, EntityDraft] = field(default_factory=dict)
    relations: list[tuple[str, str, str, bool, str]] = field(default_factory=list)  # (source, target, kind, required, words)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)
    rule_entities: dict[str, list[str]] = field(default_factory=dict)  # rule text -> the entities it names
    fieldish: set[str] = field(default_factory=set)  # words seen as fields of something
    auth: bool = False
    frontend: bool = True
    backend: bool = True
    owned_all: bool = False
    actions: list[tuple[str, str, str, str]] = field(default_factory=list)  # (verb, actor, object, words): "members book classes"
    named_fields: set[tuple[str, str]] = field(default_factory=set)  # (entity, field) a reference replaces: "a head, who is an employee"
    workflows: list[str] = field(default_factory=list)  # clauses read as a record's states ("goes from draft to paid"): rules too
    last_subject: tuple[str, str] | None = None
    clauses: list[str] = field(default_factory=list)  # every clause read, for the last pass over records named together  # the record the last clause spoke of: what "it" and "they" refer to
    assumptions: list[str] = field(default_factory=list)

    def entity(self, name: str, words: str, weight: int = 1) -> EntityDraft:
        e = self.entities.get(name)
        if e is None:
            e = self.entities[name] = EntityDraft(name=name, label=singular_phrase(words), source=words)
        e.weight += weight
        return e

    def by_label(self) -> dict[str, str]:
        """Entity name by its singular words, lower case ('repair job' -> 'RepairJob')."""
        return {e.label.lower(): n for n, e in self.entities.items()}

    def entities_lower(self) -> set[str]:
        """The entities' singular words, lower case ('member', 'repair job')."""
        return {e.label.lower() for e in self.entities.values()} | {n.lower() for n in self.entities}


# ---------------------------------------------------------------------------------------------
# 0. spelling

@cache
def _vocabulary() -> frozenset[str] | None:
    """Every word form lemminflect's data knows (70,000), for spelling; None if its layout changed."""
    try:
        from lemminflect import Lemmatizer

        return frozenset(Lemmatizer()._getLemmaDict())
    except (AttributeError, TypeError):
        return None


def _known(word: str) -> bool:
    vocab = _vocabulary()
    return (word in vocab if vocab is not None else bool(_getlemmas(word))) or word in lexicon()["stop"]


def _edits1(word: str) -> dict[str, int]:
    """The likeliest typos' fixes, each with a cost: a swapped pair or a doubled/undoubled letter (0),
    a missing, extra or wrong vowel (1), a missing consonant (2). Other edits are not tried."""
    out: dict[str, int] = {}
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]

    def add(w: str, cost: int) -> None:
        if w != word and (w not in out or out[w] > cost):
            out[w] = cost

    for a, b in splits:
        if len(b) > 1:
            add(a + b[1] + b[0] + b[2:], 0)
        if b:
            add(a + b[1:], 0 if (a[-1:] == b[0] or b[1:2] == b[0]) else 1 if b[0] in "aeiou" else 2)
            if b[0] in "aeiouy":
                for c in "aeiouy":
                    add(a + c + b[1:], 1)
        for c in {*"aeiou", *a[-1:], *b[:1]}:
            add(a + c + b, 0 if (a[-1:] == c or b[:1] == c) else 1)
    return out


def correct_spelling(text: str) -> str:
    """Fix words that are one edit from a known English word and unknown themselves ('custommer',
    'recieved', 'adress'). The cheapest edit wins when it is the only one at its cost; a neighbour
    that occurs elsewhere in the request wins over the rest. Words under five letters and words in
    capitals are left alone, and so is a word the request uses three times or defines ("scrims: ...")."""
    _vocabulary()
    words = re.findall(r"[A-Za-z]+", text)
    seen = {w.lower() for w in words}
    names = {m.group(1) for m in re.finditer(r"(?<![.!?:\n])(?<![.!?:\n] )(?<=[a-z,;)] )([A-Z][a-z]+)", text)}  # capitalised mid-sentence: a name
    fixes: dict[str, str] = {}
    stems: dict[str, int] = {}
    for w in words:
        stems[w.lower().removesuffix("s")] = stems.get(w.lower().removesuffix("s"), 0) + 1
    for w in set(words):
        low = w.lower()
        if len(low) < 5 or w.isupper() or w in names or low in fixes or _known(low):
            continue
        uses = stems.get(low.removesuffix("s"), 0)
        if uses >= 3 or uses >= 2 and re.search(rf"\b{re.escape(low.removesuffix('s'))}s?\s*[:(=]", text, re.I):
            continue  # "scrims = practice matches ...; each scrim has ...": the user's own word, used again and again (or defined)
        cands = {c: cost for c, cost in _edits1(low).items() if len(c) >= 4 and _known(c)}
        if not cands:
            continue
        in_text = [c for c in cands if c in seen]
        best = min(cands.values())
        cheapest = [c for c, cost in cands.items() if cost == best]
        pick = in_text[0] if len(in_text) == 1 else (cheapest[0] if len(cheapest) == 1 and best <= 1 else None)
        if pick:
            fixes[low] = pick
    if not fixes:
        return text
    return re.sub(r"[A-Za-z]+", lambda m: _match(m.group(0), fixes.get(m.group(0).lower())), text)


def normalize_grammar(text: str) -> str:
    """Learners' English the constructions can read: 'student it must to have' -> 'student must have',
    'each students live' -> 'each student live', 'I am need' -> 'I need'."""
    text = re.sub(r"\b(must|can|should|will|could|may|might|shall)\s+to\s+(?=[a-z])", r"\1 ", text, flags=re.I)
    text = re.sub(r"\bpayed\b", "paid", text, flags=re.I)
    text = re.sub(r"\b(i\s+am|we\s+are)\s+(?=(?:need|want|have|like)\b)", lambda m: m.group(1).split()[0] + " ", text, flags=re.I)

    def drop_pronoun(m: re.Match[str]) -> str:
        word = m.group(1)
        if is_nounish(word) and "VERB" not in _pos(word.lower()) - {"NOUN"} and word.lower() not in lexicon()["stop"] \
                and word.lower() not in ("because", "when", "if", "so", "that", "where", "then", "and", "but", "as", "than", "what", "which", "until",
                                         "once", "unless", "while", "after", "before", "since", "although", "though", "whether", "whenever"):
            return f"{word} {m.group(3)}"
        return m.group(0)

    text = re.sub(r"\b([A-Za-z][a-z]+)\s+(it|he|she|they)\s+(must|should|will|can|has|have|is|are|needs?)\b", drop_pronoun, text)
    text = re.sub(r"\b(each|every)\s+([a-z]+s)\b(?=\s+[a-z])",
                  lambda m: f"{m.group(1)} {singularize(m.group(2))}" if is_plural(m.group(2)) and singularize(m.group(2)) != m.group(2) else m.group(0),
                  text, flags=re.I)
    return text


def _match(word: str, fix: str | None) -> str:
    if fix is None:
        return word
    return fix[:1].upper() + fix[1:] if word[:1].isupper() else fix


# ---------------------------------------------------------------------------------------------
# 1. segmentation

_BULLET = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+", re.M)
_ABBREV = re.compile(r"\b(e\.g|i\.e|etc|vs|approx|incl|no|nr)\.", re.I)


_ITEM = re.compile(r"^(\s*)(?:[-*•+]|\d+[.)])\s+(.*\S)\s*$")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*\S)\s*$")
_RELATION_ITEM = re.compile(r"^(?:belongs?|has|have|is|are|can|may|must|links?|refers?|points?|references?|connects?|goes|comes|which|one|each|"
                            r"many|several|optional(?:ly)?\s+(?:belongs?|linked|assigned)|assigned|linked|owned|made|written|taught|run|led)\b", re.I)
_CONSTRAINTISH = re.compile(r"^\s*(?:\d[\d.,]*\s*(?:-|–|to)\s*\d[\d.,]*|optional|required|unique|mandatory|not required|(?:at least|at most|min|max|"
                            r"maximum|minimum|up to|no more than)\.?\s*-?\d.*|defaults? to .*)\s*$", re.I)


def _outline_item(item: str) -> str:
    """One field item of an outline as the field reader wants it: 'species: dog, cat or other' ->
    'species (dog, cat or other)'; 'rating, 1-10, optional' -> 'rating (1-10, optional)'."""
    item = item.strip().rstrip(".;")
    m = re.match(r"^([a-z][\w' -]{0,40}?)\s*:\s*(.+)$", item, re.I)
    if m and "(" not in item:
        return f"{m.group(1)} ({m.group(2)})"
    parts = [p.strip() for p in item.split(",")]
    if len(parts) > 1 and all(_CONSTRAINTISH.match(p) for p in parts[1:]):
        return f"{parts[0]} ({', '.join(parts[1:])})"
    return item


_NOT_A_RECORD_HEADING = frozenset({"entities", "entity", "models", "model", "tables", "table", "data", "requirements", "requirement", "features",
                                   "feature", "notes", "note", "stories", "story", "rules", "rule", "access", "goal", "goals", "roles", "role",
                                   "pages", "screens", "overview", "summary", "details", "fields", "records", "things", "stuff", "app",
                                   "application", "following", "need", "needs", "ideas", "idea", "todo", "questions", "permissions", "users"})


def _outline_of_fields(heading: str, items: list[str]) -> bool:
    """A heading over bullets is a record only when the heading names one and each bullet names a field (or a
    relation of it): 'Pets' over 'name', 'species: dog, cat', 'belongs to one owner'. 'Clinic:' over
    'patients with name and phone', 'Entities:' over 'Patient: name, birth date', 'The app should:' over
    sentences are lists of records or wishes, read line by line as before."""
    hw = words_of(heading)
    if not hw or hw[-1] in _NOT_A_RECORD_HEADING or len(hw) > 4 or not defined_noun(heading) \
            or any(w in ("i", "we", "should", "must", "can", "want", "need", "is", "are", "what", "here", "following") for w in hw):
        return False
    for item in items:
        x = item.strip()
        if _RELATION_ITEM.match(x):
            continue
        if re.search(r"\b(?:with|have|has|had|can|should|must|will|let|lets|send|sends|want|need)\b", x, re.I) \
                or re.search(r"\([^)]*,[^)]*\)", x) and len(words_of(x.split("(")[0])) <= 2 and is_plural(words_of(x.split("(")[0])[-1] if words_of(x.split("(")[0]) else "") \
                or re.match(r"^[A-Z][\w-]*(?:\s+[A-Za-z][\w-]*)?\s*:", x) or re.search(r"[:(]", x) and _plural_items([re.split(r"[:(]", x)[0]]):
            return False  # a sentence, a record with its own fields, "Patient: name, ..." or "products: name, price"
    return True


def _outline(text: str) -> str:
    return _outline_pass(_outline_pass(text, nested=True), nested=False)


def _outline_pass(text: str, nested: bool) -> str:
    """Outlines as definitions: a heading ('## Pets', 'Pets:' or a bullet with deeper bullets under it)
    whose items are short bullets becomes 'Pets: name, species (dog, cat or other), weight in kg.', and
    an item that states a relation ('belongs to one owner') becomes a sentence of its own about the
    heading ('Each pet belongs to one owner.')."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        heading = None
        if not nested and ((h := _HEADING.match(line)) or (h := re.match(r"^\s*([A-Za-z][\w' -]{0,40}?)\s*:\s*$", line))):
            heading, indent = h.group(1).strip().rstrip(":"), -1
        elif nested and (b := _ITEM.match(line)) and len(words_of(b.group(2))) <= 5 and not re.search(r"[.,;!?]", b.group(2).rstrip(":")):
            nxt = next((ln for ln in lines[i + 1:] if ln.strip()), "")
            nb = _ITEM.match(nxt)
            if nb and len(nb.group(1).expandtabs()) > len(b.group(1).expandtabs()):
                heading, indent = b.group(2).strip().rstrip(":"), len(b.group(1).expandtabs())
        if heading is None:
            out.append(line)
            i += 1
            continue
        items, j = [], i + 1
        while j < len(lines):
            ln = lines[j]
            if not ln.strip():
                if items:
                    break
                j += 1
                continue
            it = _ITEM.match(ln)
            if not it or len(it.group(1).expandtabs()) <= indent or len(words_of(it.group(2))) > 14:
                break
            if indent >= 0 and items and len(it.group(1).expandtabs()) > len(_ITEM.match(lines[j - 1]).group(1).expandtabs() if _ITEM.match(lines[j - 1]) else ""):
                break
            items.append(it.group(2))
            j += 1
        if not items and indent < 0 and _HEADING.match(line):
            nxt_i = next((k for k in range(i + 1, len(lines)) if lines[k].strip()), None)
            plain = lines[nxt_i].strip().rstrip(".") if nxt_i is not None else ""
            parts = [p.strip() for p in plain.split(",")]
            if len(parts) >= 2 and all(1 <= len(words_of(p)) <= 4 for p in parts) and not re.search(r"[.;:!?]", plain):
                out.append(f"{heading}: {plain}.")  # "## Venues" then "Name, city, capacity."
                i = nxt_i + 1
                continue
        if len(items) < 1 or indent < 0 and not _HEADING.match(line) and len(items) < 2 or not _outline_of_fields(heading, items):
            out.append(line)
            i += 1
            continue
        fields = [_outline_item(x) for x in items if not _RELATION_ITEM.match(x.strip())]
        relations = [x.strip().rstrip(".") for x in items if _RELATION_ITEM.match(x.strip())]
        np = noun_phrase(heading)
        one = singular_phrase(np[1]) if np else heading.lower()
        if fields:
            out.append(f"{heading}: {', '.join(fields)}.")
        else:
            out.append(heading)
        for r in relations:
            r = r[0].lower() + r[1:]
            out.append(f"Each {one} records {r}." if r.lower().startswith("which") else f"Each {one} {r}.")
        i = j
    return "\n".join(out)


def _plain(text: str) -> str:
    """Markdown as prose: a table row `| Customer | name, email |` is 'Customer: name, email.' (the
    header row and the ruler are dropped), emphasis marks go, headings and list numbers stay lines."""
    text = _outline(text)
    text = re.sub(r"(?<![\w/])w/(?=\s)", "with", text, flags=re.I)  # "questions w/ text, points"
    out = []
    rows = 0
    for line in text.split("\n"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.strip().startswith("|") else None
        if cells is None:
            rows = 0
            out.append(line)
            continue
        if all(re.fullmatch(r":?-{2,}:?", c) or not c for c in cells):
            continue  # the ruler under the header
        rows += 1
        if rows == 1 and len(cells) >= 2 and not any("," in c for c in cells):
            continue  # the header row: "Thing | What we store"
        if len(cells) >= 2 and cells[0]:
            out.append(f"{cells[0]}: {', '.join(c for c in cells[1:] if c)}.")
    text = "\n".join(out)
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)


_RUN_ON_SUBJECT = re.compile(
    r"(?<=[a-z0-9]) (?=(?:(?:each|every|all|our|the|and) )?(?!(?:is|was|has|this|its|yes|us|bus|class|gas|glass|series|news|status|address|business|"
    r"access|less|process|analysis|canvas|campus|bonus|chorus|virus|census|minus|plus|as|his|hers|ours|yours|theirs)\b)[a-z]+s "
    r"(?:(?:also|can|must|should|will|may|usually|always|only) )?(?:have|are|can|live|belong|get|need|record|log|sign|book|rent|take|keep|hold|store|come|go)\b)"
    r"|(?<=[a-z0-9]) (?=(?:each|every) [a-z]+ (?:has|is|can|belongs|gets|needs|must)\b)"
    r"|(?<=[a-z0-9]) (?=(?:and )?(?:we|i) (?:also )?(?:keep|need|want|rent|give|store|record|track|sell|have|log|run|play|organi[sz]e)\b)")


def _run_on(line: str) -> str:
    """A long line with no sentence marks ("tanks have a name a volume animals have a species ..."):
    a new sentence before each subject that starts a clause of its own."""
    words = line.split()
    if len(words) < 20 or re.search(r"[.;!?]", line) or line.count(",") * 12 > len(words):
        return line
    return _RUN_ON_SUBJECT.sub(". ", line)


_GOES_ON = frozenset({"a", "an", "the", "for", "of", "to", "with", "at", "from", "is", "are", "was", "were", "has", "have", "their", "its", "his",
                      "her", "our", "my", "your", "each", "every", "per", "than", "as", "into", "which", "who", "whose", "when", "where", "if",
                      "can", "must", "should", "will", "may", "between", "and", "or", "but", "because"})
"""Words a sentence does not end with: a line ending on one goes on in the next ('log in', 'or not', 'sign up' end sentences)."""
_CONTINUES = frozenset({"and", "or", "but", "of", "than", "which", "whose", "with"})
"""Words a sentence does not start with in a request: a line starting with one goes on from the line before."""


def _unwrap(text: str) -> str:
    """Prose wrapped at a fixed width is one paragraph again: a line goes on into the next when it ends on a
    word no sentence ends with ('issued for an' / 'arrangement: ...'), inside parentheses, or when the next
    line starts with one ('and who did it', '(unique)'). Bullets, headings and list lines stay lines."""
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        if out and out[-1].strip() and line.strip() and not _BULLET.match(line) and not line.lstrip().startswith(("#", "|")):
            prev = out[-1].rstrip()
            last = (words_of(prev) or [""])[-1]
            first = (re.findall(r"[A-Za-z(]+", line.lstrip()[:20]) or [""])[0]
            listed = re.match(r"^\s*(?:[-*•+]\s+|\d+[.)]\s+)?[A-Za-z][\w /'-]{0,40}\s*(?::|=)\s+\S", prev) is not None  # "Bookings: member, booked at"
            capital = line.lstrip()[:1].isupper() and last not in ("a", "an", "the")
            if prev[-1:] not in ".;:!?" and not listed and not (capital and prev.count("(") <= prev.count(")")) and (
                    last in _GOES_ON and prev.split()[-1].isalpha()
                    or prev.count("(") > prev.count(")")
                    or line.lstrip().startswith("(") or first in _CONTINUES and first.islower()
                    or re.match(r"\d+(?:[.,]\d+)?\s+[a-z]", line.lstrip()) and last.isalpha()):  # "Anglers under / 14 years are ..."
                out[-1] = prev + " " + line.strip()
                continue
        out.append(line)
    return "\n".join(out)


def sentences(text: str) -> list[str]:
    """Lines, bullets and sentences; text in parentheses is never split."""
    text = "\n".join(_run_on(ln) for ln in _unwrap(_plain(text.replace("\r", ""))).split("\n"))
    text = _ABBREV.sub(lambda m: m.group(1).replace(".", "") + "§", text)
    text = re.sub(r"([,(/]|\band|\bor)\s*\n\s*", r"\1 ", text)  # a line that ends mid-list goes on
    text = _BULLET.sub("\n", text)
    out: list[str] = []
    # a line starting lower case goes on from the line before (prose wrapped at a fixed width), unless the text has
    # no sentence marks at all: then each line is a sentence ("staff log in / members can book classes")
    unpunctuated = not re.search(r"[.;!?](?:\s|$)", text) and text.count("\n") >= 2
    for line in re.split(r"\n" if unpunctuated else r"\n\s*\n|\n(?=\s*[A-Z#*])|\n(?=\s*\w+\s*:)", text):
        line = " ".join(line.split()).replace("§", ".").strip(" #*")
        if not line:
            continue
        depth, start = 0, 0
        for i, ch in enumerate(line):
            depth += {"(": 1, ")": -1}.get(ch, 0)
            depth = max(depth, 0)
            if depth == 0 and ch in ".;!?" and (i + 1 == len(line) or line[i + 1] == " ") and not re.search(r"\d$", line[max(0, i - 1):i]) or \
                    depth == 0 and ch in ".;!?" and i + 1 < len(line) and line[i + 1] == " " and line[i - 1:i].isdigit():
                part = line[start:i].strip()
                if part:
                    out.append(part)
                start = i + 1
        tail = line[start:].strip(" .;!?")
        if tail:
            out.append(tail)
    return out


def split_top(text: str, seps: str = r",|;|\band\b|\bor\b|&|\s\+\s|\bplus\b|\bas well as\b") -> list[str]:
    """Split a list at separators outside parentheses."""
    parts, depth, buf = [], 0, ""
    i = 0
    pattern = re.compile(seps, re.I)
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if depth == 0:
            m = pattern.match(text, i)
            if m and m.group(0).lower() == "and" and re.search(r"\bbetween\s+\S+\s*$", buf, re.I):
                m = None  # "between 0 and 500000": one range, not two items
            if m and m.end() > i and (not m.group(0)[0].isalpha() or (i == 0 or not text[i - 1].isalnum())) and \
                    (not m.group(0)[-1].isalpha() or m.end() == len(text) or not text[m.end()].isalnum()):
                parts.append(buf)
                buf = ""
                i = m.end()
                continue
        buf += ch
        i += 1
    parts.append(buf)
    return [p.strip(" .:") for p in parts if p.strip(" .:")]


# ---------------------------------------------------------------------------------------------
# words

_WORD = re.compile(r"[a-z][a-z0-9'-]*")


_NOT_OPTION = re.compile(r"\d|\b(?:optional|unique|required|date|time|number|amount|text|name|email|phone|address|price|"
                         r"count|description|notes?|id|yes|no)\b", re.I)


_FIELDISH = re.compile(r"^(?:full\s+|first\s+|last\s+|e-?mail\s+|phone\s+|home\s+)?(?:name|e-?mail|phone(?: number)?|address|date|"
                       r"title|description|notes?|price|amount|company|city|country|team|department|age|birthday|website)$", re.I)


_PAIRED = frozenset({"start", "end", "begin", "finish", "opening", "closing", "arrival", "departure", "first", "last", "home", "away", "min",
                     "max", "minimum", "maximum", "pickup", "pick-up", "delivery", "due", "issue", "birth", "death", "check-in", "check-out",
                     "entry", "exit", "upper", "lower", "buy", "sell", "purchase", "sale", "given", "family", "morning", "evening"})
"""Words that share a noun: 'start and end dates', 'home and away scores' ('email and phone numbers' shares nothing)."""

_PLAIN_FIELDS = frozenset({"name", "phone", "email", "address", "title", "description", "price", "date", "city", "country", "age", "notes",
                           "website", "company", "colour", "color", "size", "weight", "nickname", "bio", "photo", "author", "location",
                           "distance", "duration", "status", "category", "quantity", "capacity", "rating", "comment", "brand", "model", "make",
                           "genre", "language", "breed", "species", "sex", "gender", "url", "deadline", "amount", "cost", "height", "length",
                           "width", "surname", "username", "password", "isbn", "sku", "publisher", "format", "condition", "notes", "level"})


def _run_together(item: str) -> list[str]:
    """'name phone and email' written without commas: 'name phone' is two fields."""
    m = re.match(r"^\s*(?:(?:a|an|the|its|their)\s+)?([a-z]+(?:\s+[a-z]+)+?)(\s+(?:in|per)\s+[a-z²/]+)?\s*$", item, re.I)
    ws = words_of(m.group(1)) if m else []
    if len(ws) >= 2 and len(set(ws)) == len(ws) and all(w in _PLAIN_FIELDS for w in ws):
        return [*ws[:-1], ws[-1] + (m.group(2) or "")]  # "name date distance in km": three fields, the last in km
    return [item]


def field_items(body: str) -> list[str]:
    """A field list's items, with the options of a field written after a colon folded back into it:
    'amount, date, payment method: card, bank transfer, cash or cheque' has three items, the last
    'payment method: card / bank transfer / cash / cheque'. Only the items that end the list, each
    one to three words that name no field, are taken as options."""
    body = re.sub(r"\(?\byes\s*(?:or|/)\s*no\b\)?", "(yes/no)", body, flags=re.I)  # "urgent yes or no": one flag, not two items
    body = re.sub(r"\bdate\s*(?:,|and|&|\+|/)\s*(?:an?\s+|the\s+)?(?:time|hour)(?=\s*(?:$|,|;|\.|\)|\band\b|\bor\b|\bof\b|\bwhen\b|\bfor\b))",
                  "date time", body, flags=re.I)  # "a date and time": one moment ("a date, a time slot": two fields)
    # "start and end dates" -> "start date, end date"; "valid from/to" -> "valid from, valid to"
    body = re.sub(r"\b([a-z-]+)\s+(?:and|&|/)\s+([a-z-]+)\s+(dates|times|prices|names|numbers|addresses|fees|amounts|levels|scores|goals|points)\b",
                  lambda m: f"{m.group(1)} {singularize(m.group(3))}, {m.group(2)} {singularize(m.group(3))}"
                  if m.group(1).lower() in _PAIRED and m.group(2).lower() in _PAIRED else m.group(0), body, flags=re.I)
    body = re.sub(r"\b([a-z]+)\s+from\s*(?:/|and|-)\s*to\b", r"\1 from, \1 to", body, flags=re.I)
    # "colour: red, white, rosé or sparkling, region": the options end at the one after 'or'
    body = re.sub(r"(?<=:)\s*((?:[^,:;()]{1,30},\s*)*[^,:;()]{1,30}?\s+or\s+[^,:;().]{1,30})(?=\s*(?:,|;|\.|$))",
                  lambda m: " " + " / ".join(p.strip() for p in re.split(r",|\bor\b", m.group(1)) if p.strip())
                  if all(len(words_of(p)) <= 3 and not _NOT_OPTION.search(p) for p in re.split(r",|\bor\b", m.group(1)) if p.strip())
                  else m.group(0), body)
    glued = [m.group(1) for m in re.finditer(r"(?<!['’])\b([a-z]+)\s+(?:a|an)\s", body, re.I)
             if m.group(1).lower() not in lexicon()["stop"] and m.group(1).lower() not in ("and", "or", "with", "has", "have", "of", "in", "for", "to", "is",
                                                                                        "are", "whether", "if", "at", "on", "by", "from", "into", "per", "as", "be")
             and not ("VERB" in _pos(m.group(1).lower()) and "NOUN" not in _pos(m.group(1).lower()))]  # "name a volume": a noun, then the next field
    if "," not in body and len(glued) >= 1 and len(re.findall(r"(?:^|\s)(?:a|an)\s", body)) >= 2:
        # "a name a volume in litres a water type fresh or salt and a target temperature": no commas, one article per field
        parts = [p.strip() for p in re.split(r"\s+(?=(?:a|an)\s)", body.strip()) if p.strip()]
        items = []
        for p in parts:
            p = re.sub(r"\s+(?:and|plus)$", "", p)
            for q in re.split(r"\s+(?:and|plus)\s+", p):
                items += [q] if re.search(r"\bor\b", q) and len(words_of(q)) <= 6 else split_top(q)
        return [i for i in items if i]
    items = []
    for item in (w for it in split_top(body) for w in (_run_together(it) if "," not in body else [it])):
        if items and re.match(r"^\s*(?:which|that)\s+(?:is|are|must be|should be|can be|has to be|have to be|may be)\b", item, re.I):
            items[-1] = f"{items[-1]} ({item})"  # "a nickname, which is optional": one field and its constraint
        elif items and re.match(r"^\s*(?:and\s+)?(?:if|when|once|unless)\s", items[-1], re.I) and len(words_of(items[-1])) <= 6:
            items[-1] = f"{item} (optional)"  # "and, if they have died, a death date": a field that is not always there
        else:
            items.append(item)
    for i, item in enumerate(items[:-1]):
        m = re.match(r"^([^()]*?[a-z])\s*(?::(?=\s)|\(?\blike\b|\(?\bsuch as\b|\(?\be\.g\.|\beither\b|\bone of\b)\s*([^:]{1,30})$", item.strip(), re.I)
        rest = [_clean_item(r) for r in items[i + 1:]]
        if m and " / " in m.group(2):
            continue  # its options were closed by 'or' already
        if m and all(r and len(words_of(r)) <= 3 and not _NOT_OPTION.search(r) for r in rest):
            return [*items[:i], f"{m.group(1)}: " + " / ".join([m.group(2).strip(), *rest])]
    return items


def words_of(phrase: str) -> list[str]:
    return _WORD.findall(phrase.lower())


def is_plural(word: str) -> bool:
    w = word.lower()
    if w in ("people", "children", "staff", "data", "media", "men", "women", "feet", "teeth", "geese", "mice", "sheep"):
        return True
    if not w.endswith("s") or w.endswith(("ss", "us", "is", "ous")):
        return False
    return singularize(w) != w


def is_verb_form(word: str) -> bool:
    """'comes', 'sits', 'contains': a third-person verb whose noun reading is not a plural."""
    pos = _getlemmas(word.lower())
    verb, noun = pos.get("VERB"), pos.get("NOUN")
    return bool(verb) and word.lower().endswith("s") and verb[0] != word.lower() and (not noun or noun[0] == word.lower())


@cache
def _getlemmas(word: str) -> dict[str, tuple[str, ...]]:
    from lemminflect import getAllLemmas

    return getAllLemmas(word)


def is_nounish(word: str) -> bool:
    """A word that can head a noun phrase: a noun by lemminflect's data, or unknown to it."""
    lex = lexicon()
    w = word.lower()
    if w in lex["stop"] or len(w) < 2 or w.isdigit():
        return False
    pos = _pos(w)
    return not pos or "NOUN" in pos or "PROPN" in pos


def is_person(word: str) -> bool:
    lex = lexicon()
    w = singularize(word.lower())
    if w in lex["people_words"]:
        return True
    if w in lex["not_people"] or f"{w}_item" in lex["not_people"]:
        return False
    pos = _pos(w)
    return len(w) > 4 and w.endswith(tuple(lex["people_suffixes"])) and ("NOUN" in pos or not pos)  # 'filmmaker': unknown, a person


APP_WORDS = frozenset({"app", "application", "tracker", "system", "platform", "clinic", "shop", "store", "desk", "planner", "site", "website",
                       "tool", "crm", "erp", "manager", "service", "program", "portal", "database", "api", "backend", "dashboard", "software",
                       "solution", "catalog", "catalogue", "organizer", "organiser", "log", "logbook", "diary", "journal", "board"})


def singular_phrase(words: str) -> str:
    """The user's words for one record: 'overlapping sessions' -> 'overlapping session' (an entity's
    label is singular; the app pluralizes it where it lists them)."""
    head, _, last = words.rpartition(" ")
    return f"{head} {singularize(last)}".strip() if last else words


def _people_entity(phrase: str) -> tuple[str, str] | None:
    """(entity name, words) of a bare word for people ('staff', 'volunteers') that names records when
    a field list follows it; noun_phrase leaves such words to the actors and roles."""
    ws = [w for w in words_of(phrase) if w not in ("the", "our", "my", "all", "each", "every", "a", "an")]
    if len(ws) != 1 or ws[0] not in lexicon()["people_words"] and singularize(ws[0]) not in lexicon()["people_words"]:
        return None
    word = ws[0]
    name = pascal(singularize(word)) if word != "staff" else "StaffMember"
    return (name, word) if name.lower() not in ("user", "admin") else None


def _gerund_modifier(word: str) -> bool:
    """'tasting' in 'tasting notes', 'training' in 'training sessions': an -ing word that names a kind of
    thing, not an app's verb and its object ('tracking expenses', 'managing orders')."""
    if not word.endswith("ing") or len(word) < 6:
        return False
    from lemminflect import getLemma

    lemma = getLemma(word, upos="VERB")[0] if getLemma(word, upos="VERB") else word
    lex = lexicon()
    return lemma not in lex["intro_verbs"] and lemma not in lex["common_verbs"] and word not in lex["intro_verbs"]


_GENERIC = frozenset({"app", "apps", "application", "system", "user", "users", "data", "thing", "things", "stuff", "info", "information",
                      "detail", "details", "website", "api", "database", "db", "login", "everyone", "someone", "everything",
                      "something", "lot", "lots", "way", "kind", "type", "sort", "number", "amount", "name", "date", "time", "day", "year",
                      "month", "week", "hour", "minute", "status", "option", "part", "field", "column", "row", "role", "roles",
                      "permission", "permissions", "access", "need", "needs", "want", "wants"})
"""Words that never name records, even when a request gives them fields."""


def defined_noun(phrase: str) -> tuple[str, str] | None:
    """noun_phrase for the subject of a definition with fields ("every person has a first name, ...",
    "boards, each with a title"): words kept out of passing mentions (person, route, board) are records here."""
    np = noun_phrase(phrase)
    if np:
        return np
    if re.match(r"\s*(?:for|in|on|at|of|with|from|to|by|about|per|after|before|during|when|if)\b", phrase, re.I):
        return None  # "for each stop on a route ...": a prepositional phrase, not a subject
    phrase = re.split(r"\s+(?:in|at|on|of|from|for|with|under|inside)\s+", phrase.strip(), maxsplit=1, flags=re.I)[0]  # "tools in the shed"
    ws = [w for w in words_of(re.sub(r"\(.*?\)", " ", phrase)) if w not in ("each", "every", "a", "an", "the", "all", "our", "my", "any", "one")]
    while ws and ws[0] in ("off", "up", "out", "down", "away", "back"):
        ws = ws[1:]  # "tick off check-ins": the check-ins
    ws = ws[-2:] if len(ws) >= 2 and "NOUN" in _pos(ws[-2]) and ws[-2] not in lexicon()["stop"] and ws[-2] not in _GENERIC else ws[-1:]
    compound = len(ws) == 2 and ws[-1] not in ("user", "users", "data", "info", "information", "details", "stuff", "things")  # "ticket types"
    nounish = bool(ws) and ("NOUN" in _pos(ws[-1]) or ws[-1].endswith("s") and _pos(ws[-1]) == {"VERB"})  # "retreats": a plural the lemma data has as a verb only
    if not ws or ws[-1] in lexicon()["stop"] or not compound and (singularize(ws[-1]) in _GENERIC or ws[-1] in _GENERIC) or not nounish:
        return None
    name = pascal(" ".join([*ws[:-1], singularize(ws[-1])]))
    return (name, " ".join(ws)) if len(name) >= 3 else None


def noun_phrase(phrase: str) -> tuple[str, str] | None:
    """(PascalCase singular entity name, the words) of a phrase's head noun phrase, or None.

    'the delivery vans' -> ('DeliveryVan', 'delivery vans'); 'all my tractors' -> ('Tractor', ...).
    A phrase is cut at its first preposition or relative word."""
    lex = lexicon()
    ws = words_of(re.sub(r"\(.*?\)", " ", phrase))
    while ws and ws[0] in ("and", "or", "but", "then", "also", "plus", "so", "while", "off", "up", "out", "down", "away", "back"):
        ws = ws[1:]  # "tick off check-ins": the check-ins
    singular = bool(ws) and ws[0] in ("each", "every", "a", "an", "one", "any")
    cut = []
    for w in ws:
        if w in ("of", "for", "with", "to", "from", "in", "on", "at", "by", "who", "which", "that", "where", "per", "whose",
                 "like", "such", "including", "via", "about", "under", "into", "between", "when", "if", "as", "and", "or", "but",
                 "while", "then", "so", "because", "until", "unless", "is", "are", "was", "were", "can", "may", "must", "should", "will",
                 "after", "before", "during"):
            break
        cut.append(w)
    cut = [w for w in cut if w not in lex["adjectives"] and w not in lex["stop"] and not w.isdigit()]
    while len(cut) > 1 and cut[0] in lex["intro_verbs"]:
        cut = cut[1:]  # "track expenses": a verb and its object
    if len(cut) >= 2 and not is_nounish(cut[-1]) and "VERB" in _pos(cut[-1]):
        cut = cut[:-1]  # "each hive sits", "players belong": a subject and its verb
    if not cut or cut[-1] in APP_WORDS or cut[-1].split("'")[0] in ("who", "whom", "whose", "what", "one", "ones", "other", "others", "overlapping",
                                                                     "maximum", "minimum", "that", "it", "there", "here"):
        return None
    head = cut[-1]
    defined = _DEFINED.get()
    if head in lex["not_entities"] and defined and (hit := defined.get(pascal(" ".join([*cut[:-1], singularize(head)])))) is not None and hit.fields:
        pass  # "pages have a title" made Page a record: "a page can have a parent page" names it
    elif not is_nounish(head) or head in lex["not_entities"] or singularize(head) in lex["not_entities"]:
        return None
    if singular and len(cut) >= 2 and is_plural(cut[-1]):
        cut = cut[:-1]  # "each employee works": a singular subject and its verb
    if len(cut) >= 2 and is_verb_form(cut[-1]):
        cut = cut[:-1]  # "product comes": a subject and its verb
    while len(cut) >= 2 and (cut[-2] in lex["common_verbs"] or "NOUN" not in _pos(cut[-2]) and "ADJ" not in _pos(cut[-2]) and _pos(cut[-2])) \
            and not _gerund_modifier(cut[-2]):
        cut = cut[-1:]  # "give mark", "hold gala": a verb and its object
    if not cut:
        return None
    head = cut[-1]
    cut = cut[-2:]  # at most a two-word name ("service record", "order line")
    if len(cut) == 2 and is_plural(cut[0]) and cut[0] not in ("sales", "goods", "news", "sports", "services", "staff", "crew", "personnel", "team"):
        cut = cut[:1]  # "attendees register": a subject and its verb, not a compound noun
    if len(cut) == 2 and (cut[0] in lex["not_entities"] and cut[0] not in ("service", "staff") and singularize(cut[1]) not in lex["compound_heads"]
                          or not is_nounish(cut[0]) and "ADJ" not in _pos(cut[0]) and not _gerund_modifier(cut[0])):
        cut = cut[1:]
    single = [*cut[:-1], singularize(cut[-1])]
    name = pascal(" ".join(single))
    if not name or name.lower() in ("user", "users") or len(name) < 3:
        return None
    return name, " ".join(cut)


# ---------------------------------------------------------------------------------------------
# 2. constructions


_HAS = r"(?:has|have|had|with|contains?|includes?|stores?|records?|tracks?|keeps?|holds?|needs?|gets?|lists?|notes?|logs?(?!\s+(?:in|on|out)\b)|captures?|saves?|requires?|having|consists? of|is made of|are made of|comes? with|should have|must have|will have|needs? to have|need to store|we (?:record|store|track|keep|note|log|need|want)|i (?:record|store|track|keep|note|log|need|want))"
_SUBJECT = r"(?:(?:each|every|any|a|an|the|all|our|my)\s+)?((?:[a-z][\w'-]*\s+){0,2}?[a-z][\w'-]*(?:\s+(?:in|at|on|of|from)\s+(?:the|a|an|our|each)\s+[a-z][\w'-]*)?)"
_DEF_HAS = re.compile(rf"^(?:.*?\b(?:and|but|then|also|so)\s+)??{_SUBJECT}\s+(?:(?:also|should|must|will|can|may|always|usually|each|all)\s+)*{_HAS}\s+(.+)$", re.I)
_DEF_COLON = re.compile(r"^(?:the\s+|our\s+|my\s+)?([a-z][\w'-]*(?:\s+[a-z][\w'-]*){0,2})\s*(?::|=|-{1,2}>?|—)\s+(.+)$", re.I)
_DEF_PAREN = re.compile(r"([a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)", re.I)
_INTRO = re.compile(
    r"\b(?:app|application|system|tool|website|site|platform|api|backend|service|database|db|tracker|manager|software|"
    r"portal|dashboard|crm|erp|program|solution|something|way)\b"
    r"(?:\s+for\s+(?:our|my|a|an|the|his|her|their)\s+(?:[a-z'-]+\s+){0,3}?(?=to\s))?"  # "an app for our little brewery to keep track of ..."
    r"(?:\s+(?:that|which)\s+(?:lets?\s+\w+\s+|helps?\s+\w+\s+|can\s+|will\s+)?)?\s*"
    r"(?:(?:for|to|that)\s+)?(?:(?:help\s+(?:me|us)\s+)?(?:manage|track|keep track of|organi[sz]e|store|record|handle|list|"
    r"schedule|book|log|catalogu?e|run|plan|administer|monitor|follow|maintain|cover|covering|about|of|with|for|where)\w*\s+)+(.+)$",
    re.I)
_OPTIONS_SPLIT = re.compile(r"\s*(?:/|\||,|\bor\b|\band\b|->|→|>)\s*", re.I)


def _clean_item(item: str) -> str:
    item = re.sub(r"^\s*(?:and|or|also|plus|then|maybe|optionally|possibly|finally)\s+", "", item.strip(), flags=re.I)
    item = re.sub(r"^(?:with|having|including|which|what)\s+", "", item, flags=re.I)
    item = re.sub(r"^(?:an?|the|its|their|his|her|our|my|your|some|one|each)\s+", "", item, flags=re.I)
    return item.strip(" .:-")


_UNIQUE = re.compile(r"\bunique\b|\bno two\b|\bno duplicates?\b|\bcan(?:not|'t) repeat\b|\bmust not repeat\b|\bdistinct\b", re.I)
_OPTIONAL = re.compile(r"\b(optional(?:ly)?|if any|if known|if there is one|if there (?:is|are) (?:some|any)|can be (?:empty|blank|left empty|left blank)|may be (?:empty|blank)|"
                       r"not required|left empty|left blank|nullable|sometimes|(?:empty|blank|null) (?:until|while|when|unless|if|for))\b", re.I)
_RANGE = re.compile(r"(?:from|between)?\s*(-?\d+(?:\.\d+)?)\s*(?:-|–|to|and|\.\.)\s*(-?\d+(?:\.\d+)?)\b")
_ATLEAST = re.compile(r"(?:\b(?:at least|minimum(?: of)?|min\.?|no less than|not below|never below|no shorter than|not shorter than)|>=|≥)\s*(-?\d+(?:\.\d+)?)", re.I)
_ATMOST = re.compile(r"(?:\b(?:at most|maximum(?: of)?|max\.?|no more than|up to|not above|never above|no longer than|not longer than|"
                     r"not more than|no higher than|no bigger than|no larger than)|<=|≤)\s*(-?\d+(?:\.\d+)?)", re.I)
_NONNEG = re.compile(r"(?:\b(?:can(?:not|'t|not) be negative|never negative|non-negative|not negative|positive|zero or more)\b|>=\s?0(?![\d.]))", re.I)
_MAXLEN = re.compile(r"\b(?:max(?:imum)?|at most|up to|no more than)\s*(\d+)\s*(?:characters|chars|letters)\b", re.I)
_DEFAULT = re.compile(r"\b(?:defaults? to|by default(?: is)?|default(?: value)?(?: is)?:?)\s+['\"]?([\w -]{1,30}?)['\"]?(?:$|[,.;)])", re.I)
_UNIT = re.compile(r"\s*(?:\(|\bin\b|\bas\b|\bmeasured in\b)\s*([a-z%²][a-z0-9%²]*(?:\s+[a-z]+)?)\)?\s*$", re.I)


def parse_field(item: str, draft: Draft) -> FieldDraft | None:
    """One list item -> a field draft, or None when it names no field."""
    lex = lexicon()
    raw = item.strip()
    item = re.sub(r"(?<=[a-z])['’]s\b", "", item, flags=re.I)  # "the captain's phone number": captain phone number
    if re.match(r"^\s*(?:and\s+)?which\s+.+\bwhich\b", raw, re.I):
        return None
    vp = re.match(r"^\s*(?:and\s+)?([a-z]+)\s+(?:in|at|on|to|for|with|under|inside|into)\s+(?:one|a single|exactly one|a|an|the|their|its)\s+([a-z][\w-]*)\s*$", raw, re.I)
    if vp and ("VERB" in _pos(vp.group(1).lower()) and "NOUN" not in _pos(vp.group(1).lower()) or is_verb_form(vp.group(1))) and is_nounish(vp.group(2)):
        # "live in one tank", "belong to a team": the record it names (resolve makes it a reference), not a field named after the verb
        return FieldDraft(name=camel(vp.group(2)), label=vp.group(2).lower(), source=raw)  # "which asset went to which staff member": two references (_belonging), not a field
    text = _clean_item(re.sub(r"^\s*(?:and\s+)?(?:at|in|on|for|from|to|with|of)\s+which\s+", "", item, flags=re.I))  # "at which lake": lake
    if not text or re.fullmatch(r"(?:a\s+|an\s+|their\s+|own\s+)*(?:log-?ins?|log ins?|sign-?ins?|accounts?|user accounts?|passwords?|access)", text.strip(), re.I) \
            or re.search(r"\s(?:too|as well)$", text.strip(), re.I):
        return None  # "vets need a login, and reception staff too": signing in, not fields
    low = text.lower()
    f = FieldDraft(name="", label="", source=raw)
    if raw.strip().endswith("?") and len(words_of(raw)) <= 3:
        f.hint = "yes/no"  # "present?": whether it is
    when = re.match(r"^(date|day|time|moment)\s+(?:when\s+|that\s+|on which\s+|at which\s+)?(?:it|he|she|they|we|i|you|the\s+[a-z]+)\s+"
                    r"(?:was\s+|were\s+|is\s+|are\s+|has been\s+|have been\s+|got\s+|gets\s+|get\s+)?([a-z]+)(?:\s+(in|out|up|off|back|over|down|away))?\b", low)
    if when and "VERB" in _pos(when.group(2)):
        # "the date they joined the list": joinedOn; "the date it was handed out": handedOutOn; "the time they arrived": arrivedAt
        from lemminflect import getInflection, getLemma
        lemma = getLemma(when.group(2), upos="VERB")[0]
        past = (getInflection(lemma, tag="VBN") or (when.group(2),))[0]
        moment = when.group(1) in ("time", "moment")
        f.label = " ".join(w for w in (past, when.group(3), "at" if moment else "on") if w)
        f.name, f.hint = camel(f.label), "datetime" if moment else "date"
        if _OPTIONAL.search(low):
            f.required = False
        return f
    # constraints written beside the field
    if _UNIQUE.search(low):
        f.unique = True
    if _OPTIONAL.search(low):
        f.required = False
    m = _MAXLEN.search(low)
    if m:
        f.max_length = int(m.group(1))
    else:
        rng = _RANGE.search(low)
        if rng and not re.search(r"\d\s*(?:am|pm|:)", low):
            lo_v, hi_v = float(rng.group(1)), float(rng.group(2))
            if lo_v <= hi_v:
                f.min, f.max = lo_v, hi_v
        if (m := _ATLEAST.search(low)):
            f.min = float(m.group(1))
        if (m := _ATMOST.search(low)):
            f.max = float(m.group(1))
        if _NONNEG.search(low):
            f.min = 0.0 if f.min is None else f.min
        if re.search(r"\b(?:characters?|chars?|letters?)\b", low) and (f.min is not None or f.max is not None):
            # "(3-20 characters)", "(at least 3 characters, at most 20)": bounds on the text's length, not its value
            f.min_length = int(f.min) if f.min is not None and f.min >= 0 else None
            f.max_length = int(f.max) if f.max is not None and f.max >= 1 else None
            f.min = f.max = None
    if (m := re.search(r"\b(?:exactly|always|of)\s+(\d+)\s*(?:characters|chars|letters|digits)\b", low)) and int(m.group(1)) >= 1:
        f.min_length = f.max_length = int(m.group(1))  # "a code (exactly 4 letters)"
        f.min = f.max = None
    if (m := _DEFAULT.search(low)):
        f.default = m.group(1).strip()
    # options in parentheses or after a colon: "status (draft/review/live)", "size: S, M or L"
    paren = re.search(r"\(([^()]*)\)", text)
    body_name = text
    if paren:
        inner = paren.group(1)
        body_name = (text[: paren.start()] + " " + text[paren.end():]).strip()
        opts = _options(inner, head=text[: paren.start()])
        if opts:
            f.options = opts
        elif not any(p.search(inner) for p in (_ATLEAST, _ATMOST, _NONNEG, _OPTIONAL, _UNIQUE, _DEFAULT, _MAXLEN)) and not _RANGE.fullmatch(inner.strip()):
            f.hint = inner  # "(no longer than 40)", "(optional)": constraints, read above; the type comes from the rest
    elif (m := re.match(r"([a-z][\w ]*?)\s*(?::|=)\s*(.+)$", text, re.I)):
        opts = _options(m.group(2), head=m.group(1))
        if opts:
            body_name, f.options = m.group(1), opts
        else:
            body_name, f.hint = m.group(1), m.group(2)
    elif (m := re.match(r"^([a-z][\w ]*?)\s+([\w-]+(?:\s*[/|]\s*[\w-]+(?:\s[\w-]+)?)+)$", text, re.I)) and len(_options(m.group(2), head=m.group(1))) >= 2:
        body_name, f.options = m.group(1), _options(m.group(2), head=m.group(1))  # "type single/double/suite", "status queued|running|failed"
    elif (m := re.match(rf"^((?:[a-z]+\s+)?(?:{'|'.join(map(re.escape, lex['enum_words']))}))\s+([\w-]+(?:\s*,\s*[\w-]+)*\s+or\s+[\w-]+)$", text, re.I)):
        body_name, f.options = m.group(1), _options(m.group(2), head=m.group(1))  # "a water type fresh or salt", "a level beginner or improver"
    elif (m := re.match(r"(.+?)\s+(?:which is|that is|is|can be|being|either|one of)\s+(?:either\s+|one of\s+)?(.+)$", text, re.I)):
        opts = _options(m.group(2), loose=True, head=m.group(1))
        if opts and len(opts) >= 2:
            body_name, f.options = m.group(1), opts
    # the name: words before constraint talk, units and relative clauses
    name_part = re.split(r"\b(?:which|that|who|must|should|can|cannot|can't|may|is|are|was|were|will|if|when|unless|must|defaults?|by default|"
                         r"(?<!whether )(?:he|she|they|we|you|i|it)|,|;|\(|from \d|between \d|between|\d)\b",
                         body_name, maxsplit=1, flags=re.I)[0]
    if re.match(r"\s*whether\s+(?:the|this|that|a|an|each|our|my)\s+[a-z]+\s+(?:is|are|was|were|has|have)\s+[a-z]", body_name, re.I):
        name_part = re.split(r"[,;(]", body_name, maxsplit=1)[0]  # "whether the dog is vaccinated": the verb is the field
    if (sym := re.search(r"\s*(?:°\s?[cf]|ppm|%|‰)\s*$", name_part, re.I)):
        f.hint = f.hint or "number"  # "temperature °C", "CO2 ppm"
        name_part = name_part[: sym.start()]
    bare = re.match(r"^(.*?[a-z])\s+([a-z²/]+)\s*$", name_part.strip(), re.I)
    if bare and not _UNIT.search(name_part):
        u, before = bare.group(2).lower(), words_of(bare.group(1))
        measure = bool(before) and (before[-1] in _MEASURES or before[-1] in lex["field_words"] or before[-1] in _MEASURE_WORDS)
        if u not in ("percent", "%", "degrees", "points", "stars") and measure and (len(u) >= 2 and u in lex["units"]["number"] or len(u) == 1 and u in lex["units"]["number"] and before[-1] in _MEASURES
                or u in ("kcal",)) \
                and before and before[-1] not in lex["stop"]:
            f.hint = f.hint or u  # "length m", "fleece weight kg", "frequency MHz", "duration minutes": a measure and its unit
            name_part = bare.group(1)
    unit = _UNIT.search(name_part)
    if unit and (unit.group(1).lower() in lex["units"]["number"] or unit.group(1).lower() in lex["units"]["integer"]):
        f.hint = f.hint or unit.group(1).lower()
        name_part = name_part[: unit.start()]
    elif (unit := re.search(r"^(.*?[a-z])\s+(?:in|measured in)\s+((?:cubic|square|metric)\s+[a-z]+|[a-z]+s)\s*$", name_part.strip(), re.I)) \
            and len(words_of(unit.group(1))) <= 3 and "NOUN" in _pos(singularize(unit.group(2).split()[-1].lower())):
        # "value in cubic metres", "capacity in pallets", "wind strength in knots": a measure and its unit
        name_part, known = unit.group(1), unit.group(2).lower()
        if known in lex["units"]["number"] or known in lex["units"]["integer"]:
            f.hint = f.hint or known
    name_part = re.sub(r"\s*\b(?:(?:of|is|are|must be|should be)\s+)?(?:at least|at most|minimum|maximum|min|max|no less than|"
                       r"no more than|up to|never below|never above|not below|not above)(?:\s+of)?\s*(?:-?\d.*)?$", "", name_part.strip(), flags=re.I)
    name_part = re.sub(r"\s+(?:of|with)\s+(?:exactly|about|around|roughly|some)\s*$", "", name_part.strip(), flags=re.I)  # "a pin of exactly 6 digits"
    name_part = re.sub(r"(?<!-)\b(?:in|as|of the|of|for)\s*$", "", name_part.strip(), flags=re.I)
    name_part = re.split(r"\s+(?:of|for)\s+(?:the|a|an|each|this|that|their|its)\b", name_part, maxsplit=1, flags=re.I)[0]
    rel = re.match(r"^([a-z][\w -]*?[a-z])\s+(?:the|a|an|his|her|their|its|our|my|your)\s+[a-z]+\s+([a-z]+)\b", name_part.strip(), re.I)
    if rel and not re.match(r"(?:whether|yes|if|how)\b", name_part.strip(), re.I) and (
            rel.group(2).lower().endswith("ed") or "VERB" in _pos(rel.group(2).lower()) and "NOUN" not in _pos(rel.group(2).lower())):
        name_part = rel.group(1)  # "rating the group gave the game": a relative clause without 'that'"
    ws = [w for w in words_of(name_part) if w not in ("a", "an", "the", "its", "their", "his", "her", "own", "optional", "unique",
                                                        "required", "mandatory", "field", "some", "any", "each", "also", "only")]
    if len(ws) >= 2 and ws[-1] in ("at", "on") and ws[-2].endswith("ed"):
        f.hint = f.hint or ("datetime" if ws[-1] == "at" else "date")  # "installed at", "delivered on"
    elif len(ws) >= 2 and re.search(rf"\w-{re.escape(ws[-1])}\b", name_part, re.I):
        pass  # "check-in", "pick-up": a compound, not a trailing preposition
    elif len(ws) == 2 and ws[-1] in ("from", "to", "until", "since") and ws[0] not in lex["stop"]:
        pass  # "valid from", "valid to", "available until": the preposition names the field
    else:
        while ws and ws[-1] in lex["stop"]:
            ws = ws[:-1]
    if len(ws) > 2 and ws[:2] in (["how", "many"], ["number", "of"], ["amount", "of"]):
        f.hint, ws = f.hint or ("integer" if ws[0] != "amount" else "number"), ws[2:]
    if ws and ws[0] == "whether":
        f.hint = f.hint or "boolean"
        subject = re.search(r"\bwhether\s+(?:the|this|that|a|an|each|our|my)\s+([a-z]+)\s+([a-z]+)", low)
        ws = [w for w in ws[1:] if w not in ("they", "it", "he", "she", "the", "this", "we", "you", "there")]
        if subject and len(ws) > 1 and ws[0] == subject.group(1) and ({"VERB", "AUX"} & _pos(ws[1]) or ws[1] in ("has", "is", "was", "got")):
            ws = ws[1:]  # "whether the member attended": attended
        owned = len(ws) > 1 and ws[0] in ("has", "have", "is", "are", "was", "were", "gets", "get", "got", "been", "needs", "need")
        while len(ws) > 1 and ws[0] in ("has", "have", "is", "are", "was", "were", "gets", "get", "got", "been", "needs", "need", "a", "an"):
            ws = ws[1:]  # "whether it has a water tap": waterTap
        if ws and "VERB" in _pos(ws[0]) and len(ws) > 1 and not owned and ws[0] not in ("did", "does", "do", "can", "could", "will", "would"):
            from lemminflect import getInflection
            ws[0] = (getInflection(ws[0], tag="VBZ") or (ws[0],))[0]
    if ws and ws[-1] == "flag":
        f.hint = f.hint or "boolean"
        ws = ws[:-1]
    if len(ws) >= 2 and ws[-1] in ("text", "string", "datetime", "timestamp", "integer", "int", "boolean", "bool", "decimal", "time") \
            and not (ws[-1] == "time" and ws[-2] not in ("at", "on")) and any(w not in lex["stop"] for w in ws[:-1]):
        f.hint = f.hint or ws[-1]  # "last error text": lastError, long text; "run at datetime": runAt
        ws = ws[:-1]
    if len(ws) >= 2 and ws[0] in ("json", "xml", "csv", "html", "markdown", "plain", "free", "short", "long", "given"):
        f.hint = f.hint or ("text" if ws[0] in ("markdown", "plain", "free", "long") else "")
        ws = ws[1:]  # "JSON payload": payload; "free text notes": notes; "a given date": date
    if ws and ws[0] in ("yes/no", "yes", "boolean", "true/false"):
        f.hint, ws = "boolean", [w for w in ws[1:] if w != "no"]
    if not ws or len(ws) > 5:
        return None
    if all(w in lex["stop"] for w in ws) or " ".join(ws) in ("stuff", "things", "etc", "so on", "more", "everything", "anything", "whatever", "others"):
        return None
    f.label = " ".join(ws)
    f.label = lex["field_aliases"].get(f.label, f.label)  # "email address" is the email
    f.name = camel(f.label)
    if not f.name or not re.match(r"^[a-z]", f.name):
        return None
    return f


def _options(text: str, loose: bool = False, head: str = "") -> list[str]:
    """Enum options as the user spelled them ('draft/review/live', 'S, M or L'), or [] when the text is not a list of options.

    `head` is the field's own words when known: after "status" or "stage", words that would read as fields on
    their own ("paid", "shipped") are the options."""
    if not loose and not re.search(r"/|\||,|\bor\b|->|→", text, re.I) or re.search(r"[()]", text):
        return []  # options never hold parentheses: "name, area (m²), heated (yes/no)" is a field list
    text = re.sub(r"^\s*(?:one of|either|e\.?g\.?|like|such as)\s+", "", text.strip(), flags=re.I)
    parts = [p.strip(" .'\"") for p in _OPTIONS_SPLIT.split(text) if p and p.strip(" .'\"")]
    if len(parts) < 2 or any(len(p.split()) > 3 or len(p) > 30 for p in parts):
        return []
    if any(re.search(r"\b(optional|unique|date|number|text|string|required)\b", p, re.I) for p in parts):
        return []
    if any(not re.search(r"[A-Za-z0-9]", p) for p in parts):
        return []
    if any(_ATLEAST.search(p) or _ATMOST.search(p) or _NONNEG.search(p) or _MAXLEN.search(p) or _OPTIONAL.search(p) for p in parts):
        return []  # "(at least 1, at most 200)": bounds, not options
    if any(re.search(r"\b(?:later|afterwards|until|once|when|unless|may|must|should|will)\b", p, re.I) for p in parts):
        return []  # "room (assigned later, may be empty)": when it is set, not options
    if sum(bool(_FIELDISH.search(p)) for p in parts) * 2 > len(parts):
        return []  # "a customer (name, email, company)": the fields of a record, not options
    head = re.split(r"\s+(?:that|which|who|is|are|can|must|should|will|may)\b", head.strip(), maxsplit=1, flags=re.I)[0]  # "status that is one of"
    enum_head = bool(hws := words_of(head)) and hws[-1] in lexicon()["enum_words"]
    if len(parts) >= 3 and not enum_head and sum(p[:1].isalpha() and _infer_type(camel(p))[0] not in ("string", "enum") for p in parts) * 2 >= len(parts):
        return []  # "bill: period start, period end, amount due, paid": dates, money and flags are fields
    return parts


_AT_A_TIME = re.compile(r"\b(?:only|just|one)\b.*\bat (?:a|the same|any one) time\b", re.I)


def construct(sentence: str, draft: Draft) -> bool:
    """Apply every construction to one sentence; True when something was taken from it."""
    taken = False
    low = sentence.lower()
    if _AT_A_TIME.search(low) and not re.search(r"\b(?:has|have|with)\b[^.]*,", low):
        return False  # "an asset can only have one open assignment at a time": a rule (kept as one), not a field or a reference
    taken |= _features(low, draft)
    if re.search(r"\(", low):
        taken |= _features(re.sub(r"\([^()]*\)", " ", low), draft)
    taken |= _many_to_many(sentence, draft)
    if (both := _two_way(sentence, draft)) is not None:
        sentence = (sentence[: both.start()] + sentence[both.end():]).strip(" ,;")
        taken = True
        if not words_of(sentence):
            return True
    # "speakers (name, bio)"; "status (draft/review/live)" stays for the field reader
    consumed: list[tuple[int, int, str]] = []
    for m in _DEF_PAREN.finditer(sentence):
        head, body = m.group(1), m.group(2)
        of = re.search(r"\b([a-z][\w-]*)\s+of\s+[a-z][\w-]*\s*$", sentence[: m.start(2) - 1], re.I)
        head_at = m.start(1)
        if of and words_of(head)[0] == "of" and noun_phrase(of.group(1)):
            head, head_at = of.group(1), of.start(1)  # "every delivery of milk (date, litres, fat percent)": the delivery's fields
        if _options(body, head=head) and _is_field_word(head) and not (
                re.match(r"(?:a|an|one|the)\s", head.strip(), re.I) and words_of(head)[-1:] and words_of(head)[-1] not in lexicon()["field_words"] | lexicon()["enum_words"]
                and sum(bool(_FIELDISH.search(_clean_item(i))) for i in field_items(body)) >= 1 and len(field_items(body)) >= 2):
            continue
        if re.match(r"\s*(?:e\.?g\.?|eg|for example|for instance|such as|like|i\.?e\.?)\b", body, re.I) and not _is_field_word(head):
            consumed.append((m.start(), m.end(), head))  # "environments (for example dev, staging, prod)": examples, not fields
            continue
        np = noun_phrase(head)
        items = field_items(body)
        fields = [parse_field(i, draft) for i in items]
        fieldish = len(items) >= 2 and all(fields) and sum(bool(_FIELDISH.search(_clean_item(i))) for i in items) * 2 > len(items)
        if np is None and len(items) >= 2 and all(fields) and any(_FIELDISH.search(_clean_item(i)) for i in items) and is_plural((words_of(head) or [""])[-1]):
            np = defined_noun(head)  # "routes (name, priority 1-3, length)": a record, though 'route' is kept out of passing mentions
        if np and len(items) >= 2 and all(fields) and any(_FIELDISH.search(_clean_item(i)) for i in items) \
                and words_of(head)[-1:] and words_of(head)[-1] not in lexicon()["field_words"] | lexicon()["enum_words"] \
                and re.match(r"(?:a|an|one|the)\s", head.strip(), re.I) and not consumed:
            fieldish = True  # "presided over by a judge (name, chamber)": the judge's fields
        if np and (is_plural(words_of(head)[-1]) or len(items) >= 2) and sum(1 for f in fields if f) >= max(1, len(items) // 2 + 1 if len(items) > 1 else 1) \
                and not _is_field_word(head) or np and is_plural(words_of(head)[-1]) and len(items) >= 2 and all(fields) \
                or np and fieldish and words_of(head)[-1] not in lexicon()["enum_words"] \
                or np and len(items) >= 2 and all(fields) and words_of(head)[-1] not in lexicon()["enum_words"] \
                and words_of(head)[-1] not in lexicon()["field_words"] and re.search(r"\b(?:each|every)\s+(?:[a-z]+\s+)?$", sentence[:head_at], re.I):
            # "raised by a customer (name, email, company)"; "every delivery (date, litres, fat percent)"
            ent = draft.entity(np[0], np[1], weight=3)
            _add_fields(ent, [f for f in fields if f], draft)
            consumed.append((m.start(), m.end(), head))
            taken = True
    rest = sentence
    for start, end, head in reversed(consumed):
        rest = rest[:start] + head + rest[end:]
    for clause in _clauses(rest):
        taken |= _clause(clause, draft)
    return taken


def _many_to_many(sentence: str, draft: Draft) -> bool:
    m = _MANY_MANY.search(sentence)
    if not m:
        return False
    a, b = noun_phrase(m.group(1)), noun_phrase(m.group(2))
    if not a or not b:
        return False
    draft.entity(a[0], a[1], weight=2)
    draft.entity(b[0], b[1], weight=2)
    draft.relations.append((a[0], b[0], "refs", False, sentence))
    return True


def _field_with_options(head: str, body: str) -> bool:
    """'status: open, closed', 'size: S, M or L' (a field and its options), not 'Country: name, continent' (a record and its fields)."""
    opts = _options(body, head=head)
    if not opts or not _is_field_word(head):
        return False
    fieldlike = sum(bool(_FIELDISH.search(o)) or o.lower() in lexicon()["field_words"] or _infer_type(camel(o))[0] not in ("string", "enum")
                    or len(words_of(o)) >= 2 and words_of(o)[-1] in ("code", "number", "name", "date", "time", "id") for o in opts)  # "bin code"
    if words_of(head)[-1] in lexicon()["enum_words"]:
        return fieldlike * 2 < len(opts)  # "class: economy, business" (options), "Class: title, start time, capacity" (a record)
    return not fieldlike


def _is_field_word(phrase: str) -> bool:
    ws = words_of(phrase)
    return bool(ws) and (ws[-1] in lexicon()["enum_words"] or ws[-1] in lexicon()["field_words"] or not is_plural(ws[-1]))


def _clauses(sentence: str) -> list[str]:
    parts = re.split(r"(?<=[a-z)])(,?\s+(?:and|but|while|whereas)\s+)(?=(?:only\s+)?(?:each|every|a|an|the|all|some|our|my)?\s*[a-z]+\s+(?:has|have|can|may|must|should|are|is|belong|get|go|come|need|keep|record))",
                     sentence, flags=re.I)
    joined = [parts[0]]
    for sep, part in zip(parts[1::2], parts[2::2]):
        if re.search(r"\bbetween\s+(?:(?:a|an|the|one)\s+)?[a-z][\w-]*$", joined[-1], re.I):
            joined[-1] += sep + part  # "contracts between a landlord and a tenant have ...": one subject
        else:
            joined.append(part)
    parts = joined
    # a comma splice: "in building are flats, flat has number, size and rent"
    parts = [q for p in parts for q in re.split(r"(?<=[a-z)]),\s+(?=(?:each|every|a|an|the)?\s*[a-z]+\s+(?:(?:must|should|will|can|also)\s+)?(?:has|have)\s+(?!to\b|been\b))", p, flags=re.I)]
    out: list[str] = []
    for part in (p.strip() for p in parts if p.strip()):
        # "players belong to a team and have a name, ...": the second verb shares the subject
        m = re.match(r"^((?:(?:each|every|a|an|the|all|our|my)\s+)?[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(.+?)\s*,?\s+and\s+((?:also\s+)?(?:has|have|stores?|records?|includes?|contains?|needs?|gets?|holds?)\s+.+)$", part, re.I)
        if m and (np := noun_phrase(m.group(1))):
            det = next((w for w in words_of(m.group(1))[:1] if w in ("each", "every", "a", "an", "the", "all", "our", "my")), "")
            subject = f"{det} {np[1]}".strip()  # "each hive sits ... and has": "each hive has"; "players belong ... and have"
            out += [f"{m.group(1)} {m.group(2)}", f"{subject} {m.group(3)}"]
        else:
            out.append(part)
    return out


def _clause(clause: str, draft: Draft) -> bool:
    draft.clauses.append(clause)
    taken = _clause_inner(clause, draft)
    subject = _clause_subject(clause) or ((m := _DEF_HAS.match(clause)) and noun_phrase(m.group(1)))
    if not subject and (m := re.match(r"^\s*(?:(?:the|a|an|each|every|our|all|new)\s+)?([a-z][\w-]*)\s+(?:can\s+|must\s+|will\s+|should\s+|may\s+)?([a-z]+)\b", clause, re.I)) \
            and "VERB" in _pos(m.group(2).lower()) and (np := noun_phrase(m.group(1))) and (np[0] in draft.entities or is_person(m.group(1))):
        subject = np  # "Members sign up. They have a name": they are the members
    if subject and (subject[0] in draft.entities or re.match(r"^\s*(?:a|an|each|every|the)\s", clause, re.I) or is_person(subject[1].split()[-1])):
        draft.last_subject = subject  # "A production is a staging of a play. It has a title, ...": it is the production
    return taken


_STATE = r"(?:(?!(?:to|then|or|and|either|after)\b)[a-z][\w-]*(?:\s+(?!(?:to|then|or|and|either|after|by|when|while|if|but|so|with|on|at|in)\b)[a-z][\w-]*){0,2})"
_FLOW_FROM = re.compile(rf"\b(?:goes|go|moves?|pass(?:es)?|progress(?:es)?|flows?|advances?|changes?|runs?|is moved|gets moved)\s+(?:from\s+)?({_STATE})"
                        rf"((?:\s*(?:\bto\b|->|→|>|,\s*then\b|\bthen\b|\band then\b)\s*(?:either\s+)?{_STATE}(?:\s+or\s+{_STATE})?)+)", re.I)
_FLOW_IS = re.compile(rf"\b(?:is|starts as|starts|begins as|begins)\s+(?:an?\s+|first\s+)?({_STATE})((?:\s*,?\s*(?:then|and then|after that)\s+(?:either\s+)?(?:an?\s+)?{_STATE}(?:\s+or\s+{_STATE})?)+)", re.I)
_FLOW_ALSO = re.compile(rf"\b(?:can|may|could)\s+(?:also\s+)?be\s+({_STATE})\s+(?:while|when|from|if|once)\s+(?:it is\s+|still\s+)?({_STATE})\b", re.I)


def _workflow(clause: str, draft: Draft) -> bool:
    """'an order goes from draft to paid to shipped', 'a claim is a draft, then submitted, then either approved
    or rejected': the states are the options of the record's status; 'it can be rejected while submitted' adds one."""
    low = clause.lower()
    states: list[str] = []
    listed = False
    if (m := _FLOW_FROM.search(low)) or (m := _FLOW_IS.search(low)):
        parts = [m.group(1), *re.split(r"\s*(?:\bto\b|->|→|>|,|\band then\b|\bthen\b|\bafter that\b|\bor\b)\s*", m.group(2))]
        states = [re.sub(r"^(?:either|an?|the)\s+", "", p.strip()) for p in parts if p and p.strip()]
    subject = None
    if len(states) >= 2 and all(1 <= len(words_of(x)) <= 2 and not set(words_of(x)) & {"one", "another", "other", "each", "every", "it", "them",
                                                                                   "there", "here", "home", "work"} for x in states):
        head = clause[: m.start()]
        subject = _clause_subject(clause) or noun_phrase(head) if not re.search(r"\b(?:it|they|this)\s*$", head.strip(), re.I) else None
        subject = subject or draft.last_subject
        known = draft.by_label()
        if any(singular_phrase(x) in known for x in states) or len(states) == 2 and not all(re.search(r"(?:ed|ing|ft|ne|en|ive|ing|open|closed|new)$", x) for x in states):
            subject = None  # "goes from a warehouse to a shop", "from home to work": places, not states
    elif (m := re.match(rf"^\s*(?:(?:each|every|an?|the|all|our)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:is|are|can be|may be)\s+(?:either\s+|one of\s+)?"
                        rf"({_STATE}(?:\s*,\s*{_STATE})*\s*,?\s+or\s+{_STATE})\s*$", low)) and (subject := noun_phrase(m.group(1))):
        # "events are either draft or published", "orders are pending, paid or refunded": the record's states
        opts = [o.strip() for o in re.split(r"\s*,\s*|\s+or\s+", m.group(2)) if o.strip()]
        stateish = all(len(words_of(o)) <= 2 and (re.search(r"(?:ed|ing|ive|ft|open|new|live|done|due|paid|sold|lost|won)$", o)
                                                  or "ADJ" in _pos(words_of(o)[-1])) for o in opts)
        known = draft.by_label()
        if not stateish or any(singular_phrase(o) in known for o in opts) or len(opts) < 2:
            return False
        states, listed = opts, True
    elif (m := _FLOW_ALSO.search(low)) and (subject := draft.last_subject):
        ent = draft.entities.get(subject[0])
        f = next((f for f in (ent.fields.values() if ent else []) if f.name in ("status", "state", "stage") and f.options), None)
        if f and m.group(2) in [o.lower() for o in f.options] and m.group(1) not in [o.lower() for o in f.options]:
            f.options.append(m.group(1))  # "it can be rejected while submitted"
            return True
        return False
    if not subject:
        return False
    if not listed:
        draft.workflows.append(clause)  # a flow between states is a rule too; a plain list of states is only the enum
    ent = draft.entity(subject[0], subject[1], weight=1)
    f = next((f for f in ent.fields.values() if f.name in ("status", "state", "stage")), None)
    if f is None:
        ent.fields["status"] = FieldDraft(name="status", label="status", source=clause[:200], options=list(dict.fromkeys(states)))
        draft.fieldish.add("status")
    elif not f.options:
        f.options = list(dict.fromkeys(states))
    return True


_STORY = re.compile(r"^\s*as\s+(?:an?|the)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s*,?\s*i\s+(?:really\s+)?(?:want to|would like to|'d like to|need to|can|"
                    r"should be able to|must be able to|am able to|want|will|must|wish to)\s+(.+)$", re.I)
_STORY_MAKES = frozenset({"record", "add", "create", "log", "write", "publish", "leave", "submit", "post", "upload", "enter", "save", "schedule",
                          "book", "list", "register", "keep", "track", "note", "file", "raise", "open", "request", "propose", "suggest",
                          "store", "set", "define", "manage", "plan", "organise", "organize", "issue", "send", "make", "give", "report"})


_DEALS = {"book": "Booking", "reserve": "Reservation", "rent": "Rental", "borrow": "Loan", "hire": "Hire"}


def _story(clause: str, draft: Draft) -> bool:
    """A user story ('As a volunteer, I want to record medical notes (date, treatment) for an animal'): what the
    person makes is a record, with the fields the story gives it; 'pick the book and schedule a meeting for it
    with a date' reads each action."""
    m = _STORY.match(clause)
    if not m:
        return False
    rest = re.split(r",?\s+(?:so that|so|in order to|because|to make sure|to see|to know)\b", m.group(2), maxsplit=1, flags=re.I)[0]
    taken = False
    for action in re.split(rf",?\s+and\s+(?=(?:{'|'.join(sorted(_STORY_MAKES))})\b)", rest.strip(), flags=re.I):
        taken |= _story_action(action, clause, draft)
    return taken


def _story_action(action: str, clause: str, draft: Draft) -> bool:
    action = re.sub(r"^([a-z]+)\s+(?:one|some|any|each)\s+of\s+(?:the|our|their|my|its)\s+", r"\1 a ", action.strip(), flags=re.I)  # "book one of the rooms"
    act = re.match(r"^([a-z]+)\s+(?:(?:my|our|a|an|the|new|their|his|her|some|all)\s+)?((?:[a-z][\w-]*\s+)?[a-z][\w-]*?)"
                   r"(?:\s*\(([^()]*)\))?(?:\s+(?:for|of|to|on|at|in)\s+(?:(?:a|an|the|each|every|my|our|one)\s+)?"
                   r"([a-z][\w-]*(?:\s+(?!(?:we|i|they|you|that|which|who|with)\b)[a-z][\w-]*)?)(?:\s+(?:we|i|they|you|that|which|who)\s+[a-z]+)?)?"
                   r"(?:\s*,?\s+(?:with|including|having|giving)\s+(.+)|\s+(?:to|and|so|in|at|on|when|if|by|from)\b.*)?\s*$", action.strip(), re.I)
    if not act or act.group(1).lower() not in _STORY_MAKES:
        return False
    record = defined_noun(act.group(2))
    if not record or len(record[1].split()) == 1 and record[1] in lexicon()["field_words"]:
        return False
    items = field_items(act.group(3) or act.group(5) or "")
    good = [f for f in (parse_field(i, draft) for i in items) if f]
    deal = _DEALS.get(act.group(1).lower())
    if deal:  # "book a stall at a market, choosing a size": a booking of the stall, not the stall
        draft.entity(record[0], record[1], weight=1)
        draft.relations.append((deal, record[0], "ref", True, clause))
        record = (deal, deal.lower())
    ent = draft.entity(record[0], record[1], weight=2 if good else 1)
    _add_fields(ent, good, draft)
    if act.group(4) and (parent := noun_phrase(act.group(4))) and parent[0] != record[0]:
        draft.relations.append((record[0], parent[0], "belongs", True, clause))  # "... for an animal"
    return True


def _clause_inner(clause: str, draft: Draft) -> bool:
    taken = _workflow(clause, draft)
    taken |= _story(clause, draft)
    if _line_items(clause, draft):
        return True
    taken |= _relations(clause, draft)
    if any(r[4] == clause and r[2] == "refs" for r in draft.relations):
        return True
    if (pair := _BETWEEN_ONE.search(clause)) and any(r[4] == clause for r in draft.relations):
        clause = clause[: pair.end(1)] + clause[pair.end():]  # "contracts between a landlord and a tenant have ...": the contracts have
    taken |= _we_keep(clause, draft)
    # "A tracker for our expenses: expenses have an amount, ...": a long title, then a clause of its own
    long_title = re.match(r"^(.{1,80}?)\s*:\s+(.+)$", clause)
    if long_title and not _DEF_COLON.match(clause) and (has := _DEF_HAS.match(long_title.group(2))) and noun_phrase(has.group(1)):
        return _clause(long_title.group(1), draft) | _clause(long_title.group(2), draft) | taken
    # "every member can log in and write his catch: which species, the weight in kg, at which lake"
    tail = re.match(r"^(.{3,120}?)\b(?:his|her|their|its|a|an|the|each|every|new)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s*:\s+(.+)$", clause, re.I)
    verb = (words_of(tail.group(1)) or [""])[-1] if tail else ""
    if tail and verb not in ("has", "have", "had", "with", "of", "and", "or", "is", "are", "get", "gets", "need", "needs") \
            and "VERB" in _pos(verb) and "NOUN" not in _pos(verb) \
            and not _DEF_COLON.match(clause) and (np := defined_noun(tail.group(2))) and not _field_with_options(tail.group(2), tail.group(3)):
        if good := _fields_of(tail.group(3), draft):
            _add_fields(draft.entity(np[0], np[1], weight=3), good, draft)
            _actors(tail.group(1) + " " + tail.group(2), draft)
            return True
    if _record_per(clause, draft) or _recorded_as(clause, draft) or _possessive_fields(clause, draft) or _fields_when(clause, draft) \
            or _belongs_colon(clause, draft):
        return True
    taken |= _with_tail(clause, draft)
    if _each_with(clause, draft) or _are_with(clause, draft) or _logs_plural(clause, draft):
        return True
    if _sum_of(clause, draft):
        return True
    # "status of job: received, printing, ready, delivered": a field of a record and its options
    m = re.match(r"^\s*(?:the\s+)?([a-z]+(?:\s+[a-z]+)?)\s+of\s+(?:the\s+|a\s+|each\s+|every\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s*:\s*(.+)$", clause, re.I)
    if m and words_of(m.group(1))[-1] in lexicon()["enum_words"] and (owner := noun_phrase(m.group(2))):
        opts = _options(re.split(r"\s+[-–—]\s+|;", m.group(3))[0], head=m.group(1))
        if len(opts) >= 2:
            name = camel(m.group(1))
            ent = draft.entity(owner[0], owner[1], weight=1)
            f = ent.fields.get(name)
            if f is None:
                ent.fields[name] = FieldDraft(name=name, label=m.group(1).lower(), source=clause[:200], options=opts)
            elif not f.options:
                f.options = opts
            return True
    # "Vans: plate number, make" / "stock app: products (...), suppliers (...)"
    if (gloss := re.match(r"^\s*([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s*(?:=|-|–|—|\(|,)\s*(?:i\.?e\.?\s+|meaning\s+|aka\s+)?[a-z][^:=()]{2,60}?\)?\s*:\s+(.+)$", clause, re.I)) \
            and noun_phrase(gloss.group(1)) and is_plural(words_of(gloss.group(1))[-1]) and len([i for i in field_items(gloss.group(2)) if parse_field(i, draft)]) >= 2:
        clause = f"{gloss.group(1)}: {gloss.group(2)}"  # "scrims = practice matches vs other orgs: date & time, ...": the scrims' fields
    if (calc := re.match(r"^([^:=]{1,40})=\s*(.+)$", clause)) and re.search(
            r"[+*×÷]|\s[-/]\s|\b(?:times|plus|minus|divided by|sum of|average of|number of)\b", calc.group(2), re.I):
        return taken  # "total = price + tax", "net weight = gross - tare": a computed value, kept as a rule
    m = _DEF_COLON.match(clause)
    if m and m.group(1).lower().strip() in _HEADING_WORDS:
        return _clause(m.group(2), draft) or taken  # "Private: each user sees only their own wines", "Description: IT needs to ..."
    if m and (hist := re.match(r"^(.+?)\s+(?:history|log|register|records|list)$", m.group(1), re.I)) and noun_phrase(hist.group(1)) \
            and not is_plural(words_of(hist.group(1))[-1]):
        clause = f"{hist.group(1)}: {m.group(2)}"  # "Assignment history: ... we store the employee, the asset": assignments
        m = _DEF_COLON.match(clause)
    if m and re.search(r"\b[a-z]+-?\d+\b", m.group(1), re.I) and re.search(r"\b(?:ticket|jira|issue|story|epic|task|req|us)\b|[A-Z]{2,}-?\d", m.group(1), re.I):
        return taken  # "TICKET GRAD-412: Thesis supervision tracker", "JIRA AUD-23 - ...": a ticket's title
    if m and (gen := re.match(r"^(.+?)\s+(?:details|info|information|data|profile|record)$", m.group(1), re.I)) and noun_phrase(gen.group(1)) \
            and len([i for i in field_items(m.group(2)) if parse_field(i, draft)]) >= 2:
        clause = f"{gen.group(1)}: {m.group(2)}"  # "Interpreter details: name, mobile number": the interpreter's fields
        m = _DEF_COLON.match(clause)
    single_record = bool(m) and re.fullmatch(r"\s*(?:applications?|sites?|tools?|platforms?|trackers?)\s*", m.group(1), re.I) is not None \
        and len([i for i in field_items(m.group(2)) if parse_field(i, draft)]) >= 2  # "Application: dog, adopter, date, status": a record
    if m and (single_record or not re.search(r"\b(?:app|application|system|tool|website|site|platform|api|tracker)\b", m.group(1), re.I)):
        head, body = m.group(1), m.group(2)
        np = noun_phrase(head)
        if single_record and np is None and (ws := words_of(head)):
            np = (pascal(singularize(ws[-1])), ws[-1])
        known = draft.by_label()
        names_records = sum(singular_phrase(_clean_item(o).lower().strip(" ?")) in known for o in _options(body, head=head)) >= 2
        if np and _field_with_options(head, body) and not names_records:  # "Attendance: singer, rehearsal, present?": a record of both
            np = None
        listed = re.match(rf"\s*{_SUBJECT}\s+(?:with|having)\b", body, re.I) and sum(
            _plural_items([i]) for i in split_top(body)) >= 2  # "support desk: tickets with status, and comments on tickets"
        inner = _DEF_COLON.match(body)
        if inner and (np_in := noun_phrase(inner.group(1))) and is_plural(words_of(inner.group(1))[-1]) and np_in[0] != (np or ("",))[0]:
            return _clause(body, draft) or taken  # "Org chart: Employees: name, job title": a title, then a definition
        if (has := _DEF_HAS.match(body)) and noun_phrase(has.group(1)) and not listed and (
                is_plural(words_of(has.group(1))[-1]) or re.match(r"\s*(?:each|every)\b", has.group(1), re.I)):
            return _clause(body, draft) or taken  # "an org chart: employees have a name, ...": a title, then a clause
        per = re.match(r"^\s*(?:for|per|of)\s+(?:each|every|a|one)\s+([a-z][\w-]*(?:\s+(?!(?:the|its|their|a|an)\b)[a-z][\w-]*)?)\s*,?\s+(?:the\s+|its\s+|their\s+)(.+)$", body, re.I)
        if np and per and (parent := noun_phrase(per.group(1))) and parent[0] != np[0]:
            # "Results: for each registration the finish time and the overall rank"
            good = [f for f in (parse_field(i, draft) for i in field_items(per.group(2))) if f]
            if good:
                _add_fields(draft.entity(np[0], np[1], weight=3), good, draft)
                draft.entity(parent[0], parent[1], weight=1)
                draft.relations.append((np[0], parent[0], "ref", True, clause))
                return True
        if np is None and len(split_top(body)) >= 2:
            np = _people_entity(head)  # "Staff: name, email, department": people kept as records
        if np is None and not _field_with_options(head, body) and len([i for i in field_items(body) if parse_field(i, draft)]) >= 2:
            np = defined_noun(head)  # "Routes: name, number, colour": a record, though 'route' is kept out of passing mentions
        if np or _plural_items(split_top(body)):
            items = field_items(body)
            if _plural_items(items):
                return _entity_list(body, draft, weight=2) or taken
            fields = [parse_field(i, draft) for i in items]
            good = [f for f in fields if f]
            if len(items) == 1 and not is_plural(words_of(head)[-1]) and re.match(r"\s*[a-z]+\s+[a-z]", body) \
                    and "VERB" in _pos(words_of(body)[0]) and len(words_of(body)) >= 3:
                good = []  # "Goal: plan school bus routes": a heading and a sentence, not a record with one field
            if good and np:
                ent = draft.entity(np[0], np[1], weight=3)
                _add_fields(ent, good, draft)
                return True
    elif m:  # "a todo app: todos have a title ...": the app's name, then a clause of its own
        body = m.group(2)
        if _DEF_HAS.match(body) or _DEF_COLON.match(body):
            return _clause(body, draft) or taken
        taken |= _entity_list(body, draft, weight=2)
    # "employees log time entries against projects": people making records, not a list of fields
    act = _ACTOR_ONE.match(clause.strip())
    acting = bool(act and act.group(2).lower() in _MAKES | _DEAL_VERBS and is_person(act.group(1)) and _actors(clause, draft))
    taken |= acting
    # "each van has a plate number, a make and ..."
    m = None if acting else _DEF_HAS.match(clause)
    if m and words_of(m.group(1)) and words_of(m.group(1))[-1] in APP_WORDS and (
            _plural_items(field_items(m.group(2))) or not re.match(r"^\s*(?:each|every|a|an)\s", clause, re.I)):
        return taken | _entity_list(m.group(2), draft, weight=2)  # "the app has projects and tasks" ("each site has a name": a record)
    pronoun = bool(m and re.fullmatch(r"(?:it|they|he|she|this|each one|each of them|every one)", m.group(1).strip(), re.I)) and draft.last_subject
    if m and (pronoun or not re.match(r"^(?:i|we|you|they|it|he|she|users?|people|everyone|someone|this|that|there)\b", m.group(1).strip(), re.I)):
        np = draft.last_subject if pronoun else noun_phrase(m.group(1))
        body = m.group(2)
        if np is None and (dn := defined_noun(m.group(1))) and len([i for i in field_items(body) if parse_field(i, draft)]) >= (
                1 if is_plural(words_of(m.group(1))[-1]) and re.match(r"\s*(?:have|has)\b", clause[m.end(1):]) else 2):
            np = dn  # "every person has a first name, a family name and a birth date"
        if np and not re.match(r"\s*(?:to|been|a lot|lots|no|nothing|access|permission|the right|rights?|login|an? account)\b", body, re.I):
            many = re.match(r"\s*(?:many|several|multiple|one or more|a list of|a number of|lots of|any number of|a few|some|zero or more|(more than one))\s+(.+)$", body, re.I)
            if many and noun_phrase(many.group(2)) and (many.group(1) or is_plural(words_of(many.group(2).split(",")[0])[-1] if words_of(many.group(2).split(",")[0]) else "")):
                draft.entity(np[0], np[1], weight=2)
                for item in split_top(many.group(2)):
                    child = noun_phrase(item)
                    if child:
                        draft.entity(child[0], child[1], weight=2)
                        draft.relations.append((np[0], child[0], "has_many", True, clause))
                return True
            sub = re.match(r"\s*(?:many|several|multiple|one or more|a list of|a number of|some|its own|their own)?\s*([a-z][\w-]*)\s*,?\s+(?:each\s+)?(?:with|having|that have|which have)\s+(.+)$", body, re.I)
            if sub and is_plural(sub.group(1).lower()) and sub.group(1).lower() not in lexicon()["field_words"] and (child := noun_phrase(sub.group(1))):
                good = [f for f in (parse_field(i, draft) for i in field_items(sub.group(2))) if f]
                if len(good) >= 2:
                    # "each order has lines with a description, a quantity and a unit price": records of their own
                    word = singular_phrase(sub.group(1).lower())
                    if word in lexicon()["compound_heads"]:
                        child = (np[0] + pascal(word), f"{singular_phrase(np[1])} {word}")
                    draft.entity(np[0], np[1], weight=2)
                    _add_fields(draft.entity(child[0], child[1], weight=3), good, draft)
                    draft.relations.append((np[0], child[0], "has_many", True, clause))
                    return True
            items = field_items(body)
            if _plural_items(items):
                taken |= _entity_list(body, draft, weight=2)
                return taken
            fields = [parse_field(i, draft) for i in items]
            good = [f for f in fields if f]
            if good and (len(good) >= len(items) / 2):
                ent = draft.entity(np[0], np[1], weight=2)
                _add_fields(ent, good, draft)
                taken = True
    # "i have fields, each with a name and a size"; "an event offers several ticket types (e.g. VIP), each with a price"
    bare = re.sub(r"\s*\([^()]*\)", "", clause)
    m = re.search(r"\b([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s*,?\s+(?:each|every one|all)\s+(?:with|having|has|have|of them with)\s+(.+)$", bare, re.I)
    head = re.sub(r"^(?:are|is|were|was|has|have)\s+", "", m.group(1), flags=re.I) if m else ""  # "there are teams, each with ..."
    if m and words_of(head) and len(words_of(head)) == 2 and words_of(head)[0] in ("into", "in", "of", "are", "is", "has", "have", "with", "by"):
        head = words_of(head)[1]  # "the forum is divided into boards, each with ..."
    if m and defined_noun(head) and is_plural(words_of(head)[-1]):
        np = defined_noun(head)
        good = [f for f in (parse_field(i, draft) for i in field_items(m.group(2))) if f]
        if np and good:
            _add_fields(draft.entity(np[0], np[1], weight=3), good, draft)
            owner = re.match(r"^\s*(?:each|every|an?|the)\s+([a-z][\w-]*)\s+(?:has|have|offers?|contains?|includes?|holds?|lists?|sells?)\s+"
                             r"(?:several|many|multiple|one or more|some|a few|different|various)\b", bare, re.I)
            if owner and (parent := noun_phrase(owner.group(1))) and parent[0] != np[0]:
                draft.entity(parent[0], parent[1], weight=1)
                draft.relations.append((parent[0], np[0], "has_many", True, clause))
            taken = True
    # "we have singers and we do concerts": records a business says it has, holds or runs
    for part in re.split(r",?\s+and\s+(?=(?:we|i)\s)", clause, flags=re.I):
        m = re.match(r"^\s*(?:and\s+|so\s+)?(?:we|i)\s+(?:also\s+)?(?:have|hold|run|do|host|organi[sz]e|sell|rent out|rent|give|teach|make|keep|breed|grow|lend)\s+"
                     r"(?:(?:many|several|some|lots of|a lot of|a few|different|various|our own|about \d+|\d+)\s+)?([a-z][\w-]*(?:\s+(?!a\b|and\b)[a-z][\w-]*)?)"
                     r"\s*(?:$|,|\band\b|\b(?:a few|every|each|twice|once|all)\b)", part, re.I)
        if m and is_plural(words_of(m.group(1))[-1]) and (np := noun_phrase(m.group(1))) and not draft.entities.get(np[0]):
            draft.entity(np[0], np[1], weight=1)
            taken = True
    # "there is drivers with name and phone, and cars with plate number": records introduced by 'there are'
    m = re.match(r"^\s*(?:so\s+|and\s+)?(?:there\s+(?:is|are|will be|must be|should be)|we\s+(?:have|got)|i\s+have)\s+(.+)$", clause, re.I)
    if m and re.search(r"\bwith\b", m.group(1), re.I) and _plural_items(split_top(re.split(r"\s+with\s+", m.group(1), maxsplit=1, flags=re.I)[0])):
        taken |= _entity_list(m.group(1), draft, weight=2)
    # "categories are shared by everyone: just a name and a colour": a clause about records, then their fields
    m = re.match(r"^\s*((?:(?:each|every|the|all|our)\s+)?[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:are|is|have|has|get|gets|need|needs|come|comes)\b[^:]{0,60}:\s*"
                 r"(?:just|only|simply)?\s*(.+)$", clause, re.I)
    gap = words_of(clause[m.end(1): clause.index(":", m.end(1))]) if m else []
    if m and gap and gap[-1] in lexicon()["enum_words"]:
        m = None  # "claims have a status: submitted, under review or approved": options of one field, not fields
    if m and (np := noun_phrase(m.group(1))) and not _DEF_COLON.match(clause):
        items = field_items(m.group(2))
        good = [f for f in (parse_field(i, draft) for i in items) if f]
        if len(good) >= 2 and len(good) == len(items):
            _add_fields(draft.entity(np[0], np[1], weight=2), good, draft)
            taken = True
    # "members sign up with name, email and membership type": people who register are records
    m = re.match(r"^\s*(?:(?:the|our|all|new)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:can\s+|must\s+|will\s+|should\s+)?"
                 r"(?:(?:sign(?:s)?\s*-?\s*up|registers?|join|joins|enrol+s?|create an account|apply|applies)\s+(?:with|by giving|giving|using)|"
                 r"(?:is |are |has to |have to |must |should )?(?:give|gives|giving|provide|provides|providing|enter|enters|fill in|fills in|supply|supplies|leave|leaves)"
                 r"(?:\s+(?:us|me))?)\s+(?:their|his|her|its)?\s*(.+)$", clause, re.I)
    if m and (np := noun_phrase(m.group(1)) or _people_entity(m.group(1))) and np[0] not in ("User",):
        items = field_items(m.group(2))
        good = [f for f in (parse_field(i, draft) for i in items) if f]
        signs_up = not re.search(r"\b(?:giv\w*|gives?|provid\w*|enters?|fill\w* in|suppl\w*|leaves?)\b", m.group(0)[: len(m.group(0)) - len(m.group(2))], re.I)
        personal = sum(bool(_FIELDISH.search(_clean_item(i)) or re.search(r"\b(?:name|e-?mail|phone|address|country|city|number|birth)\b", i, re.I))
                       for i in items) * 2 >= len(items)
        if good and len(good) >= len(items) / 2 and (signs_up or personal):
            # "guests give their name, email and country" (details about themselves), not "judges give a score"
            _add_fields(draft.entity(np[0], np[1], weight=3), good, draft)
            draft.auth |= signs_up
            taken = True
    # "pubs are stored separately with their name and address": records described by how they are kept
    m = re.match(r"^\s*(?:(?:each|every|the|all|our)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:is|are)\s+(?:stored|kept|saved|listed|recorded|tracked|"
                 r"registered|described|identified|entered|added|set up|created)\s+(?:(?:separately|once|too|also|individually|here|in the app)\s+)*"
                 r"with\s+(.+)$", clause, re.I)
    if m and (np := defined_noun(m.group(1))):
        items = field_items(re.split(r",?\s+\b(?:because|so that|since|as)\b", m.group(2), maxsplit=1)[0])
        good = [f for f in (parse_field(i, draft) for i in items) if f]
        if good and len(good) * 2 >= len(items):
            _add_fields(draft.entity(np[0], np[1], weight=3), good, draft)
            taken = True
    # "a client is a person or a company with a name, an email and a phone number"
    m = re.match(r"^\s*(?:(?:a|an|each|every|the)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:is|are)\s+(?:(?:a|an|any|either)\s+[^,;:]{1,50}?|"
                 r"[a-z]+(?:\s+(?:or|and)\s+(?:an?\s+)?[a-z]+)+)\s*,?\s+"
                 r"(?:with|having|who has|that has|which has)\s+(.+)$", clause, re.I)  # "customer is company or person, with name ..."
    if m and (np := noun_phrase(m.group(1)) or _people_entity(m.group(1))):
        items = field_items(m.group(2))
        good = [f for f in (parse_field(i, draft) for i in items) if f]
        if len(good) >= 2 and len(good) * 2 > len(items):
            _add_fields(draft.entity(np[0], np[1], weight=2), good, draft)
            taken = True
    # "for each customer we store name, phone and email"
    m = _FOR_EACH.match(clause)
    pair = re.match(r"^(.+?)\s+and\s+(?:each\s+|every\s+|a\s+)?(.+)$", m.group(1)) if m else None
    if m and m.group("parent") and (x := defined_noun(m.group("parent"))) and (y := defined_noun(m.group(1))) and x[0] != y[0]:
        # "for each stop on a route we need its position": RouteStop, which refers to both
        taken |= _pair_record(x, y, m.group("fields"), clause, draft)
        m = pair = None
    if pair and (x := noun_phrase(pair.group(1))) and (y := noun_phrase(pair.group(2))) and x[0] != y[0]:
        # "for each student and piece I record the date they started it": a record of the pair
        taken |= _pair_record(x, y, m.group("fields"), clause, draft)
    elif m and (np := noun_phrase(m.group(1))):
        items = field_items(m.group("fields"))
        good = [f for f in (parse_field(i, draft) for i in items) if f]
        if good and len(good) >= len(items) / 2:
            _add_fields(draft.entity(np[0], np[1], weight=3), good, draft)
            taken = True
    # "an app to manage patients, doctors and appointments"
    m = _INTRO.search(clause)
    if m:
        taken |= _entity_list(m.group(1), draft, weight=1)
    elif (m := re.search(r"\b(?:with|for|of|manag\w*|track\w*|organi[sz]\w*|stor\w*|handl\w*|covering|about|keep track of|list\w*)\s+(.+)$", clause, re.I)):
        pre = clause[: m.start()]
        fields_of_known = m.group(0).lower().startswith("with") and noun_phrase(pre) and draft.entities.get((noun_phrase(pre) or ("",))[0])
        listed = re.split(r"\s+with\s+", m.group(1), maxsplit=1, flags=re.I)[0]
        if _plural_items(split_top(listed)) and not fields_of_known:
            taken |= _entity_list(m.group(1), draft, weight=1)
        if not taken and len(split_top(pre)) >= 2 and _plural_items(split_top(pre)):
            taken |= _entity_list(pre, draft, weight=1)
    elif _plural_items(split_top(clause)) and len(split_top(clause)) >= 2:
        taken |= _entity_list(clause, draft, weight=1)
    taken |= _actors(clause, draft)
    return taken


def _pair_record(x: tuple[str, str], y: tuple[str, str], fields_text: str, clause: str, draft: Draft) -> bool:
    """A record of a pair of records (StudentPiece, RouteStop) with the given fields and a reference to each."""
    good = [f for f in (parse_field(i, draft) for i in field_items(fields_text)) if f]
    if not good:
        return False
    draft.entity(x[0], x[1], weight=1)
    draft.entity(y[0], y[1], weight=1)
    both = draft.entity(x[0] + y[0], f"{singular_phrase(x[1])} {singular_phrase(y[1])}", weight=3)
    _add_fields(both, good, draft)
    draft.relations += [(both.name, x[0], "ref", True, clause), (both.name, y[0], "ref", True, clause)]
    return True


_FOR_EACH = re.compile(
    r"^(?:.*?(?:[,;:]|\bso\b|\band\b|\bthen\b)\s+)?\s*(?:and\s+)?(?:for|of|about|on)\s+(?:each|every|a|any)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?"
    r"(?:\s+and\s+(?:each\s+|every\s+|a\s+)?[a-z][\w-]*(?:\s+[a-z][\w-]*)?)?)"
    r"(?:\s+(?:in|on|of|within|inside)\s+(?:a|an|the|each|every|one|its|their)\s+(?P<parent>[a-z][\w-]*))?\s*,?\s+(?:we|i|you|they|the app|it)\s+"
    r"(?:(?:also|will|want to|need to|would like to|should|must|can|have to|'d like to)\s+)*"
    r"(?:store|record|keep|track|note|save|log|want|need|know|hold|list|show|capture|enter|write|put|mark)s?\s+(?:(?:to\s+)?(?:know|record|store|keep|track|have|see|write)\s+)?"
    r"(?:(?:the|their|its|his|her)\s+)?(?P<fields>.+)$", re.I)
_WE_KEEP = re.compile(
    r"\b(?:we|i|you|they|staff|users?|people|the \w+)\s+(?:also\s+|want to\s+|need to\s+|should\s+|must\s+|can\s+|will\s+|would like to\s+)*"
    r"(?:log|record|keep|track|store|note|register|add|enter|save|create|write|file|make|collect|issue|send|list|plan|schedule|book|run|hold|organi[sz]e|sell|offer)s?\s+"
    r"(?:(?:a|an|the|each|every|all|our|my|their)\s+)?(?:(?:list|record|log|register) of\s+(?:(?:all\s+)?(?:the|my|our|their|all)\s+)?)?([a-z][\w-]*(?:\s+[a-z][\w-]*){0,5}?)\s*(?:,\s*)?(?:with|:|including|containing|that (?:has|have|holds?|stores?)|which (?:has|have)|recording|noting|saying)\s+(.+)$", re.I)


def _we_keep(clause: str, draft: Draft) -> bool:
    """'every season we log a service record with the date and the cost'."""
    m = _WE_KEEP.search(clause)
    if not m:
        return False
    np = next((x for x in (noun_phrase(i) for i in split_top(m.group(1))) if x), None)
    if not np:
        return False
    items = field_items(m.group(2))
    good = [f for f in (parse_field(i, draft) for i in items) if f]
    if not good or len(good) < len(items) / 2:
        return False
    ent = draft.entity(np[0], np[1], weight=3)
    _add_fields(ent, good, draft)
    return True


def _plural_items(items: list[str]) -> bool:
    """True when most items of a list are plural noun phrases (records), not fields."""
    heads = []
    for item in items:
        np = noun_phrase(re.split(r"\s+(?:with|having|on|of|for|under|per|that|who|which)\s+", item, maxsplit=1, flags=re.I)[0])
        heads.append(bool(np) and is_plural(words_of(np[1])[-1]) and words_of(np[1])[-1] not in lexicon()["field_words"])
    return bool(heads) and sum(heads) * 2 > len(heads)


def _entity_list(body: str, draft: Draft, weight: int) -> bool:
    taken = False
    body = re.split(r"\b(?:so that|so|that|which|where|because|in order to|to let|to see|to help)\b", body, maxsplit=1, flags=re.I)[0]
    owner: EntityDraft | None = None
    for item in field_items(body):
        if re.match(r"^\s*(?:(?:exactly|at most|at least|up to|about|around|max(?:imum)?|min(?:imum)?)\s+)?\d", item, re.I):
            continue  # "a pin of 6 digits", "a wash with 3 boxes": a count, not a record
        head, _, fields = (re.split(r"(\s+(?:with|having)\s+)", item, maxsplit=1, flags=re.I) + ["", ""])[:3]
        rel = re.split(r"\s+(?:on|of|for|under|per|in|to)\s+(?:the\s+|each\s+|a\s+|an\s+)?", head, maxsplit=1, flags=re.I)
        np = noun_phrase(rel[0])
        if np and is_plural(words_of(np[1])[-1]) and words_of(np[1])[-1] not in lexicon()["field_words"]:
            owner = draft.entity(np[0], np[1], weight=weight)
            taken = True
            if len(rel) > 1 and (target := noun_phrase(rel[1])) and is_plural(words_of(rel[1])[-1] if words_of(rel[1]) else ""):
                draft.entity(target[0], target[1], weight=1)
                draft.relations.append((np[0], target[0], "ref", True, item))
            if fields:
                _add_fields(owner, [f for f in (parse_field(i, draft) for i in field_items(fields)) if f], draft)
        elif owner is not None and (f := parse_field(item, draft)) and not (np and is_plural(words_of(np[1])[-1])) \
                and not (is_plural(words_of(item)[-1]) and singularize(words_of(item)[-1]) in lexicon()["not_entities"]):
            _add_fields(owner, [f], draft)  # "expenses with amount, category and date": the rest of the list
    return taken


def _add_fields(ent: EntityDraft, fields: list[FieldDraft], draft: Draft) -> None:
    for f in fields:
        if f.name in ("id", "createdAt", "updatedAt"):
            continue
        old = ent.fields.get(f.name)
        if old:
            old.options = old.options or f.options
            old.unique |= f.unique
            old.required &= f.required
            for k in ("min", "max", "max_length", "min_length", "default"):
                if getattr(old, k) is None:
                    setattr(old, k, getattr(f, k))
            continue
        ent.fields[f.name] = f
        draft.fieldish.add(f.name.lower())


_VERB_REL = re.compile(
    r"(?:^|\b)(?:(?:each|every|a|an|the|one)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:is|are|gets?|can be|may be|must be|should be|will be)?\s*"
    r"(?:(?:always|only|also|optionally|sometimes|usually)\s+)?"
    r"(belongs? to|goes? to|comes? from|is for|are for|is (?:assigned|linked|attached|tied|given|sent|made|issued|done|booked|charged|billed) (?:to|for|by|in|at|on)|"
    r"are (?:assigned|linked|attached|tied|given|sent|made|issued|done|booked|charged|billed) (?:to|for|by|in|at|on)|"
    r"assigned to|linked to|attached to|tied to|held in|happens? (?:in|at)|takes? place (?:in|at)|located (?:in|at)|"
    r"is part of|are part of|is in|are in|lives? in|is about|are about|refers? to|points? to|is written by|are written by|"
    r"written by|made by|owned by|is owned by|are owned by|created by|placed by|submitted by|filed by|reported by|"
    r"(?:is |are )?(?:taught|led|run|managed|supervised|coached|hosted|organi[sz]ed|handled|served|driven|prepared|"
    r"checked|approved|reviewed|delivered|performed|treated|examined|presented|conducted|signed|raised|opened|requested|"
    r"ordered|sent|paid|booked|logged|recorded|entered|added|uploaded|posted|published|sold|bought|rented|borrowed) by|"
    r"for one|of one|references?|has one|have one|has a single|has an?|have an?)\s+"
    r"(?:exactly\s+|only\s+|just\s+|at most\s+)?(?:one|a|an|the|some|exactly one|a single|another|its|their|his|her)?\s*([a-z][\w-]*(?:\s+[a-z][\w-]*)?)",
    re.I)
_ONE = re.compile(
    r"(?:^|\b)((?:(?:each|every|an?|the)\s+)?[a-z][\w-]*(?:\s+[a-z][\w-]*)?)?\s*(?:\w+\s+){0,4}?(?:in|at|on|to|from|for|by|with|under|of|into|inside|has|have|belongs to)\s+"
    r"(?:one|a single|exactly one|only one)\s+([a-z][\w-]*(?:\s+(?!(?:for|in|at|on|to|from|by|with|and|or|of|per)\b)[a-z][\w-]*)?)", re.I)
_ONE_MORE = re.compile(r"(?:^|[\s:=+,(]|\band\b)(?:one|a single|exactly one)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)", re.I)


_HEADING_WORDS = frozenset({"private", "public", "privacy", "note", "notes", "important", "description", "background", "goal", "goals", "context",
                            "summary", "overview", "scope", "out of scope", "in scope", "must have", "should have", "could have", "nice to have",
                            "acceptance criteria", "requirements", "rules", "business rules", "constraints", "access", "permissions", "roles",
                            "users", "security", "auth", "login", "misc", "other", "extras", "also", "ps", "p.s", "update", "edit", "bonus",
                            "later", "future", "tech", "stack", "tech stack", "ui", "design", "reports", "reporting", "notifications"})
"""Headings whose text is sentences, not a record's fields."""

def _fields_of(body: str, draft: Draft) -> list[FieldDraft] | None:
    """The fields of a list when most of its items are fields and none is a plural record, else None."""
    items = field_items(body)
    good = [f for f in (parse_field(i, draft) for i in items) if f]
    return good if len(good) >= 2 and len(good) * 2 >= len(items) and not _plural_items(items) else None


_RECORD_PER = re.compile(
    r"^\s*(?:(?P<each>for|on|with)\s+(?:each|every|a|an|one)\s+)?(?P<head>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?)"
    r"(?:\s+(?P<prep>per|for|of|on|after|against)\s+(?:(?:each|every|a|an|one|the|their|its)\s+)?(?P<parent>[a-z][\w-]*(?:\s+[a-z][\w-]*)?))?\s*:\s+(?P<body>.+)$", re.I)


def _record_per(clause: str, draft: Draft) -> bool:
    """A record with its fields after a colon, named with the record it belongs to: "for every tuning visit: date,
    pitch, price" (TuningVisit), "shearing per sheep: date, fleece weight" (Shearing -> Sheep), "audiogram for a
    patient: test date, left ear PTA" (Audiogram -> Patient)."""
    m = _RECORD_PER.match(clause)
    if not m or not (m.group("each") or m.group("parent")) or m.group("head").lower() in ("each", "every", "one"):
        return False
    good = _fields_of(m.group("body"), draft)
    if not good or _field_with_options(m.group("head"), m.group("body")):
        return False
    np = defined_noun(m.group("head"))
    ws = [w for w in words_of(m.group("head")) if w not in lexicon()["adjectives"] and w not in ("a", "an", "the", "daily", "weekly", "monthly")]
    if len(ws) >= 2 and ws[-1] in ("log", "record", "entry", "sheet", "report", "card", "note", "form") and "NOUN" in _pos(ws[-2]) \
            and ws[-2] not in lexicon()["stop"]:
        np = (pascal(" ".join(ws[-2:])), " ".join(ws[-2:]))  # "daily care log per animal": a CareLog, not a Care
    if np is None and (ws := words_of(m.group("head"))) and ws[-1].endswith("ing") and ws[-1] not in lexicon()["stop"]:
        np = (pascal(" ".join(ws)), " ".join(ws))  # "shearing per sheep": the act is the record
    parent = defined_noun(m.group("parent")) if m.group("parent") else None
    if np is None or (parent and parent[0] == np[0]) or np[1].split()[-1] in lexicon()["field_words"]:
        return False
    _add_fields(draft.entity(np[0], np[1], weight=3), good, draft)
    if parent:
        draft.entity(parent[0], parent[1], weight=1)
        draft.relations.append((np[0], parent[0], "ref", True, clause))
    return True


_RECORDED_AS = re.compile(r"^(?P<subject>.{3,80}?)\s+(?:is|are|gets?|get)\s+(?:recorded|stored|kept|logged|saved|entered|registered|tracked|noted)\s+as\s+"
                          r"(?:a|an|one|the)\s+(?P<head>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s*:\s+(?P<body>.+)$", re.I)


def _recorded_as(clause: str, draft: Draft) -> bool:
    """'every handover of a sample is recorded as a custody transfer: from person, to person, timestamp': a
    CustodyTransfer with those fields, which refers to the sample."""
    m = _RECORDED_AS.match(clause)
    if not m or not (np := defined_noun(m.group("head"))):
        return False
    items = field_items(m.group("body"))
    good = [f for f in (parse_field(i, draft) for i in items) if f]
    if len(good) < 2 or len(good) * 2 < len(items):
        return False
    _add_fields(draft.entity(np[0], np[1], weight=3), good, draft)
    of = re.search(r"\bof\s+(?:a|an|one|the|each|every)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s*$", m.group("subject"), re.I)
    if of and (parent := noun_phrase(of.group(1))) and parent[0] != np[0]:
        draft.entity(parent[0], parent[1], weight=1)
        draft.relations.append((np[0], parent[0], "ref", True, clause))
    return True


_POSSESSIVE_LIST = re.compile(r"\b(?:each|every|a|an|the|any|one)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)['’]s\s+(.+)$", re.I)


def _possessive_fields(clause: str, draft: Draft) -> bool:
    """'see each room's name, theme, difficulty (1 to 5) and maximum number of players': the room's fields."""
    m = _POSSESSIVE_LIST.search(clause)
    if not m or not (np := defined_noun(m.group(1))):
        return False
    before = clause[: m.start()].strip().lower()
    if before and not re.search(r"\b(?:see|view|show|know|list|display|check|read|track|record|store|keep|log|enter|edit|update|change|"
                                r"need|want|fill in|look at|browse|search|filter by|sort by)$", before):
        return False  # "every team has a name, a captain's phone number": the team's field, not the captain's
    body = re.split(r",?\s+(?:so that|so|in order to|because|when|if|before|after)\b", m.group(2), maxsplit=1, flags=re.I)[0]
    if re.search(r"\b(?:is|are|was|were|must|should|can|will|computed|calculated|derived|total|sum|average|percentage)\b", body, re.I):
        return False  # "the customer's tier is computed from ...": a rule
    if not (good := _fields_of(body, draft)):
        return False
    _add_fields(draft.entity(np[0], np[1], weight=2), good, draft)
    return True


_FIELDS_WHEN = re.compile(r"\b(?:give|enter|provide|fill in|type in|choose|pick|say|add|set|mark|record|note|log)\s+(?:(?:on|for|in)\s+(?:a|an|the|each|every|my|our)\s+"
                          r"(?P<on>[a-z][\w-]*)\s+)?(?P<body>.+?)(?:\s+when\s+(?:i|we|they|you|he|she|someone|people|customers?|users?)\s+(?P<verb>[a-z]+)\b.*)?$", re.I)


def _fields_when(clause: str, draft: Draft) -> bool:
    """Fields given with an act or on a record: 'give a group name, the number of players and a contact phone when I
    book' (the booking's), 'mark on a booking whether the group escaped and their time in minutes' (the booking's)."""
    m = _FIELDS_WHEN.search(clause)
    if not m or not (m.group("on") or m.group("verb")):
        return False
    if m.group("on"):
        record = defined_noun(m.group("on"))
    else:
        verb = m.group("verb").lower()
        name = _DEALS.get(verb) or _nominal(verb, draft.entities)
        record = (name, humanize(name).lower()) if name else None
    if not record:
        return False
    if not (good := _fields_of(m.group("body"), draft)):
        return False
    _add_fields(draft.entity(record[0], record[1], weight=2), good, draft)
    return True


_WITH_TAIL = re.compile(r"^\s*(?:(?:each|every|a|an|the|one)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:is|are|was|gets?|comes?|goes?|happens?|takes? place|"
                        r"belongs?|starts?|runs?)\b[^,]{0,60},\s*with\s+(.+)$", re.I)


def _with_tail(clause: str, draft: Draft) -> bool:
    """'every visit is for one pet, with a date, the vet who saw it, the reason and the diagnosis': the visit's fields."""
    m = _WITH_TAIL.match(clause)
    if not m or not (np := noun_phrase(m.group(1))):
        return False
    items = field_items(m.group(2))
    good = [f for f in (parse_field(i, draft) for i in items) if f]
    if len(good) < 2 or len(good) * 2 < len(items) or _plural_items(items):
        return False
    obj = re.search(r"\b(?:a|an|one|the|each|their|its)\s+([a-z][\w-]*)\s*,\s*with\s", clause, re.I)
    if obj and is_person(obj.group(1)) and any(re.match(r"(?:full\s+)?(?:name|e-?mail|phone|address)\b", _clean_item(i), re.I) for i in items) \
            and (person := noun_phrase(obj.group(1))):
        np = person  # "each property is listed by one vendor, with a name, phone and email": the vendor's
    _add_fields(draft.entity(np[0], np[1], weight=2), good, draft)
    return True


_SUM_OF = re.compile(r"^\s*(?:(?:a|an|each|every|one)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s*(?:=|:|is|means)\s*((?:[^+]+\+)+[^+]+)$", re.I)


def _sum_of(clause: str, draft: Draft) -> bool:
    """'Booking = member + class': a record of the records it joins (and of any fields among its parts)."""
    m = _SUM_OF.match(clause)
    if not m or not (rec := defined_noun(m.group(1))) or re.search(r"\d|\b(?:price|cost|total|sum|amount|fee|rate)\b", m.group(2), re.I):
        return False  # "total = price + tax": a computed value (a rule), not a record
    parts = [p.strip() for p in m.group(2).split("+") if p.strip()]
    known = draft.by_label()
    targets, fields = [], []
    for part in parts:
        label = singular_phrase(" ".join(w for w in words_of(part) if w not in ("a", "an", "the", "one", "its", "their")))
        if label in known or (np := defined_noun(part)) and np[0] in draft.entities:
            targets.append(known.get(label) or np[0])  # type: ignore[union-attr]
        elif (f := parse_field(part, draft)) is not None:
            fields.append(f)
    if not targets or len(targets) + len(fields) != len(parts):
        return False
    ent = draft.entity(rec[0], rec[1], weight=3)
    _add_fields(ent, fields, draft)
    draft.relations += [(rec[0], t, "ref", True, clause) for t in dict.fromkeys(targets) if t != rec[0]]
    return True


_BELONGS_COLON = re.compile(r"^\s*(?:(?:each|every|a|an|the|all)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:belongs?\s+to|(?:is|are)\s+(?:part\s+of|in|for|linked\s+to|"
                            r"attached\s+to|tied\s+to|under))\s+(?:(?:a|an|one|the|each|their|its)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s*:\s+(.+)$", re.I)


def _belongs_colon(clause: str, draft: Draft) -> bool:
    """'Issues belong to a project: title, description, priority': the issues' fields, and each issue's project."""
    m = _BELONGS_COLON.match(clause)
    if not m or not (np := noun_phrase(m.group(1))) or not (parent := defined_noun(m.group(2))) or np[0] == parent[0]:
        return False
    if not (good := _fields_of(m.group(3), draft)):
        return False
    _add_fields(draft.entity(np[0], np[1], weight=3), good, draft)
    draft.entity(parent[0], parent[1], weight=1)
    draft.relations.append((np[0], parent[0], "ref", True, clause))
    return True


_LINE_ITEMS = re.compile(
    r"^\s*(?:(?:each|every|a|an|the|one)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:can\s+)?(?:contains?|has|have|includes?|lists?|uses?|holds?|is made of|are made of|consists? of)\s+"
    r"(?:(?:several|many|multiple|one or more|some|a few|a list of|any number of|various)\s+)?([a-z][\w-]*)\s*,?\s+(?:each\s+)?with\s+(?:(?:a|an|the|its|their)\s+)?"
    r"(.+?)(?:\s+(?:for|of|per)\s+each(?:\s+(?:one|of them|[a-z]+))?)?\s*$", re.I)
_LINE_MEASURES = ("quantity", "quantities", "amount", "amounts", "qty", "count", "number", "price", "unit price", "position", "order", "percentage",
                  "weight", "grams", "dose", "notes", "note", "discount", "size")


def _line_items(clause: str, draft: Draft) -> bool:
    """'each order contains several products with a quantity for each', 'recipe uses ingredients with amounts': a
    record of each pair (OrderItem, RecipeIngredient) with its own fields, referring to both."""
    m = _LINE_ITEMS.match(clause)
    if not m or not is_plural(m.group(2).lower()):
        return False
    owner, part = noun_phrase(m.group(1)), noun_phrase(m.group(2))
    items = field_items(m.group(3))
    if not owner or not part or owner[0] == part[0] or not items \
            or not all(any(_clean_item(i).lower() == w or _clean_item(i).lower().startswith(w + " ") for w in _LINE_MEASURES) for i in items):
        return False
    good = [f for f in (parse_field(i, draft) for i in items) if f]
    for f in good:  # "with amounts": one amount per line
        if is_plural(f.label.split()[-1]) and f.label.split()[-1] not in ("grams",):
            f.label = singularize(f.label)
            f.name = camel(f.label)
    commerce = owner[0] in ("Order", "Sale", "Invoice", "Cart", "Purchase", "Quote", "Receipt", "Bill", "Delivery", "Shipment", "Basket")
    tail = "Item" if commerce or part[0] in ("Product", "Item", "Article", "Good", "Dish", "Meal", "Drink", "Service") else part[0]
    name = owner[0] + tail
    draft.entity(owner[0], owner[1], weight=2)
    draft.entity(part[0], part[1], weight=2)
    _add_fields(draft.entity(name, humanize(name).lower(), weight=3), good, draft)
    draft.relations += [(name, owner[0], "ref", True, clause), (name, part[0], "ref", True, clause)]
    return True


def _each_with(clause: str, draft: Draft) -> bool:
    """'we keep a list of languages, each one with ISO code and name'; 'packages are Basic, Premium, Deluxe, each
    with a price and a duration': the languages' and the packages' fields."""
    m = re.search(r"^(.*?),?\s+each\s+(?:one\s+|of them\s+)?with\s+(.+)$", clause, re.I)
    if not m or not (good := _fields_of(m.group(2), draft)):
        return False
    of = re.search(r"\b(?:list|catalogue|catalog|set|register|range|selection|collection)\s+of\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s*$", m.group(1), re.I)
    lead = re.match(r"^\s*(?:(?:the|our|all)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:are|is|include|come in)\b", m.group(1), re.I)
    words = of.group(1) if of else lead.group(1) if lead else ""
    np = noun_phrase(words) if words and is_plural(words_of(words)[-1]) else None
    if not np:
        return False
    _add_fields(draft.entity(np[0], np[1], weight=3), good, draft)
    return True


def _are_with(clause: str, draft: Draft) -> bool:
    """'spots are saved places with a name, latitude and longitude': the spots' fields."""
    m = re.match(r"^\s*(?:(?:the|our|all)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+are\s+(?:(?:just|simply|basically|only)\s+)?(?:[a-z][\w-]*\s+){0,2}?[a-z][\w-]*s\s+with\s+(.+)$",
                 clause, re.I)
    if not m or not is_plural(words_of(m.group(1))[-1]) or not (np := noun_phrase(m.group(1))) or not (good := _fields_of(m.group(2), draft)):
        return False
    _add_fields(draft.entity(np[0], np[1], weight=3), good, draft)
    return True


def _logs_plural(clause: str, draft: Draft) -> bool:
    """'each of us logs catches: species, weight (kg), date': the catches' fields."""
    m = re.match(r"^.{0,80}?\b(?:logs?|records?|tracks?|keeps?|stores?|adds?|creates?|saves?|lists?|notes?)\s+"
                 r"([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s*:\s+(?!(?:for|per|on|in|at)\b)(.+)$", clause, re.I)
    if not m or not is_plural(words_of(m.group(1))[-1]) or not (np := defined_noun(m.group(1))) or _field_with_options(m.group(1), m.group(2)):
        return False
    if not (good := _fields_of(m.group(2), draft)):
        return False
    _add_fields(draft.entity(np[0], np[1], weight=3), good, draft)
    return True


def _colon_head(clause: str) -> tuple[str, str] | None:
    m = re.match(r"^\s*([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s*(?::|=)", clause, re.I)
    return noun_phrase(m.group(1)) if m else None


_LINKS = re.compile(r"\b([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:links?|connects?|joins?|ties?|matches|pairs?|assigns?|puts?|records?)\s+(?:(?:a|an|one|the|each)\s+)?([a-z][\w-]*)\s+(?:to|with|and|in|on)\s+(?:(?:a|an|one|the|each)\s+)?([a-z][\w-]*)(?:\s*,?\s*(?:with|and records?|recording|noting|storing)\s+(.+))?", re.I)
_MANY_MANY = re.compile(
    r"\b(?:an?|each|every)?\s*([a-z][\w-]*)\s+can\s+(?:have|be in|belong to|appear in|take|join|attend|carry|be part of|be tagged with|give|teach|play in|work on|use|be used in|be on|contain|include)\s+(?:many|several|multiple|more than one|any number of)\s+([a-z][\w-]*)"
    r".{0,60}?\b(?:and|while)\s+(?:an?|each|every)?\s*([a-z][\w-]*)\s+can\s+\w+(?:\s+\w+)?\s+(?:many|several|multiple|more than one|any number of)\s+([a-z][\w-]*)", re.I)
_TAKE_PART = re.compile(
    r"\b([a-z][\w-]*)\s+(?:can\s+|may\s+|will\s+|often\s+|usually\s+|of course\s+|also\s+)*"
    r"(enter|join|attend|play in|take part in|appear on|appear in|work on|sign up for|register for|go on|follow|"
    r"subscribe to|belong to|serve on|sit on|compete in|participate in|enrol in|enroll in|volunteer at|volunteer for|work at)s?\s+"
    r"(?:many|several|multiple|different|various|any number of|more than one)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)", re.I)
_SHARED_MANY = re.compile(
    r"\b([a-z][\w-]*)\s+(?:can\s+)?(?:(?:also|often|usually|each)\s+)?(?:appear in|belong to|be in|are in|are tagged with|carry|carries|share|are shared by|can be tagged with|tagged with|have|has|get|be given|be labelled with|be labeled with)\s+"
    r"(?:many|several|multiple|any number of|one or more|zero or more|a few|some)\s+([a-z][\w-]*)", re.I)
_SELF = re.compile(
    r"\b([a-z][\w-]*)\s+(?:can\s+|may\s+|might\s+)?(?:reports? to|is managed by|has a parent|have a parent|has a (?:mentor|manager|supervisor|parent|mother|father|lead|boss|sponsor)|"
    r"can have a (?:mentor|manager|supervisor|parent)|(?:can be|is|are|may be) (?:a|an) (?:reply|response|answer|follow-up|sub-?\w+|child|copy|version|variant|continuation) (?:to|of)|is a (?:sub-?\w+|child) of|are (?:sub-?\w+|children) of|duplicates?|is a duplicate of|(?:(?:was|were|is|are|gets?|got|has been|have been) )?referred by|nested (?:in|under))\s+(?:another|an?|the|other|one)?\s*([a-z][\w-]*)?", re.I)
_WHO_IS = re.compile(r"\b(?:a|an|one|the|its|their)\s+([a-z][\w-]*)\s*,\s*who\s+is\s+(?:also\s+)?(?:a|an|one of (?:our|the|its|their)|another)\s+([a-z][\w-]*)", re.I)
_WHO_ALSO = re.compile(r"\b(?:a|an|the)?\s*([a-z][\w-]*)\s+who\s+is\s+also\s+(?:a|an)\s+([a-z][\w-]*)", re.I)
_TAGGABLE = {"tag", "label", "keyword", "category", "skill", "topic", "genre", "ingredient", "feature", "amenity", "allergen", "interest", "language", "hashtag", "theme"}


def _clause_subject(clause: str) -> tuple[str, str] | None:
    m = re.match(r"^\s*((?:(?:each|every|a|an|the|one|any|all)\s+)?[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:is|are|has|have|can|may|must|should|will|gets?|goes?|comes?|belongs?|needs?|works?|sits?|lives?)\b", clause, re.I)
    return noun_phrase(m.group(1)) if m else None


_COLLECTION = re.compile(r"^\s*(?:(?:each|every|a|an|the|one)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:has|have|gets?|keeps?|needs?)\s+(?:a|an|its|their)\s+"
                         r"(roster|list|set|group|collection|team|panel|crew|line-?up|selection)\s+of\s+(?:(?:which|what)\s+(?:of\s+)?)?(?:(?:our|the|its|their)\s+)?([a-z][\w-]*)\b", re.I)


def _collection(clause: str, draft: Draft) -> bool:
    """'each scrim has a roster of which of our players played': the players in a scrim (people take part in
    many); 'each project has a list of tasks': the tasks of a project."""
    m = _COLLECTION.match(clause)
    if not m or not is_plural(m.group(3).lower()):
        return False
    rec, part = noun_phrase(m.group(1)), noun_phrase(m.group(3))
    if not rec or not part or rec[0] == part[0]:
        return False
    draft.entity(rec[0], rec[1], weight=2)
    draft.entity(part[0], part[1], weight=1)
    if is_person(m.group(3)) or m.group(2).lower() in ("roster", "panel", "crew", "lineup", "line-up", "team"):
        draft.relations.append((rec[0], part[0], "refs", False, clause))
    else:
        draft.relations.append((rec[0], part[0], "has_many", True, clause))
    return True


_TWO_WAY = re.compile(
    r"\b(?!(?:a|an|the|each|every|one|and|but|so)\b)([a-z][\w-]*)\b[^.;,()]*?\b(?:many|several|multiple|more than one|any number of|lots of|various)\s+([a-z][\w-]*)\b[^.;,()]*?"
    r",?\s+\b(?:and|while|whereas|but)\s+(?:(?:a|an|each|every|one|the)\s+)?([a-z][\w-]*)\b[^.;,()]*?\b(?:many|several|multiple|more than one|any number of|lots of|various)\s+([a-z][\w-]*)", re.I)


def _two_way(sentence: str, draft: Draft) -> re.Match[str] | None:
    """'a route passes through many stops and a stop is served by many routes': many-to-many, whatever the verbs
    (the match, for the caller to take out of the sentence)."""
    m = _TWO_WAY.search(sentence)
    if not m:
        return None
    a, b, b2, a2 = (singularize(m.group(i).lower()) for i in (1, 2, 3, 4))
    if a != a2 or b != b2 or a == b or not (x := noun_phrase(m.group(1))) or not (y := noun_phrase(m.group(2))):
        return None
    draft.entity(x[0], x[1], weight=2)
    draft.entity(y[0], y[1], weight=2)
    draft.relations.append((x[0], y[0], "refs", False, sentence))
    return m


def _relations(clause: str, draft: Draft) -> bool:
    taken = _collection(clause, draft)
    for m in _LINKS.finditer(clause):
        src, a, b = noun_phrase(m.group(1)), noun_phrase(m.group(2)), noun_phrase(m.group(3))
        if src and a and b:
            draft.entity(src[0], src[1], weight=3)
            draft.entity(a[0], a[1], weight=2)
            draft.entity(b[0], b[1], weight=2)
            draft.relations += [(src[0], a[0], "ref", True, clause), (src[0], b[0], "ref", True, clause)]
            if m.group(4):
                _add_fields(draft.entities[src[0]], [f for f in (parse_field(i, draft) for i in field_items(m.group(4))) if f], draft)
            taken = True
    m = _SHARED_MANY.search(clause)
    if m:
        a, b = noun_phrase(m.group(1)), noun_phrase(m.group(2))
        if a and b and (singularize(b[1].split()[-1]) in _TAGGABLE or re.search(r"\b(?:appear in|belong to|be in|are in|share|shared)\b", m.group(0), re.I)):
            draft.entity(a[0], a[1], weight=2)
            draft.entity(b[0], b[1], weight=2)
            draft.relations.append((a[0], b[0], "refs", False, clause))
            return True
    # "players enter many tournaments", "an author can appear on many manuscripts": people taking part in
    # many records, which each have many of them
    m = _TAKE_PART.search(clause)
    if m and m.group(2).lower() not in _MAKES and (a := noun_phrase(m.group(1))) and (b := noun_phrase(m.group(3))) \
            and a[0] != b[0] and is_person(words_of(m.group(1))[-1]) and is_plural(words_of(m.group(3))[-1]):
        draft.entity(a[0], a[1], weight=2)
        draft.entity(b[0], b[1], weight=2)
        draft.relations.append((a[0], b[0], "refs", False, clause))
        return True
    for m in _SELF.finditer(clause):
        a = noun_phrase(m.group(1)) or _clause_subject(clause)
        b = noun_phrase(m.group(2)) if m.group(2) else None
        if a and (b is None or b[0] == a[0] or (b[0] in draft.entities) is False and is_person(m.group(1))):
            draft.entity(a[0], a[1], weight=1)
            after = [w for w in words_of(m.group(0)[len(m.group(1)):]) if w not in lexicon()["stop"] and w not in (
                "reports", "report", "managed", "parent_", "referred", "nested", "sub", "child", "duplicate", "duplicates")]
            name = camel(after[0]) if after else "parent"
            if after and singularize(after[0]) == singularize(words_of(a[1])[-1]):
                # "clients referred by other clients": referredBy; "an employee reports to another employee": reportsTo
                verb = [w for w in words_of(m.group(0)[len(m.group(1)):]) if w not in (
                    "can", "may", "might", "is", "are", "was", "were", "has", "have", "been", "gets", "get", "got", "another",
                    "an", "a", "the", "other", "one", "some")]
                verb = verb[: verb.index(after[0])] if after[0] in verb else verb
                name = camel(" ".join(verb)) if 1 <= len(verb) <= 3 else "parent"
            if name in ("to", "by", "of", "in", "under", "duplicate", "duplicates") or name in draft.entities.get(a[0], EntityDraft("", "", "")).fields:
                name = "parent"
            draft.relations.append((a[0], a[0], f"self:{name}", False, clause))
            taken = True
    for m in _WHO_IS.finditer(clause):
        # "a department may have a head, who is also an employee": the department's head is an employee
        holder, role, target = _clause_subject(clause), m.group(1).lower(), noun_phrase(m.group(2))
        if holder and target and holder[0] != target[0] and role not in lexicon()["stop"]:
            optional = bool(re.search(r"\b(?:may|might|can|optional(?:ly)?|if any|sometimes)\b", clause[: m.end()], re.I))
            draft.entity(target[0], target[1], weight=1)
            draft.relations.append((holder[0], target[0], f"named:{camel(role)}", not optional, clause))
            draft.named_fields.add((holder[0], camel(role)))
            taken = True
    for m in _WHO_ALSO.finditer(clause):
        role, ent = noun_phrase(m.group(1)), noun_phrase(m.group(2))
        if role and ent:
            draft.entity(ent[0], ent[1], weight=1)
            draft.relations.append((ent[0], ent[0], f"self:{camel(role[1])}", False, clause))
            taken = True
    subject = _clause_subject(clause)
    previous = None
    for m in _ONE.finditer(clause):
        b = noun_phrase(m.group(2))
        a = noun_phrase(m.group(1)) if m.group(1) else None
        a = a if a and a[0] != (b or ("",))[0] else subject or previous  # "happens at one depot for one parcel"
        previous = a
        if a and b and a[0] != b[0] and (words_of(b[1])[-1] not in lexicon()["field_words"] or b[0] in draft.entities):
            draft.entity(a[0], a[1], weight=1)
            draft.entity(b[0], b[1], weight=1)
            draft.relations.append((a[0], b[0], "ref", True, clause))
            taken = True
    for m in _ONE_MORE.finditer(clause):  # "from one donor to one campaign", "one guest + one room"
        if re.search(r"\b(?:than|least|most|only|just)\s*$", clause[: m.start(1)][-20:].replace("one", "").rstrip(), re.I) \
                or re.match(r"\s*(?:or more|per)\b", clause[m.end():], re.I):
            continue  # "more than one meter", "at least one", "one member per plot": not one reference
        b = noun_phrase(m.group(1))
        a = subject or _colon_head(clause)
        if a and b and a[0] != b[0] and (b[0] in draft.entities or words_of(b[1])[-1] not in lexicon()["field_words"]) \
                and not any(r[0] == a[0] and r[1] == b[0] for r in draft.relations):
            draft.entity(a[0], a[1], weight=1)
            draft.entity(b[0], b[1], weight=1)
            draft.relations.append((a[0], b[0], "ref", True, clause))
            taken = True
    last_subject = subject
    for m in _VERB_REL.finditer(clause):
        a, b = noun_phrase(m.group(1)), noun_phrase(m.group(3))
        before = clause[max(0, m.start() - 12): m.start()].lower()
        if last_subject and (a is None or re.search(r"\b(?:and|or)\s*$", m.group(1) or "", re.I) or re.search(r"(?:,|\band|\bor)\s*$", before)):
            a = last_subject
        span = (clause[m.start(): m.end()] + clause[m.end(): m.end() + 40]).lower()
        optional = bool(re.search(r"\b(?:can be|may be|could be|optionally|optional|if any|might|unassigned|not always|sometimes|or none|or not|start unassigned)\b", span))
        if not a or not b or a[0] == b[0]:
            continue
        verb = m.group(2).lower()
        if verb.startswith(("has", "have")) and not (b[0] in draft.entities or is_person(b[1].split()[-1])):
            continue  # "has a name": a field
        strong = not re.match(r"(?:goes? to|is in|are in|is for|are for|happens?|takes? place|located|lives? in|is about|are about|refers? to|points? to|has|have|held in)", verb) \
            or re.search(r"\b(?:one|a single|exactly one)\s*$", m.group(0)[: m.start(3) - m.start(0)], re.I)
        if not strong and not (b[0] in draft.entities and draft.entities[b[0]].weight >= 2):
            draft.relations.append((a[0], b[0], "weak", not optional, clause))
            last_subject = a
            continue
        draft.entity(a[0], a[1], weight=1)
        draft.entity(b[0], b[1], weight=1)
        draft.relations.append((a[0], b[0], "ref", not optional, clause))
        last_subject = a
        taken = True
    taken |= _belonging(clause, draft)
    return taken


_PRONOUN = r"(?:i|we|you|they|he|she|it|that|which|who|is|are|was|were|can|will|must|should|may)\b"
_OF_EACH = re.compile(rf"\b(?:the|their|all|our|my)\s+([a-z][\w-]*(?:\s+(?!{_PRONOUN})[a-z][\w-]*)?)\s+(?:(?:that|which)\s+)?(?:[a-z']+\s+){{0,4}}?"
                      r"(?:of|for|to|from|with|at|on|in|by)\s+(?:each|every)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)", re.I)
_POSSESSIVE = re.compile(r"\b(?:each|every|a|an|the)\s+([a-z][\w-]*)'s\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)", re.I)
_IS_A_DOING = re.compile(r"(?:^|[:;]\s*)\s*(?:a|an|each|every|one)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:is|means)\s+(?:just\s+|simply\s+|basically\s+|when\s+)?"
                         r"(?:a|an|one|the)\s+([a-z][\w-]*)\s+([a-z]+ing|[a-z]+s)\s+(?:(?:to|at|in|on|for|with)\s+)?(?:a|an|the|one|some)\s+([a-z][\w-]*(?:\s+(?!(?:at|on|in|for|with|to|from|and|or|by)\b)[a-z][\w-]*)?)", re.I)
_IS_JUST = re.compile(r"(?:^|[:;]\s*)\s*(?:a|an|each|every|one)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+is\s+(?:just|simply|basically|only)\s+(.+)$", re.I)
_EVERY_TIME = re.compile(r"^\s*(?:every time|each time|whenever|when|if)\s+(?:a|an|the|one)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+[a-z].*?,?\s*"
                         r"\b(?:we|i|they|staff|you|the app|it)\s+(?:will\s+|should\s+|must\s+|want to\s+|need to\s+)?"
                         r"(?:log|record|create|add|write|store|enter|keep|open|file|make|save|note)s?\s+(?:a|an|one|the)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)", re.I)


_PER = re.compile(r"\b(?:(one|a single|only one|a|an)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:(?:is|are)\s+)?(?:allowed\s+)?per\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)", re.I)
_BETWEEN = re.compile(r"(?:^\s*(?:(?:a|an|each|every|the|all|our)\s+)?([a-z][\w-]*)\b.*?)?\bbetween\s+(?:a|an|the|one)\s+([a-z][\w-]*\s+[a-z][\w-]*)\s+and\s+(?:a|an|the|one)\s+([a-z][\w-]*\s+[a-z][\w-]*)", re.I)
_BETWEEN_ONE = re.compile(r"\b([a-z][\w-]*)\s+(?:(?:is|are|was|were|get|gets)\s+)?(?:(?:[a-z]+ed|made|held|set up|done|run|split|shared)\s+)?between\s+"
                          r"(?:(?:a|an|the|one)\s+([a-z][\w-]*)\s+and\s+(?:a|an|the|one)\s+([a-z][\w-]*)|two\s+([a-z][\w-]*))\b", re.I)
_FROM_TO = re.compile(r"(?:^\s*(?:(?:a|an|each|every|the|all|our)\s+)?([a-z][\w-]*)\b.*?)?\bfrom\s+(?:one|a|an)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+to\s+another\b", re.I)
_WHICH = re.compile(r"^\s*(?:each|every|a|an|the)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:records?|says?|shows?|notes?|tracks?|stores?|tells?|knows?)\s+(which\s+.+)$", re.I)


def _record_np(phrase: str) -> tuple[str, str] | None:
    """noun_phrase, and a lone gerund defined as a record ("a viewing is ...", "a screening is ...")."""
    ws = words_of(phrase)
    if len(ws) == 1 and ws[0].endswith("ing") and len(ws[0]) > 5 and ws[0] not in lexicon()["stop"] and ws[0] not in lexicon()["not_entities"]:
        return pascal(ws[0]), ws[0]
    return noun_phrase(phrase)


def _belonging(clause: str, draft: Draft) -> bool:
    """Records said to belong to another without a relation verb: "the lessons I give to each student",
    "each student's lessons", "a viewing is a buyer visiting a property", "every time a van goes to the
    garage we log a service record". Both must be entities by the end of the request (a 'weak' relation), so
    "the price of each product" adds nothing."""
    taken = False
    pairs = [(m.group(1), m.group(2)) for m in _OF_EACH.finditer(clause)]
    pairs += [(m.group(2), m.group(1)) for m in _POSSESSIVE.finditer(clause)]
    for child_words, parent_words in pairs:
        child, parent = noun_phrase(child_words), noun_phrase(parent_words)
        if child and parent and child[0] != parent[0] and (is_plural(words_of(child_words)[-1]) or "'s" in clause):
            draft.relations.append((child[0], parent[0], "belongs", True, clause))
            taken = True
    m = _IS_A_DOING.search(clause)
    if m and (rec := _record_np(m.group(1))) and (a := noun_phrase(m.group(2))) and (b := noun_phrase(m.group(4))) \
            and "VERB" in _pos(re.sub(r"ing$|s$", "", m.group(3).lower())) | _pos(m.group(3).lower()) and len({rec[0], a[0], b[0]}) == 3:
        draft.entity(rec[0], rec[1], weight=3)  # "a viewing is a buyer visiting a property": Viewing -> Buyer, Viewing -> Property
        draft.entity(a[0], a[1], weight=1)
        draft.entity(b[0], b[1], weight=1)
        draft.relations += [(rec[0], a[0], "ref", True, clause), (rec[0], b[0], "ref", True, clause)]
        rest = re.match(r"^\s*,?\s*(?:at|on|with|and)\s+(.+?)(?:,?\s*\b(?:after|before|when|where|so that|because)\b.*)?$", clause[m.end():], re.I)
        if rest:
            good = [f for f in (parse_field(i, draft) for i in field_items(rest.group(1))) if f]
            _add_fields(draft.entities[rec[0]], good, draft)
        taken = True
    elif (m := _IS_JUST.search(clause)) and (rec := _record_np(m.group(1))):
        # "a check-in is just a habit and a date": the records it joins and its fields
        items = split_top(m.group(2))
        known = draft.by_label()
        refs = [known[singular_phrase(_clean_item(i).lower())] for i in items if singular_phrase(_clean_item(i).lower()) in known]
        fields = [f for i in items if singular_phrase(_clean_item(i).lower()) not in known for f in [parse_field(i, draft)] if f]
        if (refs or fields and rec[0] in draft.entities) and len(refs) + len(fields) == len(items):  # "a tag is only a label"
            ent = draft.entity(rec[0], rec[1], weight=3)
            _add_fields(ent, fields, draft)
            draft.relations += [(rec[0], r, "ref", True, clause) for r in refs if r != rec[0]]
            taken = True
    for m in _PER.finditer(clause):
        # "one member per plot": each plot has one member; "bills are per customer": each bill has one customer
        x, y = noun_phrase(m.group(2)), noun_phrase(m.group(3))
        if x and y and x[0] != y[0]:
            optional = bool(re.search(r"\b(?:can be|may be)\s+(?:vacant|empty|free|unassigned|unused|without)\b|\boptional", clause, re.I))
            draft.relations.append((y[0], x[0], "belongs", not optional, clause) if m.group(1) else (x[0], y[0], "belongs", True, clause))
            taken = True
    for m in _BETWEEN.finditer(clause):
        # "a match is played between a home team and an away team": two references to one kind of record
        rec = _clause_subject(clause) or noun_phrase(m.group(1) or "")
        a, b = words_of(m.group(2)), words_of(m.group(3))
        if rec and a and b and a[-1] == b[-1] and a != b and (target := noun_phrase(a[-1])) and target[0] != rec[0]:
            draft.entity(rec[0], rec[1], weight=1)
            draft.entity(target[0], target[1], weight=1)
            draft.relations += [(rec[0], target[0], f"named:{camel(' '.join(w))}", True, clause) for w in (a, b)]
            rest = re.match(r"^\s*,?\s*(?:on|at|with)\s+(.+?)(?:,?\s*\b(?:and (?:we|i)|after|before|when|where|so that|because)\b.*)?$", clause[m.end():], re.I)
            if rest:  # "... on a date"
                _add_fields(draft.entity(rec[0], rec[1]), [f for f in (parse_field(i, draft) for i in field_items(rest.group(1))) if f], draft)
            taken = True
    if not any(r[4] == clause and r[2].startswith("named:") for r in draft.relations) and (m := _BETWEEN_ONE.search(clause)):
        # "the subscriptions between a customer and a series, with the date they started": a record of the pair;
        # "marriages are between two people": two references to one kind of record
        two = re.search(r"\b([a-z][\w-]*\s+[a-z][\w-]*)\s*$", clause[: m.end(1)], re.I)
        rec = (two and (np2 := noun_phrase(two.group(1))) and len(np2[1].split()) == 2 and np2) or noun_phrase(m.group(1))
        # the record right before 'between' ("wait 56 days between two donations" names none)
        a, b = (m.group(2), m.group(3)) if m.group(2) else (m.group(4), m.group(4))
        after = words_of(clause[m.end():])[:1]
        if after and after[0] not in _FUNCTION and "NOUN" in _pos(after[0]) and after[0] not in ("with", "for", "on", "at"):
            rec = None  # "between a light and a dark theme": words describing a thing, not two records
        ta = noun_phrase(a) or defined_noun(a)
        tb = ta if b == a else noun_phrase(b) or defined_noun(b)
        if rec and ta and tb and rec[0] not in (ta[0], tb[0]):
            draft.entity(rec[0], rec[1], weight=2)
            for t in {ta, tb}:
                draft.entity(t[0], t[1], weight=1)
            if ta[0] == tb[0]:
                word = singular_phrase(ta[1])
                draft.relations += [(rec[0], ta[0], f"named:{camel(n + ' ' + word)}", True, clause) for n in ("first", "second")]
            else:
                draft.relations += [(rec[0], ta[0], "ref", True, clause), (rec[0], tb[0], "ref", True, clause)]
            rest = re.match(r"^[^,]{0,40}?,?\s*(?:on|at|with)\s+(.+?)(?:,?\s*\b(?:and (?:we|i)|after|before|when|where|so that|because)\b.*)?$", clause[m.end():], re.I)
            if rest:
                _add_fields(draft.entity(rec[0], rec[1]), [f for f in (parse_field(i, draft) for i in field_items(rest.group(1))) if f], draft)
            draft.relations = [r for r in draft.relations if not (r[4] == clause and {r[0], r[1]} & {ta[0], tb[0]} and rec[0] not in (r[0], r[1]))]
            taken = True
    m = _FROM_TO.search(clause)
    if m and (rec := _clause_subject(clause) or noun_phrase(m.group(1) or "")) and (target := noun_phrase(m.group(2))) and target[0] != rec[0]:
        # "shipments go from one warehouse to another": a source and a destination of one kind
        draft.entity(rec[0], rec[1], weight=1)
        draft.entity(target[0], target[1], weight=1)
        word = singular_phrase(target[1])
        draft.relations += [(rec[0], target[0], f"named:{camel('from ' + word)}", True, clause),
                            (rec[0], target[0], f"named:{camel('to ' + word)}", True, clause)]
        taken = True
    m = _WHICH.search(clause) or _WHICH.search(re.split(r":\s*", clause)[-1])
    if m and (rec := noun_phrase(m.group(1))):
        draft.entity(rec[0], rec[1], weight=2)
        # "each assignment records which asset went to which staff member": the record refers to both
        known = draft.by_label()
        for w in re.findall(r"\bwhich\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)", m.group(2), re.I):
            label = singular_phrase(w.lower())
            target = (known[label], label) if label in known else noun_phrase(w) or noun_phrase(words_of(w)[0])
            if target and target[0] != rec[0]:
                draft.relations.append((rec[0], target[0], "belongs", True, clause))
                taken = True
    m = _EVERY_TIME.match(clause)
    subject = m.group(1) if m else ""
    if m and len(words_of(subject)) == 2 and (is_verb_form(words_of(subject)[1]) or "VERB" in _pos(words_of(subject)[1])) \
            and (noun_phrase(subject) or ("",))[0] not in draft.entities:
        subject = words_of(subject)[0]  # "every time a van goes to the garage": the van
    if m and (parent := noun_phrase(subject)) and (child := noun_phrase(m.group(2))) and parent[0] != child[0]:
        draft.entity(child[0], child[1], weight=2)
        draft.relations.append((child[0], parent[0], "belongs", True, clause))
        taken = True
    return taken


_MAKES = frozenset({"submit", "place", "write", "file", "raise", "issue", "post", "publish", "make", "send", "create", "upload",
                    "report", "author", "open", "log"})
"""Verbs whose object records are made by their subject: the object refers to its maker."""
_DEAL_VERBS = frozenset({"place", "submit", "rent", "borrow", "book", "buy", "order", "sell", "publish", "review", "rate", "score",
                        "send", "post", "write", "teach", "attend", "host", "own", "lease", "hire", "file", "raise", "issue", "make"})
"""Verbs by which a party (people or an organisation: 'garden centres place orders') makes records."""
_OBJ = r"([a-z][\w-]*(?:\s+(?!(?:with|for|to|on|in|at|from|by|and|or|of|about|into|which|that|who)\b)[a-z][\w-]*)?)"
_ACTOR = re.compile(r"^(?:the\s+|our\s+|my\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:can\s+|may\s+|will\s+|should\s+|must\s+)?([a-z]+)\s+(?:(?:in|into|to|for|on|at)\s+)?(?:(?:a|an|the|their|many|several|some|one or more)\s+)?" + _OBJ, re.I)
_ACTOR_ONE = re.compile(r"^(?:the\s+|our\s+|my\s+)?([a-z][\w-]*)\s+(?:can\s+|may\s+|will\s+|should\s+|must\s+)?([a-z]+)\s+(?:(?:in|into|to|for|on|at)\s+)?(?:(?:a|an|the|their|many|several|some|one or more)\s+)?" + _OBJ, re.I)


def _actors(clause: str, draft: Draft) -> bool:
    """'tenants rent flats', 'members borrow books': the actor and the records become entities."""
    for text in dict.fromkeys([clause.strip(), re.split(r"\b(?:where|in which|so that|because)\s+", clause, maxsplit=1, flags=re.I)[-1].strip()]):
        for pattern in (_ACTOR_ONE, _ACTOR):  # a one-word subject first: 'employees log time entries', then 'garden centres place orders'
            bare = re.sub(r"^\s*(?:a|an|each|every)\s+", "", text, flags=re.I)
            m = pattern.match(bare)
            modal = bool(re.match(r"^\s*(?:the\s+|our\s+|my\s+)?[a-z][\w-]*(?:\s+[a-z][\w-]*)?\s+(?:can|may|must|will|should)\s", text, re.I)) \
                or bare != text  # "a buyer places an order": any buyer
            if m and _actor(m.group(1), _verb_lemma(m.group(2).lower()), m.group(3), clause, draft, generic=modal):
                # "tenants can send a repair request with a description and an urgent flag": the record's fields
                rest = re.match(r"^(?:\s+(?:for|to|on|in|at|about|from)\s+(?:a|an|the|one|each|their|his|her)\s+[a-z][\w-]*)?\s*,?\s*"
                                r"(?:with|having|including|that has|which has)\s+(.+)$", bare[m.end():], re.I)
                record = noun_phrase(m.group(3))
                if rest and record and not (_plural_items(field_items(rest.group(1))) or all(is_person(w) for w in words_of(rest.group(1))[-1:])
                                            and len(words_of(rest.group(1))) <= 2):
                    items = field_items(rest.group(1))
                    good = [f for f in (parse_field(i, draft) for i in items) if f]
                    if good and len(good) * 2 >= len(items):
                        _add_fields(draft.entity(record[0], record[1], weight=2), good, draft)
                return True
    return False


def _verb_lemma(word: str) -> str:
    """'places' -> 'place', 'borrows' -> 'borrow'; other forms as they are."""
    if word.endswith("s") and "VERB" in _pos(word):
        from lemminflect import getLemma
        return getLemma(word, upos="VERB")[0]
    return word


def _actor(subj: str, verb: str, obj: str, clause: str, draft: Draft, generic: bool = False) -> bool:
    """One 'actors verb records' reading; `generic`: a modal follows the subject ('tenant can send ...'),
    so a singular subject speaks of every one of them."""
    if verb in lexicon()["stop"] or verb in ("has", "have", "with", "need", "needs", "want", "wants", "like", "likes"):
        return False
    pos = _pos(verb)
    head = words_of(subj)[-1] if words_of(subj) else ""
    if "VERB" not in pos or not (is_plural(head) or generic and is_person(head)) or not (is_person(head) or verb in _DEAL_VERBS):
        return False
    if verb in ("sign", "login", "register", "see", "view", "read", "look", "edit", "change", "delete", "remove", "update", "manage") \
            or verb in ("create", "add") and not (generic and not is_plural(head) and re.search(r"\b(?:with|for)\b", clause, re.I)):
        # "admins create events" grants a right; "a consultant creates a claim for a trip, with a purpose" makes a record
        return False
    if verb == "log" and re.match(r"\s*(?:in|on|out|into)\b", obj, re.I):
        return False  # "members log in"; "employees log time entries" is an action
    a, b = noun_phrase(subj), noun_phrase(obj)
    if not a or not b:
        return False
    draft.entity(a[0], a[1], weight=2)
    draft.entity(b[0], b[1], weight=1)
    draft.actions.append((verb, a[0], b[0], clause))
    return True


_AUTH = re.compile(
    r"\b(log[ -]?in|logs in|logged in|sign[ -]?in|sign[ -]?up|signs? (?:in|up)|authenticat\w*|accounts?|passwords?|register(?:s|ed)? (?:for|an?)? ?accounts?|"
    r"jwt|auth\b|users? (?:must|should|need|have to|can|will)|per[- ]user|their own|his own|her own|private|roles?)\b", re.I)
_NO_FRONTEND = re.compile(
    r"\b(api[- ]only|only (?:an? )?(?:rest |json |http )?(?:api|backend)|just (?:an? )?(?:rest |json |http )?(?:api|backend)|no (?:ui|frontend|front[- ]end|gui|interface|screens?|web pages?)|"
    r"without (?:an? )?(?:ui|frontend|front[- ]end|gui|interface)|backend[- ]only|headless|(?:rest|json|http) (?:api|backend|service)(?:,| only|$)|don'?t need (?:an? )?(?:ui|frontend|front[- ]end|interface|screens)|"
    r"(?:^|\b)an? (?:rest |json |http )?api (?:for|to|that|where|which|with))\b", re.I)
_NO_BACKEND = re.compile(r"\b(frontend[- ]only|front[- ]end only|no backend|without (?:a )?backend|static (?:site|page))\b", re.I)
_OWN = re.compile(
    r"\b(?:their|his|her|my|your)\s+own\s+(?:private\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)|\bown\s+([a-z][\w-]*)|\bprivate\s+([a-z][\w-]*)|"
    r"\bonly (?:see|view|access|edit|manage|read|change)s?\s+(?:their|his|her|the ones they|what they)\s*(?:own\s+)?([a-z][\w-]*)?|"
    r"\b([a-z][\w-]*)\s+(?:are|is)\s+(?:private|personal|visible only to|only visible to)|\bper[- ]user\s+([a-z][\w-]*)|"
    r"\b(?:everything|all (?:the )?data|all records|the data)\s+(?:is\s+|stays\s+|kept\s+)?(?:private|personal)\b", re.I)
_ROLE_CAN = re.compile(
    r"\b(?:only\s+(?:the\s+)?)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:can(?:\s+to)?|may|are allowed to|is allowed to|should be able to|must be able to|get to|have the right to|only|just)\s+(?:also\s+|only\s+|just\s+)?"
    r"((?:create|add|edit|change|update|modify|delete|remove|approve|manage|see|view|read|publish|cancel|close|assign|book|register|archive|do|write|mark|enter|record)"
    r"(?:\s*(?:,|and|or|/)\s*(?:create|add|edit|change|update|modify|delete|remove|approve|manage|see|view|read|publish|cancel|close|assign|archive))*)\s*(?:(?:the|all|any|every|a|an|new)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)?", re.I)
_ROLE_ONLY = re.compile(r"\bonly\s+(?:the\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(create|add|edit|change|update|modify|delete|remove|approve|manage|publish|cancel|close|assign|archive)s?\s+(?:(?:the|all|any|every|a|an|new)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)?", re.I)
_ROLE_SIGNIN = re.compile(r"\b([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:and\s+([a-z][\w-]*)\s+)?(?:can\s+|must\s+|should\s+|will\s+|needs?\s+(?:to\s+)?|have to\s+|has to\s+)?"
                          r"(?:(?:log|sign)\s*-?\s*(?:in|on|up)|authenticate|have accounts|get accounts)\b", re.I)
_ROLE_SEES = re.compile(r"\b([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:can\s+)?(?:sees?|views?|reads?|access(?:es)?)\s+(?:everything|all\b|every\b)"
                        r"|\b([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:have|has|get|gets)\s+(?:full|all|complete)\s+(?:access|rights|control)", re.I)
_ROLE_LIST = re.compile(r"\broles?\s*(?::|are|include|like|such as)\s*([a-z ,/&-]+?)(?:$|[.;])|\b(?:as an?|logged in as an?)\s+([a-z]+)\b", re.I)
_ACTION = {"create": "create", "add": "create", "register": "create", "book": "create", "write": "create", "edit": "update",
           "change": "update", "update": "update", "modify": "update", "approve": "update", "publish": "update", "cancel": "update",
           "close": "update", "assign": "update", "archive": "update", "delete": "delete", "remove": "delete",
           "manage": "all", "do": "all"}


def _features(low: str, draft: Draft) -> bool:
    taken = False
    if _AUTH.search(low) and not re.search(r"\bno (?:login|accounts?|auth\w*|sign[- ]?in)\b|\bwithout (?:login|accounts?|auth\w*)\b", low):
        draft.auth = True
        taken = True
    if _NO_FRONTEND.search(low):
        draft.frontend = False
        taken = True
    if _NO_BACKEND.search(low):
        draft.backend = False
        taken = True
    for m in _OWN.finditer(low):
        words = next((g for g in m.groups() if g), None)
        np = noun_phrase(words) if words else None
        if np and np[0] not in ("Account", "Data", "Stuff", "Thing"):
            draft.entity(np[0], np[1], weight=1).owned = True
        else:
            draft.owned_all = draft.owned_all or bool(re.search(r"\bonly (?:see|view|access)\b|\b(?:everything|all (?:the )?data|all records|the data)\s+"
                                                               r"(?:is\s+|stays\s+|kept\s+)?(?:private|personal)\b", low))
        draft.auth = True
        taken = True
    for m in [*_ROLE_CAN.finditer(low), *_ROLE_ONLY.finditer(low)]:
        who = m.group(1)
        ws = [w for w in words_of(who) if w not in lexicon()["stop"]]
        who = " ".join(ws)
        if not ws or ws[-1] in ("user", "users", "everyone", "anyone", "people", "i", "we", "you", "they", "it", "he", "she") and len(ws) == 1:
            continue
        if not is_person(ws[-1]):
            continue
        role = _role(draft, who, low)
        acts = {_ACTION.get(a.strip()) for a in re.split(r"\s*(?:,|and|or|/)\s*", m.group(2))}
        target = noun_phrase(m.group(3)) if m.group(3) else None
        ent = target[0] if target else "*"
        if "all" in acts:
            acts = {"create", "update", "delete"}
        for act in acts - {None}:
            if low.lstrip().startswith("only") or re.search(rf"\bonly\s+(?:the\s+)?{re.escape(who)}", low):
                role.setdefault(act, set()).add(ent)
            elif act in ("delete", "update") and re.search(r"\bonly\b", low):
                role.setdefault(act, set()).add(ent)
            else:
                role.setdefault(act, set())
        draft.auth = True
        taken = True
    for m in _ROLE_SIGNIN.finditer(low):
        for who in (m.group(1), m.group(2)):
            ws = [w for w in words_of(who or "") if w not in lexicon()["stop"]]
            if ws and ws[-1] not in ("users", "user", "people", "everyone", "you", "we", "i", "they") and is_person(ws[-1]):
                _role(draft, " ".join(ws[-2:]) if len(ws) > 1 and is_person(ws[-1]) and ws[-2] not in lexicon()["stop"] else ws[-1], low)
        draft.auth = True
        taken = True
    for m in _ROLE_SEES.finditer(low):  # "managers see everything", "it admins have full access"
        ws = [w for w in words_of(m.group(1) or m.group(2)) if w not in lexicon()["stop"]]
        if ws and ws[-1] not in ("users", "user", "people", "everyone", "you", "we", "i", "they") and is_person(ws[-1]):
            _role(draft, " ".join(ws[-2:]), low)
            draft.auth = True
            taken = True
    for m in _APPROVER.finditer(low):  # "approval by a finance manager", "department heads approve claims": approvers are roles
        ws = [w for w in words_of(m.group(1) or m.group(2)) if w not in lexicon()["stop"]]
        if ws and is_person(ws[-1]) and ws[-1] not in ("users", "user", "people", "everyone", "someone", "anyone"):
            _role(draft, " ".join(ws[-2:]) if len(ws) > 1 and "NOUN" in _pos(ws[-2]) else ws[-1], low)
            draft.auth = True
            taken = True
    for m in _STAFF_ACTS.finditer(low):  # "admins moderate reviews", "the head keeper can move animals": staff words are roles
        ws = [w for w in words_of(m.group(1)) if w not in lexicon()["stop"]]
        if ws and m.group(2) not in ("have", "has", "is", "are", "was", "were", "get", "gets"):
            _role(draft, " ".join(ws[-2:]), low)
            draft.auth = True
            taken = True
    for m in _ROLE_RIGHTS.finditer(low):  # "receptionists can't see audiograms", "staff do the rest", "the head of office may change prices"
        for who in {_role_words(m.group(g)) for g in ("who", "who2", "who3", "who4", "who5") if m.group(g)} - {None}:
            _role(draft, who, low)
            draft.auth = True
            taken = True
    for m in _ROLE_HEAD.finditer(low):  # "Permissions: audiologists full access; receptionists ...", "Users: harbour master only"
        if any(_FIELDISH.search(_clean_item(p)) or _clean_item(p).lower() in lexicon()["field_words"] for p in split_top(m.group(1))):
            continue  # "Users: name, email, role (admin, editor)": a record's fields
        for part in re.split(r"\s*[;,]\s*|\s+and\s+", m.group(1)):
            who = _role_words(" ".join(part.split()[:3]), loose=True)
            if who:
                _role(draft, who, low)
                draft.auth = True
                taken = True
    for m in _ROLE_LIST.finditer(low):
        for who in split_top(m.group(1) or m.group(2) or ""):
            if is_person(words_of(who)[-1] if words_of(who) else ""):
                _role(draft, who, low)
                taken = True
    return taken


_APPROVER = re.compile(r"\b(?:approv\w*|reject\w*|signed off|sign-off|authori[sz]\w*|validat\w*)\s+(?:\w+\s+)?by\s+(?:a|an|the|their|his|her|its)?\s*([a-z]+(?:\s+[a-z]+)?)"
                       r"|(?:^|[.;,]\s*|\band\s+)(?:the\s+|only\s+(?:the\s+)?)?([a-z]+(?:\s+[a-z]+)?)\s+(?:can\s+|must\s+|will\s+|then\s+)?(?:approve|reject|sign off|authori[sz]e)s?\b")
_STAFF_ACTS = re.compile(r"(?:^|[.;:,]\s*|\band\s+)(?:the\s+|our\s+|only\s+(?:the\s+)?)?((?:[a-z]+\s+)?(?:admins?|administrators?|moderators?|managers?|editors?|supervisors?|"
                         r"superusers?|super-admins?|head\s+[a-z]+s?|chief\s+[a-z]+s?))\s+(?:can\s+|may\s+|will\s+|should\s+|must\s+|also\s+)?([a-z]+)\b")


_ROLE_RIGHTS = re.compile(
    r"(?:^|[.;:,]\s*|\b(?:and|but|while|whereas)\s+)(?:only\s+)?(?:the\s+|our\s+|all\s+)?(?P<who>[a-z][\w-]*(?:\s+of\s+(?:the\s+)?[a-z][\w-]*|\s+[a-z][\w-]*){0,2}?)\s+"
    r"(?:(?:can(?:not|'t| not)?|may(?: not)?|must(?: not)?|should(?: not)?|do(?:n't| not)?|does(?:n't| not)?|will|are(?: not)? allowed to|only|just|also)\s+)+"
    r"(?:see|view|read|edit|change|update|create|add|delete|remove|manage|approve|write|enter|mark|record|assign|schedule|build|do|run|handle|moderate|publish)\b"
    r"|(?:^|[.;:,]\s*)(?:the\s+|our\s+|all\s+)?(?P<who2>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:do|manage|handle|run)\s+(?:the rest|everything|it all|all of it)\b"
    r"|(?:^|[.;:,]\s*|\b(?:and|but|while|whereas)\s+)(?:the\s+|our\s+|all\s+)?(?P<who3>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:don't|do not|can't|cannot|aren't|won't)\s*(?:$|[.;,])"
    r"|\b(?P<who4>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+and\s+(?P<who5>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+are\s+(?:the\s+)?(?:two\s+|three\s+|only\s+)?(?:roles|user types|kinds of users|types of users)\b", re.I)
_ROLE_HEAD = re.compile(r"(?:^|[.;]\s*)(?:permissions?|access|users?|roles?|who does what|accounts?)\s*:\s*(.+)$", re.I)
_ROLE_COMPOUND_HEADS = ("head", "chief", "director", "member", "members", "manager", "managers", "officer", "officers")


def _role_person(word: str) -> bool:
    """A word naming a kind of person a role can be: the people words, and a few the lexicon keeps out of them."""
    return is_person(word) or word in ("master", "masters", "lead", "leads", "admin", "admins", "priest", "priests", "staff")


def _role_words(who: str | None, loose: bool = False) -> str | None:
    """The role a subject names, or None when it names no kind of person: 'the head of office' -> 'head of office',
    'volunteers of the office' -> 'volunteers', 'office staff' -> 'office staff', 'team leads' -> 'team leads'."""
    ws = [w for w in words_of(who or "") if w not in ("the", "a", "an", "our", "all", "only", "just")]
    while ws and ws[0] in ("but", "and", "so", "then", "also", "while", "whereas", "or"):
        ws = ws[1:]  # "but only vets can write": vets
    if "of" in ws:
        i = ws.index("of")
        ws = ws if i and ws[0] in _ROLE_COMPOUND_HEADS and i + 1 < len(ws) else ws[:i]
    if not ws or ws[-1] in ("users", "user", "people", "everyone", "anyone", "someone", "nobody", "you", "we", "i", "they", "it", "he", "she", "public"):
        return None
    if "of" in ws:
        return " ".join(ws) if _role_person(ws[0]) or ws[0] in ("head", "chief") else None
    if loose:  # "audiologists full access": the first person word of a permissions line
        j = next((i for i, w in enumerate(ws[:3]) if _role_person(w)), None)
        if j is None:
            return None
        ws = ws[: j + 1]
    if not _role_person(ws[-1]) or ws[-1] in lexicon()["stop"] and ws[-1] != "staff":
        return None
    if len(ws) >= 2 and ws[-2] not in lexicon()["stop"] and ws[-2] not in lexicon()["adjectives"] and ws[-2].replace("-", "").isalpha() \
            and ("NOUN" in _pos(ws[-2]) or ws[-2].endswith("ing") or not _pos(ws[-2])):
        return " ".join(ws[-2:])  # "office staff", "hiring managers", "team leads"
    return ws[-1]


def _role(draft: Draft, who: str, low: str) -> dict[str, Any]:
    ws = [w for w in words_of(who) if w not in lexicon()["stop"] and w not in ("only",)]
    full = [w for w in words_of(who) if w not in ("the", "a", "an", "only", "our")]
    if "of" in full and full[0] in _ROLE_COMPOUND_HEADS:  # "the head of office": headOfOffice
        return draft.roles.setdefault(camel(" ".join([singularize(full[0]), *full[1:]])), {"label": " ".join(full), "source": who})
    while len(ws) > 1 and not _role_person(ws[-1]):
        ws = ws[:-1]
    if not ws:
        ws = words_of(who)
    name = camel(" ".join([*ws[:-1], singularize(ws[-1])]))
    return draft.roles.setdefault(name, {"label": " ".join(ws), "source": who})


_FILLER = re.compile(
    r"^(?:hi|hello|hey|thanks?|thank you|please|cheers|ok|okay|so|regards)\b|^(?:i|we)\s+(?:want|need|would like|'d like|am looking|are looking|run|have|own|manage|work)\b.{0,60}$|"
    r"^(?:make|build|create|give|write|generate)\s+(?:me|us)?\b.{0,60}$|^(?:something|anything)\b|\bsurprise me\b|\bnot sure\b|\bkeep it simple\b|\bnothing fancy\b|"
    r"^(?:it|this|that)\s+(?:should|must|would|will)\s+(?:be|look|work)\b", re.I)


@cache
def _rule_cues() -> re.Pattern[str]:
    cues = sorted(lexicon()["rule_cues"], key=len, reverse=True)
    return re.compile(r"(?:^|\b)(" + "|".join(re.escape(c) for c in cues) + r")(?:\b|$)")


def _rule_or_unparsed(sentence: str, taken: bool, draft: Draft) -> None:
    low = sentence.lower()
    weak = ("when a", "when the", "when an", "each time", "every time", "once a", "once the", "once an", "after a", "after the",
            "before a", "before the", "if a", "if the", "if an", "becomes", "goes to", "moves to", "turns", "at least", "up to", "at most",
            "limit", "discount", "earn", "earns", "in stock", "average", "within", "times", "minus", "per day", "per week",
            "per month", "per year", "remaining", "show each", "at a time")
    hits = [m.group(1) for m in _rule_cues().finditer(low)]
    computed = bool(re.search(r"=\s*[^,;]*(?:[+*×÷]|\s[-/]\s|\b(?:times|plus|minus|divided by|sum of|average of)\b)", low))  # "total = price + tax"
    is_rule = any(w in sentence for w in draft.workflows) or any(c not in weak for c in hits) or bool(hits) and not taken \
        or bool(_AT_A_TIME.search(low)) or computed
    access_only = bool(_ROLE_CAN.search(low) or _ROLE_SIGNIN.search(low)) and not re.search(r"\b(?:if|when|unless|until|after|before|once|only after|only before)\b", low)
    constraint_only = bool(re.search(r"\b(?:unique|optional|required)\b", low)) and not re.search(r"\b(?:if|when|unless|after|before)\b", low)
    if is_rule and not access_only and not constraint_only and not re.search(r"\b(?:log ?in|sign ?in|sign ?up|accounts?|register)\b", low):
        ents = [n for n, e in draft.entities.items() if any(w in low for w in {e.label.lower(), e.label.lower().rstrip("s"), n.lower()})]
        draft.rules.append(sentence.strip())
        draft.rule_entities[sentence.strip()] = ents
        return
    title = len(words_of(low)) <= 6 and re.search(r"\b(?:app|application|tracker|system|manager|platform|tool|website|site|api|portal|crm|log|planner|database)\b", low)
    if not taken and not title and not _FILLER.search(low.strip()) and len(words_of(low)) >= 2:
        draft.unparsed.append(sentence.strip()[:200])


# ---------------------------------------------------------------------------------------------
# 3. resolve


def _infer_type(name: str, hint: str = "") -> tuple[str, list[str]]:
    """The type of a field from its words and a hint ('date', 'yes/no', 'in kg', 'draft/live')."""
    lex = lexicon()
    hint_l = hint.lower().strip()
    options = _options(hint) if hint else []
    if options:
        return "enum", options
    for key, kind in (("email", "email"), ("bool", "boolean"), ("yes/no", "boolean"), ("true/false", "boolean"),
                      ("datetime", "datetime"), ("date", "date"), ("time", "datetime"), ("int", "integer"), ("whole", "integer"),
                      ("decimal", "number"), ("number", "number"), ("text", "text"), ("string", "string"), ("money", "number")):
        if re.search(rf"\b{re.escape(key)}", hint_l):
            return kind, []
    hint_words = set(words_of(hint_l)) | ({hint_l} if hint_l else set())
    if hint_words & lex["units"]["integer"]:
        return "integer", []
    if hint_words & lex["units"]["number"]:
        return "number", []
    ws = words_of(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name))
    phrase = " ".join(ws)
    if not ws:
        return "string", []
    if len(ws) == 1 and ws[0] in lex["enum_defaults"]:
        return "enum", list(lex["enum_defaults"][ws[0]])
    if phrase in ("opening hours", "hours of operation", "office hours", "business hours", "opening times", "visiting hours"):
        return "string", []  # "Mon-Fri 9-17": a schedule in words, not a count of hours
    last = ws[-1]
    for group in lex["types"]:  # a first word that decides ('is paid', 'amount paid', 'price per word') wins over the last
        if ws[0] in (group.get("first") or []) and len(ws) > 1:
            return group["type"], []
    for group in lex["types"]:
        kind = group["type"]
        if last in (group.get("words") or []):
            if kind == "datetime" and last == "at" and len(ws) == 1:
                continue
            if kind == "integer" and last in ("number", "no", "nr", "code") and len(ws) > 1 and "of" not in ws \
                    and not (last != "code" and singularize(ws[-2]) in lex["numbered"]):
                return "string", []  # "plate number", "accession number": identifiers; "room number", "episode number": counts
            if kind == "date" and last == "on" and len(ws) == 1:
                continue
            return kind, []
        for phrase_cue in group.get("any") or []:
            if " " in phrase_cue or "/" in phrase_cue:
                if phrase_cue in phrase:
                    return kind, []
            elif phrase_cue in ws:
                return kind, []
    if re.search(r"(?:^|[a-z])At$", name) and len(ws) > 1:
        return "datetime", []
    if re.search(r"[a-z]On$", name):
        return "date", []
    if last.endswith("ed") and len(ws) == 1 and "VERB" in _pos(last) and "NOUN" not in _pos(last):
        return "boolean", []
    if len(ws) == 2 and last in _STATES and not is_plural(ws[0]) and ws[0] not in lex["stop"] and ws[0] not in ("last", "first", "date", "time") \
            and "NOUN" in _pos(ws[0]):
        return "boolean", []  # "climate controlled", "ID checked": whether it is ("last serviced", "weight lifted" are not)
    if len(ws) == 2 and ws[0] in ("last", "first", "next") and last.endswith("ed") and "VERB" in _pos(last):
        return "date", []  # "last serviced", "last watered": when it last happened
    if len(ws) == 2 and last == "since":
        return "date", []  # "member since"
    if len(ws) == 1 and last in lex["units"]["integer"] and last not in ("min", "year"):
        return "integer", []  # "nights", "pairs": how many
    if len(ws) == 2 and last in ("from", "to", "until", "since") and ws[0] in ("valid", "available", "open", "active", "effective", "free", "closed", "booked"):
        return "date", []  # "valid from", "available until" ("assigned to", "sent to" are people or places)
    if last == "free" and len(ws) > 1 or last in ("counter", "tally"):
        return ("boolean" if last == "free" else "integer"), []  # "gluten-free", "click counter"
    if "of" in ws[1:]:  # "year of issue", "number of guests": the words before 'of' say it
        head, _ = _infer_type(camel(" ".join(ws[: ws.index("of")])))
        if head != "string":
            return head, []
    if len(ws) > 1 and (ws[-1] in _COUNTED or "VERB" in _pos(ws[-1]) and ws[-1].endswith("ed") and "NOUN" not in _pos(ws[-1])):
        # "points used", "volunteers needed", "quantity wanted": the thing counted, then what happens to it
        rest, _ = _infer_type(camel(" ".join(ws[:-1])))
        if rest != "string":
            return rest, []
        if is_plural(ws[-2]):
            return "integer", []
    if ws[0] in ("max", "min", "maximum", "minimum") and len(ws) > 1:
        rest, _ = _infer_type(camel(" ".join(ws[1:])))
        return (rest if rest != "string" else "integer"), []  # "max attempts", "minimum price"
    return "string", []


_STATES = frozenset({"controlled", "checked", "verified", "approved", "confirmed", "insured", "vaccinated", "certified", "licensed", "signed",
                     "enabled", "disabled", "locked", "archived", "published", "sealed", "neutered", "spayed", "chipped", "microchipped", "accepted",
                     "cleared", "validated", "trained", "qualified", "booked", "reserved", "cancelled", "canceled", "refunded", "returned",
                     "delivered", "shipped", "collected", "received", "resolved", "completed", "closed", "settled", "invoiced", "paid"})
_MEASURES = frozenset({"length", "width", "height", "depth", "beam", "draft", "weight", "volume", "distance", "area", "diameter", "span",
                       "thickness", "altitude", "elevation", "capacity", "load", "mass"})
_MEASURE_WORDS = frozenset({"frequency", "temperature", "speed", "power", "pressure", "voltage", "current", "humidity", "depth", "aperture",
                            "focal", "dose", "dosage", "consumption", "output", "yield", "rainfall", "level", "reading", "area", "range"})
_COUNTED = frozenset({"used", "left", "remaining", "needed", "wanted", "bought", "sold", "earned", "spent", "won", "lost", "available",
                      "allowed", "required", "booked", "taken", "given", "redeemed", "owed", "due"})


def _entity_name_ok(name: str) -> bool:
    lex = lexicon()
    low = name.lower()
    return low not in lex["not_entities"] and low not in ENTITY_RESERVED


def resolve(draft: Draft) -> AppSpec:
    lex = lexicon()
    # an entity named only in passing whose name is a field of another entity is that field
    for name in list(draft.entities):
        e = draft.entities[name]
        low = camel(name).lower()
        if e.weight <= 1 and not e.fields and (low in draft.fieldish or low in lex["field_words"]) and not any(name in (r[0], r[1]) for r in draft.relations):
            del draft.entities[name]
    # "one director, who is one of our members": a reference to a member named director, no Director records
    for holder, fname in draft.named_fields:
        role_entity = pascal(fname)
        draft.relations = [r for r in draft.relations if not (r[0] == holder and r[1] == role_entity)]
        e = draft.entities.get(role_entity)
        if e and not e.fields and e.weight <= 2 and not any(role_entity in (r[0], r[1]) for r in draft.relations):
            del draft.entities[role_entity]
    # "one open assignment": an adjective on a known record, named in passing, is that record
    for name in list(draft.entities):
        e = draft.entities[name]
        ws = words_of(e.label)
        if len(ws) == 2 and e.weight <= 1 and not e.fields and ("ADJ" in _pos(ws[0]) and "NOUN" not in _pos(ws[0]) or is_person(ws[1])):
            base = next((n for n, o in draft.entities.items() if n != name and n == pascal(singularize(ws[1]))), None)
            if base:
                draft.relations = [(base if a == name else a, base if b == name else b, k, r, w) for a, b, k, r, w in draft.relations
                                   if {a, b} != {name, base}]
                del draft.entities[name]
    # merge "record" into "service record" when both appear
    for name in list(draft.entities):
        for other in list(draft.entities):
            if other != name and other.endswith(name) and name in draft.entities and other in draft.entities and draft.entities[name].weight <= 2:
                e, o = draft.entities[name], draft.entities[other]
                if e.fields and not o.fields and (lead := words_of(o.label)[:1]) and "VERB" in _pos(lead[0]):
                    # "stickers have a name ...; members trade stickers": the defined record, not a "trade sticker"
                    draft.relations = [(name if a == other else a, name if b == other else b, k, r, w) for a, b, k, r, w in draft.relations]
                    del draft.entities[other]
                    continue
                for f in e.fields.values():
                    o.fields.setdefault(f.name, f)
                o.weight += e.weight
                o.owned |= e.owned
                draft.relations = [(other if a == name else a, other if b == name else b, k, r, w) for a, b, k, r, w in draft.relations]
                del draft.entities[name]
    # entity names that are reserved or generic; names the generated code cannot use (a TypeScript or
    # DOM global, a plural the app's own modules have) are renamed by domain.spec.safe_name
    renamed: dict[str, str] = {}
    for name in list(draft.entities):
        kept = draft.entities[name]
        generic = not _entity_name_ok(name) and not ((len(kept.fields) >= 2 or kept.fields and kept.weight >= 2) and name.lower() not in _GENERIC)
        new = safe_name(name, "entity") if not generic or (name.lower() in ENTITY_RESERVED and draft.entities[name].weight >= 2) else None
        if new == name:
            continue
        e = draft.entities.pop(name)
        if new and new not in draft.entities:
            e.name, e.label = new, e.label or name.lower()
            draft.entities[new] = e
            renamed[name] = new
            draft.relations = [(new if a == name else a, new if b == name else b, k, r, w) for a, b, k, r, w in draft.relations]
    # roles that are only roles: a person noun named with no fields, only as a role or sign-in
    role_names = {pascal(r) for r in draft.roles}
    for name in list(draft.entities):
        e = draft.entities[name]
        if name in role_names and not e.fields and not any(name in (r[0], r[1]) for r in draft.relations) and e.weight <= 2:
            del draft.entities[name]
    # a word named once in passing ("in the shed", "our boxes"), with no fields and nothing pointing at it, is no record
    # while other records were defined
    defined = [n for n, e in draft.entities.items() if e.fields]
    for name in list(draft.entities):
        e = draft.entities[name]
        if len(defined) >= 2 and not e.fields and e.weight <= PASSING and not any(name in (r[0], r[1]) for r in draft.relations) \
                and not any(name in (a, o) for _, a, o, _ in draft.actions):
            del draft.entities[name]

    entities = draft.entities
    assumptions = list(draft.assumptions)
    if not entities and (m := re.search(r"\b([a-z]+)\s+(?:app|application|tracker|manager|list|organi[sz]er|planner|log|catalog(?:ue)?|system|website|site)\b", draft.text.lower())):
        np = noun_phrase(m.group(1))
        named = safe_name(np[0], "entity") if np else None
        if named and m.group(1) not in lex["stop"] and "NOUN" in _pos(m.group(1)) and m.group(1) not in ("web", "mobile", "simple", "small", "little"):
            entities[named] = EntityDraft(name=named, label=np[1], source=m.group(0), weight=1)
    if not entities:
        entities["Item"] = EntityDraft(name="Item", label="item", source="")
        assumptions.append("the request names no records to keep, so the app manages generic items (name, description)")
        entities["Item"].fields = {"name": FieldDraft("name", "name", ""), "description": FieldDraft("description", "description", "", required=False)}
        entities["Item"].fields["description"].hint = "text"
        assumed_item = True
    else:
        assumed_item = False

    by_lower = {n.lower(): n for n in entities}
    by_lower.update({old.lower(): new for old, new in renamed.items() if new in entities and old.lower() not in by_lower})
    # a renamed entity keeps the plural of the user's word (its route and files: comments, not comment-entries) when that is safe
    kept_plural = {new: plural for old, new in renamed.items()
                   if name_problem(plural := pluralize(camel(old)), "plural") is None and plural.lower() not in by_lower}
    refs: dict[str, list[Field]] = {n: [] for n in entities}

    def head_of(name: str) -> str:
        """'ClubMember' is the Member when only Member is a record ('owned by a club member')."""
        if name in entities:
            return name
        parts = re.findall(r"[A-Z][a-z0-9]*", name)
        return next((h for h in ("".join(parts[i:]) for i in range(1, len(parts))) if h in entities), name)

    def add_ref(src: str, dst: str, kind: str, required: bool, words: str, fname: str | None = None) -> None:
        src, dst = head_of(src), head_of(dst)
        if src not in entities or dst not in entities:
            return
        existing = {f.name for f in refs[src]} | set(entities[src].fields)
        name = fname or (camel(entities[dst].name) if kind != "refs" else pluralize(camel(entities[dst].name)))
        if kind in ("ref", "has_many") and src == dst:
            return
        if fname is None and any(f.ref == dst and (f.type == "refs") == (kind == "refs") for f in refs[src]):
            return
        if kind == "refs" and any(f.ref == src and f.type == "refs" for f in refs[dst]):
            return
        while name in existing or name in AUTO:
            name += "Ref"
        ftype = "refs" if kind == "refs" else "ref"
        refs[src].append(Field(name=name, type=ftype, ref=dst, required=required if ftype == "ref" else False, label=humanize(name), source=words[:200]))

    # fields that name another entity are references
    for name, e in entities.items():
        for fname in list(e.fields):
            fd = e.fields[fname]
            target = by_lower.get(singularize(fd.label.split()[-1]).lower()) if fd.label else None
            target = target or by_lower.get(pascal(singularize(fd.label)).lower() if fd.label else "")
            if not target and fd.label and " of " in fd.label and not fd.options:
                target = by_lower.get(pascal(singularize(fd.label.split(" of ")[0])).lower())  # "a place of birth": a Place
                if target == name:
                    target = None
            if not target and fd.label and not fd.options and len(fd.label.split()) == 1:
                heads = [n for n, o in entities.items() if n != name and len(words_of(o.label or "")) >= 2 and o.fields
                         and singularize(words_of(o.label)[-1]) == singularize(fd.label.lower())]
                target = heads[0] if len(heads) == 1 else None  # "a reading has the station": the weather station
            who = re.fullmatch(r"\s*(?:a|an|the|one|another)\s+([a-z][\w-]*)\s*", fd.hint or "", re.I)
            if not target and who and (kind := by_lower.get(pascal(singularize(who.group(1).lower())).lower())) and kind != name:
                del e.fields[fname]  # "author (a developer)": a reference to a developer, named author
                add_ref(name, kind, "ref", fd.required, fd.source, fname=fname)
                continue
            if target == name and not fd.options and len(fd.label.split()) > 1:  # "a parent category": a self-reference
                refs[name].append(Field(name=fname, type="ref", ref=name, required=False, label=fd.label, source=fd.source[:200]))
                del e.fields[fname]
            elif target and target != name and not fd.options:
                many = is_plural(fd.label.split()[-1])
                qualified = len(fd.label.split()) > 1 and pascal(singularize(fd.label)) != target
                del e.fields[fname]  # before add_ref: the reference takes the field's name ('driver', not 'driverRef')
                add_ref(name, target, "refs" if many else "ref", fd.required, fd.source, fname=fname if qualified else None)
    for verb, actor, obj, words in draft.actions:
        actor, obj = renamed.get(actor, actor), renamed.get(obj, obj)  # "members book classes": Class is ClassEntry now
        record = _nominal(verb, entities)
        if record is None and (deal := _DEALS.get(_verb_lemma(verb))) in entities:
            record = deal  # "a member can borrow a tool": the Loan refers to both
        if record and record not in (actor, obj):
            add_ref(record, actor, "ref", True, words)
            add_ref(record, obj, "ref", True, words)
        elif record is None and verb in _MAKES and actor != obj:
            add_ref(obj, actor, "ref", True, words)  # "filmmakers submit films": each film has its filmmaker
    for holder, fname in draft.named_fields:
        if renamed.get(holder, holder) in entities:
            entities[renamed.get(holder, holder)].fields.pop(fname, None)
    named = {(src, dst) for src, dst, kind, _, _ in draft.relations if kind.startswith("named:")}
    for src, dst, kind, required, words in draft.relations:
        if (src, dst) in named and not kind.startswith("named:"):
            continue  # "from one warehouse to another": fromWarehouse and toWarehouse, not a third plain reference
        if kind == "weak":
            add_ref(src, dst, "ref", required, words)
        elif kind.startswith("named:"):
            fname = kind.partition(":")[2]
            if src in entities and dst in entities and fname not in {f.name for f in refs[src]}:
                add_ref(src, dst, "ref", required, words, fname=fname)
        elif kind == "belongs":
            if not any(f.ref == dst for f in refs.get(src, [])) and not any(f.ref == src for f in refs.get(dst, [])):
                add_ref(src, dst, "ref", required, words)  # only when nothing links the two yet
        elif kind == "has_many":
            add_ref(dst, src, "ref", True, words)
        elif kind == "refs":
            add_ref(src, dst, "refs", False, words)
        elif kind.startswith("self"):
            fname = kind.partition(":")[2] or "parent"
            if src in entities and not any(f.ref == src for f in refs[src]):
                refs[src].append(Field(name=fname, type="ref", ref=src, required=False, source=words[:200], label=humanize(fname)))
        else:
            add_ref(src, dst, "ref", required, words)

    for src, dst, required, words in [*_named_together(draft.clauses, entities), *_attached(draft.clauses, entities)]:
        if any({src, dst} <= {f.ref for f in fs if f.source == words[:200]} for r, fs in refs.items() if r not in (src, dst)):
            continue  # a record of the pair links them already ("each order contains products with a quantity": OrderItem)
        if not any(f.ref == dst for f in refs[src]) and not any(f.ref == src for f in refs[dst]):
            add_ref(src, dst, "ref", required, words)

    built: list[Entity] = []
    for name, e in entities.items():
        fields: list[Field] = []
        for fd in e.fields.values():
            f = _field(fd, assumed_item)
            if f is not None and f.name not in {x.name for x in fields}:
                fields.append(f)
        for f in refs[name]:
            if f.name not in {x.name for x in fields}:
                fields.append(f)
        if not any(f.type not in ("ref", "refs") for f in fields):
            fields.insert(0, Field(name="name", type="string", assumed=True, label="name"))
            assumptions.append(f"{name} has no fields in the request, so it gets a name")
        owned = e.owned or (draft.owned_all and not assumed_item)
        built.append(Entity(name=e.name, fields=fields, owned=owned, label=e.label, source=e.source[:200], assumed=assumed_item,
                            plural=kept_plural.get(e.name, "")))
    roles = [Role(name=r, label=v["label"], source=v["source"][:200], **{act: sorted(renamed.get(x, x) for x in v.get(act, []))
                                                                       for act in ("create", "update", "delete")})
             for r, v in draft.roles.items() if not any(o.startswith(r + "Of") for o in draft.roles)]  # "head" of "the head of office"
    known = {e.name for e in built}
    for r in roles:
        for act in ("create", "update", "delete"):
            setattr(r, act, [x for x in getattr(r, act) if x == "*" or x in known])
    rules = [Rule(text=t, entities=[renamed.get(x, x) for x in draft.rule_entities.get(t, []) if renamed.get(x, x) in known], kind=_rule_kind(t))
             for t in draft.rules]
    title = _title(draft.text.lower(), built)
    data: dict[str, Any] = dict(name=title, title=title.title(), description=" ".join(draft.text.split())[:500], entities=built,
                                auth=draft.auth, frontend=draft.frontend, backend=draft.backend, roles=roles, rules=rules,
                                unparsed=draft.unparsed, assumptions=assumptions)
    return _validated(data)


AUTO = {"id", "createdAt", "updatedAt"}
PASSING = 0  # words named once in passing are kept: 'we also track suppliers' names a record (1 dropped them, and real records with them)

_ONE_DET = {"a", "an", "one", "the", "its", "their", "his", "her", "single", "same", "exactly"}
_MANY_DET = {"many", "several", "multiple", "some", "its", "their", "all", "more"}


def _entity_words(entities: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(words, entity name, plural) of how the request names each record: 'order line' and 'order lines'."""
    out: list[tuple[str, str, bool]] = []
    for name, e in entities.items():
        ws = words_of((e.label or humanize(name)).lower())
        if ws:
            out += [(" ".join(ws), name, False), (" ".join([*ws[:-1], pluralize(ws[-1])]), name, True)]
    return out


def _named_together(clauses: list[str], entities: dict[str, Any]) -> list[tuple[str, str, bool, str]]:
    """The last pass: a clause that names two records, the first as its subject, says how they relate even
    when no construction knew its verb. 'a reading is taken from one meter': Reading -> Meter; 'each gig
    has songs': Song -> Gig. Both plural ('members borrow books'), negations and access sentences say
    nothing here."""
    words_for = sorted(_entity_words(entities), key=lambda t: -len(t[0]))
    found: list[tuple[str, str, bool, str]] = []
    for clause in dict.fromkeys(clauses):
        low = " ".join(words_of(clause))
        if re.search(r"\b(?:not|no|never|nobody|none|without|only|log in|sign in|logged|cannot|can't)\b", clause.lower()):
            continue
        taken: list[tuple[int, int, str, bool]] = []
        for phrase, name, plural in words_for:
            for m in re.finditer(rf"\b{re.escape(phrase)}\b", low):
                if not any(a < m.end() and m.start() < b for a, b, _, _ in taken):
                    taken.append((m.start(), m.end(), name, plural))
        taken.sort()
        names = list(dict.fromkeys(t[2] for t in taken))
        if len(names) != 2 or len(taken) != 2:
            continue
        (s1, e1, a, a_plural), (s2, _, b, b_plural) = taken
        before_a = low[:s1].split()
        if len([w for w in before_a if w not in ("each", "every", "a", "an", "the", "all", "our", "my", "and", "so", "then", "also")]) > 0:
            continue  # the first record is not the subject
        between = low[e1:s2].split()
        content = [w for w in between if w not in _FUNCTION and not w.endswith("ly")]
        if not between or len(content) > 1 or re.search(r"\b(?:sum|total|average|times|plus|minus|percent)\b", low):
            continue  # "expense claims": one compound; "members create threads on a board": threads are the object
        det = between[-1:]
        one = det[0] in _ONE_DET or between[-2:] == ["one", "of"] or between[-3:-1] == ["one", "of"]
        optional = bool(re.search(r"\b(?:optional(?:ly)?|can be|may be|might|if any|sometimes|or none|unassigned)\b", clause.lower()))
        if one and (not b_plural or "of" in between[-3:]):
            found.append((a, b, not optional, clause))  # "a class is taught by one chef", "held in one of our kitchens"
        elif b_plural and not a_plural and not one and set(between) & {"has", "have", "contains", "includes", "holds", "made", "divided", "consists"}:
            found.append((b, a, True, clause))  # "each ward has several nurses"
    return found


def _attached(clauses: list[str], entities: dict[str, Any]) -> list[tuple[str, str, bool, str]]:
    """Records attached to another by a preposition: 'medical notes (date, treatment) for an animal', 'time entries
    against projects', 'a copy of a given stamp', 'residents, their vehicles'."""
    forms = {phrase: name for phrase, name, _ in _entity_words(entities)}
    if not forms:
        return []
    alt = "|".join(sorted((re.escape(f) for f in forms), key=len, reverse=True))
    pattern = re.compile(rf"\b({alt})\b(?:\s*\([^()]*\))?\s+(?:for|against|into|within|of|in|on|at)\s+(?:(?:a|an|one|each|every|the|their|his|her|its|a given|a specific|a single|named)\s+)?({alt})\b")
    theirs = re.compile(rf"\b({alt})\b\s*(?:\([^()]*\))?\s*(?:,\s*(?:and\s+)?|and\s+)(?:their|its)\s+({alt})\b")
    found = []
    for clause in dict.fromkeys(clauses):
        low = " ".join(re.sub(r"[^\w()'\s,-]", " ", clause.lower()).split())
        if re.search(r"\b(?:not|never|no|sum|total|average|each time|every time|per)\b", low):
            continue
        for m in pattern.finditer(low):
            a, b = forms[m.group(1)], forms[m.group(2)]
            before = low[: m.start()].split()[-3:]
            after = low[m.end():].split()[:1]
            if a == b or re.fullmatch(r"[\d,]+", (before or [""])[-1]) or set(before[-2:]) & {"each", "every"} \
                    or set(before[-2:]) & {"at", "in", "on", "for", "to", "from", "by", "with", "of", "into", "bring"}:
                continue  # "for each stop on a route", "at one depot for one parcel", "issued to a customer for a product"
            if after and after[0].isalpha() and after[0] not in _FUNCTION and "NOUN" in _pos(after[0]) and "VERB" not in _pos(after[0]) \
                    and not after[0].endswith("ly"):
                continue  # "requests for a building management company": a compound, not the building
            found.append((a, b, True, clause))
        for m in theirs.finditer(low):
            a, b = forms[m.group(1)], forms[m.group(2)]
            if a != b:
                found.append((b, a, True, clause))  # "residents, their vehicles": each vehicle has its resident
    return found


_FUNCTION = frozenset({"a", "an", "the", "one", "of", "our", "their", "its", "his", "her", "my", "is", "are", "was", "were", "be", "been", "can",
                       "may", "must", "should", "will", "always", "also", "only", "to", "by", "in", "on", "at", "for", "from", "with", "into",
                       "has", "have", "several", "many", "multiple", "some", "exactly", "single", "same", "more", "than", "just", "each",
                       "every", "within", "under", "inside", "up", "out", "any"})


def _nominal(verb: str, entities: dict[str, Any]) -> str | None:
    """The entity a verb names as a record: book -> Booking, rent -> Rental, enrol -> Enrolment, reserve -> Reservation."""
    from lemminflect import getLemma

    base = getLemma(verb, upos="VERB")[0] if verb else verb
    stems = {base, base.rstrip("e"), base + base[-1:] if re.search(r"[^aeiou][aeiou][^aeiouwy]$", base) else base}
    forms = {s + suf for s in stems for suf in ("ing", "al", "ment", "ation", "ion", "ance", "ence", "y", "")} | {base[:-1] + "ication" if base.endswith("y") else base}
    if base.endswith("er"):
        forms.add(base[:-2] + "ry")  # enter -> entry, register -> registry
    by_lower = {n.lower(): n for n in entities}
    return next((by_lower[f] for f in forms if f in by_lower), None)



def _field(fd: FieldDraft, assumed: bool) -> Field | None:
    kind, options = ("enum", fd.options) if fd.options else _infer_type(fd.name, fd.hint)
    if kind == "enum" and {o.lower().strip(".") for o in options} <= {"yes", "no", "y", "n", "true", "false", "on", "off"}:
        kind, options = "boolean", []
    if kind == "enum" and not fd.options and (fd.min is not None or fd.max is not None):
        kind, options = "integer", []  # "priority 0-9": a number in a range, not the usual low/medium/high
    name = fd.name
    label = fd.label
    name = safe_name(name, "field")  # class -> className, valueOf -> valueOfValue, id -> idValue
    if name is None:
        return None
    if kind == "enum" and len({camel(o).lower() for o in options}) != len(options):
        kind, options = "string", []
    min_, max_ = fd.min, fd.max
    if kind not in ("number", "integer"):
        if min_ is not None or max_ is not None:
            if kind in ("string", "text") and (min_ is not None or max_ is not None):
                kind = "integer" if all(v is None or float(v).is_integer() for v in (min_, max_)) else "number"
            else:
                min_ = max_ = None
    max_len = fd.max_length if kind in ("string", "text", "email") else None
    min_len = fd.min_length if kind in ("string", "text", "email") and (max_len is None or (fd.min_length or 0) <= max_len) else None
    default = fd.default if kind != "enum" or (fd.default and camel(str(fd.default)) in [camel(o) for o in options]) else None
    if default is not None and kind in ("number", "integer"):
        try:
            default = float(default)
        except ValueError:
            default = None
    if default is not None and kind == "boolean":
        default = str(default).lower() in ("yes", "true", "on", "checked")
    required = fd.required and not assumed
    try:
        return Field(name=name, type=kind, options=options, required=required, unique=fd.unique and kind not in ("boolean",),
                     min=min_, max=max_, max_length=max_len, min_length=min_len, default=default, label=label, source=fd.source[:200],
                     assumed=assumed)
    except ValidationError:
        try:
            return Field(name=name, type=kind, options=options, required=required, label=label, source=fd.source[:200], assumed=assumed)
        except ValidationError:
            return None


def _rule_kind(text: str) -> str:
    low = text.lower()
    if re.search(r"\b(calculat|comput|total|sum|average|count of|derived?)\w*", low):
        return "computed"
    if re.search(r"\b(when|once|after|before|then|moves? to|goes? to|becomes|approved?|notify|remind)\b", low):
        return "workflow"
    return "rule"


def _validated(data: dict[str, Any]) -> AppSpec:
    """The spec; when references form a required cycle, the last reference of the cycle becomes optional."""
    for _ in range(10):
        try:
            return AppSpec.model_validate(data)
        except ValidationError as exc:
            msg = str(exc)
            m = re.search(r"required references form a cycle \(([^)]*)\)", msg)
            if not m:
                raise
            chain = [x.strip() for x in m.group(1).split("->")]
            a, b = chain[-2], chain[-1]
            for e in data["entities"]:
                if e.name == a:
                    e.fields = [f.model_copy(update={"required": False, "on_delete": "set_null"}) if f.type == "ref" and f.ref == b else f for f in e.fields]
    return AppSpec.model_validate(data)


def _title(low: str, entities: list[Entity]) -> str:
    m = re.search(r"(?:^|\b(?:an?|the|my|our)\s+)((?:[a-z]+\s){0,2}?)(?:app|application|website|site|system|tool|platform|manager|tracker|service|api)\b", low)
    if m:
        ws = [w for w in m.group(1).split() if w not in lexicon()["adjectives"] and w not in lexicon()["stop"] and w not in ("rest", "json", "web", "full", "stack")]
        if ws:
            return " ".join(ws) + " app"
    # "A darts league: teams have ...", "Board game café:", "# Vet clinic": the request's own heading names the app
    m = re.match(r"^\s*#*\s*(?:(?:a|an|the|my|our)\s+)?((?:[^\W\d_][\w'-]*[ \t]+){0,3}[^\W\d_][\w'-]*)[ \t]*(?::|\n|\.\s|\.?$)", low)
    if m:
        ws = [w for w in re.findall(r"[^\W\d_][\w'-]*", m.group(1)) if w not in lexicon()["adjectives"] and w not in lexicon()["stop"]]
        if ws and len(ws) <= 4 and not any(w in ("i", "we", "you", "need", "want", "please", "hello", "hi", "build", "make", "create", "track",
                                                 "manage", "keep", "help", "can", "should", "must", "is", "are", "have", "has") for w in ws):
            return " ".join(ws) + ("" if ws[-1] in APP_WORDS else " app")
    return f"{entities[0].plural} app"


# ---------------------------------------------------------------------------------------------
# entry point


def extract_spec(request: str) -> AppSpec:
    """Build a spec v2 from a plain-language request, saying what was assumed and what was not understood."""
    text = normalize_grammar(correct_spelling(request.strip()[:20000]))
    draft = Draft(text=text)
    token = _DEFINED.set(draft.entities)
    try:
        return _extract(text, draft)
    finally:
        _DEFINED.reset(token)


def _extract(text: str, draft: Draft) -> AppSpec:
    for sentence in sentences(text)[:400]:
        try:
            taken = construct(sentence[:2000], draft)
            _enum_fields(sentence[:2000], draft)
        except (ValueError, IndexError, KeyError, TypeError, RecursionError):  # a rule that trips on odd text: the sentence is reported, never a traceback
            taken = False
        _rule_or_unparsed(sentence[:2000], taken, draft)
    if not draft.frontend and not draft.backend:
        draft.frontend = draft.backend = True
    if draft.auth and not draft.backend:
        draft.backend = True
        draft.assumptions.append("logging in needs a server, so the app has a backend after all")
    return resolve(draft)


def _enum_fields(sentence: str, draft: Draft) -> None:
    """'status (draft/review/live)' in prose: the options of the nearest entity's field of that name."""
    for m in _DEF_PAREN.finditer(sentence):
        head, body = m.group(1), m.group(2)
        opts = _options(body, head=head)
        if not opts or not _is_field_word(head):
            continue
        fname = camel(" ".join(w for w in words_of(head) if w not in lexicon()["stop"]))
        if not fname:
            continue
        before = sentence[: m.start()].lower()
        owner = None
        best = -1
        colon = _colon_head(sentence)
        if colon is None and (lead := re.match(r"^\s*([a-z][\w-]*)\s*:", sentence, re.I)) and pascal(singularize(lead.group(1).lower())) in draft.entities:
            colon = (pascal(singularize(lead.group(1).lower())), lead.group(1).lower())  # "Application: dog, adopter, status (...)"
        subject = _clause_subject(sentence) or ((has := _DEF_HAS.match(sentence)) and noun_phrase(has.group(1)))
        if colon and colon[0] in draft.entities and ":" in before:
            owner, best = draft.entities[colon[0]], len(before)  # "Appointments: pet, vet, status (booked / done)": the appointment's
        elif subject and subject[0] in draft.entities:
            owner, best = draft.entities[subject[0]], 0  # "Invoices belong to a client and have a status (draft, sent)": the invoice's
        for e in (draft.entities.values() if owner is None else ()):
            for w in {e.label.lower(), singularize(e.label.lower())}:
                i = before.rfind(w)
                if i > best:
                    best, owner = i, e
        if owner is None:
            continue
        f = owner.fields.get(fname)
        if f is None:
            owner.fields[fname] = FieldDraft(name=fname, label=" ".join(words_of(head)), source=m.group(0), options=opts)
        elif not f.options:
            f.options = opts
