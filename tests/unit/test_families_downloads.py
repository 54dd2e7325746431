"""iTunes and Beatport download sales land as the manifest says: rows, units and proceeds per currency."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from ingestion.connectors import EXTRA_CONNECTORS
from ingestion.connectors.beatport import BEATPORT
from ingestion.connectors.itunes import ITUNES
from tests.support.extras_sample import (
    as_decimals,
    assert_files_land_as_expected,
    land,
    money_by,
    scalar,
    write_sample,
)


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("downloads")
    landing, manifest = write_sample(folder)
    con = duckdb.connect(str(folder / "wh.duckdb"))
    results = land(con, (ITUNES, BEATPORT), landing)
    yield con, results, manifest
    con.close()


def test_itunes_files_land_with_units_and_proceeds(landed) -> None:
    con, results, manifest = landed
    assert ITUNES in EXTRA_CONNECTORS
    entries = assert_files_land_as_expected(results, manifest, {"itunes"})
    truth = manifest["families"]["itunes"]
    assert scalar(con, "SELECT count(*) FROM raw.itunes__sales") == truth["rows"] == sum(e["data_lines"]
                                                                                         for e in entries)
    units, sold, returned = con.execute("""
        SELECT sum(units), sum(units) FILTER (WHERE sale_or_return = 'S'),
               -sum(units) FILTER (WHERE sale_or_return = 'R') FROM raw.itunes__sales""").fetchone()
    assert (units, sold, returned) == (truth["units"], truth["units_sold"], truth["units_returned"])
    assert returned > 0
    assert money_by(con, "SELECT proceeds_currency, sum(proceeds) FROM raw.itunes__sales GROUP BY 1") == \
        as_decimals(truth["proceeds_by_currency"])
    # an album row has no ISRC; songs and albums as counted
    assert con.execute("SELECT count(*) FILTER (WHERE isrc IS NULL), count(*) FILTER (WHERE product_type = 'A') "
                       "FROM raw.itunes__sales").fetchone() == (truth["album_rows"], truth["album_rows"])
    for e in entries:
        per_file = money_by(con, f"SELECT proceeds_currency, sum(proceeds) FROM raw.itunes__sales "
                                 f"WHERE _file_name = '{e['file']}' GROUP BY 1")
        assert per_file == as_decimals(e["proceeds"]), e["file"]


def test_itunes_identifiers_resolve_to_the_catalogue(landed) -> None:
    con, _, manifest = landed
    isrcs = {i for (i,) in con.execute("SELECT DISTINCT isrc FROM raw.itunes__sales WHERE isrc IS NOT NULL").fetchall()}
    assert isrcs <= set(manifest["hidden"]["tracks"])
    assert scalar(con, "SELECT count(*) FROM raw.itunes__sales WHERE proceeds <> units * partner_share") == 0


def test_beatport_files_land_with_units_and_net(landed) -> None:
    con, results, manifest = landed
    entries = assert_files_land_as_expected(results, manifest, {"beatport"})
    truth = manifest["families"]["beatport"]
    assert scalar(con, "SELECT count(*) FROM raw.beatport__sales") == truth["rows"]
    assert scalar(con, "SELECT sum(units) FROM raw.beatport__sales") == truth["units"]
    assert money_by(con, "SELECT currency, sum(net_amount) FROM raw.beatport__sales GROUP BY 1") == \
        as_decimals(truth["net_by_currency"])
    assert sum(e["units"] for e in entries) == truth["units"]
    # ISRCs arrive lower-case with hyphens; normalised they are the catalogue's
    delivered = [i for (i,) in con.execute("SELECT DISTINCT isrc FROM raw.beatport__sales").fetchall()]
    assert all(i == i.lower() and "-" in i for i in delivered)
    assert {i.replace("-", "").upper() for i in delivered} <= set(manifest["hidden"]["tracks"])
    assert scalar(con, "SELECT count(*) FROM raw.beatport__sales WHERE net_amount <> units * unit_net") == 0
    assert all(v > Decimal(0) for v in as_decimals(truth["net_by_currency"]).values())
