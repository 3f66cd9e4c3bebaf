"""A commented configuration file for the commissioning tests to rewrite."""

from __future__ import annotations

from pathlib import Path

TEXT = '''# Cabinet at the district office
[database]
url = "sqlite:///var/locker.db"   # keep

[bus]
url = "URL"
latched_bit = 1   # guessed

[[compartment]]
label = "OLD1"
board = 0
lock = 1
size = "L"

[[compartment]]
label = "OLD2"   # second
board = 0
lock = 2
size = "M"

# The SMS gateway
[notify.sms]
kind = "log"
'''


def write_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "locker.toml"
    path.write_text(TEXT.replace("URL", url), encoding="utf-8")
    return path
