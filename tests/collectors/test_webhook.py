"""Webhook receiver: signed playlist events -> closed JSON-lines files -> raw, once per event_id."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import requests

from ingestion.collectors.webhook import SECRET_ENV, SIGNATURE_HEADER, WebhookReceiver, sign
from ingestion.connectors.webhooks import PLAYLIST_EVENTS
from ingestion.contract import land_source

SECRET = "test-shared-secret"


class Clock:
    """A settable UTC clock, so a test decides when an hour is over."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def _deliveries(sample) -> list[bytes]:
    path = sample.fixtures / "webhooks" / "playlist_events.jsonl"
    return [line.encode() for line in path.read_text(encoding="utf-8").splitlines()]


def _post(session: requests.Session, url: str, body: bytes, secret: str | None = SECRET) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SIGNATURE_HEADER] = sign(body, secret)
    return session.post(url, data=body, headers=headers, timeout=10)


def test_events_posted_by_the_sender_land_once_each(sample, landing, warehouse, monkeypatch) -> None:
    truth = sample.truth("playlist_events")
    monkeypatch.setenv(SECRET_ENV, SECRET)  # the secret comes from the environment
    deliveries = _deliveries(sample)
    with WebhookReceiver(landing) as receiver, requests.Session() as http:
        answers = [_post(http, receiver.url, body) for body in deliveries]
    assert len(answers) == truth["deliveries"]
    assert sum(a.status_code == 202 for a in answers) == truth["events"]
    duplicates = [a for a in answers if a.status_code == 200]
    assert len(duplicates) == truth["resends"] and {a.json()["status"] for a in duplicates} == {"duplicate"}
    assert receiver.stats["accepted"] == truth["events"] and receiver.stats["duplicate"] == truth["resends"]

    assert not list(landing.rglob("*.part"))  # stop() closed the open file
    results = land_source(warehouse, PLAYLIST_EVENTS, landing)
    assert all(r.status == "landed" and r.balanced for r in results)
    assert sum(r.rows_landed for r in results) == truth["expected"]["landed"]
    assert sum(r.rows_quarantined for r in results) == truth["expected"]["quarantined"]
    landed = warehouse.execute("""
        SELECT count(*), count(DISTINCT event_id), count(*) FILTER (WHERE action = 'add'),
               count(*) FILTER (WHERE action = 'remove'), coalesce(sum(position), 0),
               count(DISTINCT playlist_id) FROM raw.webhooks__playlist_events""").fetchone()
    assert landed == (truth["expected"]["landed"], truth["expected"]["landed"], truth["adds"], truth["removes"],
                      truth["position_sum"], truth["playlists"])
    by_type = dict(warehouse.execute(
        "SELECT curator_type, count(*) FROM raw.webhooks__playlist_events GROUP BY 1").fetchall())
    assert by_type == {k: v for k, v in truth["by_curator_type"].items() if v}
    reasons = warehouse.execute("SELECT reason_code, raw_line FROM raw._quarantine").fetchall()
    assert [r[0] for r in reasons] == ["invalid_isrc"]
    assert truth["quarantined_event_ids"][0] in reasons[0][1]


def test_bad_signatures_and_malformed_bodies_are_refused(sample, landing) -> None:
    body = _deliveries(sample)[0]
    with WebhookReceiver(landing, secret=SECRET) as receiver, requests.Session() as http:
        assert _post(http, receiver.url, body, secret="not-the-secret").status_code == 401
        assert _post(http, receiver.url, body, secret=None).status_code == 401
        tampered = body.replace(b'"add"', b'"remove"') if b'"add"' in body else body + b" "
        forged = http.post(receiver.url, data=tampered, headers={SIGNATURE_HEADER: sign(body, SECRET)}, timeout=10)
        assert forged.status_code == 401

        not_json = _post(http, receiver.url, b'{"event_id": ')
        assert not_json.status_code == 400 and "not valid JSON" in not_json.json()["error"]
        event = json.loads(body)
        wrong = json.dumps({**event, "event_id": "evt_wrong", "curator_type": "robot", "position": 0}).encode()
        answer = _post(http, receiver.url, wrong)
        assert answer.status_code == 400
        assert {p.split(":")[0] for p in answer.json()["problems"]} == {"curator_type", "position"}
        naive = json.dumps({**event, "event_id": "evt_naive", "occurred_at": "2025-09-01T10:00:00"}).encode()
        assert _post(http, receiver.url, naive).status_code == 400
        assert http.post(receiver.url.replace("playlist-events", "other"), data=body, timeout=10).status_code == 404

        assert _post(http, receiver.url, body).status_code == 202  # the genuine one is taken
    assert receiver.stats["bad_signature"] == 3 and receiver.stats["malformed"] == 3
    stored = [json.loads(line) for p in (landing / "webhooks").glob("*.jsonl") for line in p.read_text().splitlines()]
    assert [e["event_id"] for e in stored] == [json.loads(body)["event_id"]]


def test_half_written_files_are_never_landed(sample, landing, warehouse) -> None:
    clock = Clock(dt.datetime(2026, 3, 1, 9, 15, tzinfo=dt.UTC))
    bodies = _deliveries(sample)[:6]
    with WebhookReceiver(landing, secret=SECRET, clock=clock) as receiver, requests.Session() as http:
        for body in bodies[:3]:
            assert _post(http, receiver.url, body).status_code == 202
        open_part = receiver.open_part()
        assert open_part == landing / "webhooks" / "playlist_events_2026-03-01_09.jsonl.part"
        assert len(open_part.read_text().splitlines()) == 3
        assert land_source(warehouse, PLAYLIST_EVENTS, landing) == []  # the open file is invisible

        clock.now = dt.datetime(2026, 3, 1, 10, 0, 5, tzinfo=dt.UTC)  # the hour is over
        assert [p.name for p in receiver.rotate()] == ["playlist_events_2026-03-01_09.jsonl"]
        for body in bodies[3:5]:
            assert _post(http, receiver.url, body).status_code == 202
        [first] = land_source(warehouse, PLAYLIST_EVENTS, landing)
        assert (first.file_name, first.rows_landed) == ("webhooks/playlist_events_2026-03-01_09.jsonl", 3)

        closed = receiver.rotate(force=True)  # e.g. before a landing run: close the open file now
        assert [p.name for p in closed] == ["playlist_events_2026-03-01_10.jsonl"]
        assert _post(http, receiver.url, bodies[5]).status_code == 202  # the rest of the hour: a new file
        assert receiver.open_part().name == "playlist_events_2026-03-01_10_2.jsonl.part"
    results = land_source(warehouse, PLAYLIST_EVENTS, landing)  # stop() closed the last one
    assert [(r.file_name.split("/")[-1], r.status, r.rows_landed) for r in results] == [
        ("playlist_events_2026-03-01_09.jsonl", "already_seen", 0),
        ("playlist_events_2026-03-01_10.jsonl", "landed", 2),
        ("playlist_events_2026-03-01_10_2.jsonl", "landed", 1),
    ]


def test_duplicates_are_caught_across_restarts_and_a_crash_is_recovered(sample, landing) -> None:
    bodies = _deliveries(sample)[:4]
    with WebhookReceiver(landing, secret=SECRET) as receiver, requests.Session() as http:
        assert [_post(http, receiver.url, b).status_code for b in bodies[:2]] == [202, 202]
    # a crashed receiver left an open file whose last line was torn mid-write (that event was never acknowledged)
    folder = landing / "webhooks"
    torn = folder / "playlist_events_2026-03-01_11.jsonl.part"
    torn.write_bytes(bodies[2] + b"\n" + bodies[3][:25])
    with WebhookReceiver(landing, secret=SECRET) as receiver, requests.Session() as http:
        assert receiver.stats["recovered_files"] == 1
        assert not torn.exists()
        recovered = folder / "playlist_events_2026-03-01_11.jsonl"
        assert recovered.read_bytes() == bodies[2] + b"\n"
        answers = [_post(http, receiver.url, b) for b in bodies]
        assert [a.status_code for a in answers] == [200, 200, 200, 202]  # only the torn one is new
    event_ids = [json.loads(line)["event_id"] for p in folder.glob("*.jsonl") for line in p.read_text().splitlines()]
    assert sorted(event_ids) == sorted(json.loads(b)["event_id"] for b in bodies)


def test_the_secret_is_required(landing: Path, monkeypatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with pytest.raises(ValueError, match=SECRET_ENV):
        WebhookReceiver(landing)
