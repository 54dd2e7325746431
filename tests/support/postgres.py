"""A throwaway PostgreSQL cluster for tests: initdb in a temporary folder, a free 127.0.0.1 port, stopped by pg_ctl.

    with running_postgres() as pg:
        psycopg2.connect(pg.dsn)

or ``pg = start_postgres()`` / ``pg.stop()`` in a fixture. Uses the ``initdb``/``pg_ctl`` on PATH (PostgreSQL 15
here). PostgreSQL refuses to run as root: under root the cluster is created and run as the ``postgres`` system
user (``runuser``), in a folder of its own outside pytest's (root-only) temporary tree. Only the standard library.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.support.network import free_port


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


# --- the distribution system's database, from the generator's fixtures (family distribution_catalogue) ----------

def load_distribution_db(dsn: str, fixtures_dir: Path) -> int:
    """Create the table and load ``tracks.csv`` (the rows as they are at the start); return the row count."""
    import psycopg2

    fixtures_dir = Path(fixtures_dir)
    with contextlib.closing(psycopg2.connect(dsn)) as con, con, con.cursor() as cur:
        cur.execute((fixtures_dir / "schema.sql").read_text())
        with (fixtures_dir / "tracks.csv").open(encoding="utf-8") as fh:
            cur.copy_expert("COPY distribution.tracks FROM STDIN WITH (FORMAT csv, HEADER true)", fh)
        cur.execute("SELECT count(*) FROM distribution.tracks")
        return cur.fetchone()[0]


def apply_distribution_changes(dsn: str, fixtures_dir: Path, batch: int) -> int:
    """Apply the edits of one batch of ``changes.csv`` (each the whole row after the edit); return how many."""
    import psycopg2

    with (Path(fixtures_dir) / "changes.csv").open(encoding="utf-8", newline="") as fh:
        changes = [r for r in csv.DictReader(fh) if int(r["batch"]) == batch]
    with contextlib.closing(psycopg2.connect(dsn)) as con, con, con.cursor() as cur:
        for row in changes:
            cur.execute("""UPDATE distribution.tracks SET track_title = %(track_title)s, artist_name = %(artist_name)s,
                               release_title = %(release_title)s, upc = %(upc)s, release_date = %(release_date)s,
                               label_name = %(label_name)s, genre = nullif(%(genre)s, ''),
                               duration_seconds = %(duration_seconds)s, updated_at = %(updated_at)s
                           WHERE isrc = %(isrc)s""", row)
            if cur.rowcount != 1:
                raise PostgresError(f"no track {row['isrc']} to change")
    return len(changes)
