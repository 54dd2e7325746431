"""The royalty export CLI (orchestration/export_royalties.py) against a tiny DuckDB warehouse holding a
``marts.rpt_royalty_statement_lines`` table: the period's rows in order, money as exact decimal strings whose
sums equal the table's to the last decimal, the label filter, the warehouse from the settings, and an empty
period writing nothing."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration import export_royalties

ROWS = [
    # usage_key, period, platform, territory, isrc, label_key, units, net_revenue, currency, revenue_eur, line
    ("k1", "2026-10", "spotify", "US", "USS1Z9900001", "l1", 1000, "3.210001", "EUR", "3.210001000000", 7),
    ("k2", "2026-10", "spotify", "GB", "USS1Z9900001", "l1", 333, "0.000007", "EUR", "0.000007000000", 8),
    ("k3", "2026-10", "apple_music", "US", "USS1Z9900002", "l2", 10, "0.104999", "USD", "0.096600458001", 3),
    ("k4", "2026-10", "deezer", "FR", "QZABC2600001", None, 5, "-0.010000", "EUR", "-0.010000000000", 4),
    ("k5", "2026-09", "spotify", "US", "USS1Z9900001", "l1", 900, "2.900000", "EUR", "2.900000000000", 7),
]


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse" / "tunemantra.duckdb"
    path.parent.mkdir()
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute("""
            create table marts.rpt_royalty_statement_lines (
                usage_key varchar, period_label varchar, statement_period date, platform_code varchar,
                platform_name varchar, territory_code varchar, isrc varchar, upc varchar, track_title varchar,
                release_title varchar, artist_name varchar, label_key varchar, label_name varchar,
                sub_label_key varchar, sub_label_name varchar, current_label_key varchar,
                is_catalogue_match boolean, commercial_model varchar, use_type varchar, units bigint,
                net_revenue decimal(18, 6), currency varchar, revenue_eur decimal(38, 12), message_id varchar,
                sales_transaction_id varchar, file_name varchar, line_number integer, batch_id varchar,
                delivery_version integer)
        """)
        for key, period, platform, territory, isrc, label, units, revenue, currency, eur, line in ROWS:
            connection.execute(
                "insert into marts.rpt_royalty_statement_lines values "
                "(?, ?, cast(? || '-01' as date), ?, ?, ?, ?, '00724000000104', ?, 'Release, \"One\"', 'Artist', "
                "?, ?, null, null, ?, ?, 'subscription_model', 'on_demand_stream', ?, cast(? as decimal(18, 6)), "
                "?, cast(? as decimal(38, 12)), ?, 'T-' || ?, ?, ?, 'b1', 1)",
                [key, period, period, platform, platform.title(), territory, isrc, f"Track {key}", label,
                 "Label " + label if label else "Unmatched", label, label is not None, units, revenue, currency,
                 eur, f"{platform.upper()}-{period}", key, f"dsr_{platform}/statement_{period}.tsv", line])
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_exports_the_period_with_exact_sums(warehouse: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert export_royalties.main(["--period", "2026-10", "--out", str(out), "--warehouse", str(warehouse)]) == 0
    path = out / "royalty_statement_lines_2026-10.csv"
    rows = _read(path)
    assert list(rows[0]) == list(export_royalties.COLUMNS)
    # ordered by platform, territory, ISRC, file, line; the other period left out
    assert [r["usage_key"] for r in rows] == ["k3", "k4", "k2", "k1"]
    assert rows[0]["net_revenue"] == "0.104999" and rows[0]["revenue_eur"] == "0.096600458001"
    assert rows[2]["net_revenue"] == "0.000007"  # no exponent notation, no float rounding
    assert rows[1]["label_key"] == "" and rows[1]["label_name"] == "Unmatched"
    assert rows[0]["release_title"] == 'Release, "One"'  # quoted by the CSV writer, read back intact
    assert rows[0]["message_id"] == "APPLE_MUSIC-2026-10" and rows[0]["line_number"] == "3"
    # the CSV's sums equal the table's, to the last decimal
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        eur, units = connection.execute(
            "select sum(revenue_eur), sum(units) from marts.rpt_royalty_statement_lines where period_label = '2026-10'"
        ).fetchone()
        by_currency = dict(connection.execute(
            "select currency, sum(net_revenue) from marts.rpt_royalty_statement_lines "
            "where period_label = '2026-10' group by currency").fetchall())
    assert sum(Decimal(r["revenue_eur"]) for r in rows) == eur == Decimal("3.296608458001")
    assert sum(int(r["units"]) for r in rows) == units == 1348
    for currency, total in by_currency.items():
        assert sum(Decimal(r["net_revenue"]) for r in rows if r["currency"] == currency) == total
    assert by_currency == {"EUR": Decimal("3.200008"), "USD": Decimal("0.104999")}
    assert "4 lines, 1348 units, net revenue EUR 3.200008, USD 0.104999; EUR 3.296608458001" in capsys.readouterr().out


def test_label_filter_and_settings_warehouse(warehouse: Path, tmp_path: Path, monkeypatch) -> None:
    # the warehouse from the settings: <TM_VAR_DIR>/warehouse/tunemantra.duckdb
    monkeypatch.setenv("TM_VAR_DIR", str(warehouse.parent.parent))
    monkeypatch.setenv("TM_TARGET", "duckdb")
    out = tmp_path / "out"
    assert export_royalties.main(["--period", "2026-10", "--label-key", "l1", "--out", str(out)]) == 0
    rows = _read(out / "royalty_statement_lines_2026-10_l1.csv")
    assert [r["usage_key"] for r in rows] == ["k2", "k1"]
    assert sum(Decimal(r["net_revenue"]) for r in rows) == Decimal("3.210008")


def test_empty_period_or_bad_input_writes_nothing(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert export_royalties.main(["--period", "2026-11", "--out", str(out), "--warehouse", str(warehouse)]) == 1
    assert export_royalties.main(["--period", "2026-13", "--out", str(out), "--warehouse", str(warehouse)]) == 2
    assert export_royalties.main(["--period", "2026-10", "--out", str(out),
                                  "--warehouse", str(tmp_path / "missing.duckdb")]) == 2
    assert not out.exists() or not any(out.iterdir())
