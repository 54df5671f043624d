"""Runs where verify runs the app (inside its sandbox when there is one): the built backend, and
schemathesis against it. Standard library only and no autodevos import: inside the sandbox only
this file, the Python interpreter and the folder schemathesis is installed in are mounted.

    python apicheck_driver.py CONFIG_JSON

CONFIG_JSON: {"server": argv of the built backend, "openapi": its OpenAPI file, "args": schemathesis
options, "auth": {"register": path, "login": path, "body": credentials} or null, "timeout": seconds}.
The backend gets this process's environment plus PORT (a free port on this loopback) and
DATABASE_URL (a file in a fresh temporary folder, removed afterwards).

It prints schemathesis's own output, the end of the backend's log when something failed, and last
a line `@@schemathesis-report@@ {json}` with the run's summary (schemathesis's JSON report, minus the
per-operation rates). Exit: 0 no findings, 1 findings, 2 schemathesis gave no report, 3 the backend
did not start or log in, 4 a bad config.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

MARK = "@@schemathesis-report@@"
LOG_HEADER = "--- end of the backend's log ---"
KEEP = ("schemathesis_version", "seed", "running_time", "stop_reason", "complete", "exit_code", "operations",
        "phases", "test_cases", "failures", "errors")
LOG_TAIL = 3000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, server: subprocess.Popen, timeout: float) -> bool:
    """True once the backend accepts connections; False when it exits or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def post(url: str, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=15) as res:
            status, text = res.status, res.read()
    except urllib.error.HTTPError as err:
        status, text = err.code, err.read()
    try:
        data = json.loads(text or b"{}")
    except ValueError:
        data = {"body": text[:300].decode("utf-8", "replace")}
    return status, data if isinstance(data, dict) else {"body": data}


def token_of(data: dict) -> str | None:
    for key in ("token", "accessToken", "access_token", "jwt"):
        if isinstance(data.get(key), str) and data[key]:
            return data[key]
    return None


def log_in(base: str, auth: dict) -> str:
    """Registers the account (or, when that gives no token, logs in with it); returns its token."""
    status, data = post(base + auth["register"], auth["body"])
    token = token_of(data)
    if token is None and auth.get("login"):
        status, data = post(base + auth["login"], auth["body"])
        token = token_of(data)
    if token is None:
        raise RuntimeError(f"no token from POST {auth['register']} / {auth.get('login')}: {status} {json.dumps(data)[:300]}")
    return token


def stop(server: subprocess.Popen) -> None:
    """SIGTERM to the backend's process group, SIGKILL after 5 s."""
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(server.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            server.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def tail(path: str) -> str:
    """The last whole lines of a log, about LOG_TAIL characters."""
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    return text if len(text) <= LOG_TAIL else text[-LOG_TAIL:].split("\n", 1)[-1]


def summary(report_file: str) -> dict | None:
    try:
        with open(report_file, encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError):
        return None
    found = {k: report.get(k) for k in KEEP}
    found["warnings"] = {k: v for k, v in (report.get("warnings") or {}).items() if v}
    return found


def run(cfg: dict, tmp: str) -> int:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "DATABASE_URL": os.path.join(tmp, "api.db")}
    log_file = os.path.join(tmp, "backend.log")
    with open(log_file, "wb") as log:
        server = subprocess.Popen(cfg["server"], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        if not wait_ready(port, server, 30):
            code = server.poll()
            print(f"the backend did not start ({'exit ' + str(code) if code is not None else 'no answer in 30 s'}): "
                  f"{' '.join(cfg['server'])}\n{tail(log_file)}")
            return 3
        base = f"http://127.0.0.1:{port}"
        headers = []
        if cfg.get("auth"):
            try:
                headers = ["-H", f"Authorization: Bearer {log_in(base, cfg['auth'])}"]
            except (OSError, RuntimeError) as err:
                print(f"could not register and log in a user: {err}\n{tail(log_file)}")
                return 3
        report_file = os.path.join(tmp, "report.json")
        cmd = [sys.executable, "-m", "schemathesis.cli", "run", cfg["openapi"], "--url", base, *cfg["args"], *headers,
               "--report", "json", "--report-json-path", report_file]
        try:
            st = subprocess.run(cmd, cwd=tmp, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                timeout=cfg.get("timeout", 240))
            out, code = st.stdout.decode("utf-8", "replace"), st.returncode
        except subprocess.TimeoutExpired as err:
            out, code = (err.stdout or b"").decode("utf-8", "replace") + f"\ntimed out after {err.timeout:.0f} s", 124
        print(out.replace(headers[-1], "Authorization: Bearer [token]") if headers else out)
        found = summary(report_file)
        if code != 0:
            print(f"{LOG_HEADER}\n{tail(log_file)}")
        if found is None:
            print(f"schemathesis wrote no report (exit {code})")
            return 2
        print(f"{MARK} {json.dumps(found)}")
        return 0 if code == 0 else 1
    finally:
        stop(server)


def main(argv: list[str]) -> int:
    try:
        cfg = json.loads(argv[1])
        assert isinstance(cfg["server"], list) and isinstance(cfg["openapi"], str) and isinstance(cfg["args"], list)
    except (IndexError, ValueError, KeyError, TypeError, AssertionError) as err:
        print(f"usage: apicheck_driver.py CONFIG_JSON ({err!r})")
        return 4
    tmp = tempfile.mkdtemp(prefix="schemathesis-")
    try:
        return run(cfg, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
