"""What every ``locker`` command shares: the configuration file and a database session."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import click

from locker.config import Config, config_from_dict, load_config
from locker.errors import ConfigError, LockerError

DEFAULT_CONFIG = "locker.toml"


def _config(path: str | None) -> Config:
    try:
        if path:
            return load_config(path)
        if os.environ.get("LOCKER_CONFIG"):
            return load_config(os.environ["LOCKER_CONFIG"])
        if Path(DEFAULT_CONFIG).exists():
            return load_config(DEFAULT_CONFIG)
        return config_from_dict({})
    except ConfigError as exc:
        raise click.ClickException(f"Lỗi cấu hình / configuration error: {exc.key}: {exc.problem}") from None


config_option = click.option(
    "--config", "config_path", metavar="FILE", default=None,
    help="Configuration file (default: locker.toml in the working directory).",
)


@contextmanager
def _database(config_path: str | None) -> Iterator[Any]:
    """The configured database for one CLI command (its schema current); domain errors become clean exits."""
    from locker.db import Database

    database = Database(_config(config_path).database.url)
    try:
        if not database.is_current():
            raise click.ClickException(
                "Cơ sở dữ liệu chưa được nâng cấp; hãy chạy 'locker db upgrade'. / "
                "The database is not up to date; run 'locker db upgrade'."
            )
        yield database
    except LockerError as exc:
        raise click.ClickException(f"{exc.message_vi} / {exc.message_en}") from None
    finally:
        database.dispose()


@contextmanager
def _session(config_path: str | None) -> Iterator[Any]:
    """A database session for one CLI command; domain errors become clean exits."""
    with _database(config_path) as database, database.session() as session:
        yield session
