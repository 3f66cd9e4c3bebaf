"""Alembic environment: the connection (or URL) comes from the Config object built in
:meth:`locker.db.Database.upgrade`, so no alembic.ini is needed at runtime."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from locker import models_runs  # noqa: F401  (its tables join Base.metadata)
from locker.models import Base



def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


# Importing this file outside an Alembic run (a doctest collector, say) does nothing.
if getattr(context, "config", None) is not None:
    main()
