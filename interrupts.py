"""Ctrl-C while the command line is still loading its modules (a second or more on a busy machine):
exit 130 with one line, not a traceback from inside an import. Nothing has started yet, so there
is nothing to resume.

main.py imports this module first; a command calls `loaded()` as it starts, which puts back the
handler Python had (a Ctrl-C is then a KeyboardInterrupt the command handles).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

_previous: Any = None


def _quiet(signum: int, frame: Any) -> None:
    sys.stderr.write("interrupted before anything started\n")
    sys.stderr.flush()
    os._exit(130)


_CLI = os.path.basename(sys.argv[0] if sys.argv else "") in ("autodevos", "main.py")
"""Only the command line itself: a program that imports AutoDevOS keeps its own Ctrl-C."""

if _CLI and threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    _previous = signal.signal(signal.SIGINT, _quiet)


def loaded() -> None:
    """The modules are loaded: Ctrl-C is Python's KeyboardInterrupt again."""
    global _previous
    if _previous is not None:
        signal.signal(signal.SIGINT, _previous)
        _previous = None
