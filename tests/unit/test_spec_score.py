"""The spec scorer on small hand-made specs and expectations: what counts as a hit, a miss and an extra."""

from __future__ import annotations

import pytest
from autodevos.agents.spec_score import (
    Case,
    CorpusError,
    Count,
    load_corpus,
    measure,
    parse_expectation,
    parse_field_spec,
    score_spec,
    summarize,
)
from autodevos.domain.spec import AppSpec, Entity, Field, Role, Rule

EXPECT = {
    "auth": True,
    "frontend": True,
    "entities": {
        "Member": {"name": "string", "email": "email unique"},
        "Book": {"title": "string", "year|publicationYear": "integer", "status": "enum[on shelf,Lent-Out]"},
        "Loan": {"dueDate": "date", "notes": "text|string optional"},
    },
    "relations": ["Loan -> Member", "Loan -> Book"],
    "owned": [],
    "roles": ["librarian"],
    "rules": 1,
}


def field(name, type="string", **kw):
    return Field(name=name, type=type, **kw)


def perfect(**changes) -> dict:
    """The spec EXPECT describes, as a dict to change before validating."""
    data = AppSpec(
        name="library", title="Library", auth=True,
        entities=[
            Entity(name="Member", fields=[field("name"), field("email", "email", unique=True)]),
            Entity(name="Book", fields=[field("title"), field("year", "integer"),
                                        field("status", "enum", options=["On shelf", "lent out"])]),
            Entity(name="Loan", fields=[field("dueDate", "date"), field("notes", "text", required=False),
                                        field("member", "ref", ref="Member"), field("book", "ref", ref="Book")]),
        ],
        roles=[Role(name="librarian", delete=["Book"])],
        rules=[Rule(text="a member may hold three books at most", entities=["Loan"])],
    ).model_dump()
    data.update(changes)
    return data


def score(data: dict, expect: dict = EXPECT):
    return score_spec(AppSpec.model_validate(data), parse_expectation(expect, "test"))


def entity(data: dict, name: str) -> dict:
    return next(e for e in data["entities"] if e["name"] == name)


def test_a_perfect_spec_scores_one_everywhere():
    s = score(perfect())
    for name, count in s.counts.items():
        assert count.fp == count.fn == 0 and count.f1 == 1.0, (name, count)
    assert all(a.rate == 1.0 for a in s.agreements.values()), s.agreements
    assert s.overall.f1 == 1.0 and s.misses == []


def test_a_missing_entity_lowers_entity_recall_and_its_fields_are_missed():
    data = perfect()
    data["entities"] = [e for e in data["entities"] if e["name"] != "Member"]
    entity(data, "Loan")["fields"] = [f for f in entity(data, "Loan")["fields"] if f["ref"] != "Member"]
    s = score(data)
    assert s.counts["entities"].recall == pytest.approx(2 / 3) and s.counts["entities"].precision == 1.0
    assert (s.counts["fields"].fn, s.counts["fields"].fp) == (2, 0)
    assert s.counts["constraints"].fn == 1  # Member.email unique
    assert s.counts["relations"].fn == 1
    assert "entity missed: Member" in s.misses and "relation missed: Loan -> Member" in s.misses


def test_an_extra_entity_lowers_precision_and_brings_extra_fields():
    data = perfect()
    data["entities"].append(Entity(name="Status", fields=[field("label")]).model_dump())
    s = score(data)
    assert s.counts["entities"].precision == pytest.approx(3 / 4) and s.counts["entities"].recall == 1.0
    assert s.counts["fields"].fp == 1 and "entity extra: Status" in s.misses and "field extra: Status.label" in s.misses


def test_assumed_entities_and_fields_are_not_scored():
    data = perfect()
    data["entities"].append(Entity(name="Category", assumed=True, fields=[field("name")]).model_dump())
    entity(data, "Book")["fields"].append(field("description", "text", assumed=True).model_dump())
    data["entities"].append(Entity(name="Shelf").model_dump())  # no fields: gets an assumed `name`
    s = score(data)
    assert s.counts["entities"].fp == 1 and s.counts["fields"].fp == 0
    assert s.misses == ["entity extra: Shelf"]


def test_reference_fields_are_relations_not_fields():
    s = score(perfect())
    assert s.counts["fields"].tp == 7 and s.counts["relations"].tp == 2


def test_a_wrong_type_lowers_type_scores_but_not_field_scores():
    data = perfect()
    entity(data, "Book")["fields"][1]["type"] = "string"
    s = score(data)
    assert s.counts["fields"].f1 == 1.0
    assert s.counts["types"].tp == 6 and s.counts["types"].fp == 1 and s.counts["types"].fn == 1
    assert s.agreements["type_agreement"].rate == pytest.approx(6 / 7)
    assert "type: Book.year is string, expected integer" in s.misses


def test_text_and_string_are_the_same_type():
    data = perfect()
    entity(data, "Member")["fields"][0]["type"] = "text"
    entity(data, "Loan")["fields"][1]["type"] = "string"
    assert score(data).counts["types"].f1 == 1.0


def test_enum_options_must_match_as_a_set_ignoring_case_spaces_and_punctuation():
    data = perfect()
    entity(data, "Book")["fields"][2].update(options=["LENT OUT", "on-shelf"], option_labels=[])
    assert score(data).counts["types"].f1 == 1.0
    entity(data, "Book")["fields"][2].update(options=["on shelf", "lent out", "lost"], option_labels=[])
    s = score(data)
    assert s.counts["types"].fn == 1 and s.agreements["type_agreement"].agree == 6


def test_type_alternatives_accept_either():
    expect = {"entities": {"Van": {"mileage": "integer|number"}}}
    for kind in ("integer", "number"):
        spec = {"name": "v", "title": "V", "entities": [{"name": "Van", "fields": [{"name": "mileage", "type": kind}]}]}
        assert score(spec, expect).counts["types"].f1 == 1.0
    spec["entities"][0]["fields"][0]["type"] = "string"
    assert score(spec, expect).counts["types"].f1 == 0.0


def test_alternative_names_of_entities_and_fields_match():
    expect = {"entities": {"ServiceRecord|ServiceLog": {"plateNumber|plate": "string"}}}
    spec = {"name": "v", "title": "V", "entities": [{"name": "ServiceLog", "fields": [{"name": "plate"}]}]}
    s = score(spec, expect)
    assert s.counts["entities"].f1 == s.counts["fields"].f1 == 1.0


def test_names_match_ignoring_case_and_punctuation_and_entities_also_by_plural():
    expect = {"entities": {"OrderLine": {"unit_price": "number"}, "Person": {}}}
    spec = {"name": "v", "title": "V", "entities": [{"name": "OrderLines", "fields": [{"name": "unitPrice", "type": "number"}]},
                                                   {"name": "People"}]}
    s = score(spec, expect)
    assert s.counts["entities"].f1 == 1.0 and s.counts["fields"].f1 == 1.0


def test_matching_is_one_to_one_and_prefers_the_first_named_alternative():
    expect = {"entities": {"Crop": {}, "Planting|Crop": {}}}
    spec = {"name": "v", "title": "V", "entities": [{"name": "Crop"}]}
    s = score(spec, expect)
    assert s.counts["entities"] == Count(1, 0, 1) and s.misses == ["entity missed: Planting"]
    expect = {"entities": {"RepairJob|Repair|Job": {}}}
    spec = {"name": "v", "title": "V", "entities": [{"name": "Job"}, {"name": "Repair"}]}
    assert score(spec, expect).misses == ["entity extra: Job"]


def test_many_to_many_versus_many_to_one_is_a_miss_and_an_extra():
    expect = {"entities": {"Talk": {}, "Speaker": {}}, "relations": ["Talk <-> Speaker"]}
    spec = {"name": "v", "title": "V", "entities": [
        {"name": "Speaker"}, {"name": "Talk", "fields": [{"name": "speaker", "type": "ref", "ref": "Speaker"}]}]}
    s = score(spec, expect)
    assert s.counts["relations"] == Count(0, 1, 1)
    assert "relation missed: Talk <-> Speaker" in s.misses and "relation extra: Talk -> Speaker" in s.misses
    spec["entities"][1]["fields"][0]["type"] = "refs"
    assert score(spec, expect).counts["relations"] == Count(1, 0, 0)


def test_many_to_many_is_unordered_and_many_to_one_is_not():
    expect = {"entities": {"Talk": {}, "Speaker": {}}, "relations": ["Speaker <-> Talk"]}
    spec = {"name": "v", "title": "V", "entities": [
        {"name": "Speaker"}, {"name": "Talk", "fields": [{"name": "speakers", "type": "refs", "ref": "Speaker"}]}]}
    assert score(spec, expect).counts["relations"] == Count(1, 0, 0)
    expect["relations"] = ["Speaker -> Talk"]
    spec["entities"][1]["fields"][0]["type"] = "ref"
    assert score(spec, expect).counts["relations"] == Count(0, 1, 1)


def test_required_versus_optional_matches_the_relation_but_not_the_agreement():
    expect = {"entities": {"Van": {}, "Driver": {}}, "relations": ["Van -> Driver?"]}
    spec = {"name": "v", "title": "V", "entities": [
        {"name": "Driver"}, {"name": "Van", "fields": [{"name": "driver", "type": "ref", "ref": "Driver"}]}]}
    s = score(spec, expect)
    assert s.counts["relations"] == Count(1, 0, 0) and s.agreements["relation_required"].rate == 0.0
    assert "relation required: Van -> Driver, expected Van -> Driver?" in s.misses
    spec["entities"][1]["fields"][0]["required"] = False
    assert score(spec, expect).agreements["relation_required"].rate == 1.0


def test_self_reference_and_relations_through_alternative_and_plural_names():
    expect = {"entities": {"Employee|Staff": {}, "Department": {}},
              "relations": ["Employee -> Employee?", "Staff -> Department"]}
    spec = {"name": "v", "title": "V", "entities": [
        {"name": "Departments"},
        {"name": "Staff", "fields": [{"name": "manager", "type": "ref", "ref": "Staff", "required": False},
                                     {"name": "department", "type": "ref", "ref": "Departments"}]}]}
    s = score(spec, expect)
    assert s.counts["relations"] == Count(2, 0, 0) and s.agreements["relation_required"].rate == 1.0


def test_a_relation_to_an_unmatched_entity_is_an_extra():
    expect = {"entities": {"Loan": {}}}
    spec = {"name": "v", "title": "V", "entities": [
        {"name": "Answer"}, {"name": "Loan", "fields": [{"name": "answer", "type": "ref", "ref": "Answer"}]}]}
    assert score(spec, expect).counts["relations"] == Count(0, 1, 0)


def test_constraints_stated_found_missed_and_extra():
    data = perfect()
    member = entity(data, "Member")
    member["fields"][1]["unique"] = False
    member["fields"][0]["required"] = False
    s = score(data)
    assert s.counts["constraints"] == Count(1, 1, 1)  # Loan.notes optional found; email unique missed; name optional extra
    assert "constraint missed: Member.email unique" in s.misses and "constraint extra: Member.name optional" in s.misses


def test_min_and_max_compare_values_and_mean_length_for_text():
    expect = {"entities": {"Mark": {"value": "integer min=1 max=10", "code": "string max=8"}}}
    spec = {"name": "v", "title": "V", "entities": [{"name": "Mark", "fields": [
        {"name": "value", "type": "integer", "min": 1, "max": 5}, {"name": "code", "max_length": 8}]}]}
    s = score(spec, expect)
    assert s.counts["constraints"] == Count(2, 1, 1) and "constraint missed: Mark.value max=10" in s.misses


def test_access_pools_owned_entities_and_role_names():
    expect = {"entities": {"Budget": {}, "Category": {}}, "owned": ["Budget"], "roles": ["manager|fleetManager", "driver"]}
    spec = {"name": "v", "title": "V", "auth": True,
            "entities": [{"name": "Budget", "owned": True}, {"name": "Category", "owned": True}],
            "roles": [{"name": "fleet manager"}, {"name": "admin"}]}
    s = score(spec, expect)
    assert s.counts["access"] == Count(2, 2, 1)  # Budget, fleetManager / Category, admin / driver
    assert {"owned extra: Category", "role extra: admin", "role missed: driver"} <= set(s.misses)


def test_access_unstated_is_not_scored():
    spec = {"name": "v", "title": "V", "auth": True, "entities": [{"name": "Budget", "owned": True}], "roles": [{"name": "admin"}]}
    assert score(spec, {"entities": {"Budget": {}}}).counts["access"] == Count()


def test_rules_count_found_against_stated():
    data = perfect(rules=[])
    assert score(data).counts["rules"] == Count(0, 0, 1)
    data = perfect(rules=[{"text": "a"}, {"text": "b"}])
    assert score(data).counts["rules"] == Count(1, 1, 0)


def test_auth_and_frontend_are_scored_only_where_stated():
    data = perfect(frontend=False)
    s = score(data)
    assert s.agreements["frontend"].rate == 0.0 and s.agreements["auth"].rate == 1.0
    assert "frontend: false, expected true" in s.misses
    s = score(data, {"entities": EXPECT["entities"]})
    assert s.agreements["frontend"].total == s.agreements["auth"].total == 0


def test_unparsed_phrases_are_counted():
    s = score(perfect(unparsed=["surprise me", "something nice"]))
    assert s.unparsed == 2 and "unparsed: 'surprise me'" in s.misses


def test_an_empty_expectation_makes_every_non_assumed_entity_an_extra():
    spec = {"name": "v", "title": "V", "entities": [{"name": "Item", "assumed": True}, {"name": "Pot"}]}
    s = score(spec, {"entities": {}, "relations": []})
    assert s.counts["entities"] == Count(0, 1, 0) and s.counts["entities"].recall is None


def test_field_specs_parse_types_options_and_constraints():
    types, constraints = parse_field_spec("enum[received, in production,Shipped]|string unique optional min=0 max=2.5", "x")
    assert [t.name for t in types] == ["enum", "string"]
    assert types[0].options == {"received", "inproduction", "shipped"}
    assert constraints == {"unique", "optional", "min=0", "max=2.5"}


@pytest.mark.parametrize("text, why", [
    ("strin", "unknown type"), ("string uniq", "unknown word"), ("enum[]", "no options"), ("", "not 'TYPE"),
])
def test_bad_field_specs_name_the_culprit(text, why):
    with pytest.raises(CorpusError, match=why):
        parse_field_spec(text, "d001: Book.title")


@pytest.mark.parametrize("expect, why", [
    ({"entities": {"A": {}}, "relations": ["A -> B"]}, "'B' is not one of the expected entities"),
    ({"entities": {"A": {}}, "relations": ["A <-> A?"]}, "is not 'A -> B'"),
    ({"entities": {"A": {}}, "owned": ["B"]}, "'B' is not one"),
    ({"entities": {"A": {}}, "rules": "two"}, "not a count"),
    ({"entities": {"A": {}}, "auth": "yes"}, "not true or false"),
    ({"entities": {"A": {}}, "extras": 1}, "unknown key"),
    ({"relations": []}, "no 'entities'"),
])
def test_bad_expectations_name_the_culprit(expect, why):
    with pytest.raises(CorpusError, match=why):
        parse_expectation(expect, "d001")


def test_load_corpus_reads_each_split_in_file_order(tmp_path):
    (tmp_path / "dev").mkdir()
    for name, entity_name in (("d002-b.yaml", "B"), ("d001-a.yaml", "A")):
        (tmp_path / "dev" / name).write_text(f"request: |\n  an app with {entity_name}\nvoice: terse\nexpect:\n  entities:\n    {entity_name}:\n")
    corpus = load_corpus(tmp_path)
    assert [c.id for c in corpus["dev"]] == ["d001-a", "d002-b"] and corpus["test"] == []
    assert corpus["dev"][0].expect.entities[0].names == ("A",) and corpus["dev"][0].voice == "terse"
    (tmp_path / "dev" / "d003.yaml").write_text("request: x\nexpect:\n  entities:\n    A:\n      a: strng\n")
    with pytest.raises(CorpusError, match=r"d003.yaml: A.a: unknown type"):
        load_corpus(tmp_path)


def test_measure_scores_a_failing_extractor_as_finding_nothing_and_summarize_adds_up():
    expect = parse_expectation({"entities": {"Book": {"title": "string"}}, "auth": False}, "x")
    cases = [Case("a", "dev", "books", "", expect), Case("b", "dev", "crash", "", expect)]

    def extract(request: str) -> AppSpec:
        if request == "crash":
            raise RuntimeError("no luck")
        return AppSpec(name="b", title="B", entities=[Entity(name="Book", fields=[field("title")])])

    results = measure(cases, extract)
    assert results[1].error == "RuntimeError: no luck" and results[1].score.counts["entities"] == Count(0, 0, 1)
    total = summarize(results)
    assert total.requests == 2 and total.errors == 1
    assert total.counts["entities"] == Count(1, 0, 1) and total.counts["fields"] == Count(1, 0, 1)
    assert total.agreements["auth"].rate == 0.5 and total.overall == Count(3, 0, 3)
    with pytest.raises(RuntimeError):
        measure(cases, extract, catch=False)
