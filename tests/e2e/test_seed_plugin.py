"""The example plugin (examples/seed-agent), installed with AutoDevOS into a fresh venv in a temporary
folder (no --system-site-packages, nothing from the checkout's venv), next to a plugin that fails
to load: the seed agent is listed by `autodevos agents`, drawn in the graph (mermaid), planned after
the backend, writes its files into the app, is asked through its own prompts by a model, and its
seed script loads its fixtures into a generated backend's database through the app's own services.
The broken plugin is one line, every time, and everything else runs.

The shared .venv is never touched: the built-in agent list other tests pin stays as it is.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.e2e.test_prettier_format import SPECS, prettier  # noqa: F401 (prettier: a fixture)
from tests.e2e.test_wheel_install import ROOT, checkout_copy, clean_env, sh
from tests.model_script import ByRole, files_answer
from tests.openai_server import ScriptedOpenAI

BROKEN = {
    "pyproject.toml": '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
                      '[project]\nname = "broken-agent"\nversion = "0.0.1"\n\n'
                      '[project.entry-points."autodevos.agents"]\nbroken = "broken_agent:AGENT"\n\n'
                      '[tool.setuptools]\npy-modules = ["broken_agent"]\n',
    "broken_agent.py": 'raise RuntimeError("the broken agent cannot start")\n',
}

STUDIO = {  # login, records private to their owner, required, optional and many-to-many refs, bounds, unique fields
    "name": "studio", "title": "Studio", "auth": True, "frontend": False,
    "entities": [
        {"name": "Project", "owned": True, "fields": [
            {"name": "title", "max_length": 40, "unique": True}, {"name": "budget", "type": "number", "min": 100, "max": 500},
            {"name": "stage", "type": "enum", "options": ["draft", "live"]},
            {"name": "parent", "type": "ref", "ref": "Project", "required": False}]},
        {"name": "Task", "fields": [
            {"name": "summary", "min_length": 3}, {"name": "project", "type": "ref", "ref": "Project"},
            {"name": "due", "type": "date", "required": False}, {"name": "done", "type": "boolean"},
            {"name": "contact", "type": "email", "unique": True}, {"name": "labels", "type": "refs", "ref": "Label"}]},
        {"name": "Label", "fields": [{"name": "name", "unique": True}]},
    ],
}


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> dict[str, Path]:
    """AutoDevOS, the seed plugin and a broken plugin, built from the checkout and installed into a fresh venv."""
    tmp = tmp_path_factory.mktemp("plugin")
    assert ROOT not in tmp.parents
    src = checkout_copy(tmp / "src")
    broken = tmp / "broken"
    broken.mkdir()
    for name, text in BROKEN.items():
        (broken / name).write_text(text)
    dist = tmp / "dist"
    for project in (src, src / "examples" / "seed-agent", broken):
        sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, project)
    env = tmp / "venv"
    sh(sys.executable, "-m", "venv", env)
    sh(env / "bin" / "python", "-m", "pip", "install", "-q", *sorted(dist.glob("*.whl")), env=clean_env(), timeout=1500)
    return {"tmp": tmp, "venv": env, "bin": env / "bin" / "autodevos", "python": env / "bin" / "python"}


def autodevos(venv, *args: str, cwd: Path, ok: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([str(venv["bin"]), *args], cwd=cwd, env=env or clean_env(), capture_output=True, text=True, timeout=1800)
    if ok:
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done


def one_broken_line(stderr: str) -> None:
    """The broken plugin is one warning line naming it; nothing else is said about it."""
    lines = [ln for ln in stderr.splitlines() if "broken" in ln]
    assert lines == ["warning: plugin agent 'broken' (broken_agent:AGENT) failed to load: RuntimeError: the broken agent "
                     "cannot start"], stderr
    assert "Traceback" not in stderr


def as_json(done: subprocess.CompletedProcess):
    return json.loads(done.stdout[done.stdout.index("{"):])


@pytest.mark.e2e
@pytest.mark.timeout(2400)
def test_the_plugin_is_listed_and_drawn_and_a_broken_one_is_one_line(venv):
    done = autodevos(venv, "agents", "--json", cwd=venv["tmp"])
    data = as_json(done)
    rows = {r["name"]: r for r in data["agents"]}
    assert list(rows) == ["backend", "frontend", "devops", "tests", "docs", "code_review", "verify", "seed"]
    seed = rows["seed"]
    assert seed["origin"] == "autodevos-seed-agent 0.1.0" and seed["plan"] == "after backend, when the spec has backend"
    assert seed["model_role"] and seed["renders"] and seed["prompts"].endswith(os.path.join("autodevos_seed", "prompts"))
    assert data["problems"] == ["plugin agent 'broken' (broken_agent:AGENT) failed to load: RuntimeError: the broken agent cannot start"]
    one_broken_line(done.stderr)
    table = autodevos(venv, "agents", cwd=venv["tmp"], env=clean_env(COLUMNS="200"))
    assert "seed" in table.stdout and "autodevos-seed-agent" in table.stdout
    one_broken_line(table.stderr)

    drawn = sh(venv["python"], "-c", "from autodevos.graph.session import compile_graph; "
               "print(compile_graph().get_graph().draw_mermaid())", cwd=venv["tmp"], env=clean_env()).stdout
    lines = {ln.strip() for ln in drawn.splitlines()}
    assert {"seed(seed)", "approve_plan -.-> seed;", "approve_task -.-> seed;", "review -.-> seed;", "seed --> review;"} <= lines
    assert {"backend(backend)", "backend --> review;"} <= lines  # the same edges as a built-in agent's


@pytest.mark.e2e
@pytest.mark.timeout(2400)
def test_a_run_plans_the_seed_agent_and_its_script_seeds_the_generated_backend(venv, sandbox):
    work = venv["tmp"] / "library"
    work.mkdir()
    done = autodevos(venv, "run", "A library API with authors and books; a book has a title and an author. API only",
                     "--out", "app", "--db", "db.sqlite", "--no-browser", "--json", cwd=work)
    one_broken_line(done.stderr)
    result = as_json(done)
    assert result["status"] == "completed", result["tasks"]
    tasks = {t["id"]: t for t in result["plan"]["tasks"]}
    assert tasks["seed"]["agent"] == "seed" and tasks["seed"]["depends_on"] == ["backend"]
    assert result["tasks"]["seed"]["status"] == "completed" and result["tasks"]["verify"]["status"] == "completed"
    assert result["tasks"]["seed"]["started"] >= result["tasks"]["backend"]["finished"]
    steps = {(s["package"], s["step"]): s["ok"] for s in result["tasks"]["verify"]["report"]}
    assert steps[("backend", "format:check")] and steps[("backend", "lint")]  # the seed files pass the app's own checks
    app = work / "app"
    seed_dir = app / "backend" / "seed"
    assert sorted(p.name for p in seed_dir.iterdir()) == ["authors.json", "books.json", "seed.ts"]
    assert set(result["tasks"]["seed"]["files"]) == {f"backend/seed/{n}" for n in ("authors.json", "books.json", "seed.ts")}

    typecheck(app / "backend")
    seeded = seed(app / "backend")
    assert seeded.startswith('Seeded {"authors":3,"books":3} into data/app.db'), seeded
    db = sqlite3.connect(app / "backend" / "data" / "app.db")
    ref = fk_column(db, "books", "authors")  # the column of the book's author (its name is the extractor's)
    books = db.execute(f"SELECT b.title, a.name FROM books b JOIN authors a ON a.id = b.{ref} ORDER BY b.id").fetchall()
    assert books == [("Book title 1", "Author name 1"), ("Book title 2", "Author name 2"), ("Book title 3", "Author name 3")]
    assert seed(app / "backend").startswith("The database already holds authors: nothing seeded.")  # never twice
    assert db.execute("SELECT count(*) FROM books").fetchone() == (3,)

    # the project and its runs list the plugin's task like the others
    status = as_json(autodevos(venv, "status", result["thread_id"], "--db", "db.sqlite", "--json", cwd=work))
    assert status["tasks"]["seed"]["status"] == "completed"


@pytest.mark.e2e
@pytest.mark.timeout(2400)
def test_the_seed_script_with_login_and_private_records(venv, sandbox):
    work = venv["tmp"] / "studio"
    work.mkdir()
    (work / "studio.yaml").write_text(yaml.safe_dump(STUDIO))
    done = autodevos(venv, "run", "--spec", "studio.yaml", "--out", "app", "--db", "db.sqlite", "--no-browser", "--json", cwd=work)
    result = as_json(done)
    assert result["status"] == "completed", result["tasks"]
    backend = work / "app" / "backend"
    typecheck(backend)
    out = seed(backend, SEED_PASSWORD="a-seed-password-123")
    assert out.startswith('Seeded {"projects":3,"labels":3,"tasks":3} into data/app.db'), out  # labels before the tasks that list them
    db = sqlite3.connect(backend / "data" / "app.db")
    (owner,) = db.execute("SELECT id FROM users WHERE email = 'seed@example.com'").fetchone()
    assert db.execute("SELECT count(*) FROM projects WHERE owner_id = ?", (owner,)).fetchone() == (3,)
    ref = fk_column(db, "tasks", "projects")
    assert db.execute(f"SELECT count(*) FROM tasks t JOIN projects p ON p.id = t.{ref} WHERE p.owner_id = ?", (owner,)).fetchone() == (3,)
    links = next(t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                 if {"tasks", "labels"} <= {row[2] for row in db.execute(f"PRAGMA foreign_key_list({t})")})
    assert db.execute(f"SELECT count(*) FROM {links}").fetchone() == (3,)  # each task linked to a seeded label
    assert seed(backend).startswith("The database already holds projects: nothing seeded.")


@pytest.mark.e2e
@pytest.mark.timeout(2400)
def test_a_model_writes_the_seed_files_through_the_plugins_prompts(venv):
    work = venv["tmp"] / "model"
    work.mkdir()
    note = "# Seed data\n\nWritten by the seed agent's model.\n"
    script = ByRole({"seed": [files_answer({"backend/seed/NOTES.md": note})]})
    with ScriptedOpenAI([script]) as server:
        done = autodevos(venv, "run", "A library API with authors and books, API only", "--out", "app", "--db", "db.sqlite",
                         "--no-verify", "--json", "--agent-model", f"seed=openai:test-model@{server.base_url}",
                         "--call-timeout", "10", cwd=work, env=clean_env(OPENAI_API_KEY="sk-test-seed-plugin"))
    result = as_json(done)
    assert result["status"] == "completed", result["tasks"]
    assert dict(script.asked) == {"seed": 1}  # only the seed agent asks, through its own prompts ("You are the seed agent")
    system = server.requests[0]["messages"][0]["content"]
    assert system.startswith("You are the seed agent of AutoDevOS") and "backend/seed/" in system
    assert result["written_by"]["seed"]["outcome"] == "model"
    assert (work / "app" / "backend" / "seed" / "NOTES.md").read_text() == note
    assert (work / "app" / "backend" / "seed" / "seed.ts").is_file()  # the baseline stays


@pytest.mark.e2e
def test_the_seed_files_are_prettier_formatted(prettier: Path, tmp_path: Path) -> None:  # noqa: F811 (the fixture)
    """The seed files of the prettier test's specs (long names, every field type, refs) and of the 128
    corpus requests, in one tree, pass `prettier --check` with the backend's own config."""
    sys.path.insert(0, str(ROOT / "examples" / "seed-agent"))
    from autodevos.agents.extract import extract_spec
    from autodevos.agents.render import render_backend
    from autodevos_seed import render_seed

    corpus = sorted((ROOT / "tests" / "data" / "requests").glob("*/*.yaml"))
    specs = {**SPECS, **{p.stem: extract_spec(yaml.safe_load(p.read_text(encoding="utf-8"))["request"]) for p in corpus}}
    written = 0
    for name, spec in specs.items():
        for rel, text in render_seed(spec).items():
            path = tmp_path / name / rel.removeprefix("backend/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written += 1
    assert written > 300
    (tmp_path / ".prettierrc.json").write_text(render_backend(SPECS["one-field"])["backend/.prettierrc.json"])
    proc = subprocess.run([str(prettier), "--check", "."], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{proc.stdout[-4000:]}{proc.stderr[-4000:]}"


def typecheck(backend: Path) -> None:
    """The seed script type-checks with the app's own settings (tsconfig.json leaves seed/ out, so it is added here)."""
    (backend / "tsconfig.seed.json").write_text('{"extends": "./tsconfig.json", "include": ["src", "seed"]}\n')
    try:
        done = subprocess.run(["npx", "--no-install", "tsc", "--noEmit", "-p", "tsconfig.seed.json"], cwd=backend,
                              capture_output=True, text=True, timeout=300, env=clean_env())
    finally:
        (backend / "tsconfig.seed.json").unlink()
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"


def fk_column(db: sqlite3.Connection, table: str, target: str) -> str:
    """The column of `table` that references `target`."""
    return next(row[3] for row in db.execute(f"PRAGMA foreign_key_list({table})") if row[2] == target)


def seed(backend: Path, **env: str) -> str:
    """`npx tsx seed/seed.ts` in a generated backend (its packages installed by verify); its output."""
    done = subprocess.run(["npx", "--no-install", "tsx", "seed/seed.ts"], cwd=backend, capture_output=True, text=True,
                          timeout=300, env={**clean_env(), **env})
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    return done.stdout
