"""A small local stand-in for a social networks' analytics API: pages, cursors, rate limits and outages.

It serves the pages the generator wrote under ``<landing>/../api_fixtures/social/`` (family ``social_engagement``)::

    GET /v1/engagement?since=<yyyy-mm-dd>            first page of the days after ``since`` (all days if absent)
    GET /v1/engagement?cursor=<opaque>               the next page

    200 {"data": [...records...],
         "paging": {"next_cursor": "<opaque>" | null, "next": "<absolute url>" | null},
         "window": {"since": "<yyyy-mm-dd>" | null, "through": "<yyyy-mm-dd>" | null}}

Only complete days are published: ``through`` is the last published day (``publish_through()`` moves it, as
days pass). A cursor pins the window its first page was asked for, so a listing never shifts under a reader.

Misbehaviour, deterministic by request number (1, 2, 3… over the server's life): every ``rate_limit_every``-th
request is answered ``429 Too Many Requests`` with ``Retry-After: <retry_after>``, every ``fail_every``-th
(that is not a 429) ``503 Service Unavailable``. ``requests_log`` records every request and its answer.

Binds 127.0.0.1 on a free port; ``start()``/``stop()`` or use it as a context manager.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from ingestion.collectors._local_server import LocalHttpServer

ENDPOINT = "/v1/engagement"


@dataclasses.dataclass(frozen=True)
class LoggedRequest:
    number: int
    path: str
    status: int
    page_id: str | None
    at: float


class FakeSocialAPI(LocalHttpServer):
    thread_name = "fake-social-api"

    def __init__(self, fixtures_dir: Path, *, token: str | None = None, rate_limit_every: int = 0,
                 fail_every: int = 0, retry_after: int = 1, through: dt.date | None = None) -> None:
        index = json.loads((Path(fixtures_dir) / "index.json").read_text())
        self.fixtures_dir = Path(fixtures_dir)
        self.pages: list[dict[str, Any]] = index["pages"]  # in date order
        self.token = token
        self.rate_limit_every, self.fail_every, self.retry_after = rate_limit_every, fail_every, retry_after
        self.through = through or (dt.date.fromisoformat(self.pages[-1]["date"]) if self.pages else None)
        self.requests_log: list[LoggedRequest] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return self.address

    def publish_through(self, day: dt.date) -> None:
        """Days up to ``day`` (inclusive) are complete and may be served."""
        self.through = day

    # --- what was served --------------------------------------------------------------------------------------
    def served_pages(self) -> list[str]:
        return [r.page_id for r in self.requests_log if r.status == 200 and r.page_id]

    def statuses(self) -> list[int]:
        return [r.status for r in self.requests_log]

    # --- the API ----------------------------------------------------------------------------------------------
    def handle(self, path: str, query: dict[str, str], headers: Any) -> tuple[int, dict[str, str], Any, str | None]:
        with self._lock:  # numbered in arrival order
            number = len(self.requests_log) + 1
            self.requests_log.append(LoggedRequest(number, path, 0, None, time.monotonic()))
        status, extra, body, page_id = self._answer(number, path, query, headers)
        with self._lock:
            at = self.requests_log[number - 1].at
            self.requests_log[number - 1] = LoggedRequest(number, path, status, page_id, at)
        return status, extra, body, page_id

    def _answer(self, number: int, path: str, query: dict[str, str],
                headers: Any) -> tuple[int, dict[str, str], Any, str | None]:
        if self.token is not None and headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {}, {"error": {"code": 401, "message": "missing or wrong bearer token"}}, None
        if self.rate_limit_every and number % self.rate_limit_every == 0:
            limited = {"error": {"code": 429, "message": "rate limited"}}
            return 429, {"Retry-After": str(self.retry_after)}, limited, None
        if self.fail_every and number % self.fail_every == 0:
            return 503, {}, {"error": {"code": 503, "message": "temporarily unavailable"}}, None
        if path != ENDPOINT:
            return 404, {}, {"error": {"code": 404, "message": f"no such endpoint {path}"}}, None
        try:
            if "cursor" in query:
                state = json.loads(base64.urlsafe_b64decode(query["cursor"].encode()))
                since, through, position = state["since"], state["through"], int(state["i"])
            else:
                since = query.get("since") or None
                if since is not None:
                    dt.date.fromisoformat(since)
                through, position = (self.through.isoformat() if self.through else None), 0
        except (ValueError, KeyError, TypeError) as exc:
            return 400, {}, {"error": {"code": 400, "message": f"bad query: {exc}"}}, None
        window = [p for p in self.pages
                  if (since is None or p["date"] > since) and (through is not None and p["date"] <= through)]
        paging: dict[str, str | None] = {"next_cursor": None, "next": None}
        if position >= len(window):
            return 200, {}, {"data": [], "paging": paging, "window": {"since": since, "through": through}}, None
        page = window[position]
        data = json.loads((self.fixtures_dir / page["file"]).read_text(encoding="utf-8"))["data"]
        if position + 1 < len(window):
            cursor = base64.urlsafe_b64encode(json.dumps(
                {"since": since, "through": through, "i": position + 1}).encode()).decode()
            paging = {"next_cursor": cursor, "next": f"{self.url}{ENDPOINT}?{urlencode({'cursor': cursor})}"}
        return 200, {}, {"data": data, "paging": paging, "window": {"since": since, "through": through}}, page["id"]


class _Handler(BaseHTTPRequestHandler):
    owner: FakeSocialAPI
    protocol_version = "HTTP/1.1"  # keep-alive, as real APIs do
    disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms Nagle/delayed-ACK stall between headers and body

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        status, extra, body, _page = self.owner.handle(parts.path, query, self.headers)
        payload = json.dumps(body).encode()
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the owner keeps its own log
        pass

FakeSocialAPI.handler_base = _Handler
