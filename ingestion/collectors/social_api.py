"""Pull social engagement from a paged HTTP API into ``<landing>/social/`` as newline-delimited JSON.

One pull = one file ``social_engagement_<yyyy-mm-dd>_<n>.jsonl`` (the pull's date and its sequence number), one
record a line exactly as the API returned it. The pull is incremental: the API publishes complete days, the
collector asks for the days after ``since`` and remembers, in ``<landing>/_state/social_api.json``, the last
day the API said it had published (``window.through``). That state moves only after the file is complete and
renamed into place; a pull that fails leaves no file and no new state, so the next pull asks again.

Retries (429 with ``Retry-After``, 5xx, dropped connections) come from :mod:`ingestion.collectors.http`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import time
from pathlib import Path

import requests

from ingestion.collectors import CollectorError, free_name, load_state, publish, save_state
from ingestion.collectors.http import get_json, retrying_session

SOURCE = "social"
STATE = "social_api"
ENDPOINT = "/v1/engagement"
MAX_PAGES = 1_000_000  # a cursor loop guard, far above any real listing


@dataclasses.dataclass
class SocialPull:
    file: Path | None  # None when the API had nothing new
    records: int
    pages: int
    retried_statuses: list[int | None]  # one entry per retried attempt (429, 503…; None = connection error)
    since: str | None  # the state before the pull
    through: str | None  # the state after it
    seconds: float

    @property
    def retries(self) -> int:
        return len(self.retried_statuses)


def pull_social_engagement(base_url: str, landing_dir: Path, *, token: str | None = None,
                           session: requests.Session | None = None, today: dt.date | None = None) -> SocialPull:
    """Fetch every page published since the last pull and write them as one JSON-lines file."""
    started = time.perf_counter()
    landing_dir = Path(landing_dir)
    state = load_state(landing_dir, STATE)
    since: str | None = state.get("since")
    pulls = int(state.get("pulls", 0))
    own_session = session is None
    session = session or retrying_session(headers={"Authorization": f"Bearer {token}"} if token else None)
    folder = landing_dir / SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    day = today or dt.datetime.now(dt.UTC).date()
    final = free_name(folder, f"social_engagement_{day.isoformat()}_{pulls + 1}", ".jsonl")
    part = final.with_name(final.name + ".part")

    url: str | None = base_url.rstrip("/") + ENDPOINT
    params = {"since": since} if since else None
    records = pages = 0
    retried: list[int | None] = []
    through, last_date = since, None
    try:
        with part.open("w", encoding="utf-8", newline="\n") as fh:
            while url:
                payload, retries = get_json(session, url, params=params)
                retried += retries
                data, paging = payload.get("data"), payload.get("paging") or {}
                if not isinstance(data, list):
                    raise CollectorError(f"GET {url}: the answer has no 'data' list")
                for record in data:
                    fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
                    if isinstance(record, dict) and isinstance(record.get("date"), str):
                        last_date = max(last_date or record["date"], record["date"])
                records += len(data)
                pages += 1
                through = (payload.get("window") or {}).get("through") or through
                url, params = paging.get("next"), None
                if pages > MAX_PAGES:
                    raise CollectorError(f"more than {MAX_PAGES} pages: the API's cursor loops")
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        if own_session:
            session.close()
    through = through or last_date
    written: Path | None = None
    if records:
        written = publish(part, final)
        pulls += 1
    else:
        part.unlink(missing_ok=True)
    save_state(landing_dir, STATE, {"since": through, "pulls": pulls,
                                    "last_file": written.name if written else state.get("last_file"),
                                    "last_pull_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    return SocialPull(written, records, pages, retried, since, through, round(time.perf_counter() - started, 3))
