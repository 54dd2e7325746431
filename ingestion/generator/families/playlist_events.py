"""Playlist add/remove events a DSP sends by webhook, in the order it sends them (resends included).

DSPs do not publish a common webhook format; the event carries what playlist analytics need and what DSP
playlist feeds report: event id, when it happened, the playlist (id, name, curator type: editorial, algorithmic
or user), the recording's ISRC, add or remove, and the position. Senders retry deliveries they believe failed,
so the same event (same ``event_id``) can arrive twice: the receiver must store it once.

Written as the sender's queue, ``<landing>/../api_fixtures/webhooks/playlist_events.jsonl`` (one delivery body
a line, in sending order); the truth is ``ctx.truth["playlist_events"]``.
"""

from __future__ import annotations

import datetime as dt
import json

from ingestion.generator.context import GenerationContext
from ingestion.generator.families._fixtures import api_fixtures_dir, stable_id

CURATOR_TYPES: tuple[str, ...] = ("editorial", "algorithmic", "user")
_PLAYLISTS: tuple[tuple[str, str], ...] = (
    ("New Music Friday", "editorial"), ("Today's Top Hits", "editorial"), ("Indie Mix", "editorial"),
    ("Fresh Finds", "editorial"), ("Release Radar", "algorithmic"), ("Discover Weekly", "algorithmic"),
    ("Daily Mix 3", "algorithmic"), ("Radio: Night Drive", "algorithmic"), ("gym bangers", "user"),
    ("rainy sunday", "user"), ("roadtrip 2026", "user"), ("study beats", "user"),
)
RESENDS = 3  # deliveries the sender repeats (same event_id)


def write_playlist_events(ctx: GenerationContext) -> None:
    rng = ctx.rng("playlist_events")
    start, end = ctx.params.start_date, ctx.params.end_date
    window = int((dt.datetime.combine(end, dt.time()) - dt.datetime.combine(start, dt.time())).total_seconds()
                 ) + 86_400
    playlists = [(stable_id("pl_", name), name, kind) for name, kind in _PLAYLISTS]
    events: list[dict] = []
    for track in ctx.tracks:
        first = max(start, track.release_date)
        if first > end:
            continue
        offset = int((dt.datetime.combine(first, dt.time()) - dt.datetime.combine(start, dt.time())).total_seconds())
        for _ in range(int(rng.poisson(2.5))):
            pid, name, kind = playlists[int(rng.integers(len(playlists)))]
            added = offset + int(rng.integers(0, max(1, window - offset)))
            position = int(rng.integers(1, 51 if kind == "editorial" else 101))
            events.append(_event(rng, added, start, pid, name, kind, track.isrc, "add", position))
            if rng.random() < 0.4 and added + 3_600 < window:
                removed = added + int(rng.integers(3_600, max(3_601, min(window - added, 60 * 86_400))))
                events.append(_event(rng, removed, start, pid, name, kind, track.isrc, "remove",
                                     None if rng.random() < 0.3 else position))
    events.sort(key=lambda e: (e["occurred_at"], e["event_id"]))
    bad_isrc: str | None = None
    if ctx.params.inject_faults and events:
        events[len(events) // 2]["isrc"] = "NOT-AN-ISRC"  # kept by the receiver, quarantined by the contract
        bad_isrc = events[len(events) // 2]["event_id"]
    deliveries = list(events)
    if ctx.params.inject_faults:
        for k in range(min(RESENDS, len(events))):  # the sender retries a few deliveries later on
            deliveries.insert(min(len(deliveries), 10 * (k + 1) + k), events[k])
    folder = api_fixtures_dir(ctx.landing_dir, "webhooks", fresh=True)
    with (folder / "playlist_events.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
        for event in deliveries:
            fh.write(json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
    landed = [e for e in events if e["event_id"] != bad_isrc]
    ctx.truth["playlist_events"] = {
        "fixtures": "api_fixtures/webhooks/playlist_events.jsonl",
        "deliveries": len(deliveries),
        "events": len(events),
        "resends": len(deliveries) - len(events),
        "expected": {"landed": len(landed), "quarantined": len(events) - len(landed)},
        "quarantined_event_ids": [bad_isrc] if bad_isrc else [],
        # over the events that land
        "adds": sum(e["action"] == "add" for e in landed),
        "removes": sum(e["action"] == "remove" for e in landed),
        "by_curator_type": {k: sum(e["curator_type"] == k for e in landed) for k in CURATOR_TYPES},
        "position_sum": sum(e["position"] or 0 for e in landed),
        "playlists": len({e["playlist_id"] for e in landed}),
    }


def _event(rng, seconds: int, start: dt.date, pid: str, name: str, kind: str, isrc: str, action: str,
           position: int | None) -> dict:
    at = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
    return {"event_id": f"evt_{int(rng.integers(0, 2**62)):016x}", "occurred_at": at.isoformat().replace("+00:00", "Z"),
            "playlist_id": pid, "playlist_name": name, "curator_type": kind, "isrc": isrc, "action": action,
            "position": position}
