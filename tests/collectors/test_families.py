"""The remote systems' data the generator writes (api_fixtures) is deterministic and agrees with its truth."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from ingestion.generator import generate


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_fixtures_are_byte_identical_per_seed_and_outside_the_landing_folder(sample, tmp_path) -> None:
    generate(sample.params, tmp_path / "again" / "landing")
    assert _hashes(tmp_path / "again" / "api_fixtures") == _hashes(sample.fixtures)
    landed_sources = {p.parts[0] for p in (Path(e["file"]) for e in sample.manifest["files"])}
    assert not landed_sources & {"social", "webhooks", "distribution_db", "airbyte", "api_fixtures"}


def test_fixtures_agree_with_the_truth(sample) -> None:
    social = sample.truth("social_engagement")
    index = json.loads((sample.fixtures / "social" / "index.json").read_text())
    records = [r for p in index["pages"]
               for r in json.loads((sample.fixtures / "social" / p["file"]).read_text())["data"]]
    assert len(records) == social["rows"] and all(len(p["data"]) <= social["page_size"] for p in (
        json.loads((sample.fixtures / "social" / p["file"]).read_text()) for p in index["pages"]))
    assert sum(r["video_views"] for r in records if r["network"] == "tiktok") == \
        social["sums_by_network"]["tiktok"]["video_views"]

    events = sample.truth("playlist_events")
    deliveries = [json.loads(line) for line in
                  (sample.fixtures / "webhooks" / "playlist_events.jsonl").read_text().splitlines()]
    assert len(deliveries) == events["deliveries"] and len({e["event_id"] for e in deliveries}) == events["events"]

    catalogue = sample.truth("distribution_catalogue")
    with (sample.fixtures / "distribution_db" / "tracks.csv").open(newline="") as fh:
        assert len(list(csv.DictReader(fh))) == catalogue["tracks"] == sample.manifest["catalogue"]["tracks"]

    merch = sample.truth("merch_orders")
    lines = (sample.fixtures / "airbyte" / "merch_orders.jsonl").read_text().splitlines()
    assert len(lines) == merch["rows"]
