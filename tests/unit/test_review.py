"""The code review's pure parts: the routes check, the fates of findings over the passes, reading the
analyzers' reports, checking the model's answer, and REVIEW.md."""

from __future__ import annotations

import json

import pytest
from autodevos.agents import registry
from autodevos.agents.answers import AnswerError
from autodevos.agents.review.findings import Finding, Rounds, decide_fates, feedback_for
from autodevos.agents.review.model import ModelFinding, ReviewAnswer, check_answer, task_diff
from autodevos.agents.review.report import review_markdown
from autodevos.agents.review.routes import check_routes, normal, read_routes
from autodevos.agents.review.tools import code_files, duplication_findings, eslint_findings
from autodevos.domain.dag import Task
from autodevos.domain.spec import AppSpec, Entity, Field

SPEC = AppSpec(name="lib", title="Library", auth=True,
               entities=[Entity(name="Book", fields=[Field(name="title")]), Entity(name="Member", fields=[Field(name="name")])])
BACKEND = registry.get("backend").render(SPEC)
DOCS = registry.get("docs").render(SPEC)


def routes_of(files):
    return {r.said() for r in read_routes({p: t for p, t in files.items() if p.startswith("backend/src/")})}


def test_the_routes_the_generator_writes_are_read_from_its_source():
    found = routes_of(BACKEND)
    assert {"GET /health", "GET /metrics", "POST /api/auth/register", "POST /api/auth/login", "GET /api/auth/me",
            "GET /api/books", "POST /api/books", "GET /api/books/:id", "PUT /api/books/:id", "PATCH /api/books/:id",
            "DELETE /api/books/:id", "GET /api/members"} <= found
    assert check_routes(SPEC, BACKEND, BACKEND, DOCS["docs/openapi.json"]) == []  # the baseline agrees with itself and its docs
    assert normal("/api/books/:bookId/") == normal("/api/books/{id}") == "/api/books/:"


def test_a_route_the_spec_does_not_have_an_entity_without_its_route_and_a_missing_route():
    files = dict(BACKEND)
    files["backend/src/app.ts"] = files["backend/src/app.ts"].replace(
        "  app.use(notFoundHandler);", '  app.use("/api/debug", debugRouter());\n  app.use(notFoundHandler);')
    files["backend/src/routes/debug.ts"] = ('import express from "express";\nexport function debugRouter() {\n'
                                            '  const router = express.Router();\n  router.post("/run", (_q, s) => s.json({}));\n'
                                            '  return router;\n}\n')
    files["backend/src/routes/books.ts"] = files["backend/src/routes/books.ts"].replace(
        "    .delete(guard, controller.remove)\n", "").replace('router\n    .route("/")', 'router.get("/export", guard, controller.list);\n  router\n    .route("/")')
    app_ts = files["backend/src/app.ts"]
    files["backend/src/app.ts"] = "\n".join(line for line in app_ts.splitlines() if '"/api/members"' not in line)
    found = {(f.rule, f.severity): f for f in check_routes(SPEC, files, BACKEND)}
    stray = found[("route-not-in-spec", "blocking")]
    assert stray.file == "backend/src/app.ts" and "/api/debug" in stray.message and "POST /api/debug/run" in stray.message
    assert "Member" in found[("entity-without-route", "blocking")].message
    assert "DELETE /api/books/:id" in found[("route-missing", "blocking")].message
    extra = [f for f in check_routes(SPEC, files, BACKEND) if f.rule == "route-not-in-spec" and "export" in f.message]
    assert extra and extra[0].file == "backend/src/routes/books.ts" and extra[0].line > 0
    openapi = check_routes(SPEC, files, BACKEND, DOCS["docs/openapi.json"])
    assert any(f.rule == "documented-not-served" and f.severity == "warning" for f in openapi)


def test_route_like_calls_that_are_not_routes_are_not_read():
    text = ('import express from "express";\nexport function x(req: express.Request) {\n  const h = req.get("/api/nope");\n'
            '  // router.get("/api/comment", f);\n  return h;\n}\n')
    assert read_routes({"backend/src/x.ts": text}) == []


def finding(rule="no-eval", severity="blocking", owner="backend", file="backend/src/a.ts", key="eval(x)"):
    return Finding("eslint", rule, file, 3, severity, "eval of input", key=key, owner=owner)


def test_fates_over_the_passes_of_one_run():
    first = decide_fates([finding(), finding("detect-unsafe-regex", "warning", key="/a+/")], [], 1, Rounds(0, 2))
    assert {f.rule: f.fate for f in first} == {"no-eval": "routed back", "detect-unsafe-regex": "listed"}
    last = [f.as_dict() for f in first]
    second = decide_fates([finding("detect-unsafe-regex", "warning", key="/a+/")], last, 2, Rounds(1, 2))
    fates = {f.rule: (f.fate, f.first, f.round) for f in second}
    assert fates == {"detect-unsafe-regex": ("listed", 1, 2), "no-eval": ("fixed", 1, 2)}
    stuck = decide_fates([finding()], last, 3, Rounds(2, 2))
    assert {f.rule: f.fate for f in stuck} == {"no-eval": "gave up", "detect-unsafe-regex": "fixed"}  # rounds used up
    assert [f.fate for f in decide_fates([finding()], [], 1, Rounds(0, 0))] == ["listed"]  # nothing goes back in this run
    assert [f.fate for f in decide_fates([finding(owner="")], [], 1, Rounds(0, 2))] == ["listed"]  # nobody to send it to
    moved = Finding("eslint", "no-eval", "backend/src/a.ts", 40, "blocking", "eval of input", key="eval(x)")
    assert moved.id == finding().id  # the same finding after its line moved
    told = feedback_for("backend", first, 1, Rounds(0, 2))
    assert "round 1 of 2" in told and "backend/src/a.ts:3 [eslint: no-eval]" in told and "regex" not in told


def test_eslint_and_jscpd_reports_become_findings(tmp_path):
    (tmp_path / "backend" / "src").mkdir(parents=True)
    a = tmp_path / "backend" / "src" / "a.ts"
    a.write_text("const x = 1;\nexport const y = eval(input);\n")
    report = [{"filePath": str(a), "messages": [
        {"ruleId": "no-eval", "severity": 2, "line": 2, "message": "eval can be harmful."},
        {"ruleId": "security/detect-unsafe-regex", "severity": 1, "line": 1, "message": "Unsafe Regular Expression"},
        {"ruleId": None, "fatal": True, "severity": 2, "line": 1, "message": "Parsing error: ';' expected."}]},
        {"filePath": "/elsewhere/b.ts", "messages": [{"ruleId": "no-eval", "severity": 2, "line": 1, "message": "x"}]}]
    found = eslint_findings(tmp_path, report, {"backend/src/a.ts": a.read_text()})
    assert [(f.rule, f.severity, f.line) for f in found] == [("no-eval", "blocking", 2), ("security/detect-unsafe-regex", "warning", 1),
                                                             ("parse-error", "warning", 1)]
    assert found[0].key == "export const y = eval(input);"

    body = "\n".join(f"  total += item{i} * price{i};" for i in range(8))
    same = f"export function f() {{\n{body}\n}}\n"
    (tmp_path / "backend" / "src" / "b.ts").write_text(same)
    (tmp_path / "backend" / "src" / "c.ts").write_text(same)
    clone = {"lines": 8, "firstFile": {"name": str(tmp_path / "backend/src/c.ts"), "start": 2, "end": 9},
             "secondFile": {"name": str(tmp_path / "backend/src/b.ts"), "start": 2, "end": 9}}
    assert duplication_findings(tmp_path, [clone], {"backend/src/b.ts": same, "backend/src/c.ts": same}) == []  # the generator's own
    new = duplication_findings(tmp_path, [clone], {"backend/src/b.ts": same})
    assert [(f.file, f.line, f.severity) for f in new] == [("backend/src/c.ts", 2, "warning")] and "backend/src/b.ts:2" in new[0].message
    assert code_files(["backend/src/a.ts", "backend/node_modules/x/y.js", "frontend/dist/a.js", "README.md"]) == ["backend/src/a.ts"]


def test_the_model_answer_must_point_into_the_diff():
    task = Task(id="backend", agent="backend")
    diff = task_diff(task, {"backend/src/a.ts": "a\n", "backend/src/same.ts": "x\n"}, {"backend/src/a.ts": "a\nb\n", "backend/src/same.ts": "x\n"})
    assert diff is not None and diff.lines == {"backend/src/a.ts": 2} and "+b" in diff.text
    assert task_diff(task, {"backend/src/a.ts": "a\n"}, {"backend/src/a.ts": "a\n"}) is None  # the baseline: nothing to ask
    ok = ModelFinding(file="backend/src/a.ts", line=2, severity="blocking", title="bad b", why="b is bad")
    assert check_answer(ReviewAnswer(findings=[ok]), diff) == [ok]
    with pytest.raises(AnswerError, match="not a file of the diff"):
        check_answer(ReviewAnswer(findings=[ok.model_copy(update={"file": "backend/src/same.ts"})]), diff)
    with pytest.raises(AnswerError, match="has 2 lines"):
        check_answer(ReviewAnswer(findings=[ok.model_copy(update={"line": 9})]), diff)


def test_review_md_says_each_fate():
    found = decide_fates([finding(), finding("detect-unsafe-regex", "warning", key="/a+/")], [], 1, Rounds(0, 0))
    review = {"pass": 1, "rounds": 0, "max_rounds": 0, "files": 3, "counts": {"listed": 2},
              "findings": [f.as_dict() for f in found], "tools": [{"name": "eslint", "ok": True, "files": 3, "detail": "", "skipped": None}]}
    text = review_markdown(SPEC, review)
    assert text.startswith("# Code review of Library\n") and "## Blocking, listed" in text and "## Listed" in text
    assert "| `backend/src/a.ts:3` | blocking | eslint: no-eval |" in text and "ran over 3 files" in text
    assert "No findings." in review_markdown(SPEC, {**review, "findings": [], "counts": {}})
    assert json.loads(json.dumps(review)) == review  # what the ledger keeps is plain JSON
