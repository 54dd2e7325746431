"""The sample is deterministic (byte-identical per seed) and its manifest describes the files exactly."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from ingestion.generator import GeneratorParams, generate
from ingestion.identifiers import is_valid_gtin, is_valid_isrc


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    params = GeneratorParams(target_rows=20_000)
    generate(params, tmp_path / "a")
    generate(params, tmp_path / "b")
    generate(GeneratorParams(target_rows=20_000, seed=7), tmp_path / "c")
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")
    assert _hashes(tmp_path / "a")["spotify/spotify_daily_streams_2025-09.csv"] != \
        _hashes(tmp_path / "c")["spotify/spotify_daily_streams_2025-09.csv"]


def test_manifest_describes_the_files(tmp_path: Path) -> None:
    manifest = generate(GeneratorParams(target_rows=20_000), tmp_path)
    assert manifest["totals"]["days"] >= 400
    assert manifest["totals"]["territories"] == 20
    assert set(manifest["totals"]["streams_by_platform"]) == {"spotify", "apple_music", "deezer"}
    for entry in manifest["files"]:
        path = tmp_path / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        if entry["source"].startswith("dsr_"):  # a DSR statement's data lines are its SU usage records
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            assert sum(1 for _ in fh) - 1 == entry["data_lines"]
    # an independent read of the Spotify files the totals count (the latest version of each month, no re-delivered
    # copy: manifest["totals"]["truth_rules"]) agrees with the manifest's streams
    spotify = [f for f in manifest["files"] if f["source"] == "spotify" and f["counted_in_totals"]]
    assert spotify and all(not f["redelivery_of"] and f["latest"] for f in spotify)
    total = 0
    for entry in spotify:
        with (tmp_path / entry["file"]).open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        unique = {tuple(r.values()) for r in rows}
        total += sum(int(r[5]) for r in unique)
    assert total == manifest["totals"]["streams_by_platform"]["spotify"]


def test_catalogue_identifiers_are_valid(tmp_path: Path) -> None:
    manifest = generate(GeneratorParams(target_rows=20_000), tmp_path)
    with (tmp_path / "catalogue" / "catalogue_tracks.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == manifest["catalogue"]["tracks"] >= 12
    assert all(is_valid_isrc(r["isrc"]) for r in rows)
    assert all(is_valid_gtin(r["upc"]) for r in rows)
    assert len({r["label_name"] for r in rows}) == manifest["catalogue"]["labels"] >= 2


# --- the catalogue's depth, the daily feeds' faults and the extras (GeneratorParams.extras) -------------------

ALL = GeneratorParams(target_rows=20_000, extras=("labels", "catalogue_history", "restatement", "schema_drift",
                                                  "unknown_isrcs", "itunes", "beatport", "youtube", "tiktok",
                                                  "instagram"))


def test_extras_are_deterministic_too(tmp_path: Path) -> None:
    generate(ALL, tmp_path / "a")
    generate(ALL, tmp_path / "b")
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert a == b
    assert {"catalogue/labels.csv", "spotify/spotify_daily_streams_2025-11_v2.csv"} <= set(a)
    assert {p.split("/")[0] for p in a} >= {"itunes", "beatport", "youtube", "tiktok", "instagram"}


def test_extras_manifest_describes_the_files(tmp_path: Path) -> None:
    manifest = generate(ALL, tmp_path)
    assert manifest["params"]["extras"] == ["labels", "catalogue_history", "restatement", "schema_drift",
                                            "unknown_isrcs", "itunes", "beatport", "youtube", "tiktok", "instagram"]
    for entry in manifest["files"]:
        path = tmp_path / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], entry["file"]
        if entry["source"].startswith("dsr_"):
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            assert sum(1 for _ in fh) - 1 == entry["data_lines"], entry["file"]
    # totals follow the latest-version rule: the files counted are exactly the latest landed version per period
    daily = [f for f in manifest["files"] if f["source"] in ("spotify", "apple_music", "deezer")]
    counted = [f for f in daily if f["counted_in_totals"]]
    assert sum(f["streams"] for f in counted) == manifest["totals"]["streams"]
    assert sum(f["expected"]["landed"] for f in counted) == manifest["totals"]["usage_rows"]
    periods = [(f["source"], f["period"]) for f in counted]
    assert len(periods) == len(set(periods))
    assert all(f["latest"] and f["expected"]["status"] == "landed" and not f["redelivery_of"] for f in counted)
    landed = [f for f in daily if f["expected"]["status"] == "landed"]
    assert manifest["families"]["daily_streams"]["all_landed_versions"]["streams"] == sum(f["streams"] for f in landed)
    assert manifest["totals"]["truth_rules"] and "LATEST" in manifest["totals"]["truth_rules"][0]
    # an independent read of the Spotify files, restated month included, agrees with the latest-version truth
    total = 0
    for entry in (f for f in counted if f["source"] == "spotify"):
        with (tmp_path / entry["file"]).open(newline="") as fh:
            total += sum(int(r[5]) for r in {tuple(r.values()) for r in csv.DictReader(fh)})
    assert total == manifest["totals"]["streams_by_platform"]["spotify"]


def test_the_default_sample_holds_every_extra(tmp_path: Path) -> None:
    from ingestion.generator.params import EXTRAS

    assert GeneratorParams().extras == GeneratorParams(extras=("all",)).extras == EXTRAS
    manifest = generate(GeneratorParams(target_rows=20_000), tmp_path)
    assert manifest["params"]["extras"] == list(EXTRAS)
    sources = {f["source"] for f in manifest["files"]}
    assert {"catalogue_labels", "itunes", "beatport", "youtube", "tiktok", "instagram", "listener_stats",
            "charts", "radio", "marketing"} <= sources
    daily = manifest["families"]["daily_streams"]
    assert len(daily["restatements"]) == len(daily["schema_drift"]) == 1 and daily["unknown_isrcs"]["rows"] > 0
    assert len(manifest["families"]["catalogue"]["exports"]) == 2


def test_extras_none_leaves_the_extras_out(tmp_path: Path) -> None:
    assert GeneratorParams(extras=("none",)) == GeneratorParams(extras=())
    manifest = generate(GeneratorParams(target_rows=20_000, extras=()), tmp_path)
    assert manifest["params"]["extras"] == []
    sources = {f["source"] for f in manifest["files"]}
    assert not sources & {"catalogue_labels", "itunes", "beatport", "youtube", "tiktok", "instagram",
                          "listener_stats", "charts", "radio", "marketing"}
    daily = manifest["families"]["daily_streams"]
    assert (daily["restatements"], daily["schema_drift"], daily["unknown_isrcs"]["rows"]) == ([], [], 0)
    # the spine-safe faults are there: a late file, a missing report, anomalies
    assert len(daily["late_files"]) == 1 and len(daily["missing_reports"]) == 1 and manifest["hidden"]["anomalies"]
    assert all(f["counted_in_totals"] for f in manifest["files"]
               if f["source"] in ("spotify", "apple_music", "deezer") and not f["redelivery_of"])
    clean = generate(GeneratorParams(target_rows=20_000, inject_faults=False, extras=()), tmp_path / "clean")
    assert clean["families"]["daily_streams"]["missing_reports"] == []
    assert clean["families"]["daily_streams"]["late_files"] == []


def test_extras_names_are_checked() -> None:
    import pytest

    with pytest.raises(ValueError, match="unknown extras"):
        GeneratorParams(extras=("itunes", "napster"))
    with pytest.raises(ValueError, match="'none' cannot be combined"):
        GeneratorParams(extras=("none", "itunes"))
    with pytest.raises(TypeError):
        GeneratorParams(extras="itunes")  # type: ignore[arg-type]


def test_label_hierarchy_and_release_codes(tmp_path: Path) -> None:
    from ingestion.generator.catalogue import is_valid_iswc
    from ingestion.identifiers import normalize_gtin

    manifest = generate(ALL, tmp_path)
    with (tmp_path / "catalogue" / "labels.csv").open(newline="") as fh:
        labels = list(csv.DictReader(fh))
    tops = [r for r in labels if not r["parent_label_id"]]
    subs = [r for r in labels if r["parent_label_id"]]
    assert len({r["distributor"] for r in labels}) == 2 and len(tops) == 5 and len(subs) >= 2
    by_id = {r["label_id"]: r for r in labels}
    assert all(by_id[s["parent_label_id"]]["distributor"] == s["distributor"] for s in subs)
    with (tmp_path / "catalogue" / "catalogue_tracks.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert all(r["label_id"] in by_id and is_valid_gtin(r["upc"]) and is_valid_iswc(r["iswc"]) for r in rows)
    lengths = {len(r["upc"]) for r in rows}
    assert lengths == {12, 13}
    padded = {r["upc"] for r in rows if len(r["upc"]) == 13 and r["upc"].startswith("0")}
    genuine = {r["upc"] for r in rows if len(r["upc"]) == 13 and not r["upc"].startswith("0")}
    assert padded and genuine  # a UPC-A written as EAN-13 with a leading zero, and real EAN-13s
    assert all(normalize_gtin(u) == normalize_gtin(u[1:]) and is_valid_gtin(u[1:]) for u in padded)
    counts = manifest["catalogue"]
    assert (counts["releases_upc_a_as_13_digits"], counts["releases_ean13"]) == (len(padded), len(genuine))


def test_homonyms_are_told_apart_by_registrant(tmp_path: Path) -> None:
    manifest = generate(ALL, tmp_path)
    (nova,) = manifest["hidden"]["homonyms"]
    assert nova["name"] == "Nova" and len(set(nova["artist_ids"])) == 2 and len(set(nova["registrants"])) == 2
    tracks = manifest["hidden"]["tracks"]
    for artist_id, registrant in zip(nova["artist_ids"], nova["registrants"], strict=True):
        isrcs = [isrc for isrc, t in tracks.items() if t["artist_id"] == artist_id]
        assert isrcs and all(isrc[2:5] == registrant for isrc in isrcs)
    assert manifest["catalogue"]["artists"] == manifest["catalogue"]["artist_names"] + 1


def test_artist_variants_are_written_by_their_sources(tmp_path: Path) -> None:
    manifest = generate(ALL, tmp_path)
    variants = manifest["hidden"]["artist_variants"]
    kinds = {k for entries in variants.values() for e in entries for k in e["kinds"]}
    assert kinds == {"case", "diacritics", "featuring", "ampersand", "leading_the", "whitespace", "typo",
                     "transliteration"}
    daily_kinds = {k for entries in variants.values() for e in entries for k in e["kinds"]
                   if set(e["sources"]) & {"spotify", "apple_music", "deezer"}}
    assert daily_kinds == kinds  # the daily feeds alone show every kind
    texts: dict[str, str] = {}
    for entry in manifest["files"]:
        if entry["source"] in ("spotify", "apple_music", "deezer", "itunes", "beatport", "youtube", "tiktok",
                               "instagram"):
            texts[entry["source"]] = texts.get(entry["source"], "") + (tmp_path / entry["file"]).read_text("utf-8")
    for variant, entries in variants.items():
        for e in entries:
            assert variant != e["canonical"]
            for source in e["sources"]:
                assert variant in texts[source], (variant, source)
    # a source never writes the canonical name of an artist it spells otherwise
    assert "alina orlova" in texts["deezer"].lower() and "Алина Орлова" not in texts["deezer"]


def test_catalogue_changes_in_the_dated_export(tmp_path: Path) -> None:
    manifest = generate(ALL, tmp_path)
    truth = manifest["families"]["catalogue"]
    first, second = (tmp_path / e["file"] for e in truth["exports"])
    assert second.name == f"catalogue_tracks_{truth['exports'][1]['as_of']}.csv"
    with first.open(newline="") as fh:
        before = {r["isrc"]: r for r in csv.DictReader(fh)}
    with second.open(newline="") as fh:
        after = {r["isrc"]: r for r in csv.DictReader(fh)}
    assert set(before) == set(after)
    changed = {isrc for isrc in before if before[isrc] != after[isrc]}
    kinds = {c["kind"]: c for c in truth["changes"]}
    assert set(kinds) == {"title_correction", "label_transfer"}
    assert changed == {i for c in truth["changes"] for i in c["isrcs"]}
    (fixed,) = kinds["title_correction"]["isrcs"]
    assert (before[fixed]["track_title"], after[fixed]["track_title"]) == (
        kinds["title_correction"]["before"]["track_title"], kinds["title_correction"]["after"]["track_title"])
    moved = kinds["label_transfer"]
    assert {after[i]["label_id"] for i in moved["isrcs"]} == {moved["after"]["label_id"]}
    assert moved["before"]["distributor"] != moved["after"]["distributor"]
    assert {after[i]["upc"] for i in moved["isrcs"]} == {moved["upc"]}  # the same release, another label


def test_anomalies_have_their_truth_and_missing_days_have_no_rows(tmp_path: Path) -> None:
    import datetime as dt

    from ingestion.generator.formats import FORMATS

    manifest = generate(ALL, tmp_path)
    anomalies = manifest["hidden"]["anomalies"]
    assert {a["kind"] for a in anomalies} == {"spike", "drop", "missing"}
    for a in anomalies:
        assert 1 <= a["days"] <= 7
        assert {"spike": 1.5 <= a["factor"] <= 10, "drop": 0 < a["factor"] < 1, "missing": a["factor"] == 0}[a["kind"]]
    for a in (a for a in anomalies if a["kind"] == "missing"):
        fmt = FORMATS[a["platform"]]
        start, end = dt.date.fromisoformat(a["start"]), dt.date.fromisoformat(a["end"])
        days = {fmt.date(start + dt.timedelta(days=i)) for i in range((end - start).days + 1)}
        for entry in manifest["files"]:
            if entry["source"] != a["platform"]:
                continue
            for line in (tmp_path / entry["file"]).read_text("utf-8").splitlines()[1:]:
                cells = line.split(fmt.delimiter)
                assert not (cells[0] in days and cells[1] == fmt.territory(a["territory"])
                            and cells[2] == fmt.isrc(a["isrc"])), (a, line)


def test_scale_is_an_alias_of_rows(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "ingestion.generator", "--out", str(tmp_path / "landing"), "--scale",
                    "1e4", "--extras", "itunes"], check=True, capture_output=True)
    manifest = json.loads((tmp_path / "landing" / "manifest.json").read_text())
    assert manifest["params"]["target_rows"] == 10_000 and manifest["params"]["extras"] == ["itunes"]
    assert manifest["families"]["itunes"]["files"] > 0


def test_the_cli_writes_every_extra_unless_told_none(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    from ingestion.generator.params import EXTRAS

    for i, (args, expected) in enumerate((([], list(EXTRAS)), (["--extras", "none"], []), (["--extras", ""], []))):
        out = tmp_path / str(i) / "landing"
        subprocess.run([sys.executable, "-m", "ingestion.generator", "--out", str(out), "--scale", "1e4", *args],
                       check=True, capture_output=True)
        assert json.loads((out / "manifest.json").read_text())["params"]["extras"] == expected, args
