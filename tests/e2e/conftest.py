"""What the end-to-end tests need on the machine: Node/npm, and Chromium for the browser tests.

Chromium comes from Debian's package; when it is missing and we are root, it is installed here
(about 30 s). Where it cannot be installed, the browser-dependent tests are skipped with the
reason, never silently.
"""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.apt import apt_install


@pytest.fixture(scope="session")
def chromium() -> str:
    problem = apt_install("chromium", lambda: shutil.which("chromium") is not None)
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
