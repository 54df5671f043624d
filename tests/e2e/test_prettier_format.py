"""The generated code is Prettier-formatted as written: `prettier --check` passes on apps rendered from
specs with long names, long enums, long sample values, every field type, refs (required, optional) and
each of auth / API only / web only. The offline generator lays out the spec-dependent lines itself
(agents/tsformat.py); this is the check that it lays them out as Prettier does.

Needs npm (Prettier is installed once, into a temporary folder, at the version the apps ask for).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from autodevos.agents.render import render_app
from autodevos.domain.spec import AppSpec

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("npm") is None, reason="needs node and npm on PATH"),
]

LONG = AppSpec(
    name="stress-app",
    title='Stress "App" with a rather long title, to push the lines of the generated code',
    description="Customer accounts, their attachments and tags.",
    auth=True,
    entities=[
        {"name": "CustomerAccount", "fields": [
            {"name": "fullLegalName"}, {"name": "preferredContactEmail", "type": "email"},
            {"name": "isVerifiedCustomer", "type": "boolean"}, {"name": "dateOfBirth", "type": "date", "required": False},
            {"name": "loyaltyPointsBalance", "type": "integer"},
            {"name": "accountStatus", "type": "enum", "options": [
                "active", "suspended", "closed by customer", "pending verification", "under investigation",
                "waiting for the compliance team"]}]},
        {"name": "OrderItemAttachment", "fields": [
            {"name": "attachmentFileName"}, {"name": "description", "type": "text", "required": False},
            {"name": "sizeInKilobytes", "type": "number"},
            {"name": "uploadedAtTimestamp", "type": "datetime", "required": False},
            {"name": "owningCustomerAccount", "type": "ref", "ref": "CustomerAccount"},
            {"name": "reviewerAccount", "type": "ref", "ref": "CustomerAccount", "required": False},
            {"name": "isArchived", "type": "boolean", "required": False},
            {"name": "priority", "type": "enum", "options": ["low", "high"], "required": False}]},
        {"name": "Tag"},
    ],
)

SPECS = {
    "long-names": LONG,
    "long-names-no-auth": LONG.model_copy(update={"auth": False}),
    "api-only": AppSpec(name="books-api", title="Books API", frontend=False, entities=[
        {"name": "Author", "fields": [{"name": "name"}, {"name": "born", "type": "date", "required": False}]},
        {"name": "Book", "fields": [
            {"name": "title"}, {"name": "year", "type": "integer"}, {"name": "price", "type": "number", "required": False},
            {"name": "author", "type": "ref", "ref": "Author"},
            {"name": "genre", "type": "enum", "options": ["fiction", "non fiction", "poetry"]}]}]),
    "web-only": AppSpec(name="recipes", title="Recipe box", backend=False, entities=[
        {"name": "Recipe", "fields": [
            {"name": "title"}, {"name": "servings", "type": "integer"}, {"name": "vegetarian", "type": "boolean"},
            {"name": "author", "type": "ref", "ref": "Cook", "required": False}]},
        {"name": "Cook", "fields": [{"name": "name"}, {"name": "email", "type": "email", "required": False}]}]),
    "one-field": AppSpec(name="notes", title="Notes", entities=[{"name": "Note"}]),
}


@pytest.fixture(scope="module")
def prettier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    version = json.loads(render_app(SPECS["one-field"])["backend/package.json"])["devDependencies"]["prettier"]
    folder = tmp_path_factory.mktemp("prettier")
    (folder / "package.json").write_text('{"private": true}\n')
    proc = subprocess.run(["npm", "install", "--prefer-offline", "--no-audit", "--no-fund", f"prettier@{version}"],
                          cwd=folder, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.skip(f"cannot install prettier: {proc.stderr[-500:]}")
    return folder / "node_modules" / ".bin" / "prettier"


@pytest.mark.parametrize("name", list(SPECS))
def test_generated_code_passes_prettier_check(name: str, prettier: Path, tmp_path: Path) -> None:
    spec = SPECS[name]
    for rel, text in render_app(spec).items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for side in ("backend", "frontend"):
        if not (tmp_path / side).is_dir():
            continue
        # as `npm run format:check` runs it in the package: its .prettierrc.json and .prettierignore
        proc = subprocess.run([str(prettier), "--check", "."], cwd=tmp_path / side, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, f"{side}: {proc.stdout}{proc.stderr}"
        assert "All matched files use Prettier code style!" in proc.stdout


def test_every_corpus_request_renders_prettier_formatted_code(prettier: Path, tmp_path: Path) -> None:
    """The apps of the 128 requests of tests/data/requests (the extractor's specs: roles, ownership,
    constraints, relations, long names), all in one tree, one `prettier --check` per side."""
    import yaml
    from autodevos.agents.extract import extract_spec

    corpus = sorted((Path(__file__).parents[1] / "data" / "requests").glob("*/*.yaml"))
    assert len(corpus) >= 100
    for request_file in corpus:
        spec = extract_spec(yaml.safe_load(request_file.read_text(encoding="utf-8"))["request"])
        for rel, text in render_app(spec).items():
            side, _, rest = rel.partition("/")
            if side in ("backend", "frontend") and not rest.startswith("drizzle/"):
                path = tmp_path / side / request_file.stem / rest
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    for side in ("backend", "frontend"):
        config = render_app(SPECS["one-field"])[f"{side}/.prettierrc.json"]
        (tmp_path / side / ".prettierrc.json").write_text(config, encoding="utf-8")
        proc = subprocess.run([str(prettier), "--check", "."], cwd=tmp_path / side, capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, f"{side}: {proc.stdout[-4000:]}{proc.stderr[-4000:]}"
