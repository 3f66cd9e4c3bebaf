"""Writing a commissioned compartment map back into locker.toml.

Only the ``[[compartment]]`` blocks and the ``latched_bit`` lines change; every
other line stays as the technician wrote it. The result must load to the same
configuration apart from those changes, else nothing is written.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import replace
from pathlib import Path

from locker.config import CompartmentConfig, Config, config_from_dict
from locker.errors import ConfigError


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(#.*)?$")
_LATCHED = re.compile(r"^(\s*)latched_bit\s*=")


class RewriteError(Exception):
    """The file's layout is beyond a safe text edit (e.g. inline tables); nothing was written."""


def rewrite_config(text: str, compartments: list[CompartmentConfig], latched_bits: dict[str, int]) -> str:
    """``text`` with its ``[[compartment]]`` blocks replaced and each named bus's ``latched_bit`` set.

    Every other line stays as the technician wrote it; the result must load to the
    same configuration apart from those changes (:class:`RewriteError` otherwise).

    >>> text = '# cabinet\\n[bus]\\nurl = "loop://"\\n\\n[[compartment]]\\nlabel = "X"\\nboard = 0\\nlock = 1\\nsize = "M"\\n'
    >>> print(rewrite_config(text, [CompartmentConfig("A01", 0, 2, "L")], {"main": 0}), end="")
    # cabinet
    [bus]
    url = "loop://"
    latched_bit = 0
    <BLANKLINE>
    [[compartment]]
    label = "A01"
    board = 0
    lock = 2
    size = "L"
    """
    before = _load(text)
    names = [bus.name for bus in before.buses]
    lines = [line if line.endswith("\n") else line + "\n" for line in text.splitlines()]
    blocks = _blocks(lines)
    bus_blocks = [(start, end) for start, end, name, _ in blocks if name == "bus"]
    edits = [(*_latched_edit(lines, start, end, latched_bits[name]), 0)
             for (start, end), name in zip(bus_blocks, names) if name in latched_bits]
    comp = [(start, _content_end(lines, start, end)) for start, end, name, array in blocks
            if name == "compartment" and array]
    new_block = compartment_lines(compartments, multi=len(names) > 1)
    edits += [(start, end, new_block if i == 0 else [], 1) for i, (start, end) in enumerate(comp)]
    if not comp:
        edits.append((len(lines), len(lines), (["\n"] if lines and lines[-1].strip() else []) + new_block, 1))
    # From the end, so that earlier positions hold; at one position the compartments go last.
    for start, end, replacement, _ in sorted(edits, key=lambda e: (e[0], e[3]), reverse=True):
        lines[start:end] = replacement
    result = "".join(lines).rstrip("\n") + "\n"
    buses = tuple(replace(b, latched_bit=latched_bits.get(b.name, b.latched_bit)) for b in before.buses)
    if len(bus_blocks) != len(names) or _load(result) != replace(before, buses=buses,
                                                                  compartments=tuple(compartments)):
        raise RewriteError("the file's layout is beyond a safe text edit (inline tables or dotted keys?)")
    return result


def _load(text: str) -> Config:
    try:
        return config_from_dict(tomllib.loads(text), env={})
    except (tomllib.TOMLDecodeError, ConfigError) as exc:
        raise RewriteError(f"the file would not load: {exc}") from None


def _blocks(lines: list[str]) -> list[tuple[int, int, str, bool]]:
    """(start, end, table name, is array) of every table header outside multi-line strings."""
    heads: list[tuple[int, str, bool]] = []
    in_string = False
    for i, line in enumerate(lines):
        match = None if in_string else _HEADER.match(line)
        if match:
            name = ".".join(part.strip().strip("\"'") for part in match.group(2).split("."))
            heads.append((i, name, match.group(1) == "[["))
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_string = not in_string
    ends = [start for start, _, _ in heads[1:]] + [len(lines)]
    return [(start, end, name, array) for (start, name, array), end in zip(heads, ends)]


def _content_end(lines: list[str], start: int, end: int) -> int:
    """End of a block without the comments that introduce what follows it."""
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    while end < len(lines) and not lines[end].strip():
        end += 1
    return end


def _latched_edit(lines: list[str], start: int, end: int, value: int) -> tuple[int, int, list[str]]:
    for i in range(start + 1, end):
        match = _LATCHED.match(lines[i])
        if match:
            return i, i + 1, [f"{match.group(1)}latched_bit = {value}\n"]
    last = max(i for i in range(start, end) if lines[i].strip() and not lines[i].lstrip().startswith("#"))
    return last + 1, last + 1, [f"latched_bit = {value}\n"]


def compartment_lines(compartments: list[CompartmentConfig], *, multi: bool) -> list[str]:
    out: list[str] = []
    for c in compartments:
        out += ["[[compartment]]\n", f'label = "{c.label}"\n', f"board = {c.board}\n", f"lock = {c.lock}\n",
                f'size = "{c.size}"\n'] + ([f'bus = "{c.bus}"\n'] if multi else []) + ["\n"]
    return out


def write_config_file(path: Path, text: str) -> Path:
    """Copy ``path`` to ``<path>.bak``, then replace it atomically with ``text``; the backup's path."""
    backup = path.with_name(path.name + ".bak")
    shutil.copy2(path, backup)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return backup


# ---- the command --------------------------------------------------------------------------
