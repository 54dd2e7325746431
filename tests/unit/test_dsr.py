"""DDEX DSR statements: generated, read and landed as the manifest says; the reader survives damage.

Expectations come from the generator's manifest (``families.dsr_statements`` and the file entries) or
from hand-written files, never from the reader itself.
"""

from __future__ import annotations

import gzip
import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ingestion.connectors import CONNECTORS, DSR_CONNECTORS
from ingestion.connectors.dsr import DSR_SPOTIFY, read_dsr
from ingestion.contract import ensure_schema, land_file, land_source
from ingestion.generator import GeneratorParams, generate
from ingestion.readers import LandingError, SchemaDriftError

SOURCES = {c.source for c in DSR_CONNECTORS}


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory):
    landing = tmp_path_factory.mktemp("landing")
    manifest = generate(GeneratorParams(target_rows=20_000), landing)
    con = duckdb.connect(str(tmp_path_factory.mktemp("wh") / "wh.duckdb"))
    ensure_schema(con, CONNECTORS)
    results = {r.file_name: r for c in DSR_CONNECTORS for r in land_source(con, c, landing)}
    yield manifest, results, con
    con.close()


def _entries(manifest: dict) -> list[dict]:
    return [f for f in manifest["files"] if f["source"] in SOURCES]


def _raw(con, source: str, sql: str, params=None) -> list[tuple]:
    return con.execute(sql.format(t=f"raw.{source}__sales"), params or []).fetchall()


def test_every_statement_lands_as_the_manifest_says(landed) -> None:
    manifest, results, con = landed
    entries = _entries(manifest)
    assert {e["source"] for e in entries} == SOURCES
    assert set(results) == {e["file"] for e in entries}
    for entry in entries:
        r, exp = results[entry["file"]], entry["expected"]
        assert (r.status, r.rows_read, r.rows_landed, r.rows_quarantined, r.rows_duplicate) == (
            exp["status"], entry["data_lines"], exp["landed"], exp["quarantined"], exp["duplicates"]), entry["file"]
        assert r.balanced
        assert (r.period, r.territory) == (entry["period"], entry["territory"])
        if exp["status"] == "landed":
            assert r.delivery_version == exp["delivery_version"], entry["file"]
        rows, usages, revenue, lines = _raw(con, entry["source"], """
            SELECT count(*), coalesce(sum(usages), 0), coalesce(sum(net_revenue), 0), count(DISTINCT _line_number)
            FROM {t} WHERE _file_name = ?""", [entry["file"]])[0]
        assert rows == lines == exp["landed"], entry["file"]
        if exp["status"] == "landed":
            assert (usages, revenue) == (entry["usages"], Decimal(entry["revenue"])), entry["file"]
    assert con.execute("SELECT count(*) FROM raw._quarantine").fetchone()[0] == 0


def test_the_truncated_delivery_is_refused_and_its_complete_resend_lands(landed) -> None:
    manifest, results, con = landed
    truth = manifest["families"]["dsr_statements"]
    assert len(truth["incomplete"]) == 1
    fault = truth["incomplete"][0]
    assert fault["missing_usage_records"] > 0
    r = results[fault["file"]]
    assert (r.status, r.rows_landed, r.rows_quarantined) == ("incomplete", 0, 0)
    assert "the FOOT declares" in r.error and "lines" in r.error and "blocks" in r.error
    assert _raw(con, fault["source"], "SELECT count(*) FROM {t} WHERE _file_name = ?", [fault["file"]]) == [(0,)]
    ledger = con.execute("SELECT status, rows_landed FROM raw._ledger WHERE file_name = ?", [fault["file"]]).fetchall()
    assert ledger == [("incomplete", 0)]
    # the same month from the same DSP lands complete, as the first version of its period
    resend = [e for e in _entries(manifest) if (e["source"], e["period"]) == (fault["source"], fault["period"])
              and e["file"] != fault["file"]]
    assert [(results[e["file"]].status, results[e["file"]].delivery_version) for e in resend] == [("landed", 1)]


def test_the_restatement_lands_as_version_2_beside_version_1(landed) -> None:
    manifest, _, con = landed
    truth = manifest["families"]["dsr_statements"]
    assert len(truth["restatement"]) == 1
    fault = truth["restatement"][0]
    entries = {e["file"]: e for e in _entries(manifest)}
    new, old = entries[fault["file"]], entries[fault["supersedes"]]
    assert (new["expected"]["delivery_version"], old["expected"]["delivery_version"]) == (2, 1)
    assert new["usages"] == old["usages"] and new["revenue"] != old["revenue"]
    assert new["created"] > old["created"]
    versions = _raw(con, fault["source"], """
        SELECT _delivery_version, _file_name, sum(usages), sum(net_revenue) FROM {t}
        WHERE usage_period_start = ? GROUP BY ALL ORDER BY 1""", [f"{fault['period']}-01"])
    assert versions == [(1, old["file"], old["usages"], Decimal(old["revenue"])),
                        (2, new["file"], new["usages"], Decimal(new["revenue"]))]
    ledger = con.execute("SELECT file_name, delivery_version FROM raw._ledger WHERE source = ? AND period = ? "
                         "AND status = 'landed' ORDER BY delivery_version", [fault["source"], fault["period"]])
    assert ledger.fetchall() == [(old["file"], 1), (new["file"], 2)]


def test_units_and_revenue_per_dsp_equal_the_manifest(landed) -> None:
    manifest, _, con = landed
    truth = manifest["families"]["dsr_statements"]
    for source in SOURCES:
        latest = _raw(con, source, """
            WITH v AS (SELECT l.batch_id, l.period, l.delivery_version,
                              max(l.delivery_version) OVER (PARTITION BY l.period) AS newest
                       FROM raw._ledger l WHERE l.source = ? AND l.status = 'landed')
            SELECT count(*), sum(usages), sum(net_revenue), any_value(currency), count(DISTINCT v.period)
            FROM {t} JOIN v ON v.batch_id = _batch_id WHERE v.delivery_version = v.newest""", [source])[0]
        every = _raw(con, source, "SELECT count(*), sum(usages), sum(net_revenue) FROM {t}")[0]
        want, want_all = truth["by_source"][source], truth["landed_by_source"][source]
        assert latest == (want["usage_records"], want["usages"], Decimal(want["revenue"]), want["currency"],
                          want["files"]), source
        assert every == (want_all["usage_records"], want_all["usages"], Decimal(want_all["revenue"])), source


def test_a_usage_of_an_unknown_recording_lands(landed) -> None:
    manifest, _, con = landed
    unknown = manifest["families"]["dsr_statements"]["unknown_isrcs"]
    assert len(unknown) == 1
    fault = unknown[0]
    assert fault["isrc"] not in manifest["hidden"]["tracks"]  # not in the label's catalogue
    source = next(e["source"] for e in _entries(manifest) if e["file"] == fault["file"])
    found = _raw(con, source, "SELECT _line_number, upc, usages FROM {t} WHERE isrc = ?", [fault["isrc"]])
    assert [row[0] for row in found] == fault["lines"]
    assert all(row[1] and row[2] > 0 for row in found)  # resolved inside its block like any usage


def test_statements_and_daily_analytics_agree_closely(landed) -> None:
    """Accounting usages and daily analytics are separate counts of the same listening, compared over the
    months both delivered (a daily feed may miss a month, or arrive drifted and be rejected; the statement still
    comes). A daily month counts as the manifest counts it (its latest landed version), without the usage of ISRCs
    the catalogue does not hold, which the statements to the label do not carry."""
    manifest, _, _ = landed
    truth = manifest["families"]["dsr_statements"]
    daily = {(f["source"], f["period"]): f["streams"] - f.get("unknown_isrc_streams", 0) for f in manifest["files"]
             if f["source"] in manifest["totals"]["streams_by_platform"] and f["counted_in_totals"]}
    statements: dict[tuple[str, str], tuple[int, int]] = {}
    for f in truth["files"].values():
        key = (f["source"].removeprefix("dsr_"), f["period"])
        if f["status"] == "landed" and f["delivery_version"] > statements.get(key, (0, 0))[0]:
            statements[key] = (f["delivery_version"], f["usages"])
    for platform in manifest["totals"]["streams_by_platform"]:
        common = [k for k in daily if k[0] == platform and k in statements]
        assert len(common) >= 12, platform
        streams, usages = sum(daily[k] for k in common), sum(statements[k][1] for k in common)
        assert usages != streams and abs(usages - streams) / streams < 0.02, platform
    assert truth["by_source"]["dsr_amazon_music"]["usages"] > 0
    assert truth["by_source"]["dsr_amazon_music"]["currency"] == "USD"


# -- the reader on hand-written files -----------------------------------------------------------------------

TINY = """\
#HEAD\tMessageVersion\tProfile\tProfileVersion\tMessageId\tMessageCreatedDateTime\tFileNumber\tNumberOfFiles\tUsageStartDate\tUsageEndDate\tSenderPartyId\tSenderName\tServiceDescription\tRecipientPartyId\tRecipientName
#SU02\tBlockId\tSalesTransactionId\tSummaryRecordId\tReleaseReference\tResourceReference\tIsRoyaltyBearing\tNumberOfUsages\tNetRevenue
HEAD\tdsrf/1.1.2/1.6/1.0\tBasicAudioProfile\t1.0\tMSG-1\t2099-02-05T06:00:00Z\t1\t1\t2099-01-01\t2099-01-31\tPADPIDA1\tSpotify\tStreaming\tPADPIDA2\tTuneMantra
SY02\tS1\tSubscriptionModel\tOnDemandStream\tDE\tPremium\t30\t0.120000\tEUR
SY03\tS2\tAdvertisementSupportedModel\tOnDemandStream\tDE\tFree\t7\t0.007000\tEUR
RE01\tB1\tR1\tdsp:release:1\tTM::1\tCAT-1\t723000000039\tThe Band\tFirst Light
AS02\tB1\tA1\tdsp:track:1\tGB-NPR-25-00001\tNight Drive\tThe Band\tPT3M20S
AS02\tB1\tA2\tdsp:track:2\tGBNPR2500002\tHome\tThe Band & Zoë\tPT4M

SU02\tB1\tT1\tS1\tR1\tA1\ttrue\t20\t0.080000
SU02\tB1\tT2\tS1\tR1\tA2\ttrue\t10\t0.040000
SU02\tB1\tT3\tS2\tR1\tA1\ttrue\t5
SU02\tB1\tT4\tS2\tR1\tA2\tfalse\t2\t0.002000
FOOT\t11\t1
"""


TINY_NAME = "DSR_TuneMantra_Spotify_Streaming_2099-01_DE_1of1_20990205T060000.tsv"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "landing" / "dsr_spotify" / TINY_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def test_the_reader_resolves_each_usage_in_its_block(tmp_path: Path) -> None:
    read = read_dsr(_write(tmp_path, TINY), DSR_SPOTIFY)
    assert read.incomplete is None
    assert read.line_numbers == [10, 11, 13]  # physical lines: comments and the blank line count
    assert [(r.line, r.reason_code) for r in read.rejects] == [(12, "column_count")]
    assert read.rejects[0].raw_text == "SU02\tB1\tT3\tS2\tR1\tA1\ttrue\t5"
    row = {name: column[2] for name, column in zip(DSR_SPOTIFY.header, read.columns, strict=True)}
    assert row == {
        "message_id": "MSG-1", "usage_period_start": "2099-01-01", "usage_period_end": "2099-01-31",
        "service_description": "Free", "commercial_model": "AdvertisementSupportedModel", "use_type": "OnDemandStream",
        "territory": "DE", "currency": "EUR", "summary_record_id": "S2", "block_id": "B1",
        "sales_transaction_id": "T4", "dsp_release_id": "dsp:release:1", "upc": "723000000039",
        "catalog_number": "CAT-1", "release_title": "First Light", "dsp_resource_id": "dsp:track:2",
        "isrc": "GBNPR2500002", "resource_title": "Home", "display_artist": "The Band & Zoë", "duration": "PT4M",
        "royalty_bearing": "false", "usages": "2", "net_revenue": "0.002000"}


def test_a_tiny_statement_lands_with_its_malformed_usage_quarantined(tmp_path: Path) -> None:
    bad_count = TINY.replace("T2\tS1\tR1\tA2\ttrue\t10\t", "T2\tS1\tR1\tA2\ttrue\t1O\t")  # cast fails in SQL
    path = _write(tmp_path, bad_count)
    con = duckdb.connect()
    ensure_schema(con, CONNECTORS)
    r = land_file(con, DSR_SPOTIFY, path, tmp_path / "landing")
    assert (r.status, r.rows_read, r.rows_landed, r.rows_quarantined, r.period, r.territory) == (
        "landed", 4, 2, 2, "2099-01", "DE")
    assert con.execute("SELECT line_number, reason_code FROM raw._quarantine ORDER BY 1").fetchall() == [
        (11, "invalid_integer"), (12, "column_count")]
    rows = con.execute("""SELECT _line_number, isrc, upc, territory, commercial_model, duration_seconds,
                          royalty_bearing, usages, net_revenue, usage_period_start::VARCHAR
                          FROM raw.dsr_spotify__sales ORDER BY 1""").fetchall()
    assert rows == [(10, "GB-NPR-25-00001", "723000000039", "DE", "SubscriptionModel", 200, True, 20,
                     Decimal("0.080000"), "2099-01-01"),
                    (13, "GBNPR2500002", "723000000039", "DE", "AdvertisementSupportedModel", 240, False, 2,
                     Decimal("0.002000"), "2099-01-01")]


def test_unresolved_references_and_unknown_records_are_rejected(tmp_path: Path) -> None:
    text = (TINY.replace("T2\tS1\tR1\tA2", "T2\tS1\tR1\tA9")
            .replace("FOOT\t11\t1", "SU01\tB1\tT9\tS1\tR1\tA1\ttrue\t0\t0\nFOOT\t12\t1"))
    read = read_dsr(_write(tmp_path, text), DSR_SPOTIFY)
    assert read.incomplete is None
    assert [(r.line, r.reason_code) for r in read.rejects] == [
        (11, "unresolved_reference"), (12, "column_count"), (14, "unsupported_record")]
    assert "resource 'A9'" in read.rejects[0].reason


@pytest.mark.parametrize(("change", "reason"), [
    (lambda t: t.replace("SU02\tB1\tT4\tS2\tR1\tA2\tfalse\t2\t0.002000\n", ""),
     "the FOOT declares 11 lines and 1 blocks, the file has 10 lines and 1 blocks"),
    (lambda t: t.replace("T1\tS1\tR1\tA1\ttrue\t20\t", "T1\tS1\tR1\tA1\ttrue\t21\t"),
     "SY02 S1 (line 4, DE SubscriptionModel) declares 30 usages and 0.12 EUR; its usage records sum to 31 usages"),
    (lambda t: t.replace("FOOT\t11\t1\n", ""), "no FOOT record"),
    (lambda t: t + "SU02\tB1\tT5\tS1\tR1\tA1\ttrue\t1\t0.000001\n", "records after the FOOT"),
    (lambda t: t.replace("\nHEAD\t", "\nHEAD\tX\t"), "a HEAD record has 15 cells, got 16"),
    (lambda t: t.replace("SY03\tS2", "SY03\tS1"), "summary record 'S1' is defined twice"),
])
def test_control_totals_that_disagree_make_the_file_incomplete(tmp_path: Path, change, reason) -> None:
    read = read_dsr(_write(tmp_path, change(TINY.replace("\tT3\tS2\tR1\tA1\ttrue\t5\n", "\tT3\tS2\tR1\tA1\ttrue\t5\t"
                                                                                       "0.005000\n"))), DSR_SPOTIFY)
    assert read.incomplete is not None and reason in read.incomplete
    assert (read.line_numbers, read.rejects, read.rows_read) == ([], [], 0)  # refused whole


def test_the_complete_tiny_statement_has_no_problem_and_reads_gzipped(tmp_path: Path) -> None:
    text = TINY.replace("\tT3\tS2\tR1\tA1\ttrue\t5\n", "\tT3\tS2\tR1\tA1\ttrue\t5\t0.005000\n").replace("\n", "\r\n")
    path = tmp_path / "DSR_TuneMantra_Spotify_Streaming_2099-01_DE_1of1_20990205T060000.tsv.gz"
    path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    read = read_dsr(path, DSR_SPOTIFY)
    assert (read.incomplete, read.rejects, read.line_numbers) == (None, [], [10, 11, 12, 13])
    assert DSR_SPOTIFY.describe(path.name) == ("2099-01", "DE")
    assert DSR_SPOTIFY.describe("DSR_TuneMantra_Spotify_Streaming_2099-01__1of1_20990205T060000.tsv") == (
        "2099-01", None)


@pytest.mark.parametrize(("change", "error", "message"), [
    (lambda t: t.replace("\tBasicAudioProfile\t", "\tUgcProfile\t"), LandingError, "is not BasicAudioProfile"),
    (lambda t: t.replace("\t1\t1\t2099-01-01", "\t1\t3\t2099-01-01"), LandingError, "multi-file"),
    (lambda t: t.replace("#SU02\tBlockId\tSalesTransactionId", "#SU02\tBlockId\tTransactionId"), SchemaDriftError,
     "column 'TransactionId' arrived where 'SalesTransactionId' was expected"),
])
def test_a_foreign_file_is_rejected_whole(tmp_path: Path, change, error, message) -> None:
    with pytest.raises(error, match=message):
        read_dsr(_write(tmp_path, change(TINY)), DSR_SPOTIFY)


# -- property: damaged files never crash the reader and never lose a good usage silently ---------------------

def _valid_file() -> tuple[list[bytes], dict[int, set[int]]]:
    """Lines of a valid statement, and for each SU line the lines it depends on (HEAD, its summary, its
    block's release and resource)."""
    summaries = {"S1": ("SY02", "SubscriptionModel", "DE"), "S2": ("SY03", "AdvertisementSupportedModel", "DE"),
                 "S3": ("SY02", "SubscriptionModel", "FR")}
    blocks = {"B1": ["A1", "A2"], "B2": ["A1"]}
    usages = [("B1", "S1", "A1", 12, 48_000), ("B1", "S2", "A1", 3, 1_200), ("B1", "S1", "A2", 7, 28_000),
              ("B1", "S3", "A2", 1, 3_900), ("B2", "S1", "A1", 40, 160_000), ("B2", "S3", "A1", 2, 7_800),
              ("B2", "S2", "A1", 9, 3_600)]
    lines = ["#SU02\tBlockId\tSalesTransactionId\tSummaryRecordId\tReleaseReference\tResourceReference\t"
             "IsRoyaltyBearing\tNumberOfUsages\tNetRevenue",
             "HEAD\tdsrf/1.1.2/1.6/1.0\tBasicAudioProfile\t1.0\tM1\t2099-02-05T06:00:00Z\t1\t1\t2099-01-01\t"
             "2099-01-31\tP1\tSpotify\tStreaming\tP2\tTuneMantra"]
    at: dict[str, int] = {"HEAD": 1}
    for sid, (kind, model, territory) in summaries.items():
        n = sum(u[3] for u in usages if u[1] == sid)
        micros = sum(u[4] for u in usages if u[1] == sid)
        at[sid] = len(lines)
        lines.append(f"{kind}\t{sid}\t{model}\tOnDemandStream\t{territory}\tPremium\t{n}\t{micros / 1e6:.6f}\tEUR")
    deps: dict[int, set[int]] = {}
    tx = 0
    for b, resources in blocks.items():
        at[f"{b}/R1"] = len(lines)
        lines.append(f"RE01\t{b}\tR1\tdsp:r:{b}\tTM::{b}\tCAT\t72300000003{b[-1]}\tArtist\tRelease {b}")
        for a in resources:
            at[f"{b}/{a}"] = len(lines)
            lines.append(f"AS02\t{b}\t{a}\tdsp:t:{b}{a}\tGBNPR250000{b[-1]}\tSong {b}{a}\tArtist\tPT3M{a[-1]}S")
        for block, sid, a, n, micros in usages:
            if block == b:
                tx += 1
                deps[len(lines)] = {at["HEAD"], at[sid], at[f"{b}/R1"], at[f"{b}/{a}"]}
                lines.append(f"SU02\t{b}\tT{tx}\t{sid}\tR1\t{a}\ttrue\t{n}\t{micros / 1e6:.6f}")
    lines.append(f"FOOT\t{len(lines)}\t{len(blocks)}")  # records: every line but the comment, plus the FOOT
    return [line.encode() for line in lines], deps


VALID, DEPENDS_ON = _valid_file()
_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=40)
_mutation = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 99)),
    st.tuples(st.just("duplicate"), st.integers(0, 99)),
    st.tuples(st.just("swap"), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.just("replace"), st.integers(0, 99), _text),
    st.tuples(st.just("insert"), st.integers(0, 99), _text),
    st.tuples(st.just("cell"), st.integers(0, 99), st.integers(0, 15), _text),
    st.tuples(st.just("truncate"), st.integers(0, 99), st.integers(0, 80)),
    st.tuples(st.just("bytes"), st.integers(0, 99), st.binary(max_size=12).map(lambda b: b.replace(b"\n", b""))),
    st.tuples(st.just("crlf"), st.integers(0, 99)),
    st.tuples(st.just("blank_or_comment"), st.integers(0, 99), st.sampled_from(["", "   ", "# a note", "#"])),
)


def _mutate(mutations: list[tuple]) -> list[tuple[int | None, bytes, bytes]]:
    """(original index or None when the line was changed or moved, bytes, line end)."""
    lines: list[tuple[int | None, bytes, bytes]] = [(i, b, b"\n") for i, b in enumerate(VALID)]
    for op, i, *args in mutations:
        i %= len(lines) or 1
        if not lines:
            lines.append((None, b"", b"\n"))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i + 1, (None, lines[i][1], b"\n"))
        elif op == "swap":
            j = args[0] % len(lines)
            if i != j:
                (_, a, ea), (_, b, eb) = lines[i], lines[j]
                lines[i], lines[j] = (None, b, eb), (None, a, ea)
        elif op == "replace":
            lines[i] = (None, args[0].encode(), lines[i][2])
        elif op == "insert":
            lines.insert(i, (None, args[0].encode(), b"\n"))
        elif op == "cell":
            cells = lines[i][1].split(b"\t")
            cells[args[0] % len(cells)] = args[1].encode()
            lines[i] = (None, b"\t".join(cells), lines[i][2])
        elif op == "truncate":
            lines[i] = (None, lines[i][1][: args[0]], lines[i][2])
        elif op == "bytes":
            lines[i] = (None, args[0], lines[i][2])
        elif op == "crlf":
            lines[i] = (lines[i][0], lines[i][1], b"\r\n")  # still the same record
        elif op == "blank_or_comment":
            lines.insert(i, (None, args[0].encode(), b"\n"))
    return lines


_STRUCTURE = {"HEAD": 15, "SY02": 9, "SY03": 9, "RE01": 9, "AS02": 8, "FOOT": 3}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_mutation, min_size=0, max_size=3))
def test_damaged_statements_never_crash_the_reader_nor_lose_a_good_usage(mutations: list[tuple]) -> None:
    lines = _mutate(mutations)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "DSR_TuneMantra_Spotify_Streaming_2099-01_WW_1of1_20990205T060000.tsv"
        path.write_bytes(b"".join(b + end for _, b, end in lines))
        try:
            read = read_dsr(path, DSR_SPOTIFY)
        except LandingError as exc:  # a foreign file (profile, version, column headers) is refused whole
            assert str(exc)
            event("refused: not this profile or layout")
            return
    if not mutations:
        assert read.incomplete is None and read.rejects == [] and len(read.line_numbers) == len(DEPENDS_ON)
    if read.incomplete is not None:  # refused whole, with a reason
        assert read.incomplete and read.rows_read == 0
        event("incomplete")
        return
    event("landed with rejects" if read.rejects else "landed clean")
    accepted = set(read.line_numbers)
    rejected = {r.line for r in read.rejects}
    assert len(accepted) == len(read.line_numbers) and len(rejected) == len(read.rejects)
    assert not accepted & rejected
    assert all(r.reason_code and r.reason.startswith(r.reason_code + ":") for r in read.rejects)
    assert all(len(column) == len(read.line_numbers) for column in read.columns)
    seen_transactions: set[bytes] = set()
    position = {o: n for n, (o, _, _) in enumerate(lines, start=1) if o is not None}
    for number, (original, data, _end) in enumerate(lines, start=1):
        text = data.rstrip(b"\r")
        if number == 1 and text.startswith(b"\xef\xbb\xbf"):
            text = text[3:]
        if not text.strip() or text.startswith(b"#"):
            continue  # blank and comment lines carry nothing
        cells = text.split(b"\t")
        kind = cells[0].decode("utf-8", "replace")
        # every other line is accepted as a usage, rejected with a reason, or a well-formed structure record
        if kind == "SU02" or _STRUCTURE.get(kind) != len(cells):
            assert number in accepted | rejected, (number, data)
        if kind == "SU02" and len(cells) == 9:
            # a usage nobody touched, whose HEAD, summary, release and resource nobody touched either, and
            # whose transaction id no earlier line took, is accepted
            good = original in DEPENDS_ON and DEPENDS_ON[original] <= position.keys() and \
                cells[2] not in seen_transactions
            if good:
                assert number in accepted, (number, data, read.rejects)
            seen_transactions.add(cells[2])
