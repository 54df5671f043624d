"""How text reaches the terminal: what the user typed (requests, titles, thread ids, paths, spec
names, and every message that quotes them) is data, never markup or terminal control.

Rich reads `[...]` in a printed string as markup and `:name:` as an emoji code, and passes escape
sequences through to the terminal; `plain` makes a string safe inside markup, `json_text` does the
same for `--json` output, and the CLI's consoles are made with emoji=False.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.highlighter import JSONHighlighter
from rich.markup import escape
from rich.text import Text

UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
"""C0 and C1 controls (ESC starts a terminal escape sequence), DEL, and the invisible and
direction-changing characters that can make printed text read as something else."""


def _escaped(m: re.Match[str]) -> str:
    return m.group().encode("unicode_escape").decode("ascii")


def visible(text: Any) -> str:
    """Control characters of text written as escapes (\\x1b, \\n, \\u202e); the rest as it is."""
    return UNSAFE.sub(_escaped, str(text))


def plain(text: Any) -> str:
    """Text to put inside a rich markup string: control characters escaped, brackets never markup."""
    return escape(visible(text))


def json_text(data: Any) -> Text:
    """JSON of data for the terminal (highlighted, never wrapped): every string's control characters
    are \\u escapes (json.dumps leaves DEL, C1 and the direction marks raw)."""
    raw = json.dumps(data, indent=2, ensure_ascii=False)
    safe = UNSAFE.sub(lambda m: m.group() if m.group() == "\n" else f"\\u{ord(m.group()):04x}", raw)  # \n: the layout's own
    text = JSONHighlighter()(Text(safe))
    text.no_wrap = True
    text.overflow = None  # type: ignore[assignment]
    return text
