"""The schemathesis step's pure parts: how a token is got from the API, the sandbox mounts, and how
the driver's output becomes the step's row (agents/apicheck.py)."""

from __future__ import annotations

import sys

import json
from pathlib import Path

from autodevos.agents import apicheck, apicheck_driver
from autodevos.agents.apicheck import Tool, auth_plan, mounts, python_env, read_output

CREDENTIALS = {"email": "ada@example.com", "password": "correct-horse-battery"}


def op(operation_id: str, example: dict | None = None) -> dict:
    media = {"schema": {"type": "object"}}
    if example is not None:
        media["example"] = example
    return {"post": {"operationId": operation_id, "requestBody": {"content": {"application/json": media}}, "responses": {}}}


def test_auth_plan_finds_register_and_login_and_the_example_credentials():
    api = {"paths": {"/api/auth/register": op("register", CREDENTIALS), "/api/auth/login": op("login"),
                     "/api/todos": {"get": {}}}}
    assert auth_plan(api) == {"register": "/api/auth/register", "login": "/api/auth/login", "body": CREDENTIALS}


def test_auth_plan_by_path_and_default_credentials():
    api = {"paths": {"/signup": op(""), "/users": {"post": {"operationId": "createUser"}}}}
    assert auth_plan(api) == {"register": "/signup", "login": None, "body": apicheck.DEFAULT_CREDENTIALS}


def test_no_auth_plan_without_a_register_operation():
    assert auth_plan({"paths": {"/api/auth/login": op("login"), "/api/todos": {"get": {}}}}) is None
    assert auth_plan({}) is None


def test_examples_under_examples_are_used():
    register = op("register")
    register["post"]["requestBody"]["content"]["application/json"]["examples"] = {"ada": {"value": CREDENTIALS}}
    assert auth_plan({"paths": {"/register": register}})["body"] == CREDENTIALS


def test_mounts_the_interpreter_outside_usr_at_its_own_path_and_the_packages_under_tools():
    tool = Tool("/opt/py/bin/python3.11", "/opt/py", ("/venv/site-packages", "/venv/lib64"), "/venv/bin/python")
    binds, renamed = mounts(tool)
    assert ("/opt/py", "/opt/py") in binds
    assert ("/venv/site-packages", f"{apicheck.TOOLS}/python-path/0") in binds
    assert ("/venv/lib64", f"{apicheck.TOOLS}/python-path/1") in binds
    assert renamed == {str(apicheck.DRIVER): f"{apicheck.TOOLS}/apicheck_driver.py"}
    assert (str(apicheck.DRIVER), renamed[str(apicheck.DRIVER)]) in binds
    assert python_env(tool, True)["PYTHONPATH"] == f"{apicheck.TOOLS}/python-path/0:{apicheck.TOOLS}/python-path/1"
    assert "PYTHONPATH" not in python_env(tool, False)
    usr = Tool("/usr/bin/python3.11", "/usr", ("/venv/site-packages",), "/venv/bin/python")
    assert not any(host == "/usr" for host, _ in mounts(usr)[0])


def test_a_half_made_tool_environment_is_never_used(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTODEVOS_CACHE", str(tmp_path))
    home = apicheck.tool_home()
    (home / "bin").mkdir(parents=True)
    (home / "lib/python3.11/site-packages").mkdir(parents=True)
    (home / "bin/python").symlink_to(sys.executable)
    assert apicheck._tool_in(home) is None  # no .ready: an install died half-way
    (home / ".ready").write_text(f"{apicheck.VERSION} 2.7.18\n")
    assert apicheck._tool_in(home) is None  # made by another Python: its compiled parts would not load
    (home / ".ready").write_text(f"{apicheck.VERSION} {apicheck._python_version()}\n")
    assert apicheck._tool_in(home).venv_python == str(home / "bin/python")


def test_the_driver_and_the_host_agree_on_their_markers():
    assert apicheck_driver.MARK == apicheck.MARK
    assert apicheck_driver.LOG_HEADER == apicheck.LOG_HEADER


def test_options_check_everything_with_one_worker_and_a_bound():
    config = json.loads(apicheck.driver_config("/app/docs/openapi.json", None, 270))
    args = config["args"]
    assert args[args.index("--checks") + 1] == "all" and args[args.index("--workers") + 1] == "1"
    assert int(args[args.index("--max-examples") + 1]) == apicheck.MAX_EXAMPLES
    assert config["server"] == ["node", "dist/server.js"] and config["openapi"] == "/app/docs/openapi.json"


def report(**over) -> dict:
    base = {"schemathesis_version": "4.32.5", "complete": True, "stop_reason": "completed", "exit_code": 0,
            "operations": {"total": 17, "tested": 17}, "test_cases": {"generated": 1231, "with_failures": 0},
            "failures": [], "errors": [], "warnings": {}}
    return {**base, **over}


def output(text: str, found: dict | None) -> str:
    return text + (f"\n{apicheck.MARK} {json.dumps(found)}\n" if found is not None else "")


def test_a_clean_run_passes_with_its_case_count():
    out = read_output(0, output("====== SUMMARY ======\nTest cases:\n  1231 generated, 1231 passed", report()))
    assert out.ok and out.cases == 1231
    assert out.summary == "1231 test cases on 17 operations, 0 failures"
    assert "1231 generated" in out.text and apicheck.MARK not in out.text


SCHEMATHESIS_FAILURE = """Test cases: ...
=================================== FAILURES ===================================
_________________________________ POST /api/projects _________________________________
1. Test Case ID: I0pOHh

- ST101 Server error

[500] Internal Server Error:
=================================== SUMMARY ====================================
Failures:
  ❌ ST101 Server error: 1
--- end of the backend's log ---
{"level":"error","msg":"request failed","status":500}
{"level":"error","msg":"unhandled error","err":{"message":"boom","stack":"Error: boom\\n at create (dist/x.js:3:9)"}}
"""


def test_findings_fail_the_step_and_come_first():
    found = report(exit_code=1, failures=[
        {"type": "ServerError", "code": "ST101", "title": "Server error", "count": 1, "operations": ["POST /api/projects"]},
        {"code": "ST103", "title": "Undocumented status code", "count": 2, "operations": ["POST /api/projects", "PUT /x"]}])
    out = read_output(1, output(SCHEMATHESIS_FAILURE, found))
    assert not out.ok and out.cases == 1231
    assert out.summary == "ST101 Server error: 1 (POST /api/projects) and 1 more; 1231 test cases on 17 operations"
    lines = out.text.splitlines()
    assert lines[0] == out.summary
    assert lines[1] == "ST101 Server error: 1 (POST /api/projects)"
    assert lines[2] == "ST103 Undocumented status code: 2 (POST /api/projects, PUT /x)"
    assert "Test Case ID: I0pOHh" in out.text and '"message":"boom","stack"' in out.text  # the thrown error, from the log
    assert "Failures:\n  ❌" not in out.text  # the summary section is left out


def test_a_long_account_is_cut_to_what_the_repair_hands_on_keeping_the_findings_and_the_log_error():
    long = SCHEMATHESIS_FAILURE.replace("[500] Internal Server Error:", "x" * 5000 + "\n[500] Internal Server Error:")
    long = long.replace('{"level":"error"', '{"level":"info","msg":"listening"}\n' + '{"level":"error"')
    found = report(exit_code=1, failures=[{"code": "ST101", "title": "Server error", "count": 1, "operations": ["POST /a"]}])
    out = read_output(1, output(long, found))
    assert len(out.text) <= apicheck.FEEDBACK
    assert out.text.startswith(out.summary + "\nST101 Server error: 1 (POST /a)")
    assert out.text.endswith('at create (dist/x.js:3:9)"}}')
    assert "listening" not in out.text


def test_errors_and_an_incomplete_run_fail_too():
    out = read_output(1, output("", report(errors=[{"label": "GET /x", "message": "Connection refused"}])))
    assert not out.ok and "error GET /x: Connection refused" in out.text
    out = read_output(0, output("", report(complete=False, stop_reason="interrupted")))
    assert not out.ok and "the run stopped early: interrupted" in out.text


def test_a_backend_that_does_not_start_fails_with_its_log():
    out = read_output(3, "the backend did not start (exit 1): node dist/server.js\nError: Cannot find module 'x'\n")
    assert not out.ok and out.summary.startswith("the backend did not start") and "Cannot find module" in out.text


def test_no_report_or_a_timeout_fails():
    out = read_output(2, "Traceback ...\nschemathesis wrote no report (exit 1)")
    assert not out.ok and out.summary == "schemathesis gave no report (exit 2)"
    assert not read_output(124, "timed out after 300 s").ok


def test_the_report_line_must_be_the_last_line():
    spoof = f"{apicheck.MARK} {json.dumps(report())}\nthen more output"
    assert not read_output(2, spoof).ok
