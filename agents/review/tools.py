"""The review's analyzers: ESLint with eslint-plugin-security, and jscpd for duplicated code.

They come from the review's own toolchain (toolchain/package.json), installed once per version set
into the cache (`$AUTODEVOS_CACHE/review-tools/KEY`, ~10 s the first time, then nothing), never into
the app: the review runs before verify's `npm install`, and the app's own config is never loaded
(ESLint runs with `-c` on the toolchain's eslint.config.mjs and --no-inline-config semantics, jscpd
from a scratch folder), so a model-written config cannot turn a check off and the app's
`npm run lint` is left as it is. Neither tool runs the app's code: they parse it.

Without npm (or when the toolchain cannot be installed) both are skipped with the reason; the
routes check needs neither.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from importlib.resources import files
from pathlib import Path

from autodevos.agents.review.findings import Finding
from autodevos.agents.verify import cache_root, run_cmd, scrubbed_env

TOOLCHAIN = files("autodevos.agents.review") / "toolchain"
"""Package data: the toolchain's package.json and the review's ESLint config."""
CODE = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
INSTALLED = ".autodevos-installed"
MAX_BYTES = 400_000
"""Longer files are not analyzed (a generated bundle, not code anyone reads)."""

_install_lock = threading.Lock()
_failed: dict[str, tuple[float, str]] = {}
"""Toolchain key -> (when, why) its install failed in this process: not tried again on every review
pass, but again after RETRY_AFTER seconds (a long-lived server outlives a registry outage)."""
RETRY_AFTER = 600.0


@dataclass
class ToolRun:
    """One analyzer's run: whether it ran, how long, and what it said when it did not."""

    name: str
    ok: bool
    seconds: float = 0.0
    files: int = 0
    detail: str = ""
    skipped: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def code_files(paths: list[str]) -> list[str]:
    """The paths an analyzer reads: source files of the app, not dependencies or build output."""
    return sorted(p for p in paths if p.endswith(CODE) and not re.search(r"(^|/)(node_modules|dist|coverage)/", p))


# --- the toolchain ------------------------------------------------------------------------------


def _toolchain_text() -> tuple[str, str]:
    return (TOOLCHAIN / "package.json").read_text(encoding="utf-8"), (TOOLCHAIN / "eslint.config.mjs").read_text(encoding="utf-8")


def toolchain_key() -> str:
    package, config = _toolchain_text()
    return hashlib.sha256((package + "\0" + config).encode()).hexdigest()[:16]


def toolchain(timeout: float = 300) -> tuple[Path | None, str]:
    """(the installed toolchain's folder, '') or (None, why not). Blocking: call it in a thread.

    Installed into a scratch folder beside its place and renamed there once npm finished, so a
    killed install is never taken for a finished one and two processes never share a half-made one."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        return None, "no npm on the PATH (install Node.js 20+)"
    key = toolchain_key()
    home = cache_root() / "review-tools" / key
    if (home / INSTALLED).is_file():
        return home, ""
    with _install_lock:
        if (home / INSTALLED).is_file():
            return home, ""
        if key in _failed and time.monotonic() - _failed[key][0] < RETRY_AFTER:
            return None, _failed[key][1]
        package, config = _toolchain_text()
        home.parent.mkdir(parents=True, exist_ok=True)
        scratch = home.parent / f".{key}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        scratch.mkdir()
        try:
            (scratch / "package.json").write_text(package, encoding="utf-8")
            (scratch / "eslint.config.mjs").write_text(config, encoding="utf-8")
            try:
                done = subprocess.run(["npm", "install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"],
                                      cwd=scratch, env=scrubbed_env(), capture_output=True, text=True, timeout=timeout)
                code, out = done.returncode, (done.stdout or "") + (done.stderr or "")
            except subprocess.TimeoutExpired:
                code, out = 124, f"timed out after {timeout:.0f} s"
            if code != 0:
                last = [line for line in out.strip().splitlines() if line.strip()][-1:] or ["(no output)"]
                why = f"the review's analyzers could not be installed: npm install exited {code}: {last[0][:200]}"
                _failed[key] = (time.monotonic(), why)
                return None, why
            (scratch / INSTALLED).write_text(key, encoding="utf-8")
            try:
                scratch.rename(home)
            except OSError:  # another process put it there first
                if not (home / INSTALLED).is_file():
                    raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return home, ""


# --- ESLint ------------------------------------------------------------------------------------


async def eslint(app: Path, tools: Path, paths: list[str], texts: Mapping[str, str], timeout: float = 120) -> tuple[list[Finding], ToolRun]:
    """ESLint with the review's config over `paths` (relative to app): an "error" is blocking, a "warn" listed."""
    t0 = time.monotonic()
    out_file = Path(await asyncio.to_thread(_temp_file))
    try:
        cmd = ["node", str(tools / "node_modules" / "eslint" / "bin" / "eslint.js"), "-c", str(tools / "eslint.config.mjs"),
               "--format", "json", "--output-file", str(out_file), "--no-warn-ignored", "--no-error-on-unmatched-pattern",
               "--", *paths]
        code, said = await run_cmd(cmd, app, timeout)
        report = await asyncio.to_thread(out_file.read_text, encoding="utf-8") if code in (0, 1) else ""
    finally:
        await asyncio.to_thread(out_file.unlink, missing_ok=True)
    seconds = round(time.monotonic() - t0, 2)
    if code not in (0, 1):
        return [], ToolRun("eslint", False, seconds, len(paths), _tail(said))
    try:
        results = json.loads(report or "[]")
    except ValueError:
        return [], ToolRun("eslint", False, seconds, len(paths), "ESLint's JSON report could not be read")
    return await asyncio.to_thread(eslint_findings, app, results, texts), ToolRun("eslint", True, seconds, len(paths))


def _temp_file() -> str:
    fd, name = tempfile.mkstemp(suffix=".json", prefix="autodevos-review-")
    os.close(fd)
    return name


def eslint_findings(app: Path, results: list[dict], texts: Mapping[str, str]) -> list[Finding]:
    """ESLint's JSON report -> findings (paths relative to the app; the offending line's text is the key)."""
    root = app.resolve()
    found = []
    for result in results:
        try:
            rel = Path(result["filePath"]).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
        lines = texts.get(rel, "").splitlines()
        for m in result.get("messages", []):
            line = int(m.get("line") or 0)
            text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            if m.get("fatal") or not m.get("ruleId"):
                found.append(Finding("eslint", "parse-error", rel, line, "warning",
                                     f"the file does not parse: {m.get('message', '')}", key=m.get("message", "")))
                continue
            severity = "blocking" if m.get("severity") == 2 else "warning"
            found.append(Finding("eslint", m["ruleId"], rel, line, severity, m.get("message", ""), key=text or m.get("message", "")))
    return found


# --- duplicated code ---------------------------------------------------------------------------


async def duplication(app: Path, tools: Path, paths: list[str], baseline: Mapping[str, str], timeout: float = 120) -> tuple[list[Finding], ToolRun]:
    """jscpd over `paths`; a clone the offline generator makes too (a per-entity page is like
    another by design) is not a finding: only duplication this run's agents added."""
    t0 = time.monotonic()
    scratch = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="autodevos-jscpd-"))
    try:
        root = await asyncio.to_thread(app.resolve)
        cmd = ["node", str(tools / "node_modules" / "jscpd" / "bin" / "jscpd"), "--silent", "--absolute", "--reporters", "json",
               "--output", str(scratch), "--min-tokens", "50", "--min-lines", "5", "--format", "typescript,tsx,javascript,jsx",
               *[str(root / p) for p in paths]]
        code, said = await run_cmd(cmd, scratch, timeout)  # from a scratch folder: no .jscpd.json of the app's is read
        report_file = scratch / "jscpd-report.json"
        report = await asyncio.to_thread(lambda: report_file.read_text(encoding="utf-8") if report_file.is_file() else "")
    finally:
        await asyncio.to_thread(shutil.rmtree, scratch, True)
    seconds = round(time.monotonic() - t0, 2)
    if code != 0 or not report:
        return [], ToolRun("duplication", False, seconds, len(paths), _tail(said) or "jscpd wrote no report")
    try:
        clones = json.loads(report).get("duplicates") or []
    except (ValueError, AttributeError):
        return [], ToolRun("duplication", False, seconds, len(paths), "jscpd's JSON report could not be read")
    return await asyncio.to_thread(duplication_findings, root, clones, baseline), ToolRun("duplication", True, seconds, len(paths))


def _squash(text: str) -> str:
    return " ".join(text.split())


def duplication_findings(root: Path, clones: list[dict], baseline: Mapping[str, str]) -> list[Finding]:
    """jscpd's clones -> findings, leaving out those both of whose sides the offline generator
    writes in those very files (its per-entity files are alike by design): only what this run's
    agents added counts, a copy of the generator's own code into another file included."""
    squashed = {path: _squash(text) for path, text in baseline.items()}
    texts: dict[str, list[str]] = {}

    def side(info: dict) -> tuple[str, int, str, bool] | None:
        try:
            rel = Path(info["name"]).resolve().relative_to(root).as_posix()
            lines = texts.setdefault(rel, (root / rel).read_text(encoding="utf-8").splitlines())
        except (KeyError, ValueError, OSError, UnicodeDecodeError):
            return None
        start, end = int(info.get("start") or 1), int(info.get("end") or info.get("start") or 1)
        text = _squash("\n".join(lines[start - 1:end]))
        return rel, start, text, text in squashed.get(rel, "")

    found = []
    for c in clones:
        a, b = side(c.get("firstFile") or {}), side(c.get("secondFile") or {})
        if a is None or b is None or (a[3] and b[3]):
            continue
        new, other = (a, b) if not a[3] else (b, a)
        digest = hashlib.sha256(new[2].encode()).hexdigest()[:10]
        lines = int(c.get("lines") or 0)
        found.append(Finding("duplication", "duplicated-code", new[0], new[1], "warning",
                             f"{lines} lines are the same as {other[0]}:{other[1]} (a copy the generator does not make; "
                             "one shared function would keep them from drifting apart)", key=f"{other[0]} {digest}"))
    return found


def _tail(text: str, lines: int = 3) -> str:
    kept = [line for line in (text or "").strip().splitlines() if line.strip()]
    return " | ".join(kept[-lines:])[:400]
