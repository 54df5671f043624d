"""AutoDevOS command line: thin commands over graph.runner and graph.inspect."""

from __future__ import annotations

import asyncio
import errno
import functools
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import autodevos.interrupts  # first: a Ctrl-C while the rest loads exits quietly
import typer
import yaml
from autodevos.agents import registry
from autodevos.agents.answers import first_error
from autodevos.agents.db import explain_database_error
from autodevos.agents.llm import PROVIDERS, ModelError
from autodevos.agents.understanding import passed_rules, understood, warnings
from autodevos.display import json_text, plain
from autodevos.domain.spec import AppSpec
from autodevos.graph import queries as insp
from autodevos.graph.config import ConfigError, load_config
from autodevos.graph.runner import (
    RunError,
    RunResult,
    answer_pause,
    check_request,
    check_thread_id,
    improve_run,
    replay_run,
    resume_run,
    start_run,
)
from autodevos.graph.settings import APPROVALS, DEFAULT_DB, RunSettings, config_fields
from autodevos.graph.store import StoreError
from pydantic import ValidationError
from rich.console import Console
from rich.live import Live
from rich.syntax import Syntax
from rich.table import Table
from rich.tree import Tree

app = typer.Typer(
    help="AutoDevOS: turn a plain-language request into a full-stack app (Express + React + tests + docs).\n\n"
    "Example: autodevos run \"A clinic app with patients, doctors and appointments; users must log in\" --out clinic",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(emoji=False)
err = Console(stderr=True, soft_wrap=True, emoji=False)
"""Every string printed may quote the user (display.plain escapes it): no `:name:` emoji codes either."""

DEFAULTS = RunSettings()
"""Where the command line's defaults come from: the settings' own (graph/settings.py)."""

STATUS_STYLE = {"pending": "dim", "running": "yellow", "completed": "green", "failed": "red", "skipped": "magenta"}


class Fail(Exception):
    """A known failure: one line on stderr, a non-zero exit."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def _guard(fn):
    """Known errors become one clear line and an exit code; anything else is a bug and shows its traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        for problem in registry.problems():  # a plugin that cannot be used: one line, and the rest runs
            err.print(f"[yellow]warning:[/yellow] {plain(problem)}", highlight=False)
        try:
            autodevos.interrupts.loaded()  # from here on a Ctrl-C is a KeyboardInterrupt, handled below
            fn(*args, **kwargs)
        except (Fail, RunError, ModelError, StoreError, ConfigError) as exc:
            _error(str(exc), getattr(exc, "code", 2))
        except sqlite3.DatabaseError as exc:  # corrupt, full, locked, read-only: the file and what to do
            _error(explain_database_error(exc, kwargs.get("db") or DEFAULT_DB), 2)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
                raise
            _error(f"cannot write {exc.filename or 'a file'}: {exc.strerror}; free some space or fix its permissions, "
                   "then `autodevos resume THREAD` goes on", 2)
        except KeyboardInterrupt:
            err.print("interrupted; `autodevos resume THREAD` continues the run")
            raise typer.Exit(130) from None

    return wrapper


def _error(message: str, code: int) -> None:
    err.print(f"[red]error:[/red] {plain(message)}", highlight=False)
    raise typer.Exit(code) from None


def _json(data: Any) -> None:
    """--json output: the data as JSON, every control character of the user's text escaped."""
    out.print(json_text(data), soft_wrap=True)


# ---- display ---------------------------------------------------------------------------------


class Progress:
    """A live table of tasks, fed by the runner's events."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.rows: dict[str, dict[str, Any]] = {}
        self.live: Live | None = None

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("kind")
        if kind in ("started", "resumed"):
            word = "Run" if kind == "started" else "Resuming run"
            (err if self.quiet else out).print(f"{word} [bold]{plain(event['thread_id'])}[/bold] (thread id)")
        elif kind == "planned" and event.get("plan"):
            for tid, task in ((t["id"], t) for t in event["plan"]["tasks"]):
                self.rows[tid] = {"agent": task["agent"], "status": "pending"}
            if not self.quiet:
                out.print(plan_tree(event["plan"], event.get("notes", [])))
                self.live = Live(self.table(), console=out, refresh_per_second=8, transient=False)
                self.live.start()
        elif kind == "task":
            self.rows.setdefault(event["task_id"], {}).update({k: v for k, v in event.items() if k != "kind"})
            if self.live:
                self.live.update(self.table())

    def stop(self) -> None:
        if self.live:
            self.live.update(self.table())
            self.live.stop()
            out.print()
            self.live = None

    def table(self) -> Table:
        return task_table(self.rows)


def task_table(rows: dict[str, dict[str, Any]], title: str = "Tasks") -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("task", "agent", "status", "tries", "seconds", "error"):
        table.add_column(col, overflow="fold")
    for tid, rec in rows.items():
        status = rec.get("status", "pending")
        dur = rec.get("duration")
        table.add_row(
            plain(tid), plain(rec.get("agent", "")), f"[{STATUS_STYLE.get(status, '')}]{plain(status)}[/]", str(rec.get("attempts") or 0),
            f"{dur:.2f}" if isinstance(dur, (int, float)) else "", plain((rec.get("error") or "")[:120]),
        )
    return table


def usage_table(usage: dict[str, Any]) -> Table:
    """Model calls per task and for the run: calls (of them from the cache), tokens, cost."""
    unpriced = usage["run"].get("unpriced", 0)
    caption = f"cost unknown for {unpriced} call(s): no price for the model (set prices: in --config)" if unpriced else None
    table = Table(title="Model calls", title_justify="left", caption=caption, caption_justify="left")
    for col in ("task", "calls", "cached", "failed", "prompt", "completion", "total tokens", "cost USD"):
        table.add_column(col, justify="left" if col == "task" else "right")
    rows = [*usage["tasks"].items(), ("run", usage["run"])]
    for name, u in rows:
        cost = "?" if u.get("unpriced") and not u["cost"] else f"{u['cost']:.4f}" + ("+?" if u.get("unpriced") else "")
        table.add_row(f"[bold]{name}[/]" if name == "run" else plain(name), str(u["calls"]), str(u["cached"]), str(u["failed"]),
                      f"{u['prompt_tokens']:,}", f"{u['completion_tokens']:,}", f"{u['total_tokens']:,}", cost)
    return table


def verify_table(task_id: str, steps: list[dict[str, Any]]) -> Table:
    table = Table(title=f"Verify ({plain(task_id)})", title_justify="left")
    for col in ("package", "step", "result", "seconds", "sandbox", "detail"):
        table.add_column(col, overflow="fold")
    for st in steps:
        result = "[dim]skipped[/]" if st.get("skipped") else ("[green]ok[/]" if st["ok"] else "[red]failed[/]")
        where = st.get("sandbox") or ""
        where = f"[yellow]{where}[/]" if where in ("off", "none") else where
        detail = st.get("skipped") or st.get("summary") or ("" if st["ok"] else (st.get("output") or "").strip().splitlines()[-1:][0][:150] if (st.get("output") or "").strip() else "")
        table.add_row(plain(st["package"]), plain(st["step"]), result, f"{st['seconds']:.1f}", where, plain(detail))
    return table


FATE_STYLE = {"fixed": "green", "routed back": "yellow", "gave up": "red", "listed": ""}


def review_table(findings: list[dict[str, Any]]) -> Table:
    """The code review's findings, each with its fate (fixed, routed back, gave up, listed)."""
    from autodevos.agents.review.findings import counts

    told = ", ".join(f"{n} {fate}" for fate, n in counts(findings).items())
    table = Table(title=f"Code review ({told})", title_justify="left")
    for col in ("where", "severity", "check", "fate", "task", "why"):
        table.add_column(col, overflow="fold")
    for f in findings:
        where = f"{f['file']}:{f['line']}" if f.get("line") else f["file"]
        style = FATE_STYLE.get(f["fate"], "")
        fate = f"[{style}]{plain(f['fate'])}[/]" if style else plain(f["fate"])
        table.add_row(plain(where), plain(f["severity"]), plain(f"{f['source']}: {f['rule']}"), fate, plain(f.get("owner", "")),
                      plain(" ".join(f["message"].split())[:200]))
    return table


def _print_review(findings: list[dict[str, Any]], thread_id: str) -> None:
    """The review's findings, and one warning line when blocking ones are left in the app."""
    from autodevos.agents.review.report import not_fixed

    if not findings:
        return
    out.print(review_table(findings))
    left = not_fixed(findings)
    if left:
        err.print(f"[yellow]warning:[/yellow] {len(left)} blocking review finding(s) are not fixed: "
                  f"{plain(', '.join(f['file'] + (':' + str(f['line']) if f.get('line') else '') + ' (' + f['rule'] + ')' for f in left[:5]))} "
                  f"(REVIEW.md in the app; autodevos status {plain(thread_id)})", highlight=False)


def plan_tree(plan: dict[str, Any], notes: list[str]) -> Tree:
    """The plan as a person checks it: what was understood (with the words it came from), what was
    not, what will not be built yet, and the tasks."""
    spec = AppSpec.model_validate(plan["spec"])
    info = understood(spec)
    flags = [k for k in ("auth", "frontend", "backend") if getattr(spec, k)]
    tree = Tree(f"[bold]Plan[/bold] for {plain(spec.title)} ({', '.join(flags)})")
    ents = tree.add("entities")
    for e in info["entities"]:
        head = ents.add(f"[bold]{plain(e['name'])}[/bold]" + (" [dim](assumed)[/]" if e["assumed"] else "")
                        + (" [magenta]private per user[/]" if e["owned"] else "") + (f' [dim]<- "{plain(e["source"][:60])}"[/]' if e["source"] else ""))
        for f in e["fields"]:
            extra = f" [cyan]{', '.join(f['constraints'])}[/]" if f["constraints"] else ""
            src = " [dim](assumed)[/]" if f["assumed"] else (f' [dim]<- "{plain(f["source"][:50])}"[/]' if f["source"] else "")
            head.add(f"{plain(f['name'])}: {plain(f['type'])}{extra}{src}")
    if info["relations"]:
        rels = tree.add("relations")
        for r in info["relations"]:
            arrow = "<->" if r["kind"] == "many_to_many" else "->"
            rels.add(f"{plain(r['from'])}.{plain(r['field'])} {arrow} {plain(r['to'])} [dim]{r['kind']}{'' if r['required'] else ', optional'}[/]"
                     + (f' [dim]<- "{plain(r["source"][:50])}"[/]' if r["source"] else ""))
    if info["roles"]:
        roles = tree.add("roles")
        for r in info["roles"]:
            rights = "; ".join(f"only they {a} {', '.join(r[a])}" for a in ("create", "update", "delete") if r[a])
            roles.add(f"{plain(r['label'])}" + (f" [dim]({plain(rights)})[/]" if rights else ""))
    if info["rules"]:
        rules = tree.add("rules [dim](kept verbatim)[/]")
        for r in info["rules"]:
            rules.add(f"{plain(r['text'][:120])} [dim]({r['kind']})[/]")
    if info["unparsed"]:
        lost = tree.add("[yellow]not understood[/] [dim](edit the plan or reject with feedback)[/]")
        for p in info["unparsed"]:
            lost.add(f"[yellow]{plain(p[:120])}[/]")
    if info["not_built"]:
        nb = tree.add("[yellow]not built yet[/]")
        for line in info["not_built"]:
            nb.add(plain(line[:160]))
    tasks = tree.add("tasks")
    for t in plan["tasks"]:
        deps = f" after {plain(', '.join(t['depends_on']))}" if t["depends_on"] else ""
        tasks.add(f"{plain(t['id'])} [dim]({plain(t['agent'])}){deps}[/dim]")
    for note in notes:
        tree.add(f"[dim]{plain(note)}[/dim]")
    return tree


def _finish(result: RunResult, as_json: bool, strict: bool = False) -> None:
    for rec in result.tasks.values():
        if isinstance(rec.get("report"), list):
            _warn_unsandboxed(rec["report"])
    if as_json:
        _json(insp.result_json(result))
    else:
        counts: dict[str, int] = {}
        for rec in result.tasks.values():
            counts[rec["status"]] = counts.get(rec["status"], 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        for tid, rec in result.tasks.items():
            if isinstance(rec.get("report"), list):
                out.print(verify_table(tid, rec["report"]))
        _print_merge(result.merge)
        _print_written_by(insp.written_by(result.tasks))
        _print_review(insp.findings_of(result.tasks), result.thread_id)
        if result.plan:
            spec, checked = AppSpec.model_validate(result.plan["spec"]), insp.rule_results(result.tasks)
            for line in passed_rules(spec, checked):
                out.print(f"[green]{plain(line)}[/]")
            for line in warnings(spec, checked):
                out.print(f"[yellow]{plain(line)}[/]")
        colour = "green" if result.ok else "red"
        out.print(f"[{colour}]Run {plain(result.thread_id)} {result.status}[/]: {summary}; {len(result.files)} files in {plain(result.out_dir)}")
    if result.status == "interrupted":
        if not as_json:
            out.print(f"Continue with: autodevos resume {plain(result.thread_id)} (or autodevos approve {plain(result.thread_id)} ...)")
        raise typer.Exit(3)
    if not result.ok:
        raise typer.Exit(1)
    baseline = insp.from_baseline(result.tasks)
    if baseline:
        err.print(f"[yellow]warning:[/yellow] {len(baseline)} task(s) kept the offline baseline because the model's answers "
                  f"were not usable: {plain(', '.join(baseline))} (why: autodevos status {plain(result.thread_id)})"
                  + ("; --strict-model: exit 1" if strict else "; --strict-model makes this an error"), highlight=False)
        if strict:
            raise typer.Exit(1)


def _warn_unsandboxed(steps: list[dict[str, Any]]) -> None:
    """One warning line when verify ran the app's scripts outside a sandbox."""
    from autodevos.agents.sandbox import unsandboxed_warning

    kinds = {st.get("sandbox") for st in steps if not st.get("skipped")}
    line = next((unsandboxed_warning(k) for k in ("off", "none") if k in kinds), None)
    if line:
        err.print(f"[yellow]warning:[/yellow] {plain(line)}", highlight=False)


def _print_written_by(written: dict[str, dict[str, str]]) -> None:
    """Which tasks the model wrote, repaired, or left to the offline baseline (and why)."""
    if not written:
        return
    groups: dict[str, list[str]] = {}
    for tid, w in written.items():
        groups.setdefault(w["outcome"], []).append(tid)
    out.print("Files: " + "; ".join(f"{insp.OUTCOMES[o]}: {plain(', '.join(groups[o]))}" for o in insp.OUTCOMES if o in groups))
    for tid, w in written.items():
        if w["outcome"] == "baseline":
            out.print(f"  [yellow]{plain(tid)}[/yellow] baseline: {plain(w.get('reason', ''))}", highlight=False)


def _wait_option() -> Any:
    return typer.Option(False, "--wait", help="When another run writes into the same folder, wait for it to end instead of stopping.")


def _strict_option() -> Any:
    return typer.Option(False, "--strict-model", help="Exit 1 when a task kept the offline baseline because its model's answers were not usable.")


MERGE_WORDS = {"kept": "your edits kept", "merged": "your edits merged with the new generation",
               "kept-deleted": "deleted by you, left deleted", "restored": "deleted by you, generated again (it changed)",
               "removed": "no longer generated, removed (you had not edited them)"}


def _print_merge(merge: dict[str, list[str]]) -> None:
    """What happened to the user's edits in a folder generated before."""
    for kind, words in MERGE_WORDS.items():
        if merge.get(kind):
            out.print(f"{words}: {plain(', '.join(merge[kind]))}")
    if merge.get("stale-kept"):
        err.print(f"[yellow]no longer generated, kept because you edited them[/yellow] ({len(merge['stale-kept'])} files; "
                  f"delete them if the app no longer needs them): {plain(', '.join(merge['stale-kept']))}")
    if merge.get("conflict"):
        err.print(f"[yellow]conflicts[/yellow] ({len(merge['conflict'])} files; markers <<<<<<< ======= >>>>>>> written, "
                  f"nothing overwritten — resolve them by hand): {plain(', '.join(merge['conflict']))}")


def _load_spec(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    if not path.is_file():
        raise Fail(f"--spec {path} is not a file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return AppSpec.model_validate(data).model_dump()
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise Fail(f"--spec {path} is not readable YAML: {str(exc).splitlines()[0]}") from None
    except ValidationError as exc:
        raise Fail(f"--spec {path}: {first_error(exc, 'spec')}") from None


# ---- commands --------------------------------------------------------------------------------


def _data_loss_option() -> bool:
    return typer.Option(False, "--allow-data-loss", help="Let a schema change drop data (a removed entity's table, a removed field's column, a retyped column); without it such a change is refused with the reasons.")


@app.command()
@_guard
def run(
    request: str = typer.Argument("", help="What to build, in plain language."),
    out_dir: Path = typer.Option(None, "--out", "-o", help="Folder for the generated app (default: out/THREAD)."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite file for checkpoints, task ledger and file contents."),
    model: str = typer.Option(None, "--model", "-m", show_default="offline", help=f"Model: offline (default), or PROVIDER:MODEL with PROVIDER in {', '.join(p for p in PROVIDERS if p != 'offline')}."),
    base_url: str = typer.Option(None, "--base-url", help="OpenAI-compatible server URL (Ollama, vLLM, LM Studio)."),
    spec: Path = typer.Option(None, "--spec", help="A hand-written app spec (YAML) instead of extracting one from the request."),
    fail_fast: bool = typer.Option(DEFAULTS.fail_fast, "--fail-fast", help="Start no new task after the first failure."),
    max_parallel: int = typer.Option(DEFAULTS.max_parallel, "--max-parallel", min=0, help="Most tasks at once (0: no limit)."),
    retries: int = typer.Option(DEFAULTS.retries, "--retries", min=0, max=10, help="Retries per task, with exponential backoff."),
    force: bool = typer.Option(DEFAULTS.force, "--force", help="Write into a non-empty --out folder."),
    verify: bool = typer.Option(DEFAULTS.verify, "--verify/--no-verify", help="Install, type-check, lint, test and build the app (needs Node.js 20+)."),
    browser: bool = typer.Option(DEFAULTS.browser, "--browser/--no-browser", help="Run the app's browser test during verify (needs Chromium)."),
    max_repairs: int = typer.Option(DEFAULTS.max_repairs, "--max-repairs", min=0, max=10, help="How often a failed verify, and apart from it a blocking code-review finding, goes back to the owning agent."),
    checkpointer: str = typer.Option(None, "--checkpointer", help="postgres://USER@HOST:PORT/DB to keep checkpoints in PostgreSQL (password from PGPASSWORD); default: the --db file."),
    approve: str = typer.Option(DEFAULTS.approval, "--approve", help="Pause for a person: 'plan' (approve, edit or reject the plan) or 'none'."),
    step: bool = typer.Option(False, "--step", help="Step through: pause at the plan, before each task and after it (one task at a time)."),
    auto_approve: bool = typer.Option(False, "--auto-approve", help="Never pause (overrides --approve)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON (no live table)."),
    strict_model: bool = _strict_option(),
    thread: str = typer.Option(None, "--thread", help="Use this thread id instead of a new one (letters, digits, - and _)."),
    project: str = typer.Option(None, "--project", help="The project this run belongs to (default: the --out folder's name); see `autodevos projects`."),
    wait: bool = _wait_option(),
    planner_model: str = typer.Option(None, "--planner-model", help="Model for the planner only (else --model)."),
    agent_model: list[str] = typer.Option(None, "--agent-model", help="ROLE=MODEL[@URL] for one agent, e.g. backend=ollama:qwen2.5-coder; repeatable."),
    config: Path = typer.Option(None, "--config", help=f"YAML file that sets any of: {', '.join(f.name for f in config_fields())} (models: per role)."),
    cache: bool = typer.Option(None, "--cache/--no-cache", show_default="cache", help="Answer identical model calls from the response cache in --db."),
    max_tokens_total: int = typer.Option(None, "--max-tokens-total", min=0, help="Pause the run when its model calls used this many tokens."),
    max_cost: float = typer.Option(None, "--max-cost", min=0, help="Pause the run when its model calls cost this many USD."),
    call_timeout: float = typer.Option(None, "--call-timeout", min=1, help=f"Seconds one model call may take (default {DEFAULTS.call_timeout:g})."),
    stream: bool = typer.Option(None, "--stream/--no-stream", show_default="no-stream", help="Stream model answers (servers that time out long answers)."),
    api_key_file: Path = typer.Option(None, "--api-key-file", help="A file whose first line is the API key (instead of OPENAI_API_KEY)."),
    api_key_keyring: str = typer.Option(None, "--api-key-keyring", help="SERVICE:USERNAME of the API key in the OS keyring (needs: pip install 'autodevos[keyring]')."),
    sandbox: str = typer.Option(DEFAULTS.sandbox, "--sandbox", help="Where verify runs the app's scripts: auto (in a bubblewrap sandbox when there is one; a model-written app needs one), required, or off (as you, with your files and network)."),
    trust_model: bool = typer.Option(DEFAULTS.trust_model, "--trust-model", help="Install and run model-written package files that ask for dependencies, scripts or npm settings the generator does not use, without asking."),
    allow_data_loss: bool = _data_loss_option(),
    task_delay: float = typer.Option(DEFAULTS.task_delay, "--task-delay", hidden=True, help="Test only: seconds each task sleeps."),
) -> None:
    """Plan and build an app from REQUEST.

    Example: autodevos run "A todo app with users and tags" --out todo-app
    """
    spec_data = _load_spec(spec)
    if not request.strip() and spec_data is None:
        raise Fail("the request is empty; say what app to build, e.g. autodevos run \"a todo app with tags\"")
    check_request(request, allow_empty=spec_data is not None)
    if db.is_dir():
        raise Fail(f"--db {db} is a folder, not a SQLite file")
    from autodevos.graph.runner import new_thread_id

    if thread is not None:
        check_thread_id(thread)  # before it names a folder: out/THREAD
    thread_id = thread or new_thread_id()
    chosen = load_config(config) if config else {}
    models = dict(chosen.pop("models", {}))
    if planner_model:
        models["planner"] = planner_model
    for item in agent_model or []:
        role, sep, spec_text = item.partition("=")
        if not sep or not spec_text.strip():
            raise Fail(f"--agent-model {item!r}: write it as ROLE=MODEL, e.g. backend=ollama:qwen2.5-coder")
        models[role.strip()] = spec_text.strip()
    given = {"model": model, "base_url": base_url, "max_tokens_total": max_tokens_total,
             "max_cost": max_cost, "call_timeout": call_timeout, "cache": cache,
             "streaming": stream, "api_key_file": str(api_key_file) if api_key_file else None, "api_key_keyring": api_key_keyring}
    chosen.update({k: v for k, v in given.items() if v is not None})
    if api_key_file or api_key_keyring:  # the command line's key source replaces the config file's
        chosen = {**chosen, **{k: given[k] for k in ("api_key_file", "api_key_keyring")}, "api_key_command": None}
    settings = RunSettings(
        request=request, out_dir=str(out_dir or Path("out") / thread_id), db_path=str(db), models=models, **chosen,
        project=project or "",
        fail_fast=fail_fast, max_parallel=max_parallel, retries=retries, task_delay=task_delay,
        spec_override=spec_data, force=force, verify=verify, browser=browser, max_repairs=max_repairs,
        approval="none" if auto_approve else ("step" if step else approve), checkpointer=checkpointer,
        sandbox=sandbox, trust_model=trust_model, allow_data_loss=allow_data_loss,
    )
    if settings.approval not in APPROVALS:
        raise Fail(f"--approve {approve!r}: use 'plan' or 'none'")
    _check_sandbox(settings)
    _drive_cli(lambda progress: start_run(settings, thread_id=thread_id, on_event=progress, wait=wait), str(db), as_json, strict_model)


def _check_sandbox(settings: RunSettings) -> None:
    """Before anything runs: --sandbox is a policy, and verify will have the sandbox it asks for (one line if not)."""
    from autodevos.agents.sandbox import POLICIES, SandboxUnavailable, decide
    from autodevos.graph.nodes import model_written

    try:
        if settings.sandbox not in POLICIES:
            raise ValueError(f"--sandbox {settings.sandbox!r}: use one of {', '.join(POLICIES)}")
        if settings.verify:
            decide(settings.sandbox, model_written(settings))
    except (SandboxUnavailable, ValueError) as exc:
        raise Fail(str(exc)) from None


@app.command()
@_guard
def improve(
    folder: Path = typer.Argument(..., help="An app folder AutoDevOS generated earlier (your edits in it are kept), or its project's name."),
    change: str = typer.Argument(..., help="The change, in plain language."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite file of the run that generated FOLDER."),
    thread: str = typer.Option(None, "--thread", help="Use this thread id instead of a new one (letters, digits, - and _)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON (no live table)."),
    strict_model: bool = _strict_option(),
    wait: bool = _wait_option(),
    allow_data_loss: bool = _data_loss_option(),
) -> None:
    """Change an app generated earlier: only the tasks the change touches run again, and their
    files are merged with your edits (conflicts get markers and are listed).

    Example: autodevos improve todo-app "add a field priority (low/medium/high) to task"
    """
    _need_db(db)
    if folder.exists() and not folder.is_dir():
        raise Fail(f"{folder} is not a folder")
    if thread is not None:
        check_thread_id(thread)
    _drive_cli(lambda progress: improve_run(str(folder), change, str(db), thread_id=thread, on_event=progress, wait=wait,
                                                     allow_data_loss=allow_data_loss), str(db),
               as_json, strict_model)


@app.command()
@_guard
def resume(
    thread_id: str = typer.Argument(..., help="The thread id printed when the run started."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite file of the run."),
    checkpointer: str = typer.Option(None, "--checkpointer", help="PostgreSQL URL, when the run keeps its checkpoints there (default: as stored)."),
    max_tokens_total: int = typer.Option(None, "--max-tokens-total", min=0, help="Raise (or set) the run's token budget; 0: no limit."),
    max_cost: float = typer.Option(None, "--max-cost", min=0, help="Raise (or set) the run's cost budget in USD; 0: no limit."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    strict_model: bool = _strict_option(),
    wait: bool = _wait_option(),
) -> None:
    """Continue a run that stopped (crash, kill, Ctrl-C, budget reached); finished tasks are not run again.

    Example: autodevos resume 3f2a9c1b7d4e --max-tokens-total 200000
    """
    _need_db(db)
    budget = {"max_tokens_total": max_tokens_total, "max_cost": max_cost}
    _drive_cli(lambda progress: resume_run(thread_id, str(db), on_event=progress, checkpointer=checkpointer, budget=budget, wait=wait),
               str(db), as_json, strict_model)


@app.command()
@_guard
def replay(
    thread_id: str = typer.Argument(..., help="A finished run's thread id."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="A new folder for the replayed app."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite file of the run (its response cache is used)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    strict_model: bool = _strict_option(),
) -> None:
    """Run a recorded run again with no network: every model call is answered from the response
    cache, so the app comes out the same. A call the run never made is an error.

    Example: autodevos replay 3f2a9c1b7d4e --out replayed-app
    """
    _need_db(db)
    _drive_cli(lambda progress: replay_run(thread_id, str(db), str(out_dir), on_event=progress), str(db), as_json, strict_model)


@app.command()
@_guard
def approve(
    thread_id: str = typer.Argument(..., help="The paused run's thread id."),
    decision: str = typer.Option(..., "--decision", "-d", help="approve | reject | edit | skip"),
    feedback: str = typer.Option(None, "--feedback", help="With reject: what to change, e.g. 'add a field priority to task'."),
    plan_file: Path = typer.Option(None, "--plan", help="With edit: the edited plan (YAML or JSON)."),
    who: str = typer.Option(None, "--who", help="Who decides (recorded with the decision; default: $USER)."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite file of the run."),
    checkpointer: str = typer.Option(None, "--checkpointer", help="PostgreSQL URL, when the run keeps its checkpoints there (default: as stored)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    strict_model: bool = _strict_option(),
    wait: bool = _wait_option(),
) -> None:
    """Answer a paused run from a script, then let it carry on.

    Example: autodevos approve 3f2a9c1b7d4e --decision reject --feedback "add a field priority to task"
    """
    _need_db(db)
    if decision not in ("approve", "reject", "edit", "skip"):
        raise Fail(f"--decision {decision!r}: use approve, reject, edit or skip")
    answer: dict[str, Any] = {"action": decision, "who": who or os.environ.get("USER") or "user"}
    if feedback:
        answer["feedback"] = feedback
    if decision == "edit":
        if plan_file is None:
            raise Fail("--decision edit needs --plan FILE with the edited plan")
        answer["plan"] = _read_plan_file(plan_file)
    _drive_cli(lambda progress: answer_pause(thread_id, str(db), answer, on_event=progress, checkpointer=checkpointer, wait=wait),
               str(db), as_json, strict_model)


def _read_plan_file(path: Path) -> Any:
    if not path.is_file():
        raise Fail(f"--plan {path} is not a file")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise Fail(f"--plan {path} is not readable YAML or JSON: {str(exc).splitlines()[0]}") from None


CHOICES = {"plan": ("approve", "edit", "reject", "quit"), "task": ("approve", "skip", "quit"), "result": ("approve", "reject", "quit"),
           "packages": ("approve", "reject", "quit")}


def _answer_pauses(result: RunResult, db: str, as_json: bool) -> RunResult:
    """While the run waits on a person and one is at the terminal, ask; otherwise say how to answer."""
    while result.status == "interrupted" and result.pending:
        last = (result.decisions or [{}])[-1]
        if last.get("refused"):
            err.print(f"[red]edit refused:[/red] {plain(last['refused'])}")
        question = result.pending[0]
        kind = question.get("kind", "plan")
        if kind == "budget":
            err.print(f"Run {plain(result.thread_id)} paused: {plain(str(question.get('reason')))}. Raise the budget and go on: "
                      f"autodevos resume {plain(result.thread_id)} --max-tokens-total N (or --max-cost USD)")
            return result
        if as_json or not sys.stdin.isatty():
            err.print(f"Run {plain(result.thread_id)} waits for an answer ({kind}): "
                      f"autodevos approve {plain(result.thread_id)} --decision {'|'.join(c for c in CHOICES[kind] if c != 'quit')}")
            return result
        show_question(question, result.out_dir)
        choices = CHOICES[kind]
        choice = typer.prompt(" / ".join(choices), default="approve").strip().lower()
        choice = next((c for c in choices if c.startswith(choice)), choice) if choice else "approve"
        answer: dict[str, Any] = {"action": choice, "who": os.environ.get("USER") or "user"}
        if choice == "quit":
            out.print(f"Stopped. Continue later with: autodevos resume {plain(result.thread_id)}")
            return result
        if choice not in choices:
            err.print(f"answer one of: {', '.join(choices)}")
            continue
        if choice == "reject":
            answer["feedback"] = typer.prompt("feedback")
        elif choice == "edit":
            text = typer.edit(yaml.safe_dump(question["plan"], sort_keys=False), extension=".yaml")
            if text is None:
                continue
            try:
                answer["plan"] = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                err.print(f"[red]edit refused:[/red] not YAML ({plain(str(exc).splitlines()[0])})")
                continue
        thread, given = result.thread_id, answer
        result = _with_progress(lambda progress: answer_pause(thread, db, given, on_event=progress), False)  # noqa: B023
    return result


def _with_progress(make_run, quiet: bool) -> RunResult:
    """Run one runner coroutine with the live task table (or none, for --json)."""
    progress = Progress(quiet=quiet)
    try:
        return asyncio.run(make_run(progress))
    finally:
        progress.stop()


def _drive_cli(make_run, db: str, as_json: bool, strict: bool = False) -> None:
    """A command that runs the graph: live table, questions a paused run asks, summary and exit code."""
    result = _with_progress(make_run, as_json)
    _finish(_answer_pauses(result, db, as_json), as_json, strict)


def show_question(question: dict[str, Any], out_dir: str) -> None:
    kind = question.get("kind")
    if kind == "plan":
        out.print(plan_tree(question["plan"], question.get("notes", [])))
    elif kind == "packages":
        out.print(f"[bold]verify refused model-written package files[/bold] (approve: they are installed and run, in the sandbox; "
                  f"reject: they go back to their agent)\n{plain(question['findings'])}")
    elif kind == "task":
        task = question["task"]
        out.print(f"[bold]Next task: {plain(task['id'])}[/bold] ({plain(task['agent'])}): {plain(task['description'])}")
        for dep, files in question.get("inputs", {}).items():
            out.print(f"  input from {plain(dep)}: {len(files)} files")
    elif kind == "result":
        out.print(f"[bold]Task {plain(question['task'])} {plain(question['status'])}[/bold]; {len(question['files'])} files"
                  + (f"; error: {plain(question['error'])}" if question.get("error") else ""))
        for path in question["files"][:30]:
            out.print(f"  {plain(path)}")
        shown = next((p for p in question["files"] if p.endswith((".ts", ".tsx", ".md"))), None)
        if shown and (Path(out_dir) / shown).is_file():
            text = (Path(out_dir) / shown).read_text(encoding="utf-8", errors="replace")
            out.print(Syntax("\n".join(text.splitlines()[:40]), "tsx" if shown.endswith("x") else Path(shown).suffix[1:],
                             line_numbers=True, word_wrap=True))


@app.command()
@_guard
def status(
    thread_id: str = typer.Argument(None, help="A run's thread id; without it, list the runs."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite file of the runs."),
    project: str = typer.Option(None, "--project", help="List only the runs of this project."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List runs (of one project with --project), or show one run's tasks with status, tries, duration and error.

    Example: autodevos status 3f2a9c1b7d4e
    """
    _need_db(db)
    if thread_id is None:
        runs = insp.list_runs(str(db), project)
        if as_json:
            _json(runs)
            return
        title = f"Runs of project {plain(project)} in {plain(db)}" if project is not None else f"Runs in {plain(db)}"
        table = Table(title=title, title_justify="left")
        for col in ("thread", "project", "status", "created", "request", "out"):
            table.add_column(col, overflow="fold")
        for r in runs:
            table.add_row(*(plain(x) for x in (r["thread_id"], r["project"], r["status"], r["created"], r["request"][:60], r["out_dir"])))
        out.print(table)
        return
    info = asyncio.run(insp.run_info(str(db), thread_id))
    if as_json:
        _json(info)
        return
    out.print(f"Run [bold]{plain(thread_id)}[/bold]: {plain(info['status'])} — {plain(info['request'][:100])}")
    out.print(f"Output: {plain(info['out_dir'])}")
    for note in info["notes"]:
        out.print(f"[dim]{plain(note)}[/dim]")
    out.print(task_table(info["tasks"]))
    _print_written_by(info["written_by"])
    _print_review(info["review"], thread_id)
    if info["usage"]["run"]["calls"]:
        out.print(usage_table(info["usage"]))
    for d in info["decisions"]:
        when = time.strftime("%H:%M:%S", time.localtime(d["when"]))
        what = f"{d['gate']}{' ' + d['task'] if d.get('task') else ''}: {d['action']}"
        extra = f" — {d['feedback']}" if d.get("feedback") else (f" — refused: {d['refused']}" if d.get("refused") else "")
        out.print(f"[dim]{when}[/dim] {plain(d['who'])} {plain(what)}{plain(extra)}")
    if info["waiting"]:
        if "budget" in info["waiting"]:
            out.print(f"Paused at the model budget: autodevos resume {plain(thread_id)} --max-tokens-total N (or --max-cost USD) "
                      f"goes on; autodevos approve {plain(thread_id)} --decision reject stops the run")
        else:
            out.print(f"Waiting for an answer ({', '.join(info['waiting'])}): autodevos approve {plain(thread_id)} --decision ...")


@app.command()
@_guard
def history(
    thread_id: str = typer.Argument(..., help="A run's thread id."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite file of the run."),
    checkpointer: str = typer.Option(None, "--checkpointer", help="PostgreSQL URL, when the run keeps its checkpoints there (default: as stored)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List a run's checkpoints: step, what ran, time, tasks done.

    Example: autodevos history 3f2a9c1b7d4e
    """
    _need_db(db)
    rows = asyncio.run(insp.checkpoints(str(db), thread_id, checkpointer))
    if as_json:
        _json(rows)
        return
    table = Table(title=f"Checkpoints of {plain(thread_id)}", title_justify="left")
    for col in ("checkpoint", "step", "source", "next", "time", "tasks done"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(*(plain(x) for x in (r["checkpoint_id"], r["step"], r["source"], ", ".join(r["next"]), r["created_at"], r["tasks_done"])))
    out.print(table)


@app.command()
@_guard
def fork(
    thread_id: str = typer.Argument(..., help="The run to fork."),
    at: str = typer.Option(..., "--at", help="Checkpoint id to start from (see `autodevos history`)."),
    out_dir: Path = typer.Option(None, "--out", "-o", help="Folder for the fork's app (default: out/NEW_THREAD)."),
    edit_plan: Path = typer.Option(None, "--edit-plan", help="An edited plan (YAML or JSON) for the fork."),
    thread: str = typer.Option(None, "--thread", help="Thread id for the fork (default: a new one)."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite file of the run."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Start a new run from an earlier checkpoint of THREAD_ID; the original stays as it is.

    Example: autodevos fork 3f2a9c1b7d4e --at 1f0c... --edit-plan plan.yaml --out clinic-v2
    """
    _need_db(db)
    from autodevos.graph.runner import fork_run, new_thread_id

    if thread is not None:
        check_thread_id(thread)
    new = thread or new_thread_id()
    plan = _read_plan_file(edit_plan) if edit_plan else None
    _drive_cli(lambda progress: fork_run(thread_id, str(db), at, str(out_dir or Path("out") / new), plan, new, on_event=progress), str(db), as_json)


@app.command()
@_guard
def diff(
    thread_a: str = typer.Argument(..., help="One run."),
    thread_b: str = typer.Argument(..., help="The other run."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite file of the runs."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show how the apps generated by two runs differ.

    Example: autodevos diff 3f2a9c1b7d4e 8d1e2f3a4b5c
    """
    _need_db(db)
    from autodevos.graph.runner import app_diff

    d = asyncio.run(app_diff(str(db), thread_a, thread_b))
    if as_json:
        _json(d)
        return
    out.print(f"{plain(thread_a)} → {plain(thread_b)}: {len(d['added'])} added, {len(d['removed'])} removed, "
              f"{len(d['changed'])} changed, {d['same']} the same")
    for path in d["added"]:
        out.print(f"[green]+ {plain(path)}[/]")
    for path in d["removed"]:
        out.print(f"[red]- {plain(path)}[/]")
    for path in d["changed"]:
        out.print(Syntax(d["diffs"][path], "diff", word_wrap=True))


@app.command()
@_guard
def projects(
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite file of the runs."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the projects in a run database: each with its last run, that run's status and folder, and how many runs it has.

    Example: autodevos projects --db checkpoints/autodevos.sqlite
    """
    _need_db(db)
    rows = insp.list_projects(str(db))
    if as_json:
        _json(rows)
        return
    table = Table(title=f"Projects in {plain(db)}", title_justify="left")
    for col in ("project", "runs", "last run", "status", "when", "folder"):
        table.add_column(col, overflow="fold")
    for r in rows:
        style = STATUS_STYLE.get(r["status"], "")
        status_text = f"[{style}]{plain(r['status'])}[/]" if style else plain(r["status"])
        table.add_row(plain(r["project"]), str(r["runs"]), plain(r["last_run"]), status_text, plain(r["updated"]), plain(r["out_dir"]))
    out.print(table)


@app.command("agents")
@_guard
def list_agents(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the agents this installation has: built-in and plugins (entry point group autodevos.agents),
    where each sits in the default plan, and whether a model can write its files.

    Example: autodevos agents
    """
    rows = registry.listing()
    if as_json:
        _json({"agents": rows, "problems": list(registry.problems())})
        return
    table = Table(title="Agents", title_justify="left")
    for col in ("agent", "from", "in the default plan", "model role", "prompts"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(plain(r["name"]), plain(r["origin"]), plain(r["plan"]), "yes" if r["model_role"] else "no", plain(r["prompts"]))
    out.print(table)


models_app = typer.Typer(help="Know your model before a long run.", no_args_is_help=True)
app.add_typer(models_app, name="models")

VERDICT_MEANS = {
    "structured output": "the agents ask for JSON-schema structured output, then for text",
    "structured output (tool calling)": "structured asks go through a forced tool call, then text",
    "text fallback": "the agents ask for text (files in fenced blocks) straight away",
    "too weak: baseline only": "the planner uses its rules and every code agent keeps the offline generator's files",
}
RESULT_STYLE = {"supported": "green", "refused": "yellow", "wrong answer": "red", "failed": "red"}


@models_app.command("check")
@_guard
def models_check(
    model: str = typer.Argument(..., help="PROVIDER:MODEL, e.g. ollama:qwen2.5-coder or openai:gpt-4.1-mini."),
    base_url: str = typer.Option(None, "--base-url", help="OpenAI-compatible server URL (Ollama, vLLM, LM Studio)."),
    db: Path = typer.Option(None, "--db", help="Keep the verdict in this run database: runs with it use it instead of checking."),
    timeout: float = typer.Option(30.0, "--timeout", min=1, help="Seconds each check call may take."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    api_key_file: Path = typer.Option(None, "--api-key-file", help="A file whose first line is the API key (instead of OPENAI_API_KEY)."),
    api_key_keyring: str = typer.Option(None, "--api-key-keyring", help="SERVICE:USERNAME of the API key in the OS keyring."),
    config: Path = typer.Option(None, "--config", help="A run config file: its key source (api_key_file, api_key_keyring, api_key_command) is used."),
) -> None:
    """Check what a model can do before a long run: one small call each for plain text, JSON-schema
    structured output, tool calling, streaming with usage and the time of a short answer; then what
    AutoDevOS will do with it (structured output, text fallback, or too weak: baseline only).

    Example: autodevos models check ollama:qwen2.5-coder
    """
    from autodevos.agents.check import check_and_keep
    from autodevos.agents.llm import check_model

    check_model(model, base_url)
    if db is not None and db.is_dir():
        raise Fail(f"--db {db} is a folder, not a SQLite file")
    from autodevos.agents.keys import KeySource

    chosen = load_config(config) if config else {}
    if api_key_file or api_key_keyring:  # the command line's key source replaces the config file's
        chosen = {"api_key_file": str(api_key_file) if api_key_file else None, "api_key_keyring": api_key_keyring}
    keys = KeySource(file=chosen.get("api_key_file"), command=chosen.get("api_key_command"), keyring=chosen.get("api_key_keyring"))
    report = asyncio.run(check_and_keep(model, base_url, str(db) if db else None, timeout=timeout, keys=keys))
    if as_json:
        _json(report.as_json())
    if report.error:
        raise Fail(report.error)
    if as_json:
        return
    table = Table(title=f"{plain(report.model)} at {plain(report.server)}", title_justify="left")
    for col in ("capability", "result", "seconds", "detail"):
        table.add_column(col, overflow="fold")
    for p in report.probes:
        table.add_row(p.name, f"[{RESULT_STYLE[p.result]}]{p.result}[/]", f"{p.seconds:.2f}", plain(p.detail))
    out.print(table)
    verdict = report.verdict
    assert verdict is not None
    out.print(f"[bold]Verdict: {verdict.verdict}[/bold]" + (f" ({plain(verdict.why)})" if verdict.why else "")
              + f": {VERDICT_MEANS[verdict.verdict]}." + (f" Kept in {plain(db)}." if db else ""))


def _need_db(db: Path) -> None:
    if not db.exists():
        raise Fail(f"no run database at {db} (run `autodevos run` first, or pass --db)")
    if db.is_dir():
        raise Fail(f"--db {db} is a folder, not a SQLite file")


if __name__ == "__main__":
    app()
