"""A corpus of bad inputs: each exits non-zero with a one-line message and no traceback, writes
nothing outside the output folder, and leaves an earlier run's data as it was."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from autodevos.main import app
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()

SPEC_OK = "name: shop\ntitle: Shop\nentities:\n  - name: Product\n    fields:\n      - {name: title}\n"
SPECS = {
    "wrong-type": "name: x\ntitle: X\nentities:\n  - name: Task\n    fields:\n      - {name: title, type: colour}\n",
    "unknown-field": SPEC_OK + "colour: blue\n",
    "duplicate-entities": "name: x\ntitle: X\nentities:\n  - {name: Task}\n  - {name: task}\n",
    "entity-constructor": "name: x\ntitle: X\nentities:\n  - {name: constructor}\n",
    "field-proto": "name: x\ntitle: X\nentities:\n  - name: Task\n    fields:\n      - {name: __proto__}\n",
    "colliding-names": "name: x\ntitle: X\nentities:\n  - {name: OrderItem}\n  - {name: order_item}\n",
    "ref-cycle": ("name: x\ntitle: X\nentities:\n  - name: Hen\n    fields: [{name: egg, type: ref, ref: Egg}]\n"
                  "  - name: Egg\n    fields: [{name: hen, type: ref, ref: Hen}]\n"),
    "unknown-ref": "name: x\ntitle: X\nentities:\n  - name: Task\n    fields: [{name: owner, type: ref, ref: Person}]\n",
    "no-entities": "name: x\ntitle: X\nentities: []\n",
    "enum-without-options": "name: x\ntitle: X\nentities:\n  - name: Task\n    fields: [{name: state, type: enum}]\n",
    "a-list": "- just\n- a list\n",
    "bad-yaml": "name: [unclosed\n",
    "field-id": "name: x\ntitle: X\nentities:\n  - name: Task\n    fields: [{name: id}]\n",
    "auth-without-backend": SPEC_OK + "auth: true\nbackend: false\n",
    "empty-name": "name: '!!!'\ntitle: X\nentities:\n  - {name: Task}\n",
}


@pytest.fixture(scope="module")
def earlier(tmp_path_factory):
    base = tmp_path_factory.mktemp("bad")
    db = base / "db.sqlite"
    r = runner.invoke(app, ["run", "a todo app with tags", "--out", str(base / "good"), "--db", str(db), "--no-verify",
                            "--thread", "good", "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    files = {str(p.relative_to(base / "good")): p.read_bytes() for p in (base / "good").rglob("*") if p.is_file()}
    return base, db, files


def cases(base: Path, db: Path) -> list[tuple[str, list[str], str]]:
    (base / "a-file.txt").write_text("x")
    (base / "full").mkdir(exist_ok=True)
    (base / "full" / "mine.txt").write_text("keep")
    corrupt = base / "corrupt.sqlite"
    corrupt.write_bytes(b"SQLite format 3\x00" + os.urandom(4000))
    out = ["--out", str(base / "o"), "--db", str(db), "--no-verify"]
    spec_files = {}
    for name, text in SPECS.items():
        spec_files[name] = base / f"{name}.yaml"
        spec_files[name].write_text(text)
    (base / "binary.yaml").write_bytes(b"\xff\xfe\x00\x01garbage\x80")
    configs = {"unknown": "model: offline\ncolour: blue\n", "negative": "max_cost: -1\n", "broken": "models: [unclosed\n"}
    for name, text in list(configs.items()):
        configs[name] = base / f"config-{name}.yaml"
        configs[name].write_text(text)
    rows = [
        ("empty", ["run", "", *out], "request is empty"),
        ("whitespace", ["run", "   \t ", *out], "request is empty"),
        ("newlines", ["run", "\n\n", *out], "request is empty"),
        ("1 MB request", ["run", "a todo app " * 100_000, *out], "characters long"),
        ("NUL byte", ["run", "a todo\x00 app", *out], "NUL"),
        ("unknown provider", ["run", "a todo app", "--model", "magic:x", *out], "unknown model provider"),
        ("provider without model", ["run", "a todo app", "--model", "openai", *out], "names no model"),
        ("out is a file", ["run", "a todo app", "--out", str(base / "a-file.txt"), "--db", str(db)], "is a file"),
        ("out under a file", ["run", "a todo app", "--out", str(base / "a-file.txt" / "app"), "--db", str(db)], "cannot create --out"),
        ("out not empty", ["run", "a todo app", "--out", str(base / "full"), "--db", str(db)], "--force"),
        ("db is a folder", ["run", "a todo app", "--out", str(base / "o"), "--db", str(base)], "is a folder"),
        ("corrupt db run", ["run", "a todo app", "--out", str(base / "o"), "--db", str(corrupt)], "not a usable SQLite database"),
        ("corrupt db status", ["status", "--db", str(corrupt)], "not a usable SQLite database"),
        ("spec missing", ["run", "--spec", str(base / "nope.yaml"), *out], "is not a file"),
        ("spec is a folder", ["run", "--spec", str(base), *out], "is not a file"),
        ("spec binary", ["run", "--spec", str(base / "binary.yaml"), *out], "--spec"),
        *[(f"spec {name}", ["run", "--spec", str(path), *out], "--spec") for name, path in spec_files.items()],
        ("status unknown thread", ["status", "nope", "--db", str(db)], "no run with thread id 'nope'"),
        ("resume unknown thread", ["resume", "nope", "--db", str(db)], "no run with thread id 'nope'"),
        ("history unknown thread", ["history", "nope", "--db", str(db)], "no run with thread id 'nope'"),
        ("approve bad decision", ["approve", "good", "--decision", "maybe", "--db", str(db)], "use approve"),
        ("approve nothing waits", ["approve", "good", "--decision", "approve", "--db", str(db)], "not waiting"),
        ("fork unknown checkpoint", ["fork", "good", "--at", "zzz", "--out", str(base / "o2"), "--db", str(db)], "no checkpoint"),
        ("status missing db", ["status", "--db", str(base / "missing.sqlite")], "no run database"),
        ("bad approval mode", ["run", "a todo app", "--approve", "always", *out], "--approve"),
        ("config missing", ["run", "a todo app", "--config", str(base / "nope.yaml"), *out], "--config"),
        ("config unknown key", ["run", "a todo app", "--config", str(configs["unknown"]), *out], "--config"),
        ("config negative budget", ["run", "a todo app", "--config", str(configs["negative"]), *out], "--config"),
        ("config not yaml", ["run", "a todo app", "--config", str(configs["broken"]), *out], "--config"),
        ("agent model without =", ["run", "a todo app", "--agent-model", "backend", *out], "ROLE=MODEL"),
        ("agent model unknown role", ["run", "a todo app", "--agent-model", "designer=openai:x", *out], "no agent role"),
        ("agent model unknown provider", ["run", "a todo app", "--agent-model", "backend=magic:x", *out], "unknown model provider"),
        ("improve a folder not generated", ["improve", str(base / "full"), "add a field x to task", "--db", str(db)], "was not generated"),
        ("improve with nothing to do", ["improve", str(base / "good"), "make it prettier", "--db", str(db)], "leaves the app as it is"),
        ("improve a file", ["improve", str(base / "a-file.txt"), "add a field x to tag", "--db", str(db)], "is not a folder"),
        ("cost budget without a price", ["run", "a todo app", "--model", "openai:my-local-model", "--base-url",
                                         "http://127.0.0.1:9/v1", "--max-cost", "1", *out], "--max-cost needs the price"),
        ("replay unknown thread", ["replay", "nope", "--out", str(base / "o"), "--db", str(db)], "no run with thread id 'nope'"),
    ]
    return rows


def test_bad_inputs(earlier):
    base, db, good_files = earlier
    rows = cases(base, db)
    assert len(rows) >= 30
    before = {p for p in base.rglob("*")}
    for name, args, fragment in rows:
        r = runner.invoke(app, args)
        text = r.output.strip()
        assert r.exit_code not in (0, None), f"{name}: exit {r.exit_code}"
        assert r.exception is None or isinstance(r.exception, SystemExit), f"{name}: {r.exception!r}"
        assert "Traceback" not in text, f"{name}: {text}"
        assert fragment in text, f"{name}: {text!r}"
        assert len([ln for ln in text.splitlines() if ln.strip()]) == 1, f"{name}: {text!r}"
    created = {p for p in base.rglob("*")} - before
    assert all(p == base / "o" or base / "o" in p.parents for p in created), sorted(map(str, created))
    # the earlier run is as it was
    status = runner.invoke(app, ["status", "good", "--db", str(db), "--json"])
    assert json.loads(status.output)["status"] == "completed"
    now = {str(p.relative_to(base / "good")): p.read_bytes() for p in (base / "good").rglob("*") if p.is_file()}
    assert now == good_files


def test_invalid_utf8_in_argv(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "run", b"a todo \xff\xfe app", "--out", str(tmp_path / "o"),
                           "--db", str(tmp_path / "db.sqlite")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "not valid UTF-8" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_full_disk_fails_the_task_clearly_and_keeps_earlier_files(tmp_path, monkeypatch):
    import autodevos.agents.files as files

    db, out = str(tmp_path / "db.sqlite"), tmp_path / "app"
    assert runner.invoke(app, ["run", "a todo app", "--out", str(out), "--db", db, "--no-verify"]).exit_code == 0
    before = {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def full(target, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_atomic_write", full)
    r = runner.invoke(app, ["run", "a todo app with tags and notes", "--out", str(tmp_path / "app2"), "--db", db,
                            "--no-verify", "--retries", "0", "--json"])
    assert r.exit_code == 1
    data = json.loads(r.output[r.output.index("{"):])
    assert "No space left on device" in data["tasks"]["backend"]["error"]
    assert {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
