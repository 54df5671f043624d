"""Installs cleanly: the wheel, built from this checkout and installed into a fresh venv in a
temporary folder outside the checkout, holds only `autodevos` (with its prompts and templates) and
runs there, offline and against the scripted model server.

The wheel is built from a copy of the files git knows (tracked, or new and not ignored), so the
build writes nothing into the checkout. Dependencies come from the package index through pip's
own cache.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from autodevos.domain.spec import AppSpec, Entity, Field

from tests.model_script import ByRole, small_edits
from tests.openai_server import ScriptedOpenAI

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-test-wheel-install-0123456789"
SPEC = AppSpec(name="widget-shop", title="Widget Shop",
               entities=[Entity(name="Widget", fields=[Field(name="label"), Field(name="weight", type="number")])])


def sh(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, args))} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def checkout_copy(dest: Path) -> Path:
    """The checkout's files as git sees them (tracked and new, not ignored), copied to dest."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    for name in filter(None, listed.split("\0")):
        src = ROOT / name
        if src.is_file() and not src.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that would reach back into the checkout or its venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "OPENAI_API_KEY")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """Build the wheel and install it into a fresh venv, all in a temporary folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    assert ROOT not in tmp.parents
    src = checkout_copy(tmp / "src")
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp / "dist", src)
    wheel = next((tmp / "dist").glob("autodevos-*.whl"))
    venv = tmp / "venv"
    sh(sys.executable, "-m", "venv", venv)  # no --system-site-packages: nothing from the checkout's venv
    sh(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel, env=clean_env(), timeout=1500)
    site = Path(sh(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                   env=clean_env()).stdout.strip())
    return {"tmp": tmp, "wheel": wheel, "venv": venv, "site": site, "bin": venv / "bin" / "autodevos"}


@pytest.mark.e2e
@pytest.mark.timeout(2400)
def test_the_wheel_holds_only_autodevos_with_its_prompts_and_templates(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/RECORD"))
    assert {n.split("/")[0] for n in names} == {"autodevos", dist_info}
    prompts = {p.relative_to(ROOT / "prompts").as_posix() for p in (ROOT / "prompts").rglob("*.md")}
    templates = {p.relative_to(ROOT / "agents" / "templates").as_posix() for p in (ROOT / "agents" / "templates").rglob("*") if p.is_file()}
    assert prompts and {f"autodevos/prompts/{p}" for p in prompts} <= set(names)
    assert templates and {f"autodevos/agents/templates/{t}" for t in templates} <= set(names)
    assert not [n for n in names if n.startswith(("autodevos/tests/", "autodevos/bench/", "autodevos/checkpoints/", "autodevos/.venv/"))]

    # installed: what this project put into site-packages is autodevos/ and its dist-info, nothing at the top besides
    record = (installed["site"] / dist_info / "RECORD").read_text().splitlines()
    tops = {line.split(",")[0].split("/")[0] for line in record if not line.startswith("..")}  # ../../bin/autodevos: the script
    assert tops == {"autodevos", dist_info}
    for generic in ("graph", "agents", "main.py", "domain", "prompts"):
        assert not (installed["site"] / generic).exists(), generic
    where = sh(installed["venv"] / "bin" / "python", "-c",
               "import autodevos, importlib.resources as r; print(autodevos.__file__); "
               "print((r.files('autodevos') / 'prompts' / 'backend' / 'system.md').is_file()); "
               "print((r.files('autodevos.agents') / 'templates').is_dir())",
               cwd=installed["tmp"], env=clean_env()).stdout.split()
    assert Path(where[0]).is_relative_to(installed["site"]) and where[1:] == ["True", "True"]


@pytest.mark.e2e
@pytest.mark.timeout(2400)
def test_the_installed_command_runs_offline_outside_the_checkout(installed):
    work = installed["tmp"] / "offline"
    work.mkdir()
    done = sh(installed["bin"], "run", "A todo app with users and tags", "--out", "app", "--db", "db.sqlite", "--no-verify",
              "--json", cwd=work, env=clean_env())
    result = json.loads(done.stdout[done.stdout.index("{"):])
    assert result["status"] == "completed", result["tasks"]
    assert {"backend", "frontend", "devops", "tests", "docs"} <= set(result["tasks"])
    assert (work / "app" / "backend" / "package.json").is_file() and (work / "app" / "frontend" / "src" / "App.tsx").is_file()
    agents = json.loads(sh(installed["bin"], "agents", "--json", cwd=work, env=clean_env()).stdout)
    assert [a["name"] for a in agents["agents"]][:7] == ["backend", "frontend", "devops", "tests", "docs", "code_review", "verify"]


@pytest.mark.e2e
@pytest.mark.timeout(2400)
def test_the_installed_command_runs_against_the_scripted_model_server(installed):
    work = installed["tmp"] / "model"
    work.mkdir()
    script = ByRole(small_edits(SPEC))
    with ScriptedOpenAI([script]) as server:
        done = sh(installed["bin"], "run", "a shop for widgets", "--model", "openai:test-model", "--base-url", server.base_url,
                  "--out", "app", "--db", "db.sqlite", "--no-verify", "--json", "--call-timeout", "10",
                  cwd=work, env=clean_env(OPENAI_API_KEY=KEY))
    result = json.loads(done.stdout[done.stdout.index("{"):])
    assert result["status"] == "completed", result["tasks"]
    assert set(script.asked) == {"planner", "backend", "frontend", "tests", "docs", "devops"}  # every prompt file was found
    app = work / "app"
    assert (app / "backend" / "src" / "about.ts").read_text().startswith("export const ABOUT")
    assert (app / "docs" / "MODEL.md").is_file()
    assert (app / "backend" / "src" / "routes" / "widgets.ts").is_file()  # the baseline, from the installed templates
