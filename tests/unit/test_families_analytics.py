"""The analytics families (listener stats, stream sources, playlists, charts, audience, audience overlap, radio,
surveys, marketing): every file lands as the manifest says, and what lands adds up to the manifest's truth.

Expected values come from the manifest only (and, for the checks across families, from the daily feeds as
landed): never from the generator's internals. The families are written when ``GeneratorParams.extras`` names
``analytics`` (every default sample does); this module's sample names only ``analytics``, so the spine's files
are the ones a sample without extras has.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pytest

from ingestion.connectors import ANALYTICS_CONNECTORS, CATALOGUE, SPOTIFY
from ingestion.contract import ensure_schema, land_source
from ingestion.generator import GeneratorParams, generate
from ingestion.generator.catalogue import LABELS, build_catalogue
from ingestion.generator.context import GenerationContext, stream_for
from ingestion.generator.families._analytics import all_days, intensity, platform_artist_id
from ingestion.generator.families.analytics_families import ANALYTICS_EXTRA
from ingestion.generator.families.marketing import attributed_streams, marketing_lift, plan_touches
from ingestion.generator.params import EXTRAS
from ingestion.generator.usage import build_usage_model, expected_day

SOURCES = {c.source for c in ANALYTICS_CONNECTORS}
ROWS = 20_000


def generate_with_analytics(landing: Path, **params) -> dict:
    assert ANALYTICS_EXTRA in EXTRAS
    return generate(GeneratorParams(extras=(ANALYTICS_EXTRA,), **params), landing)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    landing = tmp_path_factory.mktemp("landing")
    return landing, generate_with_analytics(landing, target_rows=ROWS)


@pytest.fixture(scope="module")
def landed(sample, tmp_path_factory: pytest.TempPathFactory):
    landing, _ = sample
    con = duckdb.connect(str(tmp_path_factory.mktemp("wh") / "wh.duckdb"))
    connectors = (CATALOGUE, SPOTIFY, *ANALYTICS_CONNECTORS)
    ensure_schema(con, connectors)
    results = {r.file_name: r for c in connectors for r in land_source(con, c, landing)}
    yield con, results
    con.close()


def _one(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchone()[0]


def test_every_analytics_file_lands_as_the_manifest_says(sample, landed) -> None:
    _, manifest = sample
    _, results = landed
    entries = [f for f in manifest["files"] if f["source"] in SOURCES]
    assert {f["source"] for f in entries} == SOURCES
    for entry in entries:
        r = results[entry["file"]]
        assert r.status == "landed", (entry["file"], r.error)
        assert (r.rows_read, r.rows_landed, r.rows_quarantined, r.rows_duplicate) == (
            entry["data_lines"], entry["expected"]["landed"], 0, 0), entry["file"]
    assert {k for k in manifest["families"] if k in {"listener_stats", "stream_sources", "playlists", "charts",
                                                      "audience", "audience_overlap", "radio", "surveys",
                                                      "marketing"}} == {
        "listener_stats", "stream_sources", "playlists", "charts", "audience", "audience_overlap", "radio", "surveys",
        "marketing"}


def test_listener_stats_add_up_to_the_truth(sample, landed) -> None:
    _, manifest = sample
    con, _ = landed
    truth = manifest["families"]["listener_stats"]
    daily = truth["daily"]
    assert con.execute("SELECT count(*), sum(listeners), sum(saves) FROM raw.listener_stats__daily_listeners"
                       ).fetchone() == (daily["rows"], daily["listeners"], daily["saves"])
    by_platform = {p: (n, s) for p, n, s in con.execute(
        "SELECT platform_code, sum(listeners), sum(saves) FROM raw.listener_stats__daily_listeners GROUP BY 1"
    ).fetchall()}
    assert by_platform == {p: (v["listeners"], v["saves"]) for p, v in daily["by_platform"].items()}
    for days, key in ((7, "uniques_7d"), (28, "uniques_28d")):
        rows, uniques = con.execute("SELECT count(*), sum(unique_listeners) FROM raw.listener_uniques__unique_listeners"
                                    " WHERE window_days = ?", [days]).fetchone()
        assert (rows, uniques) == (truth[key]["rows"], truth[key]["unique_listeners"])
    assert _one(con, "SELECT count(*) FROM raw.listener_stats__daily_listeners WHERE saves > listeners "
                     "OR listeners < 1") == 0


def test_listeners_never_exceed_the_daily_feed(landed) -> None:
    con, _ = landed
    unmatched, over = con.execute("""
        SELECT count(*) FILTER (WHERE s.streams IS NULL), count(*) FILTER (WHERE l.listeners > s.streams)
        FROM raw.listener_stats__daily_listeners l
        LEFT JOIN (SELECT DISTINCT report_date, territory_code, isrc, streams FROM raw.spotify__daily_streams) s
          ON s.report_date = l.report_date AND s.territory_code = l.territory_code AND s.isrc = l.isrc
        WHERE l.platform_code = 'spotify'""").fetchone()
    assert (unmatched, over) == (0, 0)


def test_daily_listeners_are_not_additive(sample, landed) -> None:
    _, manifest = sample
    con, _ = landed
    truth = manifest["families"]["listener_stats"]["uniques_28d"]
    assert truth["sum_daily_listeners"] > truth["unique_listeners"]
    rows = con.execute("""
        WITH daily AS (
            SELECT u.window_days, u.window_end, u.platform_code, u.isrc, u.unique_listeners,
                   sum(d.listeners) AS summed, max(d.day_total) AS best_day
            FROM raw.listener_uniques__unique_listeners u
            JOIN (SELECT report_date, platform_code, isrc, listeners,
                         sum(listeners) OVER (PARTITION BY report_date, platform_code, isrc) AS day_total
                  FROM raw.listener_stats__daily_listeners) d
              ON d.platform_code = u.platform_code AND d.isrc = u.isrc
             AND d.report_date BETWEEN u.window_start AND u.window_end
            GROUP BY ALL)
        SELECT count(*), count(*) FILTER (WHERE summed > unique_listeners AND window_days = 28),
               count(*) FILTER (WHERE unique_listeners > summed OR unique_listeners < best_day)
        FROM daily""").fetchone()
    windows, summed_more, impossible = rows
    assert windows == _one(con, "SELECT count(*) FROM raw.listener_uniques__unique_listeners")
    assert summed_more > 0  # summing daily listeners over 28 days overcounts people
    assert impossible == 0  # never more than the daily sum, never fewer than the busiest day


def test_stream_sources_add_up_to_the_daily_feeds(sample, landed) -> None:
    _, manifest = sample
    con, _ = landed
    truth = manifest["families"]["stream_sources"]
    landed_sums = {(p, m): s for p, m, s in con.execute("""
        SELECT platform_code, strftime(report_date, '%Y-%m'),
               sum(editorial_playlist_streams + algorithmic_playlist_streams + user_playlist_streams + radio_streams
                   + search_streams + artist_album_page_streams + other_streams)
        FROM raw.stream_sources__daily_sources GROUP BY ALL""").fetchall()}
    assert _one(con, "SELECT count(*) FROM raw.stream_sources__daily_sources") == truth["rows"]
    assert {p: sum(s for (q, _), s in landed_sums.items() if q == p) for p in truth["streams_by_platform"]} == \
        truth["streams_by_platform"]
    feeds = [f for f in manifest["files"] if f["source"] in truth["streams_by_platform"]
             and f.get("delivery_version", 1) == 1 and not f["redelivery_of"]
             and f["expected"].get("status", "landed") == "landed" and not f.get("unknown_isrc_rows")]
    assert feeds
    for f in feeds:  # the reference: every delivered feed file's streams, month by month
        assert landed_sums[(f["source"], f["period"])] == f["streams"], f["file"]


def test_playlist_entries_exits_and_peaks_derive_from_the_snapshots(sample, landed) -> None:
    _, manifest = sample
    con, _ = landed
    truth = manifest["families"]["playlists"]
    start, end = manifest["params"]["start_date"], manifest["params"]["end_date"]
    assert _one(con, "SELECT count(*) FROM raw.playlists__catalogue") == truth["catalogue_rows"]
    assert _one(con, "SELECT count(*) FROM raw.playlist_positions__daily_positions") == truth["position_rows"]
    stays = {(p, pl, i, str(a)): (peak, days, str(last)) for p, pl, i, a, peak, days, last in con.execute("""
        SELECT platform_code, playlist_id, isrc, added_on, min(position), count(*), max(snapshot_date)
        FROM raw.playlist_positions__daily_positions GROUP BY ALL""").fetchall()}
    expected = {(e["platform"], e["playlist_id"], e["isrc"], e["added_on"]): e for e in truth["episodes"]}
    assert set(stays) == set(expected)
    for key, (peak, days, last) in stays.items():
        e = expected[key]
        assert (peak, days) == (e["peak_position"], e["days_on_playlist"]), key
        removed = None if last == end else (dt.date.fromisoformat(last) + dt.timedelta(days=1)).isoformat()
        assert removed == e["removed_on"], key
    assert sum(1 for k in stays if k[3] >= start) == truth["entries"]
    assert sum(1 for v in stays.values() if v[2] != end) == truth["exits"]
    assert _one(con, "SELECT count(*) FROM (SELECT snapshot_date, playlist_id, position, count(*) AS n FROM "
                     "raw.playlist_positions__daily_positions GROUP BY ALL HAVING n > 1)") == 0


def test_charts_match_the_truth(sample, landed) -> None:
    _, manifest = sample
    con, _ = landed
    truth = manifest["families"]["charts"]
    assert _one(con, "SELECT count(*) FROM raw.charts__weekly_positions") == truth["rows"] == \
        len(truth["weeks"]) * len(truth["territories"]) * truth["chart_size"]
    labels = list(LABELS)
    marks = ", ".join("?" * len(labels))
    rows, entries = con.execute(f"SELECT count(*), count(*) FILTER (WHERE last_week IS NULL) "
                                f"FROM raw.charts__weekly_positions WHERE label_name IN ({marks})", labels).fetchone()
    assert (rows, entries) == (truth["label_rows"], truth["label_entries"])
    peaks = dict(con.execute(f"""
        SELECT c.territory_code || ':' || k.isrc, min(c.this_week)
        FROM raw.charts__weekly_positions c JOIN raw.catalogue__tracks k ON k.track_title = c.title
        WHERE c.label_name IN ({marks}) GROUP BY ALL""", labels).fetchall())
    assert peaks == truth["peak_by_territory_isrc"]
    assert _one(con, "SELECT count(*) FROM raw.charts__weekly_positions WHERE peak > this_week "
                     "OR weeks_on_chart < 1") == 0


def test_audience_and_overlap_match_the_truth(sample, landed) -> None:
    _, manifest = sample
    con, _ = landed
    truth = manifest["families"]["audience"]
    assert _one(con, "SELECT count(*) FROM raw.audience__demographics") == truth["rows"]
    for breakdown in ("age_gender", "country"):
        got = {}
        for month, platform, n in con.execute("SELECT strftime(audience_month, '%Y-%m'), platform_code, "
                                              "sum(listeners) FROM raw.audience__demographics WHERE breakdown = ? "
                                              "GROUP BY ALL", [breakdown]).fetchall():
            got.setdefault(month, {})[platform] = n
        assert got == truth["listeners_by_month"], breakdown
    overlap = manifest["families"]["audience_overlap"]
    rows, shared, bad = con.execute("""SELECT count(*), sum(shared_listeners), count(*) FILTER (
        WHERE shared_listeners > least(artist_listeners, related_artist_listeners)) FROM
        raw.audience_overlap__artist_pairs""").fetchone()
    assert (rows, shared, bad) == (overlap["rows"], overlap["shared_listeners"], 0)
    held = overlap["hidden"]["held_out"]
    assert held, "a held-out set of pairs for the recommender's evaluation"
    for pair in held:
        for platform in ("spotify", "apple_music", "deezer"):
            a, b = (platform_artist_id(platform, pair["artist_a"]), platform_artist_id(platform, pair["artist_b"]))
            assert _one(con, "SELECT count(*) FROM raw.audience_overlap__artist_pairs WHERE platform_code = ? AND "
                             "((platform_artist_id = ? AND related_platform_artist_id = ?) OR "
                             "(platform_artist_id = ? AND related_platform_artist_id = ?))",
                        [platform, a, b, b, a]) == 0


def test_radio_surveys_and_marketing_match_the_truth(sample, landed) -> None:
    _, manifest = sample
    con, _ = landed
    radio = manifest["families"]["radio"]
    rows, with_isrc, audience, seconds = con.execute(
        "SELECT count(*), count(isrc), sum(audience_estimate), sum(duration_played_s) FROM raw.radio__airplay"
    ).fetchone()
    assert (rows, with_isrc, audience, seconds) == (radio["plays"], radio["rows_with_isrc"],
                                                    radio["audience_estimate"], radio["seconds_played"])
    coded = dict(con.execute("SELECT replace(isrc, '-', ''), count(*) FROM raw.radio__airplay WHERE isrc IS NOT NULL "
                             "GROUP BY 1").fetchall())
    assert all(n <= radio["plays_by_isrc"][isrc] for isrc, n in coded.items())
    # the local time minus its offset is the UTC instant: the offsets a station uses are its zone's
    offsets = {s: set(o) for s, o in con.execute("SELECT station_name, list(DISTINCT utc_offset) FROM "
                                                 "raw.radio__airplay GROUP BY 1").fetchall()}
    assert offsets.get("Capital Wave London", {"+00:00", "+01:00"}) <= {"+00:00", "+01:00"}
    assert offsets.get("Rang FM Mumbai", {"+05:30"}) == {"+05:30"}

    surveys = manifest["families"]["surveys"]
    assert _one(con, "SELECT count(*) FROM raw.surveys__artist_awareness") == surveys["rows"]
    assert _one(con, "SELECT sum(respondents) FROM (SELECT DISTINCT wave, territory_code, age_band, gender, "
                     "respondents FROM raw.surveys__artist_awareness)") == surveys["respondents"]
    assert _one(con, "SELECT count(*) FROM raw.surveys__artist_awareness WHERE streamed_last_month_share > "
                     "aware_share") == 0

    marketing = manifest["families"]["marketing"]
    assert _one(con, "SELECT count(*) FROM raw.marketing__activities") == marketing["activities"]
    spend = {c: s for c, s in con.execute("SELECT currency, sum(spend) FROM raw.marketing__activities GROUP BY 1"
                                          ).fetchall()}
    assert spend == {c: Decimal(v) for c, v in marketing["spend_by_currency"].items()}
    attributed = marketing["hidden"]["marketing_attributed_streams"]
    assert set(attributed) == set(marketing["hidden"]["touches"]) == {
        r[0] for r in con.execute("SELECT activity_id FROM raw.marketing__activities").fetchall()}


def test_the_lift_function_puts_exactly_the_attributed_streams_into_the_model() -> None:
    """What usage.py would multiply its Poisson mean by (marketing_lift) adds up, over every platform, track and
    territory, to the per-touch attributed streams the truth records."""
    params = GeneratorParams(target_rows=ROWS, start_date=dt.date(2025, 9, 1), end_date=dt.date(2026, 2, 28))
    tracks = build_catalogue(stream_for(params.seed, "catalogue"), 12, params.start_date, params.end_date)
    model = build_usage_model(stream_for(params.seed, "usage_model"), tracks, params)
    ctx = GenerationContext(params=params, landing_dir=Path("."), tracks=tracks, model=model, fx_micros={})
    touches = plan_touches(stream_for(params.seed, "marketing"), tracks, params)
    assert any(t.uplift > 0 for t in touches)
    truth = attributed_streams(ctx, touches)
    days = all_days(ctx)
    base = intensity(ctx, days)
    in_model = sum(float((base[:, :, None] * model.territory_weight[p][None] *
                          marketing_lift(touches, len(tracks), params.start_date, params.territories, days, p)).sum())
                   for p in params.platforms)
    in_truth = sum(sum(v["daily"]) for v in truth.values())
    assert in_model == pytest.approx(in_truth, rel=1e-3)
    assert in_model > 0
    # the usage model applies that same lift, day by day, to the feeds' Poisson mean (usage.expected_day)
    model.touches, model.start = tuple(touches), params.start_date
    for p in params.platforms:
        lift = marketing_lift(touches, len(tracks), params.start_date, params.territories, days, p)
        for i, day in enumerate(days):
            expected = base[i][:, None] * model.territory_weight[p] * (1.0 + lift[i])
            for t, r, factor in model.multipliers(p, day):
                expected[t, r] *= factor
            assert np.allclose(expected_day(model, p, day, base[i]), expected)


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"}


def test_same_seed_same_bytes_and_the_spine_differs_only_by_the_lift(sample, tmp_path: Path) -> None:
    landing, _ = sample
    again = generate_with_analytics(tmp_path / "again", target_rows=ROWS)
    first, second = _hashes(landing), _hashes(tmp_path / "again")
    assert first == second
    assert {f["sha256"] for f in again["files"]} <= set(first.values())
    spine_only = generate(GeneratorParams(target_rows=ROWS, extras=()), tmp_path / "spine")
    spine = _hashes(tmp_path / "spine")
    # the streaming feeds and the statements carry the touches' lift (the listening they cause)
    feeds = ("spotify/", "apple_music/", "deezer/", "dsr_")
    assert spine and all(first[name] == digest for name, digest in spine.items() if not name.startswith(feeds))
    assert any(first[name] != digest for name, digest in spine.items() if name.startswith(feeds))
    lifted = again["families"]["marketing"]["hidden"]
    assert lifted["feeds_include_lift"] is True
    assert again["totals"]["streams"] > spine_only["totals"]["streams"]
    assert not any(f["source"] in SOURCES for f in spine_only["files"])
    other_seed = generate_with_analytics(tmp_path / "seed7", target_rows=ROWS, seed=7)
    assert {f["sha256"] for f in other_seed["files"] if f["source"] == "listener_stats"}.isdisjoint(
        {f["sha256"] for f in again["files"] if f["source"] == "listener_stats"})
