"""A throwaway PostgreSQL cluster: initdb in a temporary folder, a free 127.0.0.1 port, stopped by pg_ctl.

    with running_postgres() as pg:
        psycopg2.connect(pg.dsn)

or ``pg = start_postgres()`` / ``pg.stop()`` in a test fixture. The tests and ``make bench`` (the same dbt build
on DuckDB, PostgreSQL and ClickHouse) start one when no server is configured; nothing of it outlives them. Uses
the ``initdb``/``pg_ctl`` on PATH (PostgreSQL 15 here). PostgreSQL refuses to run as root: under root the cluster
is created and run as the ``postgres`` system user (``runuser``), in a folder of its own outside pytest's
(root-only) temporary tree. Only the standard library.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from orchestration.processes import free_port


class PostgresError(RuntimeError):
    pass


@dataclasses.dataclass
class PostgresCluster:
    base_dir: Path
    port: int
    run_as: str | None  # the system user running the server (None: the current user)
    user: str = "postgres"
    dbname: str = "postgres"
    running: bool = True

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname={self.dbname} connect_timeout=10"

    def stop(self) -> None:
        """Stop the server with pg_ctl (fast shutdown) and delete its folder."""
        if self.running:
            _run(self.run_as, ["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop"])
            self.running = False
        shutil.rmtree(self.base_dir, ignore_errors=True)


def _run(run_as: str | None, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess:
    command = ["runuser", "-u", run_as, "--", *args] if run_as else args
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise PostgresError(f"{' '.join(args[:2])} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def start_postgres(*, attempts: int = 3) -> PostgresCluster:
    for name in ("initdb", "pg_ctl"):
        if shutil.which(name) is None:
            raise PostgresError(f"{name} is not on PATH")
    run_as = "postgres" if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="tm-pg-"))
    if run_as:
        entry = pwd.getpwnam(run_as)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    try:
        _run(run_as, ["initdb", "-D", str(base / "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                      "--locale=C", "--no-sync"])
        for attempt in range(attempts):  # the free port may be taken between choosing and binding it
            port = free_port()
            options = (f"-p {port} -c listen_addresses=127.0.0.1 -k {base} -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off")
            proc = _run(run_as, ["pg_ctl", "-D", str(base / "data"), "-l", str(base / "server.log"), "-w", "-t", "60",
                                 "-o", options, "start"], check=False)
            if proc.returncode == 0:
                return PostgresCluster(base, port, run_as)
            if attempt == attempts - 1:
                log = (base / "server.log").read_text() if (base / "server.log").exists() else ""
                raise PostgresError(f"pg_ctl start failed:\n{proc.stdout}\n{proc.stderr}\n{log[-3000:]}")
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    raise AssertionError("unreachable")


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresCluster]:
    cluster = start_postgres()
    try:
        yield cluster
    finally:
        cluster.stop()
