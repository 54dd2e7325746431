"""HTTP for collectors: one place for retries, exponential backoff, ``Retry-After`` and timeouts.

Retries are urllib3's ``Retry`` mounted on a ``requests`` session: a 429 or 5xx answer (and a dropped connection)
is retried up to ``retries`` times; a ``Retry-After`` header is obeyed as sent, otherwise the wait grows as
``backoff_factor * 2 ** (attempt - 1)`` (capped at ``backoff_max``). When the retries run out a
:class:`~ingestion.collectors.CollectorError` names the URL and the last status.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ingestion.collectors import CollectorError

RETRY_STATUSES: tuple[int, ...] = (429, 500, 502, 503, 504)
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 60.0)  # connect, read (seconds)


def retrying_session(*, retries: int = 6, backoff_factor: float = 0.25, backoff_max: float = 30.0,
                     statuses: Collection[int] = RETRY_STATUSES,
                     methods: Collection[str] = ("GET", "HEAD", "OPTIONS"),
                     headers: Mapping[str, str] | None = None) -> requests.Session:
    """A session that retries idempotent requests on ``statuses`` and on connection errors."""
    retry = Retry(total=retries, connect=retries, read=retries, status=retries, other=0,
                  backoff_factor=backoff_factor, backoff_max=backoff_max, status_forcelist=tuple(statuses),
                  allowed_methods=frozenset(m.upper() for m in methods), respect_retry_after_header=True,
                  raise_on_status=True)
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update({"User-Agent": "tunemantra-collector/1", "Accept": "application/json"})
    session.headers.update(dict(headers or {}))
    return session


def retries_of(response: requests.Response) -> list[int | None]:
    """The statuses of the attempts retried before ``response`` (None for a connection error)."""
    history = getattr(getattr(response.raw, "retries", None), "history", ()) or ()
    return [h.status for h in history]


def get_json(session: requests.Session, url: str, *, params: Mapping[str, Any] | None = None,
             timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> tuple[Any, list[int | None]]:
    """GET a JSON document; return it with the statuses of the retried attempts."""
    try:
        response = session.get(url, params=params, timeout=timeout)
    except requests.exceptions.RetryError as exc:
        raise CollectorError(f"GET {url}: gave up after retries: {exc}") from exc
    except requests.exceptions.RequestException as exc:
        raise CollectorError(f"GET {url}: {type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        raise CollectorError(f"GET {response.url}: HTTP {response.status_code}: {response.text[:500]}")
    try:
        return response.json(), retries_of(response)
    except ValueError as exc:
        raise CollectorError(f"GET {response.url}: the answer is not JSON: {exc}") from exc
