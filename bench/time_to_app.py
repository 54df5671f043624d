"""Seconds from request to files on disk, and seconds for the verify steps, for three requests;
then the sandbox's overhead per verify step.

The first app starts from an empty prepared-node_modules cache (npm's own download cache may be
warm); later apps reuse the prepared node_modules (the shared install). Verify runs with the
default policy (in the bubblewrap sandbox when there is one; the table says where).

The overhead table runs each step of one full-stack app (installed once first) with and without
the sandbox, alternating, `--rounds` times each, and shows the medians and their difference; the
first row is bubblewrap's own start (`true`, 20 times).

    python bench/time_to_app.py                      # both tables
    python bench/time_to_app.py --overhead-only [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autodevos.agents import verify  # noqa: E402
from autodevos.graph.runner import RunSettings, start_run  # noqa: E402
from autodevos.graph.store import close_stores  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

REQUESTS = [
    "A clinic app with patients, doctors and appointments; users must log in",
    "A todo app with tags",
    "An API only for books and authors",
]


def main() -> None:
    table = Table(title="Time to app (seconds)")
    for col in ("#", "request", "to files", "verify wall", "install", "typecheck", "lint", "test", "build", "e2e", "sandbox", "result"):
        table.add_column(col, justify="right" if col not in ("request", "sandbox", "result") else "left")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["AUTODEVOS_CACHE"] = cache  # empty: the first app prepares node_modules
        for i, request in enumerate(REQUESTS, 1):
            with tempfile.TemporaryDirectory() as tmp:
                s = RunSettings(request=request, out_dir=f"{tmp}/app", db_path=f"{tmp}/db.sqlite", verify=False)
                t0 = time.perf_counter()
                asyncio.run(start_run(s))
                gen = time.perf_counter() - t0
                close_stores()
                t1 = time.perf_counter()
                try:
                    steps = asyncio.run(verify.verify_app(Path(tmp) / "app"))
                    result = "passed"
                except verify.VerifyError as exc:
                    steps, result = exc.steps, f"FAILED: {exc}"[:60]
                wall = time.perf_counter() - t1
                by = {}
                for st in steps:
                    by[st.step] = by.get(st.step, 0.0) + st.seconds
                table.add_row(str(i), request[:40], f"{gen:.2f}", f"{wall:.1f}",
                              *(f"{by[k]:.1f}" if k in by else "-" for k in ("install", "typecheck", "lint", "test", "build", "e2e")),
                              ",".join(sorted({st.sandbox for st in steps if st.sandbox})), result)
    Console(width=200).print(table)
    print("Step columns add both packages' times; the packages run in parallel, so 'verify wall' is less than their sum.")


OVERHEAD_REQUEST = "A clinic app with patients, doctors and appointments; users must log in"
INSTALL = ["npm", "install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"]


def _steps(app: Path) -> list[tuple[str, list[str], Path, dict[str, bool], dict[str, str] | None]]:
    """(label, command, folder, run_cmd flags, extra env) of every verify step of app, one at a time."""
    found = []
    for pkg in verify.PACKAGES:
        folder = app / pkg
        if not (folder / "package.json").is_file():
            continue
        found.append((f"{pkg} install", INSTALL, folder, {"network": True, "cache": True}, None))
        have = verify.scripts(folder)
        found += [(f"{pkg} {step}", ["npm", "run", "--silent", step], folder, {}, None) for step in verify.PIPELINE if step in have]
    chrome = verify.chromium_path()
    if chrome and "e2e" in verify.scripts(app / "frontend"):
        found.append(("frontend e2e", ["npm", "run", "--silent", "e2e"], app / "frontend", {}, {"CHROMIUM_PATH": chrome}))
    tool = verify.hadolint_path()
    if tool:
        found.append(("docker hadolint", [tool, "--failure-threshold", "error", "--no-color", "backend/Dockerfile"], app, {}, None))
    return found


async def _time(cmd: list[str], folder: Path, box, flags: dict[str, bool], env: dict[str, str] | None) -> float:
    t0 = time.perf_counter()
    code, out = await verify.run_cmd(cmd, folder, 600, verify.scrubbed_env(env), box=box, **flags)
    if code != 0:
        raise SystemExit(f"`{' '.join(cmd)}` failed in {folder} ({'sandbox' if box.on else 'no sandbox'}):\n{out[-2000:]}")
    return time.perf_counter() - t0


def overhead(rounds: int) -> None:
    """Each verify step of one app with and without the sandbox; medians and the difference."""
    from autodevos.agents import sandbox

    if not sandbox.available().ok:
        raise SystemExit(f"no sandbox to measure: {sandbox.available().why}")
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "app"
        asyncio.run(start_run(RunSettings(request=OVERHEAD_REQUEST, out_dir=str(app), db_path=f"{tmp}/db.sqlite", verify=False)))
        close_stores()
        asyncio.run(verify.verify_app(app, sandbox="required"))  # installed, built: what the steps need
        tools = {"node": shutil.which("node"), "npm": shutil.which("npm"), "chromium": verify.chromium_path(),
                 "hadolint": verify.hadolint_path()}
        boxes = {"off": sandbox.prepare("off", app, tools, Path(tmp) / "s-off"),
                 "bwrap": sandbox.prepare("bwrap", app, tools, Path(tmp) / "s-bwrap")}
        times: dict[tuple[str, str], list[float]] = {}
        start = [("bwrap start (true)", ["true"], app, {}, None)]
        for label, cmd, folder, flags, env in start * 20:
            for kind, box in boxes.items():
                times.setdefault((label, kind), []).append(asyncio.run(_time(cmd, folder, box, flags, env)))
        for _ in range(rounds):
            for label, cmd, folder, flags, env in _steps(app):
                for kind, box in boxes.items():
                    times.setdefault((label, kind), []).append(asyncio.run(_time(cmd, folder, box, flags, env)))
    table = Table(title=f"Sandbox overhead per verify step (median of {rounds} runs each; seconds)")
    for col in ("step", "no sandbox", "bubblewrap", "overhead", "overhead %"):
        table.add_column(col, justify="left" if col == "step" else "right")
    labels = list(dict.fromkeys(label for label, _ in times))
    for label in labels:
        off, box = statistics.median(times[(label, "off")]), statistics.median(times[(label, "bwrap")])
        table.add_row(label, f"{off:.3f}", f"{box:.3f}", f"{box - off:+.3f}", f"{(box - off) / off * 100:+.0f}%" if off > 0.05 else "-")
    total_off = sum(statistics.median(times[(label, "off")]) for label in labels[1:])
    total_box = sum(statistics.median(times[(label, "bwrap")]) for label in labels[1:])
    table.add_row("[bold]all steps[/]", f"{total_off:.1f}", f"{total_box:.1f}", f"{total_box - total_off:+.1f}",
                  f"{(total_box - total_off) / total_off * 100:+.0f}%")
    Console(width=200).print(table)
    print("Steps run one at a time (verify runs the two packages in parallel); install is a warm `npm install "
          "--ignore-scripts` on an installed folder.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--overhead-only", action="store_true", help="Only the sandbox overhead table.")
    parser.add_argument("--rounds", type=int, default=3, help="Runs of each step in each mode (default 3).")
    args = parser.parse_args()
    if not args.overhead_only:
        main()
    overhead(args.rounds)
