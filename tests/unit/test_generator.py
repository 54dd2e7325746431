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
        with path.open(encoding="utf-8", newline="") as fh:
            assert sum(1 for _ in fh) - 1 == entry["data_lines"]
    # an independent read of the Spotify files agrees with the manifest's streams
    spotify = [f for f in manifest["files"] if f["source"] == "spotify" and not f["redelivery_of"]]
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
