"""A failed check's output sent back to an agent is not read as a change to the spec (agents/codegen.py):
only a person's words are. A test named 'an agent can add a comment to the ticket' in a verify failure
once added a field `comment` that only the backend and its migration saw."""

from __future__ import annotations

from pathlib import Path

from autodevos.agents.codegen import Workspace, with_feedback
from autodevos.domain.spec import AppSpec

SPEC = AppSpec(name="desk", title="Desk", entities=[{"name": "Ticket", "fields": [{"name": "title"}]}])


def fields(feedback: str) -> set[str]:
    return {f.name for f in with_feedback(SPEC, Workspace(Path("."), feedback)).entity("Ticket").fields}


def test_a_person_s_feedback_changes_the_spec():
    assert fields("add a field priority to ticket") == {"title", "priority"}


def test_a_failed_check_s_output_does_not():
    verify = "verify step `rules` in app/ failed (repair 1 of 2):\nfailed: rule: an agent can add a comment to the ticket"
    review = "code review: 1 blocking finding; fix it: add a field check to ticket"
    assert fields(verify) == {"title"} and fields(review) == {"title"}
