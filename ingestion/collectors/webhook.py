"""Receive signed webhook events (playlist adds and removes from a DSP) into ``<landing>/webhooks/``.

    POST /webhooks/playlist-events        body: one JSON event
    X-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the shared secret>

    202 {"status": "accepted"}     the event is durably appended (flushed and fsynced) before the answer
    200 {"status": "duplicate"}    an event_id already received: acknowledged, not stored again
    401 bad or missing signature   400 malformed body (the problems listed)   413 body too large
    404 other paths                411 no Content-Length

The secret comes from the environment (``TM_WEBHOOK_SECRET``) unless given. The signature is checked on the raw
bytes before anything is parsed. An event is validated for its structure only (types, required keys, the closed
lists ``curator_type`` and ``action``); values such as the ISRC are kept as delivered and judged by the landing
contract, which quarantines a bad one with its reason. The stored line is the event as sent plus ``received_at``.

Files: events go to ``playlist_events_<yyyy-mm-dd>_<hh>.jsonl`` by the UTC hour they were received. While a file
is being appended it is named ``….jsonl.part`` (the connector only matches ``*.jsonl``); when its hour is over it
is closed and renamed, so the landing contract never lands a half-written file. Rotation runs on each request
and on a timer (``rotate_every`` seconds), ``rotate(force=True)`` closes the open file at once (a new file then
starts for the rest of the hour, named ``…_<hh>_2.jsonl``), and ``stop()`` closes it. A closed file is never
appended to again: its bytes are what the ledger hashed.

De-duplication is by ``event_id`` over every file in ``<landing>/webhooks/`` (re-read at start). After a crash a
leftover ``.part`` is recovered at start: a torn last line (an event that was never acknowledged, so the sender
retries it) is cut off and the file is closed.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import hmac
import json
import os
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import IO, Any

from ingestion.collectors import free_name
from ingestion.collectors._local_server import LocalHttpServer

SOURCE = "webhooks"
ENDPOINT = "/webhooks/playlist-events"
SIGNATURE_HEADER = "X-Signature-256"
SECRET_ENV = "TM_WEBHOOK_SECRET"
MAX_BODY_BYTES = 64 * 1024
CURATOR_TYPES: tuple[str, ...] = ("editorial", "algorithmic", "user")
ACTIONS: tuple[str, ...] = ("add", "remove")
_TEXT_KEYS = ("event_id", "playlist_id", "playlist_name", "isrc")


def sign(body: bytes, secret: str) -> str:
    """The signature header value a sender puts on ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(body: bytes, secret: str, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(sign(body, secret), header.strip())


def event_problems(event: Any) -> list[str]:
    """What makes a decoded body not a playlist event (empty when it is one)."""
    if not isinstance(event, dict):
        return [f"the body is a JSON {type(event).__name__}, not an object"]
    problems = [f"{key}: a non-empty string is required" for key in _TEXT_KEYS
                if not isinstance(event.get(key), str) or not event[key].strip()]
    occurred = event.get("occurred_at")
    try:
        if not isinstance(occurred, str) or dt.datetime.fromisoformat(occurred).tzinfo is None:
            problems.append("occurred_at: an ISO 8601 date-time with a UTC offset is required")
    except ValueError:
        problems.append(f"occurred_at: {occurred!r} is not an ISO 8601 date-time")
    if event.get("curator_type") not in CURATOR_TYPES:
        problems.append(f"curator_type: one of {'|'.join(CURATOR_TYPES)} is required")
    if event.get("action") not in ACTIONS:
        problems.append(f"action: one of {'|'.join(ACTIONS)} is required")
    position = event.get("position")
    valid_position = isinstance(position, int) and not isinstance(position, bool) and position >= 1
    if not valid_position and not (position is None and event.get("action") == "remove"):
        problems.append("position: an integer >= 1 is required (null is allowed for a remove)")
    return problems


class WebhookReceiver(LocalHttpServer):
    thread_name = "webhook-http"

    def __init__(self, landing_dir: Path, *, secret: str | None = None, port: int = 0,
                 clock: Callable[[], dt.datetime] | None = None, rotate_every: float = 30.0,
                 fsync: bool = True) -> None:
        secret = secret or os.environ.get(SECRET_ENV)
        if not secret:
            raise ValueError(f"no webhook secret: set {SECRET_ENV}")
        self.secret = secret
        self.folder = Path(landing_dir) / SOURCE
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = port
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.rotate_every = rotate_every
        self.fsync = fsync
        self.stats: collections.Counter[str] = collections.Counter()
        self.closed_files: list[Path] = []
        self._lock = threading.Lock()
        self._segment: tuple[str, Path, IO[str]] | None = None  # (hour, .part path, open file)
        self._ticker: threading.Thread | None = None
        self._stopping_event = threading.Event()
        self._recover()
        self._seen = self._read_seen_ids()

    # --- lifecycle --------------------------------------------------------------------------------------------
    def _started(self) -> None:
        self._stopping_event.clear()
        self._ticker = threading.Thread(target=self._tick, name="webhook-rotate", daemon=True)
        self._ticker.start()

    def _stopping(self) -> None:
        self._stopping_event.set()

    def _stopped(self) -> None:
        if self._ticker is not None:
            self._ticker.join(timeout=10)
            self._ticker = None
        self.rotate(force=True)

    @property
    def url(self) -> str:
        return f"{self.address}{ENDPOINT}"

    # --- receiving --------------------------------------------------------------------------------------------
    def receive(self, body: bytes, signature: str | None) -> tuple[int, dict[str, Any]]:
        """Judge one delivery and store it when new: (HTTP status, answer)."""
        if len(body) > MAX_BODY_BYTES:
            self._count("too_large")
            return 413, {"error": f"body larger than {MAX_BODY_BYTES} bytes"}
        if not signature_ok(body, self.secret, signature):
            self._count("bad_signature")
            return 401, {"error": f"missing or invalid {SIGNATURE_HEADER}"}
        try:
            event = json.loads(body)
        except ValueError as exc:
            self._count("malformed")
            return 400, {"error": "the body is not valid JSON", "problems": [str(exc)]}
        problems = event_problems(event)
        if problems:
            self._count("malformed")
            return 400, {"error": "the body is not a playlist event", "problems": problems}
        with self._lock:
            now = self.clock()
            self._rotate_locked(now, force=False)
            if event["event_id"] in self._seen:
                self.stats["duplicate"] += 1
                return 200, {"status": "duplicate", "event_id": event["event_id"]}
            record = {**event, "received_at": now.astimezone(dt.UTC).isoformat(timespec="milliseconds")}
            fh = self._segment_for(now)
            fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            fh.flush()
            if self.fsync:
                os.fsync(fh.fileno())
            self._seen.add(event["event_id"])
            self.stats["accepted"] += 1
        return 202, {"status": "accepted", "event_id": event["event_id"]}

    def _count(self, key: str) -> None:
        with self._lock:
            self.stats[key] += 1

    # --- files ------------------------------------------------------------------------------------------------
    def rotate(self, *, force: bool = False) -> list[Path]:
        """Close the open file if its hour is over (or at once with ``force``); return the files closed."""
        with self._lock:
            return self._rotate_locked(self.clock(), force=force)

    def open_part(self) -> Path | None:
        segment = self._segment
        return segment[1] if segment else None

    @staticmethod
    def _hour(now: dt.datetime) -> str:
        return now.astimezone(dt.UTC).strftime("%Y-%m-%d_%H")

    def _segment_for(self, now: dt.datetime) -> IO[str]:
        if self._segment is None:
            final = free_name(self.folder, f"playlist_events_{self._hour(now)}", ".jsonl")
            part = final.with_name(final.name + ".part")
            self._segment = (self._hour(now), part, part.open("x", encoding="utf-8", newline="\n"))
        return self._segment[2]

    def _rotate_locked(self, now: dt.datetime, *, force: bool) -> list[Path]:
        if self._segment is None or (not force and self._segment[0] == self._hour(now)):
            return []
        _hour, part, fh = self._segment
        self._segment = None
        fh.close()
        closed = self._close_part(part)
        self.closed_files.append(closed)
        return [closed]

    def _close_part(self, part: Path) -> Path:
        final = part.with_name(part.name.removesuffix(".part"))
        if final.exists():
            final = free_name(self.folder, final.name.removesuffix(".jsonl"), ".jsonl")
        os.replace(part, final)
        return final

    def _recover(self) -> None:
        """Close ``.part`` files a crashed receiver left open, cutting a torn last line."""
        for part in sorted(self.folder.glob("*.jsonl.part")):
            data = part.read_bytes()
            keep = data[:data.rfind(b"\n") + 1]
            if not keep:
                part.unlink()
                continue
            if len(keep) != len(data):
                part.write_bytes(keep)
            self._close_part(part)
            self.stats["recovered_files"] += 1

    def _read_seen_ids(self) -> set[str]:
        seen: set[str] = set()
        for path in self.folder.glob("*.jsonl"):
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    try:
                        event_id = json.loads(line).get("event_id")
                    except (ValueError, AttributeError):
                        continue
                    if isinstance(event_id, str):
                        seen.add(event_id)
        return seen

    def _tick(self) -> None:
        while not self._stopping_event.wait(self.rotate_every):
            self.rotate()


class _Handler(BaseHTTPRequestHandler):
    owner: WebhookReceiver
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms Nagle/delayed-ACK stall between headers and body

    def do_POST(self) -> None:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            self._answer(411, {"error": "Content-Length is required"})
            return
        if int(length) > MAX_BODY_BYTES:
            self.close_connection = True  # the unread body must not be taken for the next request
            self._answer(413, {"error": f"body larger than {MAX_BODY_BYTES} bytes"})
            return
        body = self.rfile.read(int(length))
        if self.path.split("?", 1)[0] != ENDPOINT:
            self._answer(404, {"error": f"no endpoint {self.path}"})
            return
        status, answer = self.owner.receive(body, self.headers.get(SIGNATURE_HEADER))
        self._answer(status, answer)

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._answer(200, {"status": "ok"})
        else:
            self._answer(404, {"error": f"no endpoint {self.path}"})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


WebhookReceiver.handler_base = _Handler


def main() -> None:
    """``python -m ingestion.collectors.webhook --landing var/landing [--port 8765]`` (secret from the environment)."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(description="Receive signed playlist webhook events into the landing folder.")
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    receiver = WebhookReceiver(args.landing, port=args.port).start()
    print(f"webhook receiver on {receiver.url} -> {receiver.folder}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    receiver.stop()


if __name__ == "__main__":
    main()
