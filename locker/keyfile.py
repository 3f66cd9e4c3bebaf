"""The HMAC secret lives in a file outside the database.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "sub", "locker.secret")
>>> key = load_or_create_secret(path)
>>> len(key), load_or_create_secret(path) == key, oct(os.stat(path).st_mode & 0o777)
(32, True, '0o600')
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .errors import ConfigError

KEY = "security.secret_file"


def load_or_create_secret(path: str | os.PathLike[str]) -> bytes:
    """Read the 32-byte secret (hex in the file), creating the file with mode 0600 if missing."""
    p = Path(path)
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _read(p)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32) + "\n")
    return _read(p)


def _read(p: Path) -> bytes:
    try:
        raw = p.read_text(encoding="ascii").strip()
        key = bytes.fromhex(raw)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(KEY, f"cannot read a hex secret from {p}: {exc}") from None
    if len(key) != 32:
        raise ConfigError(KEY, f"{p} must hold 64 hex digits (32 bytes)")
    return key
