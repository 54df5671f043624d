"""The example plugin's offline renderer (examples/seed-agent), read from the checkout: fixtures that fit
the spec, refs that point back, unique values that never repeat, a script that passes only the owner
it needs. Its install, its place in a run and its script against a real backend: tests/e2e/test_seed_plugin.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from autodevos.agents.extract import extract_spec
from autodevos.agents.render import SUPPORTED, render_backend
from autodevos.domain.spec import AppSpec, buildable

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples" / "seed-agent"))
from autodevos_seed import AGENT  # noqa: E402
from autodevos_seed.render import creation_order, render_seed  # noqa: E402

CORPUS = sorted((ROOT / "tests" / "data" / "requests").glob("*/*.yaml"))

SHOP = AppSpec(name="shop", title="Shop", auth=True, entities=[
    {"name": "Order", "owned": True, "fields": [
        {"name": "code", "unique": True}, {"name": "customer", "type": "ref", "ref": "Customer"},
        {"name": "express", "type": "boolean"},
        {"name": "previous", "type": "ref", "ref": "Order", "required": False},
        {"name": "coupon", "type": "ref", "ref": "Coupon", "required": False}]},
    {"name": "Customer", "fields": [{"name": "email", "type": "email", "unique": True},
                                    {"name": "tier", "type": "enum", "options": ["gold", "silver"], "unique": True},
                                    {"name": "score", "type": "integer", "min": 1, "max": 5}]},
    {"name": "Coupon", "fields": [{"name": "percent", "type": "number", "min": 5, "max": 5, "unique": True},
                                  {"name": "firstOrder", "type": "ref", "ref": "Order", "required": False}]},
])


def seeded(spec: AppSpec) -> tuple[dict[str, list[dict]], str]:
    files = render_seed(spec)
    fixtures = {p.removeprefix("backend/seed/").removesuffix(".json"): json.loads(t) for p, t in files.items() if p.endswith(".json")}
    return fixtures, files["backend/seed/seed.ts"]


def test_the_entry_is_an_agent_after_the_backend():
    assert AGENT.name == "seed" and AGENT.after == ("backend",) and AGENT.when == "backend" and AGENT.model_role
    assert (AGENT.prompts / "system.md").read_text().startswith("You are the seed agent of AutoDevOS")
    assert "$area" in (AGENT.prompts / "system.md").read_text() and "$files" in (AGENT.prompts / "user.md").read_text()
    assert render_seed(SHOP.model_copy(update={"backend": False, "auth": False})) == {}


def test_required_refs_point_back_and_the_rest_is_left_out():
    assert [e.name for e in creation_order(SHOP)] == ["Customer", "Order", "Coupon"]
    fixtures, script = seeded(SHOP)
    assert list(fixtures) == ["customers", "orders", "coupons"]
    assert [c["tier"] for c in fixtures["customers"]] == ["gold", "silver"]  # a unique enum: as many as its options
    assert [o["express"] for o in fixtures["orders"]] == [True, False, False]
    assert [o["customer"] for o in fixtures["orders"]] == [1, 2, 1]  # fixture numbers of the customers, in turn
    assert all("previous" not in o and "coupon" not in o for o in fixtures["orders"])  # itself / seeded later: left out
    assert [c["percent"] for c in fixtures["coupons"]] == [5] and fixtures["coupons"][0]["firstOrder"] == 1
    assert all(1 <= c["score"] <= 5 for c in fixtures["customers"])
    # the owner goes to the services that take the signed-in user: owned records, and records that point at them
    assert "create: (input) => orderService(data).create(input, owner)," in script
    assert "create: (input) => couponService(data).create(input, owner)," in script
    assert "create: (input) => customerService(data).create(input)," in script
    assert "refs: {\n      customer: customerIds,\n    }," in script and "refs: {\n      firstOrder: orderIds,\n    }," in script
    for name in ("customerIds", "orderIds"):  # each declared before a later step reads it
        assert script.index(f"const {name} = ") < script.index(f": {name},")
    assert "const owner = await seedAccount();" in script and 'const email = "seed@example.com";' in script


def test_without_records_of_users_there_is_no_account():
    data = SHOP.model_dump()
    data["auth"], data["entities"][0]["owned"] = False, False
    spec = AppSpec.model_validate(data)
    _, script = seeded(spec)
    assert "seedAccount" not in script and "owner" not in script and "node:crypto" not in script
    assert "if (data.customers.list({}).total > 0) {" in script


@pytest.mark.parametrize("request_file", CORPUS, ids=[p.stem for p in CORPUS])
def test_every_corpus_request_gets_fixtures_the_backend_can_take(request_file):
    spec = extract_spec(yaml.safe_load(request_file.read_text(encoding="utf-8"))["request"])
    files = render_seed(spec)
    if not spec.backend:
        assert files == {}
        return
    built = buildable(spec, SUPPORTED)
    backend = render_backend(spec)
    fixtures, script = seeded(spec)
    order = creation_order(built)
    assert list(fixtures) == [e.slug for e in order]
    position = {e.name: i for i, e in enumerate(order)}
    for e in order:
        records = fixtures[e.slug]
        assert 1 <= len(records) <= 3
        assert f"backend/src/services/{e.slug}.ts" in backend and f"backend/src/schemas/{e.slug}.ts" in backend
        assert f'import {{ {e.var}Service }} from "../src/services/{e.slug}.js";' in script
        for f in e.fields:
            values = [r.get(f.name) for r in records]
            if f.required and f.type != "refs" and f.ref != e.name:
                assert None not in values, (e.name, f.name)
            if f.unique:
                assert len({json.dumps(v) for v in values}) == len(values), (e.name, f.name)
            if f.type == "enum":
                assert set(values) <= set(f.options)
            if f.type in ("ref", "refs") and f.name in records[0]:
                assert position[f.ref] < position[e.name]
                count = len(fixtures[built.entity(f.ref).slug])
                picks = [v for x in values for v in (x if isinstance(x, list) else [x])]
                assert all(1 <= n <= count for n in picks)
    assert all(len(line) <= 120 for line in script.splitlines() if not line.lstrip().startswith(("*", "/**")))
