"""Install a Debian package the tests need, once, as root; say why not when it cannot be done."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable


def apt_install(package: str, present: Callable[[], bool]) -> str | None:
    """None when the package is (now) there; otherwise the reason it could not be installed."""
    if present():
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return f"{package} is missing and apt-get is not usable here (not root)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
        if proc.returncode != 0:
            return f"`{' '.join(cmd)}` failed: {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}"
    return None if present() else f"apt-get installed {package} but it is still not found"
