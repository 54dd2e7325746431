"""Shared fixtures for the collectors: one generated sample (its remote systems' data and its truth), a fresh
landing folder and warehouse per test, and a throwaway PostgreSQL cluster for the database pull."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingestion.connectors import ALL_CONNECTORS
from ingestion.contract import ensure_schema
from ingestion.generator import GeneratorParams, generate

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # tests.support is imported by path, as tests/browser does
    sys.path.insert(0, str(REPO_ROOT))

# two months keep every test fast; daily_streams needs a window longer than 30 days
PARAMS = GeneratorParams(target_rows=20_000, start_date=dt.date(2025, 9, 1), end_date=dt.date(2025, 10, 31))


@dataclasses.dataclass(frozen=True)
class Sample:
    root: Path
    manifest: dict[str, Any]
    params: GeneratorParams = PARAMS

    @property
    def fixtures(self) -> Path:
        return self.root / "api_fixtures"

    def truth(self, family: str) -> dict[str, Any]:
        return self.manifest["families"][family]


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    root = tmp_path_factory.mktemp("collectors_sample")
    return Sample(root, generate(PARAMS, root / "landing"))


@pytest.fixture()
def landing(tmp_path: Path) -> Path:
    """An empty landing folder: only what the collector under test writes arrives here."""
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


@pytest.fixture()
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_schema(con, ALL_CONNECTORS)
    yield con
    con.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    from tests.support.postgres import PostgresError, start_postgres

    try:
        cluster = start_postgres()
    except PostgresError as exc:  # pragma: no cover - only where PostgreSQL is not installed
        pytest.skip(f"no throwaway PostgreSQL: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture()
def pg_dsn(postgres: Any, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database in the session's cluster for one test."""
    import psycopg2

    name = "t_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name.lower())[:50]
    admin = psycopg2.connect(postgres.dsn)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    yield postgres.dsn.replace("dbname=postgres", f"dbname={name}")
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()
