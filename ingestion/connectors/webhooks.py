"""Playlist events received by webhook (ingestion/collectors/webhook.py): closed JSON-lines files, one event a line."""

from __future__ import annotations

from ingestion import fields as f
from ingestion.connectors.social import read_json_lines
from ingestion.contract import Connector
from ingestion.fields import one_of, optional, timestamp_utc

PLAYLIST_EVENTS = Connector(
    source="webhooks",
    table="webhooks__playlist_events",
    file_patterns=("playlist_events_*.jsonl",),  # never the open ``.jsonl.part``
    header=("event_id", "occurred_at", "playlist_id", "playlist_name", "curator_type", "isrc", "action", "position",
            "received_at"),
    fields=(
        f.text("event_id"),
        timestamp_utc("occurred_at"),
        f.text("playlist_id"),
        f.text("playlist_name"),
        one_of("curator_type", ("editorial", "algorithmic", "user")),
        f.isrc("isrc"),
        one_of("action", ("add", "remove")),
        optional(f.integer("position", minimum=1)),  # a remove may not say where the track was
        timestamp_utc("received_at"),
    ),
    delimiter="\t",
    reader=read_json_lines,
)
