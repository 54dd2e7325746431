"""YouTube, TikTok and Instagram reports land as the manifest says: views, claims, additive revenue
adjustments, creations (not views) and reels."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from ingestion.connectors.instagram import INSTAGRAM
from ingestion.connectors.tiktok import TIKTOK
from ingestion.connectors.youtube import YOUTUBE
from ingestion.generator.catalogue import is_valid_iswc
from ingestion.identifiers import normalize_isrc
from tests.support.extras_sample import assert_files_land_as_expected, land, scalar, write_sample


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("video")
    landing, manifest = write_sample(folder)
    con = duckdb.connect(str(folder / "wh.duckdb"))
    results = land(con, (YOUTUBE, TIKTOK, INSTAGRAM), landing)
    yield con, results, manifest
    con.close()


def test_youtube_views_claims_and_additive_adjustments(landed) -> None:
    con, results, manifest = landed
    entries = assert_files_land_as_expected(results, manifest, {"youtube"})
    truth = manifest["families"]["youtube"]
    rows, views, claims, revenue = con.execute(
        "SELECT count(*), sum(claimed_views), sum(active_claims), sum(partner_revenue) FROM raw.youtube__asset_report"
    ).fetchone()
    assert (rows, views, claims, revenue) == (truth["rows"], truth["views"], truth["claims"],
                                              Decimal(truth["revenue_usd"]))
    by_kind = dict(con.execute("SELECT coalesce(adjustment_type, 'none'), sum(partner_revenue) "
                               "FROM raw.youtube__asset_report GROUP BY 1").fetchall())
    assert by_kind == {k: Decimal(v) for k, v in truth["revenue_by_adjustment"].items()}
    assert set(by_kind) == {"none", "backpay", "dispute_resolution", "spam_adjustment", "revenue_correction"}
    assert by_kind["spam_adjustment"] < 0 < by_kind["backpay"]
    assert scalar(con, "SELECT count(*) FROM raw.youtube__asset_report WHERE adjustment_type IS NOT NULL "
                       "AND original_month IS NULL") == 0
    for e in entries:
        assert scalar(con, "SELECT sum(partner_revenue) FROM raw.youtube__asset_report WHERE _file_name = ?",
                      [e["file"]]) == Decimal(e["revenue"])


def test_youtube_assets_carry_isrc_upc_and_valid_iswcs(landed) -> None:
    con, _, manifest = landed
    isrcs, upcs, iswcs = (
        {v for (v,) in con.execute(f"SELECT DISTINCT {c} FROM raw.youtube__asset_report WHERE {c} IS NOT NULL")
         .fetchall()} for c in ("isrc", "upc", "iswc"))
    assert isrcs <= set(manifest["hidden"]["tracks"])
    assert all(len(u) == 13 for u in upcs)
    assert iswcs and all(is_valid_iswc(i) for i in iswcs)
    assert scalar(con, "SELECT count(*) FROM raw.youtube__asset_report WHERE iswc IS NULL") > 0


def test_tiktok_counts_creations_not_views(landed) -> None:
    con, results, manifest = landed
    assert_files_land_as_expected(results, manifest, {"tiktok"})
    truth = manifest["families"]["tiktok"]
    columns = {c for (c,) in con.execute("SELECT column_name FROM information_schema.columns "
                                         "WHERE table_name = 'tiktok__sound_creations'").fetchall()}
    assert "video_creations" in columns and not any("view" in c for c in columns)
    assert con.execute("SELECT count(*), sum(video_creations), sum(revenue) FROM raw.tiktok__sound_creations"
                       ).fetchone() == (truth["rows"], truth["creations"], Decimal(truth["revenue_usd"]))
    isrcs = {normalize_isrc(i) for (i,) in con.execute("SELECT DISTINCT isrc FROM raw.tiktok__sound_creations")
             .fetchall()}
    assert isrcs <= set(manifest["hidden"]["tracks"])


def test_instagram_reels_and_plays(landed) -> None:
    con, results, manifest = landed
    entries = assert_files_land_as_expected(results, manifest, {"instagram"})
    truth = manifest["families"]["instagram"]
    assert con.execute("SELECT count(*), sum(reels_created), sum(reel_plays) FROM raw.instagram__reels").fetchone() \
        == (truth["rows"], truth["reels"], truth["plays"])
    for e in entries:
        assert con.execute("SELECT sum(reels_created), sum(reel_plays) FROM raw.instagram__reels WHERE _file_name = ?",
                           [e["file"]]).fetchone() == (e["reels"], e["plays"])
    isrcs = {normalize_isrc(i) for (i,) in con.execute("SELECT DISTINCT isrc FROM raw.instagram__reels").fetchall()}
    assert isrcs <= set(manifest["hidden"]["tracks"])
