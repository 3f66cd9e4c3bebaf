"""A PostgreSQL cluster kept under ``var/bench/pg/`` between benchmark runs, so that a
database built once (millions of rows) is reused: started with ``pg_ctl`` when needed,
stopped at the end of the run. Settings as the tests' throwaway cluster
(``tests/support/postgres.py``): fsync off, a socket in the cluster's folder."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.postgres import PostgresUnavailable, owner_prefix, server_binaries

from .rig import BenchError, free_port
from .scale_data import CACHE

BASE = CACHE / "pg"


@dataclass
class CachedCluster:
    port: int
    run_as: list[str]
    bindir: Path

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def ensure_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')

    def stop(self) -> None:
        subprocess.run(self.run_as + [str(self.bindir / "pg_ctl"), "-D", str(BASE / "data"), "-m", "fast", "stop"],
                       capture_output=True, check=False)


def start() -> CachedCluster:
    """The cached cluster, initialised on first use, started on a free port."""
    BASE.mkdir(parents=True, exist_ok=True)
    try:
        bindir, run_as = server_binaries(), owner_prefix(BASE)
    except PostgresUnavailable as exc:
        raise BenchError(str(exc)) from None
    data = BASE / "data"
    if not (data / "PG_VERSION").exists():
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run(run_as + [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                 "-E", "UTF8", "--no-sync", "--locale=C"], check=True, capture_output=True)
    port = free_port()
    options = (f"-p {port} -k {BASE} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
               "-c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=4GB")
    done = subprocess.run(run_as + [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "120",
                                    "-l", str(BASE / "server.log"), "start"], capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"pg_ctl start failed: {done.stderr or done.stdout}")
    return CachedCluster(port, run_as, bindir)
