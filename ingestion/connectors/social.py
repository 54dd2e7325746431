"""Newline-delimited JSON (the collectors' format) and the social engagement connector.

:func:`read_json_lines` reads one JSON object per physical line: line numbers are physical lines (1-based, no
header), a blank line carries nothing, a line that is not valid JSON or not a JSON object is rejected with its
reason (``malformed_json`` / ``not_an_object``). Each declared header name is a key of the object; a missing key
or ``null`` becomes an empty cell (the declared field then decides: a required field quarantines the line with
its reason), numbers and booleans become their JSON text, nested values their JSON. Keys the connector does not
declare are ignored: APIs add fields over time, and the raw table keeps the declared ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ingestion import fields as f
from ingestion.contract import Connector
from ingestion.fields import one_of
from ingestion.readers import ReadResult, Reject

NETWORKS: tuple[str, ...] = ("instagram", "tiktok", "x", "facebook")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def read_json_lines(path: Path, connector: Connector) -> ReadResult:
    keys = connector.header
    lines: list[int] = []
    columns: list[list[str]] = [[] for _ in keys]
    rejects: list[Reject] = []
    with Path(path).open(encoding=connector.encoding, newline="") as fh:
        for number, raw in enumerate(fh, start=1):
            text = raw.rstrip("\r\n")
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except ValueError as exc:
                rejects.append(Reject(number, "malformed_json", f"malformed_json: {exc}", text))
                continue
            if not isinstance(record, dict):
                rejects.append(Reject(number, "not_an_object",
                                      f"not_an_object: a JSON {type(record).__name__}, not an object", text))
                continue
            lines.append(number)
            for i, key in enumerate(keys):
                columns[i].append(_cell(record.get(key)))
    result = ReadResult(lines, columns, rejects)
    if hasattr(result, "method"):  # the reader's name, where the landing contract records it
        result.method = "json-lines"
    return result


SOCIAL_ENGAGEMENT = Connector(
    source="social",
    table="social__engagement",
    file_patterns=("social_engagement_*.jsonl",),
    header=("date", "network", "artist_id", "artist_name", "followers", "posts", "likes", "comments", "shares",
            "video_views"),
    fields=(
        f.date("report_date", "%Y-%m-%d"),
        one_of("network", NETWORKS),
        f.text("artist_id"),
        f.text("artist_name"),
        f.integer("followers"),
        f.integer("posts"),
        f.integer("likes"),
        f.integer("comments"),
        f.integer("shares"),
        f.integer("video_views"),
    ),
    delimiter="\t",  # only used to show a quarantined line's cells
    reader=read_json_lines,
)
