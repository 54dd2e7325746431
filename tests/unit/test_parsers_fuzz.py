"""Fuzz every parser: random damage to a real generated file (delimited reports of every family, JSON
lines of the collected sources) never crashes the landing, every damaged row is quarantined with a reason or
counted as a duplicate, and no good row is lost. (DDEX DSR statements: tests/unit/test_dsr.py.)"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.connectors import ALL_CONNECTORS
from ingestion.connectors.airbyte import MERCH_ORDERS
from ingestion.connectors.social import read_json_lines
from ingestion.contract import ensure_schema, land_file
from ingestion.generator import GeneratorParams, generate

DELIMITED = [c for c in ALL_CONNECTORS if c.reader is None]
JSON_LINES = [c for c in ALL_CONNECTORS if c.reader is read_json_lines]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("fuzz") / "landing"  # the API fixtures go beside it, in a folder of its own
    generate(GeneratorParams(target_rows=20_000, inject_faults=False, extras=("all",)), landing)
    _collected_files(landing)
    return landing


def _collected_files(landing: Path) -> None:
    """The files the database pull and the Airbyte sync would write, from the generator's fixtures (the
    collectors themselves are tested against real servers in tests/collectors/)."""
    fixtures = landing.parent / "api_fixtures"
    extract = landing / "distribution_db" / "catalogue_extract_2026-01-01_1.csv"
    extract.parent.mkdir(parents=True, exist_ok=True)
    extract.write_bytes((fixtures / "distribution_db" / "tracks.csv").read_bytes())
    orders = [json.loads(line) for line in (fixtures / "airbyte" / "merch_orders.jsonl").read_text().splitlines()]
    stream = MERCH_ORDERS.header[4:]
    sync = landing / "airbyte" / "merch_orders" / "merch_orders_2026-01-01_1.csv"
    sync.parent.mkdir(parents=True, exist_ok=True)
    with sync.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(MERCH_ORDERS.header)
        for n, order in enumerate(orders[:200]):
            writer.writerow([f"raw-{n}", "2026-01-01T00:00:00Z", 1, "{}", *(order[k] for k in stream)])


damage = st.sampled_from(["drop_cell", "extra_cell", "garble", "empty_cell", "blank_line", "duplicate", "keep"])


@pytest.mark.parametrize("connector", DELIMITED, ids=[c.source for c in DELIMITED])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.tuples(st.integers(min_value=0, max_value=40), damage), min_size=1, max_size=6),
       garbage=st.text(alphabet=st.sampled_from(list("xZ9-/.,;\t é")), min_size=1, max_size=5))
def test_damaged_files_lose_no_good_row(connector, sample: Path, tmp_path: Path, plan, garbage) -> None:
    files = connector.files(sample)
    if not files:
        pytest.skip(f"the sample has no {connector.source} file")
    original = files[0]
    text = original.read_text(encoding="utf-8-sig")
    line_end = "\r\n" if "\r\n" in text else "\n"
    header, *rows = text.rstrip(line_end).split(line_end)
    rows = rows[:41]
    damaged_rows: set[int] = set()  # indexes into `rows` whose content we broke
    blanks_before: dict[int, int] = {}
    duplicates = 0
    for index, kind in plan:
        if index >= len(rows) or index in damaged_rows:
            continue
        cells = rows[index].split(connector.delimiter)
        if kind == "drop_cell" and len(cells) > 1:
            rows[index] = connector.delimiter.join(cells[:-1])
        elif kind == "extra_cell":
            rows[index] = connector.delimiter.join([*cells, garbage.replace(connector.delimiter, "")])
        elif kind == "garble":
            cells[-1 if len(cells) < 6 else 5] = garbage.replace(connector.delimiter, "").replace('"', "")
            rows[index] = connector.delimiter.join(cells)
        elif kind == "empty_cell":
            cells[0] = ""
            rows[index] = connector.delimiter.join(cells)
        elif kind == "blank_line":
            blanks_before[index] = blanks_before.get(index, 0) + 1
            continue
        elif kind == "duplicate":
            duplicates += 1
            continue
        else:
            continue
        damaged_rows.add(index)
    out = []
    for i, row in enumerate(rows):
        out += [""] * blanks_before.get(i, 0)
        out.append(row)
    dup_rows = [rows[i] for i, (_, k) in zip(range(duplicates), [p for p in plan if p[1] == "duplicate"], strict=False)]
    out += dup_rows
    folder = tmp_path / "landing" / connector.source
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / original.name
    target.write_bytes((line_end.join([header, *out]) + line_end).encode("utf-8"))

    con = duckdb.connect()
    ensure_schema(con, [connector])
    result = land_file(con, connector, target, tmp_path / "landing")
    assert result.status == "landed", result.error
    assert result.balanced
    quarantined = con.execute("SELECT line_number, reason FROM raw._quarantine").fetchall()
    assert all(reason for _, reason in quarantined)
    # every untouched original row landed exactly once, at its own line
    landed_lines = {r[0] for r in con.execute(f"SELECT _line_number FROM {connector.raw_table}").fetchall()}
    line_of, line = {}, 1
    for i, _row in enumerate(rows):
        line += 1 + blanks_before.get(i, 0)
        line_of[i] = line
    intact = [i for i in range(len(rows)) if i not in damaged_rows]
    assert {line_of[i] for i in intact} <= landed_lines
    assert result.rows_landed + result.rows_quarantined + result.rows_duplicate == result.rows_read
    assert result.rows_read == len(rows) + len(dup_rows)
    con.close()


def _json_records(connector, sample: Path) -> list[str]:
    """The collected sources' records as the collectors write them, from the generator's API fixtures (the
    pages the social API serves, the events the webhook receives)."""
    fixtures = sample.parent / "api_fixtures"
    if connector.source == "social":
        page = sorted((fixtures / "social" / "pages").glob("*.json"))[0]
        return [json.dumps(record) for record in json.loads(page.read_text())["data"]]
    events = (fixtures / "webhooks" / "playlist_events.jsonl").read_text().splitlines()
    return [json.dumps({**json.loads(e), "received_at": json.loads(e)["occurred_at"]}) for e in events if e]


json_damage = st.sampled_from(["truncate", "array", "wrong_type", "drop_key", "blank_line", "duplicate", "keep"])


@pytest.mark.parametrize("connector", JSON_LINES, ids=[c.source for c in JSON_LINES])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.tuples(st.integers(min_value=0, max_value=30), json_damage), min_size=1, max_size=6))
def test_damaged_json_lines_lose_no_good_record(connector, sample: Path, tmp_path: Path, plan) -> None:
    records = _json_records(connector, sample)[:31]
    counted = [i for i, f in enumerate(connector.fields) if f is not None and f.sql_type == "BIGINT"]
    out: list[str] = []
    damaged: set[int] = set()
    line_of: dict[int, int] = {}
    extra_copies = 0
    actions = dict(plan)
    for i, text in enumerate(records):
        kind = actions.get(i, "keep")
        if kind == "blank_line":
            out.append("")
        elif kind == "truncate":
            text, _ = text[: len(text) // 2], damaged.add(i)
        elif kind == "array":
            text, _ = "[" + text + "]", damaged.add(i)
        elif kind == "wrong_type" and counted:
            record = json.loads(text)
            record[connector.header[counted[0]]] = "many"
            text, _ = json.dumps(record), damaged.add(i)
        elif kind == "drop_key":
            record = json.loads(text)
            record.pop(connector.header[0], None)  # the first column is required in every JSON connector
            text, _ = json.dumps(record), damaged.add(i)
        out.append(text)
        line_of[i] = len(out)
        if kind == "duplicate":
            out.append(text)
            extra_copies += 1
    folder = tmp_path / "landing" / connector.source
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / connector.file_patterns[0].replace("*", "2026-01-01_1")
    target.write_text("\n".join(out) + "\n", encoding="utf-8")

    con = duckdb.connect()
    ensure_schema(con, [connector])
    result = land_file(con, connector, target, tmp_path / "landing")
    assert result.status == "landed", result.error
    assert result.balanced and result.rows_read == len(records) + extra_copies
    quarantined = dict(con.execute("SELECT line_number, reason FROM raw._quarantine").fetchall())
    assert {line_of[i] for i in damaged} == set(quarantined) and all(quarantined.values())
    landed = {r[0] for r in con.execute(f"SELECT _line_number FROM {connector.raw_table}").fetchall()}
    assert landed == {line_of[i] for i in range(len(records)) if i not in damaged}
    assert result.rows_duplicate == extra_copies
    con.close()
