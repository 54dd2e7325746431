"""Reconciliation to the cent: for every delivered usage report, the units and money the marts count from it
equal the generator's truth for that file, in the currency the platform paid (``marts.rpt_delivery_reconciliation``
and ``marts.fct_usage``); a restated delivery counts nothing once its later version has landed; the quarantined
lines are listed; converted EUR totals agree with the exact product of the true amounts and the month's rate.

Every expected figure is read from the manifest (``files[*]``): this module only says which manifest key holds a
family's units and money. Reads the session's pipeline run: no second build.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import duckdb
import pytest

pytestmark = pytest.mark.slow

# source -> (manifest key of the file's units, manifest key of its money: {currency: micros} or micros in
# the file's "currency"; None when the report carries no money)
TRUTH: dict[str, tuple[str, str | None]] = {
    "spotify": ("streams", "revenue_micros"),
    "apple_music": ("streams", "revenue_micros"),
    "deezer": ("streams", "revenue_micros"),
    "dsr_spotify": ("usages", "revenue_micros"),
    "dsr_apple_music": ("usages", "revenue_micros"),
    "dsr_amazon_music": ("usages", "revenue_micros"),
    "dsr_deezer": ("usages", "revenue_micros"),
    "itunes": ("units", "proceeds_micros"),
    "beatport": ("units", "net_micros"),
    "youtube": ("views", "revenue_micros"),
    "tiktok": ("creations", "revenue_micros"),
    "instagram": ("reels", None),
}
MICRO = Decimal("0.000001")


def _counted(entry: dict[str, Any]) -> bool:
    """The file's rows count: it landed, no later version restated it, the generator counts it."""
    expected = entry.get("expected", {})
    return (expected.get("status", "landed") == "landed" and not entry.get("superseded_by")
            and entry.get("counted_in_totals", True))


def _money(entry: dict[str, Any], key: str) -> dict[str, Decimal]:
    value = entry[key]
    by_currency = value if isinstance(value, dict) else {entry["currency"]: value}
    return {currency: Decimal(micros) * MICRO for currency, micros in by_currency.items() if micros}


def _usage_files(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in manifest["files"] if f["source"] in TRUTH]


@pytest.fixture(scope="module")
def marts(pipeline_run) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(pipeline_run.warehouse_path), read_only=True)
    yield con
    con.close()


def _by_file(marts: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    rows = marts.execute("""
        select file_name, any_value(reconciliation_status), sum(units), any_value(quarantined_line_numbers),
               list(currency order by currency) filter (where currency is not null),
               list(revenue order by currency) filter (where currency is not null)
        from marts.rpt_delivery_reconciliation group by file_name""").fetchall()
    result: dict[str, dict[str, Any]] = {}
    for file_name, status, units, quarantined, currencies, revenues in rows:
        money: dict[str, Decimal] = {}
        for currency, revenue in zip(currencies or [], revenues or [], strict=True):
            if revenue:
                money[currency] = money.get(currency, Decimal(0)) + revenue
        result[file_name] = {"status": status, "units": int(units), "money": money,
                             "quarantined": [int(n) for n in quarantined.split(",")] if quarantined else []}
    return result


def test_every_usage_report_reconciles_to_the_cent_in_its_paid_currency(pipeline_run, marts) -> None:
    found = _by_file(marts)
    files = _usage_files(pipeline_run.manifest)
    assert {f["source"] for f in files} == set(TRUTH), "a usage family without files in the sample"
    checked = 0
    for entry in files:
        units_key, money_key = TRUTH[entry["source"]]
        name = entry["file"]
        row = found.get(name)
        assert row is not None, f"{entry['file']} is not in rpt_delivery_reconciliation"
        if _counted(entry):
            assert row["status"] == "counted", entry["file"]
            assert row["units"] == entry[units_key], f"{entry['file']}: units"
            if money_key is not None:
                assert row["money"] == _money(entry, money_key), f"{entry['file']}: money per currency"
            checked += 1
        else:
            assert row["status"] != "counted" and row["units"] == 0 and row["money"] == {}, entry["file"]
    assert checked >= len(TRUTH)


def test_a_restated_delivery_counts_only_its_latest_version(pipeline_run, marts) -> None:
    restated = [f for f in _usage_files(pipeline_run.manifest) if f.get("superseded_by")]
    assert restated, "the sample has no restatement"
    found = _by_file(marts)
    for entry in restated:
        name, latest = entry["file"], entry["superseded_by"]
        assert found[name]["status"] == "superseded"
        superseded_by = marts.execute("select distinct superseded_by_file_name from marts.rpt_delivery_reconciliation "
                                      "where file_name = ?", [name]).fetchall()
        assert superseded_by == [(latest,)]
        assert found[latest]["status"] == "counted"


def test_quarantined_lines_are_listed_beside_the_totals(pipeline_run, marts) -> None:
    found = _by_file(marts)
    with_faults = [f for f in _usage_files(pipeline_run.manifest) if f.get("quarantined_lines")]
    assert with_faults, "the sample has no quarantined line"
    for entry in with_faults:
        expected = sorted(q["line"] for q in entry["quarantined_lines"])
        assert found[entry["file"]]["quarantined"] == expected, entry["file"]


def test_converted_eur_totals_agree_within_half_a_cent_per_row(pipeline_run, marts) -> None:
    """The daily feeds' manifest carries the exact EUR value of each file (revenue micros x the month's rate in
    micros, in 1e-12 EUR); the mart's unrounded conversion must agree within half a cent per counted row."""
    rows = dict(marts.execute("""select file_name, sum(revenue_eur) from marts.rpt_delivery_reconciliation
                                 where reconciliation_status = 'counted' group by file_name""").fetchall())
    lines = dict(marts.execute("""select file_name, sum(usage_lines) from marts.rpt_delivery_reconciliation
                                  group by file_name""").fetchall())
    checked = 0
    for entry in _usage_files(pipeline_run.manifest):
        if "revenue_eur_pico" not in entry or not _counted(entry):
            continue
        name = entry["file"]
        truth = Decimal(entry["revenue_eur_pico"]) / Decimal(10) ** 12
        assert abs(rows[name] - truth) <= Decimal("0.005") * lines[name], entry["file"]
        assert abs(rows[name] - truth) < Decimal("0.000001"), f"{entry['file']}: conversion lost precision"
        checked += 1
    assert checked > 0


def test_fct_usage_holds_every_family_once(pipeline_run, marts) -> None:
    """Per usage type, the fact's units are the sum of the counted files' truth (no family dropped or doubled)."""
    families = {"spotify": "stream", "apple_music": "stream", "deezer": "stream", "dsr_spotify": "stream",
                "dsr_apple_music": "stream", "dsr_amazon_music": "stream", "dsr_deezer": "stream",
                "itunes": "download", "beatport": "download", "youtube": "video_view", "tiktok": "ugc_creation",
                "instagram": "ugc_creation"}
    expected: dict[tuple[str, str], int] = {}
    for entry in _usage_files(pipeline_run.manifest):
        if _counted(entry):
            family = "daily_feed" if entry["source"] in ("spotify", "apple_music", "deezer") else "other"
            key = (family, families[entry["source"]])
            expected[key] = expected.get(key, 0) + entry[TRUTH[entry["source"]][0]]
    found: dict[tuple[str, str], int] = {}
    for family, usage_type, units in marts.execute(
            "select source_family, usage_type, sum(units) from marts.fct_usage group by all").fetchall():
        key = ("daily_feed" if family == "daily_feed" else "other", usage_type)
        found[key] = found.get(key, 0) + int(units)
    assert found == expected


def test_the_royalty_export_holds_every_counted_statement_line_to_the_cent(pipeline_run, marts) -> None:
    """marts.rpt_royalty_statement_lines (what `python -m orchestration.export_royalties` writes): per counted DSR
    file, the statement's usage records, usages and net revenue; nothing from a superseded or incomplete one."""
    found = {name: (lines, int(units), revenue) for name, lines, units, revenue in marts.execute("""
        select file_name, count(*), sum(units), sum(net_revenue)
        from marts.rpt_royalty_statement_lines group by file_name""").fetchall()}
    statements = [f for f in _usage_files(pipeline_run.manifest) if f["source"].startswith("dsr_")]
    counted = [f for f in statements if _counted(f)]
    assert counted and len(counted) < len(statements)  # the sample restates and truncates a statement
    for entry in counted:
        assert found.pop(entry["file"]) == (entry["usage_records"], entry["usages"],
                                            Decimal(entry["revenue_micros"]) * MICRO), entry["file"]
    assert found == {}, "lines from statements that do not count"


def test_usage_before_a_label_transfer_stays_with_the_label_that_owned_it(pipeline_run, marts) -> None:
    """fct_usage.label_key is today's owner (row-level security); label_key_at_usage the owner on the day of use,
    from the catalogue's history: for the manifest's label transfer, earlier usage belongs to the old label."""
    transfers = [c for c in pipeline_run.manifest["families"]["catalogue"]["changes"] if "label_name" in c["after"]]
    assert transfers, "the sample has no label transfer"
    for change in transfers:
        rows = marts.execute("""
            select usage.usage_date >= cast(? as date) as after_transfer, labels.label_name, sum(usage.units)
            from marts.fct_usage as usage
            join marts.dim_label as labels on labels.label_key = usage.label_key_at_usage
            where usage.isrc in (select unnest(?)) group by all""", [change["effective"], change["isrcs"]]).fetchall()
        owners = {after: name for after, name, _ in rows}
        assert owners == {False: change["before"]["label_name"], True: change["after"]["label_name"]}, rows
        current = marts.execute("select distinct labels.label_name from marts.fct_usage as usage join marts.dim_label "
                                "as labels on labels.label_key = usage.label_key where usage.isrc in "
                                "(select unnest(?))", [change["isrcs"]]).fetchall()
        assert current == [(change["after"]["label_name"],)]
