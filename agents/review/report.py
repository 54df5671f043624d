"""How the review's findings are said: REVIEW.md in the app (from REVIEW.md.j2), and the rows the
CLI shows (the run's summary, `autodevos status THREAD`). Pure."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

import jinja2

SECTIONS = (
    ("Blocking, not fixed", ("gave up",), "Blocking findings whose agent could not fix them in the rounds this run allows."),
    ("Blocking, listed", ("listed-blocking",), "Blocking findings this run did not send back (--max-repairs 0, or step mode: a person decides)."),
    ("Fixed during the review", ("fixed",), "Found by an earlier review pass of this run and gone since."),
    ("Listed", ("listed",), "Worth a look; none of them stopped the run."),
)


def _cell(text: Any) -> str:
    """Text for one cell of a Markdown table: one line, no pipe that would end the cell."""
    return " ".join(str(text).split()).replace("|", "\\|").replace("`", "'")


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["cell"] = _cell
    return env.from_string((files("autodevos.agents.review") / "REVIEW.md.j2").read_text(encoding="utf-8"))


def review_markdown(spec: Any, review: Mapping[str, Any]) -> str:
    """REVIEW.md for one finished review pass."""
    rows = [dict(f, fate="listed-blocking" if f["fate"] == "listed" and f["severity"] == "blocking" else f["fate"])
            for f in review.get("findings") or []]
    model = any(t.get("name") == "model" for t in review.get("tools") or [])
    text = _template().render(title=spec.title, review={**review, "findings": rows}, sections=SECTIONS, model=model)
    return "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"


def findings_of(tasks: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every review finding of a run's tasks (from their reports in the task ledger), with its review task."""
    out = []
    for tid, rec in tasks.items():
        report = (rec or {}).get("report")
        review = report.get("review") if isinstance(report, dict) else None
        if isinstance(review, dict):
            out += [{**f, "review": tid} for f in review.get("findings") or []]
    return out


def not_fixed(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The blocking findings a run leaves in the app (gave up, or listed when nothing could go back)."""
    return [f for f in findings if f["severity"] == "blocking" and f["fate"] in ("gave up", "listed")]
