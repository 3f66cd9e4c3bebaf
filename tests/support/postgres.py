"""A throwaway PostgreSQL cluster for the test session, started with initdb/pg_ctl."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .net import free_port


class PostgresUnavailable(Exception):
    pass


@dataclass
class PostgresCluster:
    host: str
    port: int
    user: str
    base: Path
    _run_as: list[str]
    _bin: Path
    _template: str | None = field(default=None, repr=False)
    _template_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self, template: str | None = None) -> str:
        """A new database: empty, or a copy of ``template`` (which must have no open connections)."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        clause = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(host=self.host, port=self.port, user=self.user, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{clause}')
        return self.url(name)

    def create_migrated_database(self) -> str:
        """A new database already at the newest migration, copied from a template made once."""
        with self._template_lock:
            if self._template is None:
                self._template = self._make_migrated_template()
            return self.create_database(template=self._template)

    def _make_migrated_template(self) -> str:
        from locker.db import Database

        url = self.create_database()
        db = Database(url)
        try:
            db.upgrade()
        finally:
            db.dispose()  # CREATE DATABASE ... TEMPLATE refuses while anyone is connected
        return url.rsplit("/", 1)[1]

    def stop(self) -> None:
        subprocess.run(self._run_as + [str(self._bin / "pg_ctl"), "-D", str(self.base / "data"),
                                       "-m", "immediate", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def server_binaries() -> Path:
    """The folder of initdb and pg_ctl."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    raise PostgresUnavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed")


def owner_prefix(base: Path) -> list[str]:
    """What runs PostgreSQL's commands on ``base``: as root (which initdb refuses), the
    ``postgres`` user, who is given ``base``."""
    if os.geteuid() != 0:
        return []
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable("running as root and there is no 'postgres' user for initdb") from None
    os.chown(base, owner.pw_uid, owner.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


def start_cluster() -> PostgresCluster:
    bindir = server_binaries()
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise PostgresUnavailable("the psycopg driver is not installed") from None
    base = Path(tempfile.mkdtemp(prefix="locker-pg-"))
    os.chmod(base, 0o755)
    run_as = owner_prefix(base)
    port = free_port()
    data = base / "data"
    subprocess.run(run_as + [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                             "-E", "UTF8", "--no-sync", "--locale=C"],
                   check=True, capture_output=True)
    options = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    result = subprocess.run(run_as + [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w",
                                      "-t", "60", "-l", str(base / "server.log"), "start"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        log = (base / "server.log").read_text(errors="replace") if (base / "server.log").exists() else ""
        raise PostgresUnavailable(f"pg_ctl start failed: {result.stderr or result.stdout}\n{log}")
    return PostgresCluster("127.0.0.1", port, "postgres", base, run_as, bindir)
