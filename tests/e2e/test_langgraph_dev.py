"""The same graph under `langgraph dev`, driven with langgraph-sdk: run to the plan interrupt,
read the plan from the state, resume with an approval, and see every task complete."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    log = open(tmp_path / "langgraph-dev.log", "w")  # outside the watched folder
    env = {**os.environ, "LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false", "LANGSMITH_API_KEY": ""}
    cli = Path(sys.executable).with_name("langgraph")
    proc = subprocess.Popen([str(cli), "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "/ok", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                assert proc.poll() is None, (tmp_path / "langgraph-dev.log").read_text()[-3000:]
                time.sleep(0.5)
        else:
            raise AssertionError("langgraph dev did not start: " + (tmp_path / "langgraph-dev.log").read_text()[-3000:])
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    assert "BlockingError" not in (tmp_path / "langgraph-dev.log").read_text()


@pytest.mark.e2e
def test_studio_server_runs_to_the_plan_interrupt_and_resumes(server, tmp_path):
    from langgraph_sdk import get_client

    context = {"approval": "plan", "out_dir": str(tmp_path / "app"), "db_path": str(tmp_path / "db.sqlite"), "verify": False}

    async def drive():
        client = get_client(url=server)
        thread = await client.threads.create()
        tid = thread["thread_id"]
        run = await client.runs.create(tid, "autodevos", input={"request": "A clinic app with patients and doctors"}, context=context)
        await client.runs.join(tid, run["run_id"])
        paused = await client.threads.get_state(tid)
        paused["app_written"] = (tmp_path / "app" / "backend").exists()
        run = await client.runs.create(tid, "autodevos", command={"resume": {"action": "approve", "who": "studio"}}, context=context)
        await client.runs.join(tid, run["run_id"])
        return paused, await client.threads.get_state(tid)

    paused, done = asyncio.run(drive())
    assert paused["next"] == ["approve_plan"]
    assert paused["interrupts"][0]["value"]["kind"] == "plan"
    assert {e["name"] for e in paused["values"]["plan"]["spec"]["entities"]} == {"Patient", "Doctor"}
    assert not paused["app_written"]  # nothing ran before the answer
    assert done["next"] == []
    assert {t: r["status"] for t, r in done["values"]["tasks"].items()} == dict.fromkeys(["backend", "frontend", "devops", "tests", "docs"], "completed")
    assert done["values"]["decisions"][0]["who"] == "studio"
    assert (tmp_path / "app" / "frontend" / "package.json").is_file()


@pytest.mark.e2e
def test_studio_reads_the_graph_schemas(server):
    """What Studio shows as the run's form: the input, output and context schemas, read through the SDK."""
    from langgraph_sdk import get_client

    async def schemas():
        client = get_client(url=server)
        assistant = (await client.assistants.search(graph_id="autodevos"))[0]
        return await client.assistants.get_schemas(assistant["assistant_id"])

    found = asyncio.run(schemas())
    assert "request" in found["input_schema"]["properties"]
    assert {"request", "plan", "tasks", "outcome"} <= set(found["output_schema"]["properties"])
    assert {"out_dir", "db_path", "verify", "approval", "model"} <= set(found["context_schema"]["properties"])


@pytest.mark.e2e
def test_studio_run_with_verify_completes_without_allow_blocking(server, tmp_path, npm, chromium, sandbox):
    """The server runs with its blocking-call check on (no --allow-blocking); verify installs, checks,
    tests, builds and browser-tests the app inside a graph node, every step in the sandbox (the same
    code path as the CLI), and the run completes. The fixture then checks the server's log for
    BlockingError."""
    import httpx
    from langgraph_sdk import get_client

    context = {"out_dir": str(tmp_path / "app"), "db_path": str(tmp_path / "db.sqlite"), "verify": True, "browser": True}

    async def drive():
        client = get_client(url=server, timeout=httpx.Timeout(900.0, connect=10.0))
        thread = await client.threads.create()
        run = await client.runs.create(thread["thread_id"], "autodevos", input={"request": "A notes app with tags"},
                                       context=context)
        await client.runs.join(thread["thread_id"], run["run_id"])
        return await client.runs.get(thread["thread_id"], run["run_id"]), await client.threads.get_state(thread["thread_id"])

    run, state = asyncio.run(drive())
    assert run["status"] == "success", run
    tasks = state["values"]["tasks"]
    assert {t: r["status"] for t, r in tasks.items()} == dict.fromkeys(
        ["backend", "frontend", "devops", "tests", "docs", "code_review", "verify"], "completed"), {t: r.get("error") for t, r in tasks.items()}
    steps = {(s["package"], s["step"]): s for s in tasks["verify"]["report"]}
    assert all(s["ok"] for s in steps.values())
    assert not steps[("frontend", "e2e")].get("skipped")  # the browser test ran
    assert {s["sandbox"] for s in steps.values() if not s.get("skipped")} == {"bwrap"}, steps
