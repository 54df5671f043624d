"""What the end-to-end tests need on the machine: Node/npm, and Chromium for the browser tests.

Chromium comes from Debian's package; when it is missing and we are root, it is installed here
(about 30 s). Where it cannot be installed, the browser-dependent tests are skipped with the
reason, never silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def _install_chromium() -> str | None:
    if shutil.which("chromium"):
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "Chromium is missing and apt-get is not usable here (not root)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
        if proc.returncode != 0:
            return f"`{' '.join(cmd)}` failed: {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}"
    return None if shutil.which("chromium") else "apt-get installed chromium but it is not on the PATH"


@pytest.fixture(scope="session")
def chromium() -> str:
    problem = _install_chromium()
    if problem:
        print(f"\nSKIPPING browser tests: {problem}")
        pytest.skip(problem)
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def npm() -> str:
    path = shutil.which("npm")
    if path is None:
        pytest.fail("npm is not on the PATH: the end-to-end tests need Node.js 20+ and npm")
    return path
