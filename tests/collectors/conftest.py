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


