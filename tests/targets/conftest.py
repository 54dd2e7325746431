"""Fixtures for the landing contract on each target: one generated sample, its landing on DuckDB as the reference,
a throwaway PostgreSQL cluster (a fresh database per test) and a fresh chDB folder per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingestion.generator import GeneratorParams, generate
from ingestion.targets import DuckDBTarget, land_source_to
from tests.support.targets import EXTRAS, LANDED, snapshot


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    landing = tmp_path_factory.mktemp("targets_landing")
    manifest = generate(GeneratorParams(target_rows=20_000, extras=EXTRAS), landing)
    assert manifest["families"]["daily_streams"]["restatements"], "the sample must hold a restatement"
    return landing, manifest


@pytest.fixture(scope="session")
def duckdb_reference(sample: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    """The same sample landed on DuckDB (the contract on its home engine): ledger per file and table totals."""
    landing, _ = sample
    with DuckDBTarget() as target:
        target.ensure_schema(LANDED)
        for connector in LANDED:
            land_source_to(target, connector, landing)
        return snapshot(target)


@pytest.fixture()
def chdb_path(tmp_path: Path) -> Iterator[Path]:
    """A fresh chDB data folder (only one process may open it at a time: close every client before a child
    process opens it)."""
    path = tmp_path / "clickhouse"
    yield path
    shutil.rmtree(path, ignore_errors=True)
