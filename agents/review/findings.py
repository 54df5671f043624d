"""A review finding, its fate over the rounds of one run, and how the findings are said. Pure.

A finding is what an analyzer or the reviewing model found in one file: where (file, line), how
bad (`blocking` goes back to the agent that wrote the file; `warning` and `info` are listed), which
check (source, rule) and why. Its `key` says what it is apart from its line, so the same problem
is recognised in the next round after the lines moved.

Fates, decided once per review pass from this pass's findings and the last pass's report:

| fate | when |
|---|---|
| `routed back` | blocking, and the run may still send it back (a round is left) |
| `fixed` | found by an earlier pass, gone now |
| `listed` | not blocking; or blocking where nothing can go back (--max-repairs 0, step mode, no task of this run wrote the file) |
| `gave up` | blocking, and the rounds are used up |
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["blocking", "warning", "info"]
SEVERITIES: tuple[str, ...] = ("blocking", "warning", "info")
FATES: tuple[str, ...] = ("routed back", "gave up", "listed", "fixed")


@dataclass
class Finding:
    """One problem in one file."""

    source: str
    """The check that found it: eslint, duplication, routes, or model."""
    rule: str
    """Which rule of that check (an ESLint rule id, route-not-in-spec, a model's short title)."""
    file: str
    """Path from the app root."""
    line: int
    """1-based line in the file as it is now (0: the file as a whole)."""
    severity: str
    """blocking | warning | info."""
    message: str
    """Why it is a problem, in one or two sentences."""
    key: str = ""
    """What it is apart from its line (the offending line's text, the route): the same key in the
    same file is the same finding in a later round."""
    owner: str = ""
    """The task that wrote the file (where a blocking finding goes back to)."""
    fate: str = ""
    """routed back | fixed | listed | gave up (decide_fates)."""
    round: int = 0
    """The review pass that last saw it (for a fixed one: the pass that found it gone)."""
    first: int = 0
    """The review pass that first saw it."""
    id: str = field(default="")
    """Stable id: a hash of source, rule, file and key."""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = finding_id(self.source, self.rule, self.file, self.key or self.message)

    @property
    def blocking(self) -> bool:
        return self.severity == "blocking"

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def finding_id(source: str, rule: str, file: str, key: str) -> str:
    text = "\x1f".join((source, rule, file, " ".join(key.split())))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per id (the first, by file and line), in file and line order."""
    seen: dict[str, Finding] = {}
    for f in sorted(findings, key=lambda f: (f.file, f.line, f.source, f.rule)):
        seen.setdefault(f.id, f)
    return list(seen.values())


@dataclass(frozen=True)
class Rounds:
    """How many times this run's blocking findings may still go back to their owners."""

    done: int = 0
    """Passes that sent findings back so far in this run."""
    allowed: int = 0
    """--max-repairs (0 in step mode, where a person decides what runs again)."""

    @property
    def left(self) -> int:
        return max(self.allowed - self.done, 0)


def decide_fates(current: Iterable[Finding], last: Iterable[dict[str, Any]], this_pass: int, rounds: Rounds) -> list[Finding]:
    """This pass's findings with their fates, then those of earlier passes that are gone (fixed).

    `last`: the findings of the previous pass's report (with theirs), [] on the first pass."""
    before = {f["id"]: f for f in last}
    out: list[Finding] = []
    for f in dedupe(current):
        earlier = before.get(f.id)
        f.first = int(earlier.get("first") or this_pass) if earlier else this_pass
        f.round = this_pass
        if not f.blocking:
            f.fate = "listed"
        elif rounds.left > 0 and f.owner:
            f.fate = "routed back"
        else:
            f.fate = "gave up" if rounds.allowed > 0 and f.owner else "listed"
        out.append(f)
    now = {f.id for f in out}
    for fid, old in before.items():
        if fid in now:
            continue
        gone = Finding.from_dict(old)
        if gone.fate != "fixed":
            gone.fate, gone.round = "fixed", this_pass
        out.append(gone)
    return out


def routed(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.fate == "routed back"]


def one_line(f: Finding) -> str:
    return f"{f.where()} [{f.source}: {f.rule}] {' '.join(f.message.split())}"


def feedback_for(owner: str, findings: Iterable[Finding], pass_no: int, rounds: Rounds) -> str:
    """What an owner is told when its findings come back: each one, where, which check, why."""
    mine = [f for f in findings if f.owner == owner and f.fate == "routed back"]
    lines = [f"code review (round {rounds.done + 1} of {rounds.allowed}, review pass {pass_no}) found "
             f"{len(mine)} blocking problem{'s' * (len(mine) != 1)} in this task's files; fix each at its cause, "
             "keep the rest as it is:"]
    lines += [f"- {one_line(f)}" for f in mine]
    return "\n".join(lines)


def counts(findings: Iterable[dict[str, Any]]) -> dict[str, int]:
    """fate -> how many, in FATES order (fates with none left out)."""
    found: dict[str, int] = {}
    for f in findings:
        found[f["fate"]] = found.get(f["fate"], 0) + 1
    return {fate: found[fate] for fate in FATES if fate in found}
