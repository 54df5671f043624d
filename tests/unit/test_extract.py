"""Rule-based spec extraction over varied requests: entities, fields, types, relations, auth."""

from __future__ import annotations

import pytest
from autodevos.agents.extract import extract_spec


def fields(spec, entity: str) -> dict[str, str]:
    e = spec.entity(entity)
    return {f.name: (f"ref:{f.ref}" if f.type == "ref" else f.type) for f in e.fields}


CASES = [
    # request, entities, auth, frontend
    ("A todo app with users and tags", {"Todo", "Tag"}, True, True),
    ("a clinic app with patients, doctors and appointments; users must log in", {"Patient", "Doctor", "Appointment"}, True, True),
    ("An API only for books and authors", {"Book", "Author"}, False, False),
    ("A blog with posts and comments on posts", {"Post", "Comment"}, False, True),
    ("issue tracker with projects, issues (title, priority (low/medium/high), due date) and comments on issues", {"Project", "Issue", "Comment"}, False, True),
    ("A recipe app: recipes have many ingredients", {"Recipe", "Ingredient"}, False, True),
    ("track expenses with amount, category and date", {"Expense"}, False, True),
    ("inventory system for products and orders. Customers place orders.", {"Product", "Order", "Customer"}, False, True),
    ("I need something to manage my plants: name, species, last watered date and is indoor", {"Plant"}, False, True),
    ("gym members and their workouts; each workout has a date and duration minutes", {"Member", "Workout"}, False, True),
    ("BUILD A LIBRARY APP FOR BOOKS AND MEMBERS WITH LOGIN", {"Book", "Member"}, True, True),
    ("hotel booking site with rooms and bookings, guests sign up", {"Room", "Booking"}, True, True),
    ("a REST API only to manage employees and departments", {"Employee", "Department"}, False, False),
    ("simple notes app", {"Note"}, False, True),
    ("make me a website", {"Item"}, False, True),
    ("Event planner: events (title, starts at, location) and attendees (name, email)", {"Event", "Attendee"}, False, True),
    ("a course platform where students enroll in courses; students have accounts", {"Student", "Course"}, True, True),
    ("movie reviews app: movies and reviews of movies, reviewers need to authenticate", {"Movie", "Review"}, True, True),
    ("crm with contacts, companies and deals", {"Contact", "Company", "Deal"}, False, True),
    ("Support desk: tickets with status and priority, and comments on tickets", {"Ticket", "Comment"}, False, True),
    ("a pet clinic with owners, pets and visits", {"Owner", "Pet", "Visit"}, False, True),
    ("invoices for customers with amount and due date", {"Invoice", "Customer"}, False, True),
]


@pytest.mark.parametrize("request_text, entities, auth, frontend", CASES)
def test_entities_auth_and_parts(request_text, entities, auth, frontend):
    spec = extract_spec(request_text)
    assert {e.name for e in spec.entities} == entities
    assert spec.auth is auth
    assert spec.frontend is frontend and spec.backend


def test_explicit_fields_and_types():
    spec = extract_spec("issue tracker with projects, issues (title, priority (low/medium/high), due date) and comments on issues")
    assert fields(spec, "Issue") == {"title": "string", "priority": "enum", "dueDate": "date"}
    assert spec.entity("Issue").fields[1].options == ["low", "medium", "high"]
    assert fields(spec, "Comment")["issue"] == "ref:Issue"


def test_field_types_from_names():
    spec = extract_spec("I need something to manage my plants: name, species, last watered date and is indoor")
    assert fields(spec, "Plant") == {"name": "string", "species": "string", "lastWateredDate": "date", "isIndoor": "boolean"}
    spec = extract_spec("Event planner: events (title, starts at, location) and attendees (name, email)")
    assert fields(spec, "Event") == {"title": "string", "startsAt": "datetime", "location": "string"}
    assert fields(spec, "Attendee") == {"name": "string", "email": "email"}
    spec = extract_spec("track expenses with amount, category and date")
    assert fields(spec, "Expense") == {"amount": "number", "category": "string", "date": "date"}


def test_status_and_priority_are_enums():
    spec = extract_spec("Support desk: tickets with status and priority, and comments on tickets")
    f = {x.name: x for x in spec.entity("Ticket").fields}
    assert f["status"].type == "enum" and f["priority"].type == "enum"
    assert f["priority"].options == ["low", "medium", "high"]


def test_relations():
    spec = extract_spec("a clinic app with patients, doctors and appointments; users must log in")
    assert fields(spec, "Appointment")["patient"] == "ref:Patient"
    assert fields(spec, "Appointment")["doctor"] == "ref:Doctor"
    spec = extract_spec("A recipe app: recipes have many ingredients")
    assert fields(spec, "Ingredient")["recipe"] == "ref:Recipe"
    spec = extract_spec("a pet clinic with owners, pets and visits. pets belong to owners, visits are for pets")
    assert fields(spec, "Pet")["owner"] == "ref:Owner"
    assert fields(spec, "Visit")["pet"] == "ref:Pet"


def test_vague_request_says_what_it_assumed():
    spec = extract_spec("make me a website")
    assert spec.assumptions and "item" in spec.assumptions[0].lower()


def test_names_are_usable():
    spec = extract_spec("A todo app with users and tags")
    assert spec.name == "todo-app"
    assert [e.plural for e in spec.entities] == ["todos", "tags"]
