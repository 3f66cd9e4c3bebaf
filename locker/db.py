"""The database: one engine, short transactions, Alembic migrations run from code.

SQLite runs in WAL mode with foreign keys on; every write transaction starts with
``BEGIN IMMEDIATE`` so that writers queue on the busy timeout instead of failing
when a read turns into a write. Read-only work (listings, GETs, health, reports) uses
``read_session()``, a deferred ``BEGIN`` that takes no write lock and refuses to flush.
PostgreSQL is reached through ``postgresql+psycopg://``.

>>> db = Database("sqlite://")
>>> db.upgrade(); db.is_current()
True
>>> with db.session() as s:
...     s.execute(text("select 1")).scalar()
1
>>> with db.read_session() as s:
...     s.execute(text("select 2")).scalar()
2
>>> db.dispose()
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from . import personal

MIGRATIONS = Path(__file__).with_name("migrations")
READ_ONLY = "locker_read_only"
log = logging.getLogger(__name__)


class Database:
    """An engine plus a session factory for one database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}),
                                           expire_on_commit=False)
        event.listen(self._read_sessions, "before_flush", _refuse_writes)
        self._secret: bytes | None = None
        #: This process's SQLite writers queue here, woken the moment the writer before them ends;
        #: SQLite's own busy handler only polls (sleeping up to 100 ms a turn), so that concurrent
        #: writers were slower than one. Other processes still meet the busy timeout.
        self._writers = threading.RLock() if self.is_sqlite else None

    def seal_with(self, secret: bytes) -> None:
        """The cabinet's secret: seals the personal-data columns (and lets a migration seal old rows)."""
        self._secret = secret
        personal.seal_with(self.engine, secret)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed when the block ends normally, rolled back otherwise."""
        queued = self._writers is not None and self._writers.acquire(timeout=SQLITE_BUSY_S)
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            if queued:
                self._writers.release()

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for reading only: on SQLite it does not take the write lock; it cannot flush."""
        session = self._read_sessions()
        try:
            yield session
            session.commit()  # nothing to write; unlike rollback, keeps loaded objects readable
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def on_session(self, name: str, listener: Callable[..., None]) -> None:
        """Listen to a SQLAlchemy session event (``after_flush``, ``after_commit``, ...) of every session."""
        event.listen(self._sessions, name, listener)

    def _alembic_config(self) -> AlembicConfig:
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        return cfg

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema up to ``revision`` (default: the newest)."""
        cfg = self._alembic_config()
        with self.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            if self.is_sqlite:  # SQLite rebuilds tables to alter them; keys are checked below
                raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    cfg.attributes["connection"] = conn
                    cfg.attributes["secret"] = self._secret
                    command.upgrade(cfg, revision)
                    if self.is_sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                        raise SQLAlchemyError("a migration left rows that break a foreign key")
            finally:
                if self.is_sqlite:
                    raw.execute("PRAGMA foreign_keys=ON")

    def is_current(self) -> bool:
        """True when the schema is at the newest migration."""
        heads = set(ScriptDirectory.from_config(self._alembic_config()).get_heads())
        with self.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
        return current == heads

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("select 1"))
            return True
        except SQLAlchemyError as exc:
            log.warning("database ping failed: %s", exc)
            return False

    def dispose(self) -> None:
        self.engine.dispose()


def _refuse_writes(session: Session, _context, _instances) -> None:  # type: ignore[no-untyped-def]
    if session.new or session.dirty or session.deleted:
        raise SQLAlchemyError("a read session cannot write; use Database.session()")


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        # One connection holds the whole in-memory database; threads take turns with it.
        engine = create_engine(url, poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=30,
                               connect_args={"check_same_thread": False})
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_S})
    _sqlite_events(engine)
    return engine


#: How long an SQLite writer waits its turn before "database is locked". 100 concurrent
#: clients (docs/RELIABILITY.md, load) kept writers queued beyond 5 s, and the wait then
#: reached a person as 503; waiting as long as PostgreSQL's pool does keeps it inside.
SQLITE_BUSY_S = 30.0


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # Take transaction control away from the driver so that BEGIN IMMEDIATE is ours.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_S * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")
