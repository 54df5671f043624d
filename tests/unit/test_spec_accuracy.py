"""Regression guard: the offline extractor's overall F1 on the request corpus (tests/data/requests)
must not fall below the floor measured when the guard was written. Figures: bench/spec_accuracy.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from autodevos.agents.extract import extract_spec
from autodevos.agents.spec_score import SPLITS, load_corpus, measure, summarize

CORPUS = Path(__file__).resolve().parent.parent / "data" / "requests"

# Regression floors, NOT the goal: the goal is overall F1 >= 0.95 on test (issue 12).
# Each is the overall F1 (entities+fields+types+relations+access pooled) measured when this guard
# was written, minus 0.03: 64 dev and 64 test requests, the offline extractor being rewritten for
# issue 12 (measured at the close of session 11: dev 0.683, test 0.619; the extractor of commit 83f6c24 scored dev 0.397, test 0.305).
# Raise them whenever the extractor gets better; never lower them to let a change through.
# Session 13 added 60 dev requests written blind by someone who had not seen the extractor (d065-d124;
# the extractor scored 0.558 on them before any tuning) and 40 test requests written blind the same way
# (t065-t104, measured only, never tuned on). At the close of session 13: dev (124) 0.823, test (104) 0.683.
# Session 14 added 140 dev requests (d125-d264) and 40 test requests (t105-t144), all written blind the
# same way; the new dev sets were measured before any tuning on them. The dev floor is for the larger,
# harder dev split. At the close of session 14: dev (264) 0.804, test (144) 0.692.
FLOORS = {"dev": 0.77, "test": 0.66}


@pytest.mark.parametrize("split", SPLITS)
def test_overall_f1_stays_above_the_floor(split):
    cases = load_corpus(CORPUS, (split,))[split]
    assert cases, f"no requests in {CORPUS / split}: the corpus is missing, so nothing is measured"
    results = measure(cases, extract_spec, warm_up=False)
    f1 = summarize(results).overall.f1 or 0.0
    failed = [f"{r.case.id}: {r.error}" for r in results if r.error]
    assert f1 >= FLOORS[split], f"{split}: overall F1 {f1:.3f} < floor {FLOORS[split]:.3f}; extractor failures: {failed}"
