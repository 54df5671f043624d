"""What the end-to-end tests need on the machine: Node/npm, Chromium for the browser tests, and
bubblewrap, the sandbox verify runs the apps in.

Chromium and bubblewrap come from Debian's packages; when one is missing and we are root, it is
installed here (about 30 s and 10 s). Where Chromium cannot be installed, the browser-dependent
tests are skipped with the reason, never silently. Model-written code is verified only inside the
sandbox, so the tests that need bubblewrap fail, with the reason, where it cannot be had.
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


@pytest.fixture(scope="session")
def sandbox() -> str:
    """The path of bwrap, once it is installed and can make a sandbox here."""
    from autodevos.agents import sandbox as box

    problem = apt_install("bubblewrap", lambda: shutil.which("bwrap") is not None)
    if problem:
        pytest.fail(f"{problem}: verify runs model-written code only inside bubblewrap")
    box.available.cache_clear()  # a check made before the install would still say it is missing
    found = box.available()
    if not found.ok:
        pytest.fail(f"bubblewrap cannot make a sandbox here: {found.why}")
    return shutil.which("bwrap")
