"""The expectations package on a small DuckDB warehouse: suites pass, fail where they should, and
count exactly the rows of the table (or partition) they validate, through GX's SQL path."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

DAYS = (dt.date(2025, 1, 1), dt.date(2025, 1, 2), dt.date(2025, 1, 3))
TERRITORIES = ("DE", "fr", "BR", "jp")
# 3 tracks, each delivered in a different (valid) form: plain, hyphenated and lower case, 'ISRC ' prefix.
TRACKS = (
    ("USS1Z2500001", "USS1Z2500001", "Song A", "Artist A"),
    ("GBAYE2500002", "GB-AYE-25-00002", "Song B", "Artist B"),
    ("DEQ192500003", "isrc deq192500003", "Song C", "Artist C"),
)
ROWS_PER_DAY = len(TERRITORIES) * len(TRACKS)  # 12
ROWS = len(DAYS) * ROWS_PER_DAY  # 36
BAD_ISRC = "US-S1Z-25-0004"  # designation of 4 digits


def _usage_rows() -> list[tuple]:
    rows, line = [], 0
    for d_index, day in enumerate(DAYS):
        for t_index, territory in enumerate(TERRITORIES):
            for k_index, (_, delivered, title, artist) in enumerate(TRACKS):
                line += 1
                streams = 100 * (d_index + 1) + 10 * t_index + k_index  # all distinct, known
                rows.append(
                    (
                        day,
                        territory,
                        delivered,
                        title,
                        artist,
                        streams,
                        f"{streams * 0.0035:.6f}",
                        "EUR",
                        "spotify_daily_streams_2025-01.csv",
                        line,
                        "batch-1",
                        "ab" * 32,
                        dt.datetime(2025, 2, 1, 6, 0),
                    )
                )
    return rows


USAGE_ROWS = _usage_rows()
TOTAL_STREAMS = sum(r[5] for r in USAGE_ROWS)
DAY2_ROWS = [r for r in USAGE_ROWS if r[0] == DAYS[1]]
DAY2_STREAMS = sum(r[5] for r in DAY2_ROWS)

USAGE_DDL = """(report_date DATE, territory_code VARCHAR, isrc VARCHAR, track_title VARCHAR,
    artist_name VARCHAR, streams BIGINT, revenue DECIMAL(18,6), currency VARCHAR,
    _file_name VARCHAR, _line_number INTEGER, _batch_id VARCHAR, _file_sha256 VARCHAR,
    _loaded_at TIMESTAMP)"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gx") / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA raw; CREATE SCHEMA marts")
        for table in ("spotify__daily_streams", "deezer__daily_streams"):
            con.execute(f"CREATE TABLE raw.{table} {USAGE_DDL}")
            con.executemany(f"INSERT INTO raw.{table} VALUES ({', '.join(['?'] * 13)})", USAGE_ROWS)
        # deezer: one malformed ISRC and one negative stream count (its revenue stays >= 0)
        con.execute("UPDATE raw.deezer__daily_streams SET isrc = ? WHERE _line_number = 5", [BAD_ISRC])
        con.execute("UPDATE raw.deezer__daily_streams SET streams = -7 WHERE _line_number = 9")

        con.execute("""CREATE TABLE raw.catalogue__tracks (isrc VARCHAR, track_title VARCHAR,
            artist_name VARCHAR, release_title VARCHAR, upc VARCHAR, release_date DATE, label_name VARCHAR,
            genre VARCHAR, duration_seconds INTEGER, _file_name VARCHAR, _line_number INTEGER,
            _batch_id VARCHAR, _file_sha256 VARCHAR, _loaded_at TIMESTAMP)""")
        for i, (isrc, _, title, artist) in enumerate(TRACKS, start=1):
            con.execute(
                "INSERT INTO raw.catalogue__tracks VALUES (?, ?, ?, 'Release', ?, DATE '2025-01-01',"
                " 'Label', 'Pop', 200, 'catalogue.csv', ?, 'batch-1', 'cd', TIMESTAMP '2025-02-01')",
                [isrc, title, artist, f"01234567890{i}", i],
            )

        con.execute("""CREATE TABLE marts.fct_usage_daily AS
            SELECT report_date AS usage_date, 'trk_' || upper(regexp_replace(isrc, '(?i)^isrc|[- ]', '', 'g'))
                       AS track_key, 'spotify' AS platform_key, upper(territory_code) AS territory_key,
                   'label_1' AS label_key, upper(regexp_replace(isrc, '(?i)^isrc|[- ]', '', 'g')) AS isrc,
                   streams, revenue, currency, revenue AS revenue_eur
            FROM raw.spotify__daily_streams""")
        # an ISRC missing from the catalogue keeps a null label_key in the real model: not an error
        con.execute("UPDATE marts.fct_usage_daily SET label_key = NULL WHERE territory_key = 'JP'")
        # raw keeps a currency's case as delivered
        con.execute("UPDATE raw.spotify__daily_streams SET currency = 'eur' WHERE _line_number = 2")
        con.execute("""CREATE TABLE marts.rpt_performance_overview AS
            SELECT usage_date, 'spotify' AS platform_code, 'Spotify' AS platform_name,
                   territory_key AS territory_code, territory_key AS territory_name, 'Europe' AS region,
                   'Label' AS label_name, 'Artist' AS artist_name, isrc, 'Song' AS track_title,
                   'Release' AS release_title, streams, revenue_eur
            FROM marts.fct_usage_daily""")
    finally:
        con.close()  # a read-only validation cannot share the process with an open read-write connection
    return path


@pytest.fixture(scope="module")
def gx_imported() -> float:
    import time

    started = time.perf_counter()
    import great_expectations  # noqa: F401

    return time.perf_counter() - started


def _names(outcomes) -> set[str]:
    return {o.name for o in outcomes}


def test_package_import_does_not_import_great_expectations() -> None:
    code = (
        "import sys, expectations, expectations.runner, expectations.suites,"
        " expectations.duckdb_connection_fix;"
        "assert 'great_expectations' not in sys.modules, 'great_expectations imported eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_raw_usage_suite_passes_and_counts_every_row(warehouse: Path, gx_imported: float) -> None:
    from expectations.runner import validate_table
    from expectations.suites import raw_usage_suite

    outcome = validate_table(
        warehouse, "raw", "spotify__daily_streams", raw_usage_suite(expected_row_count=ROWS)
    )
    print(
        f"\nimport great_expectations: {gx_imported:.2f}s; one validation of raw.spotify__daily_streams "
        f"({outcome.evaluated} expectations, {ROWS} rows): {outcome.duration_seconds:.2f}s"
    )
    print(outcome.summary())

    assert outcome.success, outcome.summary()
    assert outcome.failed == 0 and outcome.successful == outcome.evaluated == 13
    assert not outcome.error_failures and not outcome.warning_failures
    assert all(r.exception is None for r in outcome.results)
    column_checks = [r for r in outcome.results if r.element_count is not None]
    assert column_checks and all(r.element_count == ROWS for r in column_checks)
    assert outcome.row_count == ROWS
    assert outcome.result("row_count_matches_ledger").observed_value == ROWS
    assert outcome.result("isrc_well_formed").unexpected_count == 0
    assert {r.severity for r in outcome.results} == {"error", "warning"}
    json.dumps(outcome.to_dict())  # serialisable as is
    assert "\n" not in outcome.summary()


def test_raw_usage_suite_reports_exactly_the_bad_rows(warehouse: Path) -> None:
    from expectations.runner import validate_table
    from expectations.suites import raw_usage_suite

    outcome = validate_table(
        warehouse, "raw", "deezer__daily_streams", raw_usage_suite(expected_row_count=ROWS + 1)
    )

    assert not outcome.success
    assert _names(outcome.failures) == {
        "isrc_well_formed",
        "streams_non_negative",
        "row_count_matches_ledger",
    }
    assert outcome.failed == 3 and outcome.successful == outcome.evaluated - 3
    assert _names(outcome.error_failures) == {"isrc_well_formed", "streams_non_negative", "row_count_matches_ledger"}
    assert _names(outcome.warning_failures) == set()

    isrc = outcome.result("isrc_well_formed")
    assert (isrc.unexpected_count, isrc.element_count, isrc.column) == (1, ROWS, "isrc")
    assert list(isrc.partial_unexpected_list) == [BAD_ISRC]
    streams = outcome.result("streams_non_negative")
    assert streams.unexpected_count == 1 and list(streams.partial_unexpected_list) == [-7]
    assert outcome.result("row_count_matches_ledger").observed_value == ROWS

    as_dict = json.loads(json.dumps(outcome.to_dict()))
    assert set(as_dict["error_failures"]) == {"isrc_well_formed", "streams_non_negative", "row_count_matches_ledger"}
    summary = outcome.summary()
    assert "FAILED" in summary and BAD_ISRC in summary and "\n" not in summary
    print("\n" + summary)


def test_raw_catalogue_suite(warehouse: Path) -> None:
    from expectations.runner import validate_table
    from expectations.suites import raw_catalogue_suite

    good = validate_table(warehouse, "raw", "catalogue__tracks", raw_catalogue_suite(expected_row_count=3))
    assert good.success, good.summary()
    assert good.result("isrc_unique").element_count == 3

    drift = validate_table(warehouse, "raw", "catalogue__tracks", raw_catalogue_suite(expected_row_count=4))
    assert _names(drift.error_failures) == {"row_count_matches_ledger"}


def test_fct_usage_daily_reconciles_to_raw_exactly(warehouse: Path) -> None:
    from expectations.runner import validate_table
    from expectations.suites import fct_usage_daily_suite

    good = validate_table(
        warehouse,
        "marts",
        "fct_usage_daily",
        fct_usage_daily_suite(expected_total_streams=TOTAL_STREAMS, expected_row_count=ROWS),
    )
    assert good.success, good.summary()
    assert good.result("streams_non_negative").element_count == ROWS
    assert good.result("streams_reconcile_to_raw").observed_value == TOTAL_STREAMS

    off_by_one = validate_table(
        warehouse, "marts", "fct_usage_daily", fct_usage_daily_suite(expected_total_streams=TOTAL_STREAMS + 1)
    )
    assert _names(off_by_one.failures) == {"streams_reconcile_to_raw"}
    assert _names(off_by_one.error_failures) == {"streams_reconcile_to_raw"}
    assert off_by_one.result("streams_reconcile_to_raw").observed_value == TOTAL_STREAMS


def test_performance_overview_suite(warehouse: Path) -> None:
    from expectations.runner import validate_table
    from expectations.suites import performance_overview_suite

    good = validate_table(
        warehouse,
        "marts",
        "rpt_performance_overview",
        performance_overview_suite(expected_total_streams=TOTAL_STREAMS),
    )
    assert good.success, good.summary()
    bad = validate_table(
        warehouse,
        "marts",
        "rpt_performance_overview",
        performance_overview_suite(expected_total_streams=TOTAL_STREAMS - 1),
    )
    assert _names(bad.failures) == {"streams_reconcile_to_raw"}


def test_where_validates_one_partition(warehouse: Path) -> None:
    from expectations.runner import validate_table
    from expectations.suites import fct_usage_daily_suite, raw_usage_suite

    where = f"report_date = DATE '{DAYS[1].isoformat()}'"
    raw = validate_table(
        warehouse,
        "raw",
        "spotify__daily_streams",
        raw_usage_suite(expected_row_count=len(DAY2_ROWS)),
        where=where,
    )
    assert raw.success, raw.summary()
    assert raw.row_count == len(DAY2_ROWS) == ROWS_PER_DAY
    assert all(r.element_count == ROWS_PER_DAY for r in raw.results if r.element_count is not None)
    assert raw.where == where and where in raw.summary()

    # the deezer partition without the bad rows (lines 5 and 9 are on day 1) passes the error checks
    deezer = validate_table(
        warehouse,
        "raw",
        "deezer__daily_streams",
        raw_usage_suite(expected_row_count=ROWS_PER_DAY),
        where=where,
    )
    assert deezer.success, deezer.summary()

    fct = validate_table(
        warehouse,
        "marts",
        "fct_usage_daily",
        fct_usage_daily_suite(expected_total_streams=DAY2_STREAMS, expected_row_count=ROWS_PER_DAY),
        where=f"usage_date = DATE '{DAYS[1].isoformat()}'",
    )
    assert fct.success, fct.summary()
    assert fct.result("streams_reconcile_to_raw").observed_value == DAY2_STREAMS != TOTAL_STREAMS


def test_validation_releases_the_database_file(warehouse: Path) -> None:
    """After a read-only validation the file can be opened read-write in the same process again
    (DuckDB refuses a second configuration while any read-only connection is still open)."""
    from expectations.runner import validate_table
    from expectations.suites import raw_catalogue_suite

    validate_table(warehouse, "raw", "catalogue__tracks", raw_catalogue_suite(expected_row_count=3))
    con = duckdb.connect(str(warehouse))
    try:
        assert con.execute("SELECT count(*) FROM raw.catalogue__tracks").fetchone() == (3,)
    finally:
        con.close()


def test_suite_object_can_be_reused(warehouse: Path) -> None:
    from expectations.runner import validate_table
    from expectations.suites import raw_usage_suite

    suite = raw_usage_suite(expected_row_count=ROWS)
    first = validate_table(warehouse, "raw", "spotify__daily_streams", suite)
    second = validate_table(warehouse, "raw", "deezer__daily_streams", suite)
    assert first.success and not second.success
    assert len(suite.expectations) == first.evaluated


def test_sqlalchemy_url_is_accepted(warehouse: Path) -> None:
    from expectations.runner import validate_table
    from expectations.suites import raw_catalogue_suite

    outcome = validate_table(
        f"duckdb:///{warehouse}", "raw", "catalogue__tracks", raw_catalogue_suite(expected_row_count=3)
    )
    assert outcome.success, outcome.summary()


@pytest.mark.parametrize(
    ("value", "well_formed"),
    [
        ("USS1Z2500001", True),
        ("US-S1Z-25-00001", True),
        ("us-s1z-25-00001", True),
        ("ISRC USS1Z2500001", True),
        ("isrc:USS1Z2500001", False),
        ("ISRCUS-S1Z-25-00001", True),
        ("US S1Z 25 00001", True),
        ("QZ1AB2500001", True),
        ("US-S1Z-25-0001", False),  # designation of 4 digits
        ("USS1Z25000011", False),  # 13 characters
        ("1SS1Z2500001", False),  # country must be letters
        ("USS1Z2X00001", False),  # year must be digits
        ("", False),
    ],
)
def test_isrc_regex_agrees_with_ingestion(value: str, well_formed: bool) -> None:
    """The regex the suite sends to the database accepts what ingestion's normaliser accepts."""
    from expectations.suites.raw import ISRC_DELIVERED_REGEX
    from ingestion.identifiers import is_valid_isrc

    con = duckdb.connect()
    try:
        (matches,) = con.execute("SELECT ? ~ ?", [value, ISRC_DELIVERED_REGEX]).fetchone()
    finally:
        con.close()
    assert matches is well_formed
    if well_formed:
        assert is_valid_isrc(value)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    from expectations.runner import validate_table
    from expectations.suites import raw_catalogue_suite

    path = tmp_path / "thin.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA raw; CREATE TABLE raw.catalogue__tracks AS SELECT 'USS1Z2500001' AS isrc")
    finally:
        con.close()
    outcome = validate_table(path, "raw", "catalogue__tracks", raw_catalogue_suite(expected_row_count=1))
    columns = outcome.result("columns_present")
    assert not columns.success and columns.severity == "error"
    assert "upc" in columns.details["mismatched"]["missing"]
    assert "missing" in outcome.summary()
    # the expectations on the missing column raise inside GX: they count as failed, with the reason
    assert sorted(r.name for r in outcome.raised) == ["isrc_unique", "upc_digits"]  # _batch_id and upc are missing


def test_missing_table_raises(warehouse: Path) -> None:
    from expectations.runner import validate_table
    from expectations.suites import raw_catalogue_suite

    with pytest.raises(LookupError, match=r"raw\.no_such_table"):
        validate_table(warehouse, "raw", "no_such_table", raw_catalogue_suite(expected_row_count=0))


def test_staging_usage_suite_names_each_broken_rule(tmp_path: Path) -> None:
    """The staging suite on a staged report (GX's SQL path on DuckDB): a line delivered twice in a batch, a
    negative count, a territory and a currency the reference data does not hold are errors; recordings outside
    the catalogue a warning. ``where`` validates one batch: the other batch's faults are not read."""
    from expectations.runner import validate_table
    from expectations.suites.staging import staging_usage_suite

    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA staging")
        con.execute("""CREATE TABLE staging.stg_feed AS SELECT * FROM (VALUES
            (DATE '2026-11-01', 'spotify', 'DE', 'GBAAA2600001', 'EUR', 'b1', 2, 10),
            (DATE '2026-11-01', 'spotify', 'FR', 'GBAAA2600001', 'EUR', 'b1', 3, 11),
            (DATE '2026-11-01', 'spotify', 'FR', 'GBAAA2600001', 'EUR', 'b1', 3, 11),
            (DATE '2026-11-02', 'spotify', 'QQ', 'GBAAA2600001', 'EUR', 'b1', 4, -1),
            (DATE '2026-11-02', 'spotify', 'DE', 'QZZZZ2600009', 'JPY', 'b1', 5, 3),
            (DATE '2026-11-03', 'spotify', 'XX', 'GBAAA2600001', 'EUR', 'b2', 2, 7)
        ) AS t(usage_date, platform_code, territory_code, isrc, currency, batch_id, line_number, streams)""")
    suite = staging_usage_suite("stg_feed", date_column="usage_date", units_column="streams",
                                platform_codes=["spotify"], territory_codes=["DE", "FR"], currencies=["EUR", "USD"],
                                catalogue_isrcs=["GBAAA2600001"])

    outcome = validate_table(path, "staging", "stg_feed", suite, where="batch_id = 'b1'")

    assert outcome.row_count == 5 and outcome.where == "batch_id = 'b1'"
    assert _names(outcome.error_failures) == {"one_row_per_delivered_line", "units_non_negative",
                                              "territory_known", "currency_known"}
    assert _names(outcome.warning_failures) == {"isrc_in_catalogue"}
    assert outcome.result("territory_known").unexpected_count == 1
    assert list(outcome.result("territory_known").partial_unexpected_list) == ["QQ"]
    assert outcome.result("one_row_per_delivered_line").unexpected_count == 2
    assert outcome.result("isrc_in_catalogue").unexpected_count == 1
    assert "territory_known (1 unexpected, e.g. 'QQ')" in outcome.summary()
