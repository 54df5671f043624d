"""Spec accuracy: precision, recall and F1 of the extracted spec against the request corpus, per split.

Scores the offline extractor (autodevos.agents.extract.extract_spec) by default, another extractor
file with --extractor (any .py with an `extract_spec(request) -> AppSpec`, e.g. an older version), or
the model planner with --model. Categories and matching rules: autodevos/agents/spec_score.py.
Times are per request, after one warm-up call (none for a model). Goal: overall F1 >= 0.95 on test.

    python bench/spec_accuracy.py                      # both splits
    python bench/spec_accuracy.py --split dev --show-misses
    python bench/spec_accuracy.py --extractor /tmp/old_extract.py --json
    python bench/spec_accuracy.py --model openai:gpt-4.1-mini
    python bench/spec_accuracy.py --model ollama:qwen2.5 --base-url http://localhost:11434/v1
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autodevos.agents.spec_score import (
    AGREEMENTS,
    CATEGORIES,
    SPLITS,
    CaseResult,
    CorpusError,
    Count,
    Summary,
    load_corpus,
    measure,
    summarize,
)
from autodevos.domain.spec import AppSpec
from rich.console import Console
from rich.table import Table

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "requests"
AGREEMENT_LABELS = {
    "type_agreement": "type right, of name-matched fields",
    "relation_required": "required/optional right, of matched many-to-one relations",
    "auth": "auth right, where stated",
    "frontend": "frontend right, where stated",
}


def load_extractor(path: str | None) -> Callable[[str], AppSpec]:
    """extract_spec of the installed extractor, or of a .py file (loaded against the installed domain model)."""
    if path is None:
        from autodevos.agents.extract import extract_spec

        return extract_spec
    file = Path(path)
    spec = importlib.util.spec_from_file_location(f"_measured_{file.stem}", file)
    if spec is None or spec.loader is None or not file.is_file():
        raise SystemExit(f"error: no Python file at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    if not hasattr(module, "extract_spec"):
        raise SystemExit(f"error: {path} defines no extract_spec(request)")
    return module.extract_spec


class ModelExtractor:
    """The model planner as an extractor: model_plan's spec, one thread per request, calls recorded in
    a temporary SQLite file (no cache, no replay). Notes whether the planner fell back to the rules."""

    def __init__(self, model: str, base_url: str | None, db_path: str):
        from autodevos.agents.llm import check_model

        check_model(model, base_url)
        self.model, self.base_url, self.db_path = model, base_url, db_path
        self.loop = asyncio.new_event_loop()
        self.calls = 0
        self.fallbacks: list[str] = []

    def __call__(self, request: str) -> AppSpec:
        from autodevos.agents.ask import role_ask
        from autodevos.agents.budget import Budget
        from autodevos.agents.planner import model_plan

        self.calls += 1
        ask = role_ask(self.model, self.base_url, self.db_path, f"spec-accuracy-{self.calls}", cache=False, replay=False,
                       timeout=120.0, prices={}, budget=Budget())

        async def plan() -> tuple[Any, list[str]]:
            try:
                return await model_plan(request, ask)
            finally:
                await ask.aclose()

        result, notes = self.loop.run_until_complete(plan())
        if any("no model answer validated" in n for n in notes):
            self.fallbacks.append(request)
        return result.spec

    def close(self) -> None:
        self.loop.close()


def fmt(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def table(split: str, summary: Summary, what: str) -> Table:
    t = Table(title=f"{split}: {summary.requests} requests, {what}", title_justify="left")
    for col in ("category", "found", "extra", "missed", "P", "R", "F1"):
        t.add_column(col, justify="left" if col == "category" else "right")

    def row(name: str, c: Count, **style: Any) -> None:
        t.add_row(name, str(c.tp), str(c.fp), str(c.fn), fmt(c.precision), fmt(c.recall), fmt(c.f1), **style)

    for cat in CATEGORIES:
        row(cat + (" (by count)" if cat == "rules" else ""), summary.counts[cat])
    t.add_section()
    row("overall (entities+fields+types+relations+access)", summary.overall, style="bold")
    return t


def extras(summary: Summary, fallbacks: int | None) -> list[str]:
    lines = []
    for key in AGREEMENTS:
        a = summary.agreements[key]
        lines.append(f"  {AGREEMENT_LABELS[key]}: {a.agree}/{a.total}" + (f" ({a.rate:.1%})" if a.rate is not None else ""))
    share = "-" if summary.unparsed_share is None else f"{summary.unparsed_share:.1%}"
    lines.append(f"  unparsed: {share} of requests have an unparsed phrase; {fmt(summary.unparsed_mean, 2)} phrases per request")
    lines.append(f"  extraction time per request: mean {fmt(summary.ms_mean, 1)} ms, max {fmt(summary.ms_max, 1)} ms")
    if summary.errors:
        lines.append(f"  extractor failed on {summary.errors} request(s): scored as finding nothing")
    if fallbacks is not None:
        lines.append(f"  model planner fell back to the offline rules on {fallbacks} request(s)")
    return lines


def as_json(summary: Summary, results: list[CaseResult]) -> dict[str, Any]:
    def count(c: Count) -> dict[str, Any]:
        return {"tp": c.tp, "fp": c.fp, "fn": c.fn, "precision": c.precision, "recall": c.recall, "f1": c.f1}

    return {
        "requests": summary.requests,
        "categories": {k: count(v) for k, v in summary.counts.items()},
        "overall": count(summary.overall),
        "agreements": {k: {"agree": v.agree, "total": v.total, "rate": v.rate} for k, v in summary.agreements.items()},
        "unparsed_share": summary.unparsed_share, "unparsed_mean": summary.unparsed_mean,
        "errors": summary.errors, "ms_mean": summary.ms_mean, "ms_max": summary.ms_max,
        "cases": [{"id": r.case.id, "voice": r.case.voice, "ms": r.ms, "error": r.error,
                   "overall_f1": r.score.overall.f1, "misses": r.score.misses} for r in results],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[6:]))
    ap.add_argument("--split", choices=(*SPLITS, "all"), default="all", help="which split to score (default: all)")
    ap.add_argument("--show-misses", action="store_true", help="list, per request, what was missed or extra (for dev tuning)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--extractor", metavar="FILE.py", help="score the extract_spec of this file instead of the installed one")
    ap.add_argument("--model", metavar="PROVIDER:NAME", help="score the model planner instead of the offline extractor")
    ap.add_argument("--base-url", metavar="URL", help="server of the --model (OpenAI-compatible)")
    ap.add_argument("--corpus", metavar="DIR", default=str(CORPUS), help="corpus folder with dev/ and test/ (default: the project's)")
    args = ap.parse_args(argv)
    err = Console(stderr=True)
    if args.model and args.extractor:
        err.print("error: --model and --extractor exclude each other")
        return 2
    splits = SPLITS if args.split == "all" else (args.split,)
    try:
        corpus = load_corpus(Path(args.corpus), splits)
    except CorpusError as exc:
        err.print(f"error: {exc}", markup=False)
        return 2
    if not any(corpus.values()):
        err.print(f"error: no requests in {', '.join(str(Path(args.corpus) / s) for s in splits)}", markup=False)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        model = None
        try:
            if args.model:
                from autodevos.agents.llm import ModelError

                try:
                    model = ModelExtractor(args.model, args.base_url, str(Path(tmp) / "calls.sqlite"))
                except ModelError as exc:
                    err.print(f"error: {exc}", markup=False)
                    return 2
            extract = model or load_extractor(args.extractor)
            what = f"model planner {args.model}" if model else f"extractor {args.extractor or 'autodevos.agents.extract'}"
            report: dict[str, Any] = {"measured": what}
            out = Console(width=160)
            for split in splits:
                cases = corpus[split]
                before = len(model.fallbacks) if model else 0
                results = measure(cases, extract, warm_up=model is None)
                summary = summarize(results)
                fallbacks = len(model.fallbacks) - before if model else None
                if args.json:
                    report[split] = as_json(summary, results) | ({"fallbacks": fallbacks} if model else {})
                    continue
                if not cases:
                    out.print(f"{split}: no requests in {Path(args.corpus) / split}")
                    continue
                out.print(table(split, summary, what))
                for line in extras(summary, fallbacks):
                    out.print(line, markup=False, highlight=False)
                if args.show_misses:
                    for r in results:
                        if r.score.misses:
                            out.print(f"\n  {r.case.id} ({r.case.voice}):", markup=False, highlight=False)
                            for m in r.score.misses:
                                out.print(f"    {m}", markup=False, highlight=False)
                out.print()
        finally:
            if model:
                model.close()
    if args.json:
        print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
