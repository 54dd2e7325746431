"""What the dashboards must show, from sources the pipeline does not touch: the generator's manifest (its own
truth of every file and family) and the raw landing files (the catalogue export). The browser tests compare a
figure of each dashboard, unfiltered and after one native filter, with these."""

from __future__ import annotations

import csv
import dataclasses
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

DAILY_FEEDS = ("spotify", "apple_music", "deezer")
PLATFORM_NAMES = {"spotify": "Spotify", "apple_music": "Apple Music", "deezer": "Deezer",
                  "amazon_music": "Amazon Music"}


class Truth:
    def __init__(self, manifest: dict[str, Any], landing_dir: Path) -> None:
        self.manifest = manifest
        self.landing = Path(landing_dir)
        latest = manifest["families"]["catalogue"]["latest_export"]
        with open(self.landing / latest, encoding="utf-8-sig", newline="") as fh:
            self.catalogue = list(csv.DictReader(fh))
        self.label_of = {row["isrc"]: row["label_name"] for row in self.catalogue}

    # --- the daily feeds ----------------------------------------------------------------------------------------------
    @property
    def streams(self) -> int:
        return int(self.manifest["totals"]["streams"])

    def platform_streams(self, code: str) -> int:
        return int(self.manifest["totals"]["streams_by_platform"][code])

    def top_platform(self) -> str:
        by = self.manifest["totals"]["streams_by_platform"]
        return max(by, key=lambda code: int(by[code]))

    def streams_in_months(self, first: str, last: str) -> int:
        """Streams of the counted daily-feed files whose month is in [first, last] (YYYY-MM)."""
        return sum(int(f["streams"]) for f in self.manifest["files"]
                   if f["source"] in DAILY_FEEDS and f.get("counted_in_totals") and first <= f["period"] <= last)

    # --- the catalogue ------------------------------------------------------------------------------------------------
    @property
    def tracks(self) -> int:
        return len(self.catalogue)

    @property
    def releases(self) -> int:
        return len({row["upc"] for row in self.catalogue})

    def biggest_label(self) -> str:
        """The label with the most tracks (not all of them, or a filter would change nothing)."""
        counts = Counter(row["label_name"] for row in self.catalogue)
        label, n = counts.most_common(1)[0]
        assert n < len(self.catalogue), "the sample needs two labels"
        return label

    def label_tracks(self, label: str) -> int:
        return sum(row["label_name"] == label for row in self.catalogue)

    def label_releases(self, label: str) -> int:
        return len({row["upc"] for row in self.catalogue if row["label_name"] == label})

    # --- families -----------------------------------------------------------------------------------------------------
    def _in_window(self, day: str) -> bool:
        return self.manifest["totals"]["first_date"] <= day <= self.manifest["totals"]["last_date"]

    def playlist_adds(self, label: str | None = None) -> int:
        episodes = self.manifest["families"]["playlists"]["episodes"]
        return sum(self._in_window(e["added_on"]) and (label is None or self.label_of.get(e["isrc"]) == label)
                   for e in episodes)

    def audience_listeners(self, platform: str | None = None) -> int:
        months = self.manifest["families"]["audience"]["listeners_by_month"]
        return sum(int(v) for by in months.values() for code, v in by.items() if platform in (None, code))

    def statement_streams(self, platform: str | None = None) -> int:
        by_source = self.manifest["families"]["dsr_statements"]["by_source"]
        return sum(int(v["usages"]) for source, v in by_source.items() if platform in (None, source[len("dsr_"):]))

    def quarantined_lines(self, source: str | None = None) -> int:
        """Lines refused by the landing contract: each file's own, plus the refused webhook event and social row."""
        in_files = sum(int(f["expected"]["quarantined"]) for f in self.manifest["files"]
                       if source in (None, f["source"]))
        fam = self.manifest["families"]
        pushed = {"webhooks": len(fam["playlist_events"].get("quarantined_event_ids") or []),
                  "social": len(fam["social_engagement"].get("quarantined") or [])}
        return in_files + sum(n for s, n in pushed.items() if source in (None, s))


@dataclasses.dataclass(frozen=True)
class Figure:
    """A big number of a dashboard, its true value, and a native filter with the option to pick and the value the
    figure must show then. ``option`` is a select filter's option text, or ``(start, end)`` for the time range."""

    slug: str
    chart: str
    expected: Callable[[Truth], int]
    filter_id: str
    option: Callable[[Truth], str | tuple[str, str]]
    filtered: Callable[[Truth], int]


FIGURES = (
    Figure("performance-overview", "Total streams", lambda t: t.streams,
           "NATIVE_FILTER-platform", lambda t: PLATFORM_NAMES[t.top_platform()],
           lambda t: t.platform_streams(t.top_platform())),
    Figure("catalogue-analysis", "Catalogue tracks", lambda t: t.tracks,
           "NATIVE_FILTER-label", lambda t: t.biggest_label(), lambda t: t.label_tracks(t.biggest_label())),
    Figure("audience-insights", "Listeners", lambda t: t.audience_listeners(),
           "NATIVE_FILTER-platform", lambda t: "Apple Music", lambda t: t.audience_listeners("apple_music")),
    Figure("platform-comparison", "Streams (daily feeds)", lambda t: t.streams,
           "NATIVE_FILTER-platform", lambda t: PLATFORM_NAMES[t.top_platform()],
           lambda t: t.platform_streams(t.top_platform())),
    Figure("geographic-distribution", "Streams", lambda t: t.streams,
           "time-range", lambda t: ("2025-10-01", "2025-12-01"), lambda t: t.streams_in_months("2025-10", "2025-11")),
    Figure("trend-analysis", "Streams", lambda t: t.streams,
           "time-range", lambda t: ("2026-01-01", "2026-04-01"), lambda t: t.streams_in_months("2026-01", "2026-03")),
    Figure("release-performance", "Releases", lambda t: t.releases,
           "NATIVE_FILTER-label", lambda t: t.biggest_label(), lambda t: t.label_releases(t.biggest_label())),
    Figure("playlists-and-charts", "Playlist adds", lambda t: t.playlist_adds(),
           "NATIVE_FILTER-label", lambda t: t.biggest_label(), lambda t: t.playlist_adds(t.biggest_label())),
    Figure("revenue-and-reconciliation", "Statement streams", lambda t: t.statement_streams(),
           "NATIVE_FILTER-platform", lambda t: "Amazon Music", lambda t: t.statement_streams("amazon_music")),
    Figure("insights-and-forecasts", "Tracks forecast", lambda t: t.tracks,
           "NATIVE_FILTER-label", lambda t: t.biggest_label(), lambda t: t.label_tracks(t.biggest_label())),
    Figure("data-quality", "Quarantined lines", lambda t: t.quarantined_lines(),
           "NATIVE_FILTER-source", lambda t: "deezer", lambda t: t.quarantined_lines("deezer")),
)
