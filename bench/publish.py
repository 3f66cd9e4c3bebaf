"""``python -m bench NAME --publish``: a benchmark's results into docs/PERFORMANCE.md.

Each publishing benchmark owns the text between ``<!-- bench:NAME -->`` and
``<!-- /bench:NAME -->`` in that document; everything around the markers (what the
figures mean, what was changed) is written by hand and left alone.

>>> text = "# P\\n<!-- bench:demo -->\\nold\\n<!-- /bench:demo -->\\nkept\\n"
>>> print(replace_block(text, "demo", "new"))
# P
<!-- bench:demo -->
new
<!-- /bench:demo -->
kept
<BLANKLINE>
"""

from __future__ import annotations

import os
import platform
import re
import sys
import time
from pathlib import Path

from .table import Table

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"


def machine() -> str:
    """The machine as the figures need it: architecture, cores and the load average now."""
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (f"`{platform.machine()}`, {os.cpu_count()} cores, load average {load} at the start "
            f"(1, 5, 15 min), Python {sys.version.split()[0]}")


def replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- bench:{re.escape(name)} -->\n).*?(\n<!-- /bench:{re.escape(name)} -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"docs/PERFORMANCE.md has no <!-- bench:{name} --> block")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text, count=1)


def publish(name: str, tables: list[Table], *, command: str, started: str, seconds: float,
            document: Path = DOCUMENT) -> None:
    """Write the results of one run of benchmark ``name`` into its block."""
    lines = [f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {started}; "
             f"`{command}` took {seconds:.0f} s.", ""]
    for table in tables:
        lines += ["```", table.render(), "```", ""]
    document.write_text(replace_block(document.read_text(encoding="utf-8"), name, "\n".join(lines).rstrip()),
                        encoding="utf-8")
