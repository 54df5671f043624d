"""Seconds from request to files on disk, and seconds for the verify steps, for three requests.

The first app starts from an empty prepared-node_modules cache (npm's own download cache may be
warm); later apps reuse the prepared node_modules (the shared install).

    python bench/time_to_app.py
"""

from __future__ import annotations

import asyncio
import os
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
    for col in ("#", "request", "to files", "verify wall", "install", "typecheck", "lint", "test", "build", "e2e", "result"):
        table.add_column(col, justify="right" if col not in ("request", "result") else "left")
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
                              result)
    Console(width=200).print(table)
    print("Step columns add both packages' times; the packages run in parallel, so 'verify wall' is less than their sum.")


if __name__ == "__main__":
    main()
