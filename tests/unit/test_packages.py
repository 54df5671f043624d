"""The package review (what a model-written package.json may ask for) and the install-script allow-list."""

from __future__ import annotations

import json

from autodevos.agents import packages
from autodevos.agents.codegen import package_review
from autodevos.agents.render import render_backend
from autodevos.domain.spec import AppSpec, Entity

SPEC = AppSpec(name="notes", title="Notes", frontend=False, entities=[Entity(name="Note")])
BASE = render_backend(SPEC)["backend/package.json"]


def edited(**change) -> str:
    data = json.loads(BASE)
    for key, value in change.items():
        data[key] = {**(data.get(key) or {}), **value} if isinstance(value, dict) else value
    return json.dumps(data, indent=2)


def found(text: str, path: str = "backend/package.json") -> list[str]:
    return [f.what for f in packages.review({path: text}, {"backend/package.json": BASE})]


def test_the_generators_own_files_pass():
    assert found(BASE) == []


def test_a_new_dependency_a_new_or_changed_script_and_non_registry_sources_are_findings():
    assert found(edited(dependencies={"left-pad": "^1.3.0"})) == ["dependency left-pad@^1.3.0 (dependencies) is not one the generator uses"]
    assert found(edited(scripts={"postinstall": "node steal.js"})) == ["script 'postinstall' is new: node steal.js"]
    assert found(edited(scripts={"test": "vitest run && curl x"})) == ["script 'test' changed to: vitest run && curl x"]
    assert found(edited(dependencies={"express": "github:someone/express"})) == [
        "dependency express@github:someone/express is not taken from the registry"]
    assert found(edited(dependencies={"express": "npm:evil@1"})) == ["dependency express@npm:evil@1 is not taken from the registry"]
    assert found(edited(overrides={"zod": "1.0.0"}))[0].startswith("overrides differs")
    assert found(edited(allowScripts={"evil": True}))[0].startswith("allowScripts differs")


def test_a_range_change_of_a_known_dependency_is_not_a_finding():
    assert found(edited(dependencies={"express": "^5.9.0", "zod": ">=4 <5"})) == []


def test_an_npmrc_the_generator_does_not_write_is_a_finding():
    assert found("registry=http://elsewhere/\n", "backend/.npmrc")[0].startswith("an .npmrc")


def test_package_review_refuses_with_the_files_a_person_may_approve_and_stops_once_approved(tmp_path):
    (tmp_path / "backend").mkdir()
    text = edited(dependencies={"left-pad": "^1.3.0"})
    (tmp_path / "backend" / "package.json").write_text(text)
    step = package_review(SPEC, tmp_path)
    assert step is not None and not step.ok and step.step == "packages" and step.package == "backend"
    assert "left-pad@^1.3.0" in step.output and "--trust-model" in step.output
    assert step.trust == {"backend/package.json": packages.digest(text)}
    assert package_review(SPEC, tmp_path, trusted=(packages.digest(text),)) is None
    (tmp_path / "backend" / "package.json").write_text(BASE)
    assert package_review(SPEC, tmp_path) is None


def test_the_allow_list_is_the_generators_allow_scripts():
    assert {k for k, v in json.loads(BASE)["allowScripts"].items() if v} == packages.INSTALL_SCRIPTS


def test_only_allowed_packages_npm_just_added_or_changed_are_built(tmp_path):
    lock = {"packages": {"": {}, "node_modules/better-sqlite3": {"version": "12.1.0", "hasInstallScript": True},
                         "node_modules/vite/node_modules/esbuild": {"version": "0.25.0", "hasInstallScript": True},
                         "node_modules/sneaky": {"version": "1.0.0", "hasInstallScript": True},
                         "node_modules/express": {"version": "5.0.0"}}}
    (tmp_path / ".package-lock.json").write_text(json.dumps(lock))
    after = packages.install_script_packages(tmp_path)
    assert set(after) == {"node_modules/better-sqlite3", "node_modules/vite/node_modules/esbuild", "node_modules/sneaky"}
    assert packages.to_build({}, after) == (["better-sqlite3", "esbuild"], ["sneaky"])
    same = dict(after)
    assert packages.to_build(same, after) == ([], ["sneaky"])  # a prepared node_modules keeps its builds
    older = {**after, "node_modules/better-sqlite3": "12.0.0"}
    assert packages.to_build(older, after) == (["better-sqlite3"], ["sneaky"])


def test_a_package_npm_only_re_recorded_is_not_built_again(tmp_path):
    """npm writes `integrity` into its hidden lockfile on some installs and not on others: a
    prepared copy's better-sqlite3 must not be compiled again for that (seen: 140 s per app)."""
    entry = {"version": "12.11.1", "hasInstallScript": True}
    (tmp_path / ".package-lock.json").write_text(json.dumps({"packages": {"node_modules/better-sqlite3": entry}}))
    before = packages.install_script_packages(tmp_path)
    entry["integrity"] = "sha512-abc"
    (tmp_path / ".package-lock.json").write_text(json.dumps({"packages": {"node_modules/better-sqlite3": entry}}))
    assert packages.to_build(before, packages.install_script_packages(tmp_path)) == ([], [])
