"""Social engagement over a paged HTTP API: generator truth -> fake API -> collector -> landing -> raw."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter
from pathlib import Path

import pytest

from ingestion.collectors import CollectorError, load_state
from ingestion.collectors.fake_social_api import FakeSocialAPI
from ingestion.collectors.http import retrying_session
from ingestion.collectors.social_api import pull_social_engagement
from ingestion.connectors.social import SOCIAL_ENGAGEMENT, read_json_lines
from ingestion.contract import land_source

METRICS = ("followers", "posts", "likes", "comments", "shares", "video_views")


def _fixture_pages(sample) -> list[dict]:
    return json.loads((sample.fixtures / "social" / "index.json").read_text())["pages"]


def _jsonl_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_pull_with_rate_limits_and_outages_lands_the_truth(sample, landing, warehouse) -> None:
    truth = sample.truth("social_engagement")
    pages = _fixture_pages(sample)
    with FakeSocialAPI(sample.fixtures / "social", rate_limit_every=60, fail_every=9, retry_after=1) as api:
        pull = pull_social_engagement(api.url, landing, today=dt.date(2025, 11, 1))
        log = list(api.requests_log)

    # the retries happened, and each 429's Retry-After was waited out before the next attempt
    statuses = Counter(r.status for r in log)
    assert statuses[429] >= 2 and statuses[503] >= 5
    assert Counter(pull.retried_statuses) == Counter({429: statuses[429], 503: statuses[503]})
    for throttled, following in itertools.pairwise(log):
        if throttled.status == 429:
            assert following.at - throttled.at >= 0.95
    # every page served successfully exactly once: none duplicated, none lost
    assert api.served_pages() == [p["id"] for p in pages]
    assert pull.pages == len(pages) == truth["pages"]

    assert pull.file == landing / "social" / "social_engagement_2025-11-01_1.jsonl"
    records = _jsonl_records(pull.file)
    assert pull.records == len(records) == truth["rows"]
    assert len({(r["date"], r["network"], r["artist_id"]) for r in records}) == truth["rows"]
    assert not list(landing.rglob("*.part"))

    [result] = land_source(warehouse, SOCIAL_ENGAGEMENT, landing)
    assert result.status == "landed" and result.balanced
    assert (result.rows_landed, result.rows_quarantined) == (truth["expected"]["landed"],
                                                             truth["expected"]["quarantined"])
    sums = warehouse.execute(f"""
        SELECT network, {', '.join(f'sum({m})' for m in METRICS)} FROM raw.social__engagement GROUP BY 1""").fetchall()
    assert {row[0]: dict(zip(METRICS, row[1:], strict=True)) for row in sums} == truth["sums_by_network"]
    quarantined = warehouse.execute("SELECT line_number, reason_code, raw_line FROM raw._quarantine").fetchall()
    assert [q[1] for q in quarantined] == [q["reason"] for q in truth["quarantined"]]
    line = records[quarantined[0][0] - 1]  # the quarantine names the physical line of the file
    assert (line["date"], line["network"], line["artist_id"]) == tuple(
        truth["quarantined"][0][k] for k in ("date", "network", "artist_id"))


def test_incremental_pull_fetches_only_new_days(sample, landing, warehouse) -> None:
    truth = sample.truth("social_engagement")
    pages = _fixture_pages(sample)
    with FakeSocialAPI(sample.fixtures / "social", through=dt.date(2025, 9, 30)) as api:
        first = pull_social_engagement(api.url, landing, today=dt.date(2025, 10, 1))
        assert first.records == truth["by_month"]["2025-09"]["rows"]
        assert (first.since, first.through) == (None, "2025-09-30")
        assert load_state(landing, "social_api")["since"] == "2025-09-30"

        api.publish_through(dt.date(2025, 10, 31))
        served_before = len(api.served_pages())
        second = pull_social_engagement(api.url, landing, today=dt.date(2025, 11, 1))
        second_pages = api.served_pages()[served_before:]
        assert second_pages == [p["id"] for p in pages if p["date"] >= "2025-10-01"]
        assert second.records == truth["by_month"]["2025-10"]["rows"]
        assert {r["date"][:7] for r in _jsonl_records(second.file)} == {"2025-10"}

        third = pull_social_engagement(api.url, landing, today=dt.date(2025, 11, 2))  # nothing new
        assert third.file is None and third.records == 0 and third.through == "2025-10-31"

    files = sorted(p.name for p in (landing / "social").iterdir())
    assert files == ["social_engagement_2025-10-01_1.jsonl", "social_engagement_2025-11-01_2.jsonl"]
    results = land_source(warehouse, SOCIAL_ENGAGEMENT, landing)
    assert [r.status for r in results] == ["landed", "landed"]
    assert sum(r.rows_landed for r in results) == truth["expected"]["landed"]
    by_month = dict(warehouse.execute("""
        SELECT strftime(report_date, '%Y-%m'), sum(likes) FROM raw.social__engagement GROUP BY 1""").fetchall())
    assert by_month == {m: v["likes"] for m, v in truth["by_month"].items()}
    # the same files again: the ledger has them, nothing lands twice
    assert {r.status for r in land_source(warehouse, SOCIAL_ENGAGEMENT, landing)} == {"already_seen"}


def test_a_pull_that_gives_up_leaves_no_file_and_no_state(sample, landing) -> None:
    with FakeSocialAPI(sample.fixtures / "social", fail_every=1) as api:  # every request: 503
        session = retrying_session(retries=2, backoff_factor=0.01)
        with pytest.raises(CollectorError, match="gave up after retries"):
            pull_social_engagement(api.url, landing, session=session)
        assert api.statuses() == [503, 503, 503]
    assert list((landing / "social").iterdir()) == []
    assert load_state(landing, "social_api") == {}


def test_json_lines_reader_keeps_physical_lines_and_rejects_malformed_ones(tmp_path, warehouse) -> None:
    good = {"date": "2025-09-01", "network": "tiktok", "artist_id": "art_1", "artist_name": "Zoë Marceau",
            "followers": 10, "posts": 1, "likes": 5, "comments": 0, "shares": 1, "video_views": 40, "extra": "kept"}
    lines = [
        json.dumps(good),
        "",  # a blank line carries nothing
        '{"date": "2025-09-02", "network": "tiktok"',  # cut off
        "[1, 2, 3]",
        json.dumps({**good, "date": "2025-09-03", "network": "myspace"}),
        json.dumps({**good, "date": "2025-09-04", "likes": None}),
    ]
    folder = tmp_path / "landing" / "social"
    folder.mkdir(parents=True)
    path = folder / "social_engagement_2025-09-05_1.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    read = read_json_lines(path, SOCIAL_ENGAGEMENT)
    assert read.line_numbers == [1, 5, 6]
    assert [(r.line, r.reason_code) for r in read.rejects] == [(3, "malformed_json"), (4, "not_an_object")]
    assert read.rejects[0].raw_text == lines[2]
    assert read.columns[SOCIAL_ENGAGEMENT.header.index("likes")] == ["5", "5", ""]

    [result] = land_source(warehouse, SOCIAL_ENGAGEMENT, tmp_path / "landing")
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (5, 1, 4)
    quarantine = warehouse.execute("SELECT line_number, reason_code FROM raw._quarantine ORDER BY 1").fetchall()
    assert quarantine == [(3, "malformed_json"), (4, "not_an_object"), (5, "invalid_value"), (6, "invalid_integer")]
