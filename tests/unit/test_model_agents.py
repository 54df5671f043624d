"""Model-written code agents: answers are checked, re-asked with the error, parsed from text, or refused clearly."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from autodevos.agents.model_agents import (
    AnswerError,
    Areas,
    FilesAnswer,
    ModelAnswerError,
    StructuredUnsupported,
    areas_for,
    build_messages,
    failing_paths,
    format_file,
    interfaces_for,
    parse_files_text,
    select_files,
    write_files,
)
from autodevos.agents.prompts import PROMPTS_DIR
from autodevos.agents.registry import default_plan, renderers
from autodevos.domain.spec import AppSpec, Entity, Field
from langchain_core.messages import BaseMessage, HumanMessage
from pydantic import BaseModel, ValidationError

SPEC = AppSpec(name="shop", title="Shop", auth=True,
               entities=[Entity(name="Product", fields=[Field(name="title"), Field(name="price", type="number")])])
PLAN = default_plan(SPEC)
AREAS = areas_for(SPEC)
BASELINE = {agent: renderer(SPEC) for agent, renderer in renderers().items()}


class FakeAsk:
    """A scripted model: each structured/text call takes the next item (an answer, or an exception to raise)."""

    def __init__(self, structured: list | None = None, text: list | None = None):
        self.structured_script = list(structured or [])
        self.text_script = list(text or [])
        self.calls: list[tuple[str, list[BaseMessage]]] = []

    async def structured(self, messages, schema: type[BaseModel], *, role: str, task_id: str) -> BaseModel:
        assert schema is FilesAnswer and role and task_id
        self.calls.append(("structured", list(messages)))
        item = self.structured_script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return FilesAnswer.model_validate(item)

    async def text(self, messages, *, role: str, task_id: str) -> str:
        self.calls.append(("text", list(messages)))
        item = self.text_script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item


def answer(files: dict[str, str], notes: str = "") -> dict:
    return {"files": [{"path": p, "content": c} for p, c in files.items()], "notes": notes}


def run(agent: str, ask: FakeAsk, **kw):
    kw.setdefault("baseline", BASELINE[agent])
    kw.setdefault("interfaces", interfaces_for(agent, SPEC))
    return asyncio.run(write_files(agent, PLAN.task(agent), SPEC, PLAN, ask, areas=AREAS, **kw))


def last_human(messages: list[BaseMessage]) -> str:
    return next(m.content for m in reversed(messages) if isinstance(m, HumanMessage))


def a_validation_error() -> ValidationError:
    try:
        FilesAnswer.model_validate({"files": "not a list"})
    except ValidationError as exc:
        return exc
    raise AssertionError("unreachable")


GOOD = {"backend/src/errors.ts": "export class Oops extends Error {}\n"}


# --- write_files ----------------------------------------------------------------------------


def test_valid_structured_answer_overlays_the_baseline():
    new = {**GOOD, "backend/src/util/slug.ts": "export const slug = (s: string) => s.toLowerCase();\n"}
    ask = FakeAsk(structured=[answer(new, notes="added a slug helper")])
    result = run("backend", ask)
    assert result.files == {**BASELINE["backend"], **new}
    assert result.changed == sorted(new)
    assert (result.how, result.asks) == ("structured", 1)
    assert result.notes[0] == "structured answer accepted (2 files)"
    assert result.notes[-1] == "model: added a slug helper"
    system, user = ask.calls[0][1]
    assert "backend/src/types.ts" in user.content and '"name": "shop"' in user.content
    assert "backend: Express" in user.content and "<- this task" in user.content


@pytest.mark.parametrize("bad, reason", [
    ("../x.ts", "leaves its folder"),
    ("/etc/passwd", "is absolute"),
    ("frontend/src/App.tsx", "belongs to the frontend agent"),
    ("backend/tests/extra.test.ts", "belong to the tests agent"),
    ("backend/Dockerfile", "belongs to the devops agent"),
    ("Makefile", "outside the backend agent's area"),
])
def test_bad_path_is_asked_again_with_the_error_and_the_fix_is_used(bad, reason):
    ask = FakeAsk(structured=[answer({bad: "x\n", **GOOD}), answer(GOOD)])
    result = run("backend", ask)
    assert result.asks == 2 and result.changed == ["backend/src/errors.ts"]
    assert bad not in result.files
    reask = last_human(ask.calls[1][1])
    assert "Your answer was refused" in reask and reason in reask
    assert reason in result.notes[0] and "asked again" in result.notes[0]
    # the re-ask carries the refused answer, so the model can fix just the culprit
    assert bad in ask.calls[1][1][-2].content


def test_server_side_validation_error_is_asked_again():
    ask = FakeAsk(structured=[a_validation_error(), answer(GOOD)])
    result = run("backend", ask)
    assert result.asks == 2 and result.how == "structured"
    assert "files: Input should be a valid list" in last_human(ask.calls[1][1])


@pytest.mark.parametrize("unsupported", [StructuredUnsupported("no json_schema"), NotImplementedError()])
def test_no_structured_output_falls_back_to_fenced_text(unsupported):
    text = "Here is the change.\n\n### backend/src/errors.ts\n```ts\nexport class Oops extends Error {}\n```\n"
    ask = FakeAsk(structured=[unsupported], text=[text])
    result = run("backend", ask)
    assert result.how == "text" and result.asks == 2
    assert result.files["backend/src/errors.ts"] == GOOD["backend/src/errors.ts"]
    assert result.notes == ["the server has no structured output; asked for text", "text answer parsed (1 file)"]
    assert "a line `### ` followed by its path" in last_human(ask.calls[1][1])


def test_structured_that_keeps_failing_falls_back_to_text():
    bad = answer({"../x": "x"})
    ask = FakeAsk(structured=[bad, bad, bad], text=["### backend/src/errors.ts\n```ts\nexport class Oops extends Error {}\n```"])
    result = run("backend", ask)
    assert [kind for kind, _ in ask.calls] == ["structured"] * 3 + ["text"]
    assert result.how == "text" and "structured output kept failing; asked for text" in result.notes


def test_bad_text_answer_is_asked_again_with_the_parse_error():
    ask = FakeAsk(structured=[StructuredUnsupported()],
                  text=["Sure! I changed errors.ts.", "### backend/src/errors.ts\n```ts\nok\n```"])
    result = run("backend", ask)
    assert result.asks == 3 and result.files["backend/src/errors.ts"] == "ok\n"
    assert "holds no files" in last_human(ask.calls[2][1])


@pytest.mark.parametrize("max_reasks, asks", [(2, 6), (0, 2), (1, 4)])
def test_always_bad_fails_with_a_clear_one_line_reason_after_bounded_asks(max_reasks, asks):
    ask = FakeAsk(structured=[answer({"../../etc/x": "x"})] * 9, text=["I cannot do that"] * 9)
    with pytest.raises(ModelAnswerError) as err:
        run("backend", ask, max_reasks=max_reasks)
    message = str(err.value)
    assert len(ask.calls) == asks and f"after {asks} asks" in message
    assert "\n" not in message and message.startswith("the backend model gave no usable files")
    assert "text: the answer holds no files" in message
    # a re-ask replaces the previous refused answer and error: the conversation does not grow
    per_mode = [len(messages) for _, messages in ask.calls]
    assert per_mode == ([2] + [4] * max_reasks) * 2


def test_empty_answer_is_refused():
    ask = FakeAsk(structured=[answer({}), answer(GOOD)])
    assert run("backend", ask).asks == 2
    assert "holds no files" in last_human(ask.calls[1][1])


def test_transport_errors_are_not_swallowed():
    ask = FakeAsk(structured=[ConnectionError("refused")])
    with pytest.raises(ConnectionError):
        run("backend", ask)


@pytest.mark.parametrize("content, reason", [
    ("{not json", "is not valid JSON"),
    (json.dumps({"name": "x", "scripts": {"build": "tsc"}}), "drops the script(s) db:generate, db:migrate, dev, format"),
])
def test_package_json_must_parse_and_keep_its_scripts(content, reason):
    ask = FakeAsk(structured=[answer({"backend/package.json": content}), answer(GOOD)])
    run("backend", ask)
    assert reason in last_human(ask.calls[1][1])


def test_case_collision_with_the_baseline_is_refused():
    ask = FakeAsk(structured=[answer({"backend/src/App.ts": "x"}), answer(GOOD)])
    run("backend", ask)
    assert "differ only in case" in last_human(ask.calls[1][1])


def test_repair_mode_shows_the_error_and_the_current_failing_file():
    current = {**BASELINE["backend"], "backend/src/errors.ts": "export const broken: number = 'x';\n"}
    feedback = ("verify step `npm run typecheck` in backend/ failed (repair 1 of 2):\n"
                "src/errors.ts(1,14): error TS2322: Type 'string' is not assignable to type 'number'.")
    ask = FakeAsk(structured=[answer(GOOD)])
    result = run("backend", ask, current=current, feedback=feedback)
    user = ask.calls[0][1][1].content
    assert "TS2322: Type 'string' is not assignable" in user
    repair = user[user.index("## Why this task runs again"):]
    assert "### backend/src/errors.ts\n```ts\nexport const broken: number = 'x';" in repair
    assert "as they are on disk now" in user
    assert result.files["backend/src/errors.ts"] == GOOD["backend/src/errors.ts"]


def test_repair_mode_keeps_the_current_files_the_model_does_not_touch():
    current = {"backend/src/util.ts": "export const kept = 1;\n"}  # written by an earlier model answer
    ask = FakeAsk(structured=[answer(GOOD)])
    result = run("backend", ask, current=current, feedback="make it faster")
    assert result.files["backend/src/util.ts"] == "export const kept = 1;\n"
    assert "make it faster" in ask.calls[0][1][1].content


# --- prompts --------------------------------------------------------------------------------


@pytest.mark.parametrize("agent", list(renderers()))
@pytest.mark.parametrize("mode", ["structured", "text"])
@pytest.mark.parametrize("feedback", [None, "verify step `npm run lint` in backend/ failed"])
def test_prompts_render_with_no_missing_variable(agent, mode, feedback):
    system, user = build_messages(agent, PLAN.task(agent), SPEC, PLAN, baseline=BASELINE[agent],
                                  interfaces=interfaces_for(agent, SPEC), areas=AREAS, mode=mode,
                                  current=BASELINE[agent] if feedback else None, feedback=feedback)
    # every placeholder of the prompt files was filled (a missing value would have raised KeyError)
    placeholders = {m for path in PROMPTS_DIR.glob("*/*.md") if path.parent.name != "planner"
                    for m in re.findall(r"\$\{?([a-z_]+)", path.read_text())}
    assert placeholders >= {"spec_json", "tasks", "interfaces", "files", "repair", "answer_format", "area", "error"}
    for text in (system.content, user.content):
        assert not [name for name in placeholders if re.search(rf"\${name}\b", text)]
    assert f"You are the {agent} agent" in system.content and "Where you write: anything under" in system.content
    assert '"entities"' in user.content and ("Why this task runs again" in user.content) == bool(feedback)


def test_frontend_prompt_holds_the_backend_contract():
    _, user = build_messages("frontend", PLAN.task("frontend"), SPEC, PLAN, baseline=BASELINE["frontend"],
                             interfaces=interfaces_for("frontend", SPEC), areas=AREAS)
    contract = user.content[user.content.index("## Interfaces"):user.content.index("## Your files")]
    assert "### backend/src/types.ts" in contract and "### docs/openapi.json" in contract
    assert "export interface Product extends BaseRecord" in contract


def test_interfaces_follow_the_agent_and_what_was_written():
    assert interfaces_for("backend", SPEC) == {}
    front = interfaces_for("frontend", SPEC)
    assert list(front) == ["backend/src/types.ts", "docs/openapi.json"]
    assert json.loads(front["docs/openapi.json"])["openapi"].startswith("3.1")
    written = interfaces_for("tests", SPEC, written={"backend/src/types.ts": "// as the model wrote it\n", "x/y.ts": "no"})
    assert written["backend/src/types.ts"] == "// as the model wrote it\n" and "x/y.ts" not in written
    assert "frontend/src/pages/ProductPage.tsx" in written
    assert "backend/package.json" in interfaces_for("devops", SPEC)


# --- pure helpers ---------------------------------------------------------------------------


def test_selection_respects_the_budget_and_lists_the_rest():
    files = {f"backend/src/{d}/{n}.ts": "x" * size for d in ("routes", "services") for n, size in (("a", 300), ("b", 100))}
    files["backend/package.json"] = "p" * 200
    files["backend/drizzle/meta/0000_snapshot.json"] = "s" * 50
    shown, listed = select_files(files, 620)
    assert sum(map(len, shown.values())) <= 620
    assert set(shown) | set(listed) == set(files) and not set(shown) & set(listed)
    order = list(shown)
    assert order[0] == "backend/package.json"  # key files first
    # one file per folder before a second from the same folder; a big file is skipped for smaller ones
    assert order[1:3] == ["backend/src/routes/b.ts", "backend/src/services/b.ts"]
    assert "backend/src/routes/a.ts" in listed and "backend/drizzle/meta/0000_snapshot.json" in shown


def test_selection_puts_the_asked_for_files_first_and_a_zero_budget_shows_nothing():
    files = {"a/x.ts": "1" * 10, "a/y.ts": "2" * 10}
    assert list(select_files(files, 10, first=["a/y.ts"])[0]) == ["a/y.ts"]
    assert select_files(files, 0) == ({}, ["a/x.ts", "a/y.ts"])


def test_selection_of_a_real_baseline_fits_the_budget():
    shown, listed = select_files(BASELINE["tests"], 15_000)
    assert 0 < sum(map(len, shown.values())) <= 15_000 and listed
    assert len(shown) + len(listed) == len(BASELINE["tests"])


def test_parse_files_text_reads_blocks_and_keeps_inner_fences():
    text = ("I changed two files.\n\n### backend/src/a.ts\n```ts\nconst a = 1;\n```\nSome words.\n\n"
            "### README.md\n```markdown\n# App\n\n### Install\n\n```bash\nnpm install\n```\n\nDone.\n```\n")
    files = parse_files_text(text)
    assert files == {"backend/src/a.ts": "const a = 1;\n",
                     "README.md": "# App\n\n### Install\n\n```bash\nnpm install\n```\n\nDone.\n"}


@pytest.mark.parametrize("heading", ["### docs/API.md", "## `docs/API.md`", "**docs/API.md**", "### File: docs/API.md"])
def test_parse_files_text_accepts_heading_variants_and_long_fences(heading):
    text = f"{heading}\n\n````md\n```js\nx()\n```\n````\n"
    assert parse_files_text(text) == {"docs/API.md": "```js\nx()\n```\n"}


def test_format_file_round_trips_through_the_parser():
    files = {"README.md": "# x\n\n````\nodd\n````\n", "backend/Dockerfile": "FROM node:20\n", "docs/empty.md": ""}
    text = "\n".join(format_file(p, t) for p, t in files.items())
    assert parse_files_text(text) == files


def test_parse_files_text_accepts_json():
    data = {"files": [{"path": "a/b.ts", "content": "x\n"}], "notes": "n"}
    assert parse_files_text(json.dumps(data)) == {"a/b.ts": "x\n"}
    assert parse_files_text("Here:\n```json\n" + json.dumps({"files": {"a/c.ts": "y"}}) + "\n```") == {"a/c.ts": "y"}


@pytest.mark.parametrize("text, reason", [
    ("Sorry, I cannot.", "holds no files"),
    ("### a/b.ts\n```ts\nconst x = 1;\n", "has no closing ``` (was the answer cut off?)"),
    ("### a/b.ts\n```\n1\n```\n### a/b.ts\n```\n2\n```", "gives 'a/b.ts' twice"),
    ('{"files": [{"path": "a.ts"}]}', "does not fit the schema: files.0.content: Field required"),
])
def test_parse_files_text_says_why_it_fails(text, reason):
    with pytest.raises(AnswerError) as err:
        parse_files_text(text)
    assert reason in str(err.value)


def test_failing_paths_finds_files_named_by_verify_output():
    paths = ["backend/src/app.ts", "backend/src/errors.ts", "frontend/src/app.ts", "backend/src/app.tsx"]
    feedback = ("verify step `npm run lint` in backend/ failed:\n"
                "src/app.ts(3,1): error TS2304\n/tmp/out/backend/src/errors.ts\n  1:1  error  no-unused-vars")
    assert failing_paths(feedback, paths) == ["backend/src/app.ts", "backend/src/errors.ts"]
    assert failing_paths("make the list sortable", paths) == [] and failing_paths(None, paths) == []


def test_areas_are_derived_from_what_each_agent_renders():
    areas = Areas({"backend": ["backend/package.json", "backend/src/app.ts"], "tests": ["backend/tests/a.test.ts"],
                   "devops": ["backend/Dockerfile", "docker-compose.yml"], "docs": ["README.md", "docs/API.md"]})
    assert areas.allowed("backend/src/new/thing.ts") == {"backend"}
    assert areas.allowed("backend/tests/helpers/x.ts") == {"tests"}
    assert areas.allowed("backend/.nvmrc") == {"backend", "devops"}
    assert areas.allowed("LICENSE.md") == {"devops", "docs"}
    assert areas.allowed("backend/Dockerfile") == {"devops"}
    with pytest.raises(AnswerError, match="new files in backend/tests/ belong to the tests agent"):
        areas.check("backend", "backend/tests/x.ts")
    assert areas.describe("backend").startswith("anything under backend/src/; new files directly in backend/")
    assert AREAS.describe("frontend").startswith("anything under frontend/src/ (except frontend/src/__tests__/")
