"""What the generated app may install: the install scripts that run, and the package.json a model may write.

Install scripts: `npm install --ignore-scripts` runs no package's code; then only the packages on
INSTALL_SCRIPTS (the ones the generator's own templates need built) are rebuilt, and only when
npm has just added or changed them (a prepared node_modules keeps their builds). Every other
package that has an install script is named in the install step's output, not run.

Package review: with a model, each package.json (and any .npmrc) is compared with what the
offline generator writes for the same spec. A dependency it does not write, a dependency taken
from anywhere but the registry (git, a URL, a file, an alias), or a script, override or
workspace it does not write is a finding: verify refuses to run the app until a person approves
those exact files (they are kept by SHA-256) or the run trusts the model (`--trust-model`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

INSTALL_SCRIPTS = frozenset({"better-sqlite3", "esbuild"})
"""Packages of the generated apps whose install scripts run: better-sqlite3 builds its native
module; esbuild checks (and links) its platform binary."""

DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
OTHER_FIELDS = ("overrides", "resolutions", "workspaces", "bundleDependencies", "bundledDependencies", "allowScripts")
PACKAGE_FILES = ("package.json", ".npmrc")
_REGISTRY_RANGE = re.compile(r"^[\w.^~<>=| *+-]*$")
"""A version range npm resolves from the registry (no protocol, path, URL or alias)."""


@dataclass(frozen=True)
class Finding:
    """Something a model-written package file asks for that the generator does not."""

    path: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what}"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def review(on_disk: Mapping[str, str], baseline: Mapping[str, str]) -> list[Finding]:
    """Findings for the package files of an app (relative path -> text; package.json and .npmrc at
    the root and in each package folder) against the offline generator's files for the same spec."""
    found: list[Finding] = []
    for path, text in sorted(on_disk.items()):
        name = Path(path).name
        if name == ".npmrc":
            if baseline.get(path) != text:
                found.append(Finding(path, "an .npmrc the generator does not write (it can change the registry or npm's settings)"))
            continue
        if name != "package.json":
            continue
        try:
            data = json.loads(text)
        except ValueError:
            continue  # npm install says what is wrong with it; nothing it asks for can run
        if not isinstance(data, dict):
            continue
        found += _package_findings(path, data, _json_or_empty(baseline.get(path)))
    return found


def _json_or_empty(text: str | None) -> dict:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _package_findings(path: str, data: dict, base: dict) -> list[Finding]:
    found = []
    known = {name for f in DEPENDENCY_FIELDS for name in (base.get(f) or {})}
    for f in DEPENDENCY_FIELDS:
        deps = data.get(f) or {}
        if not isinstance(deps, dict):
            found.append(Finding(path, f"{f} is not an object"))
            continue
        for name, spec in sorted(deps.items()):
            spec = str(spec)
            if name not in known:
                found.append(Finding(path, f"dependency {name}@{spec} ({f}) is not one the generator uses"))
            elif not _REGISTRY_RANGE.match(spec):
                found.append(Finding(path, f"dependency {name}@{spec} is not taken from the registry"))
    scripts, base_scripts = data.get("scripts") or {}, base.get("scripts") or {}
    if isinstance(scripts, dict):
        for name, command in sorted(scripts.items()):
            if name not in base_scripts:
                found.append(Finding(path, f"script {name!r} is new: {str(command)[:200]}"))
            elif command != base_scripts[name]:
                found.append(Finding(path, f"script {name!r} changed to: {str(command)[:200]}"))
    for f in OTHER_FIELDS:
        if f in data and data[f] != base.get(f):
            found.append(Finding(path, f"{f} differs from the generator's: {json.dumps(data[f])[:200]}"))
    return found


def package_files(app_dir: Path, packages: tuple[str, ...]) -> dict[str, str]:
    """The package files on disk (blocking): relative path -> text."""
    found = {}
    for folder in ("", *packages):
        for name in PACKAGE_FILES:
            rel = f"{folder}/{name}" if folder else name
            try:
                found[rel] = (app_dir / rel).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
    return found


def install_script_packages(node_modules: Path) -> dict[str, str]:
    """npm's record of the installed packages that have install scripts (its hidden lockfile,
    node_modules/.package-lock.json): path -> version. (Only the version: npm writes `integrity`
    into that file on some installs and not on others, and `resolved` not at all with
    omit-lockfile-registry-resolved; a package from elsewhere than the registry is the package
    review's business.)"""
    try:
        data = json.loads((node_modules / ".package-lock.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    packages = data.get("packages") if isinstance(data, dict) else None
    if not isinstance(packages, dict):
        return {}
    return {path: str(meta.get("version")) for path, meta in packages.items() if isinstance(meta, dict) and meta.get("hasInstallScript")}


def package_name(path: str) -> str:
    """node_modules/a/node_modules/@scope/b -> @scope/b."""
    return path.rsplit("node_modules/", 1)[-1]


def to_build(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(allowed packages npm just added or changed, whose install scripts must run now; packages
    with install scripts that are not allowed)."""
    build = sorted({package_name(p) for p, v in after.items() if before.get(p) != v and package_name(p) in INSTALL_SCRIPTS})
    refused = sorted({package_name(p) for p in after if package_name(p) not in INSTALL_SCRIPTS})
    return build, refused
