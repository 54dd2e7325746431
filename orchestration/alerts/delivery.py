"""How an alert reaches people: e-mail over SMTP and JSON webhooks. A failure is returned, never raised: one bad
recipient or endpoint must not keep the others from getting theirs, nor fail the pipeline.

E-mail: ``TM_SMTP_HOST`` / ``TM_SMTP_PORT`` (default 127.0.0.1:1025, a local relay or test server),
``TM_SMTP_USER`` / ``TM_SMTP_PASSWORD`` (login when set), ``TM_SMTP_STARTTLS=1``, ``TM_ALERT_FROM`` (the sender).
A message carries a plain-text and an HTML part. One connection serves a whole run; when it cannot be opened,
every e-mail of the run is recorded failed with that reason at once (no waiting on each).

Webhooks: ``POST`` of the JSON payload, ``Content-Type: application/json``; with a secret (the rule's
``secret_env``, default ``TM_ALERT_WEBHOOK_SECRET``) the header ``X-Signature-256: sha256=<hex HMAC-SHA256 of the
raw body>``, the scheme the platform-event receiver of this project checks (ingestion/collectors/webhook.py).
Timeouts and 5xx/429 answers are retried ``TM_ALERT_WEBHOOK_RETRIES`` times (default 3) with exponential backoff
(``TM_ALERT_WEBHOOK_BACKOFF`` seconds, default 1, doubled each time); other 4xx answers are not (the request
itself is wrong).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import os
import smtplib
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

SIGNATURE_HEADER = "X-Signature-256"
EVENT_HEADER = "X-TuneMantra-Event"


@dataclasses.dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str | None = None
    attempts: int = 1


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclasses.dataclass
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 1025
    user: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    starttls: bool = False
    sender: str = "TuneMantra Alerts <alerts@tunemantra.local>"
    timeout: float = 10.0

    @classmethod
    def from_env(cls) -> SmtpSettings:
        env = os.environ
        return cls(host=env.get("TM_SMTP_HOST") or "127.0.0.1", port=int(env.get("TM_SMTP_PORT") or 1025),
                   user=env.get("TM_SMTP_USER") or None, password=env.get("TM_SMTP_PASSWORD") or None,
                   starttls=(env.get("TM_SMTP_STARTTLS") or "").lower() in ("1", "true", "yes"),
                   sender=env.get("TM_ALERT_FROM") or cls.sender,
                   timeout=float(env.get("TM_SMTP_TIMEOUT") or 10))


class Mailer:
    """One SMTP session for a run, opened on the first message (use as a context manager)."""

    def __init__(self, settings: SmtpSettings | None = None) -> None:
        self.settings = settings or SmtpSettings.from_env()
        self._smtp: smtplib.SMTP | None = None
        self._connect_error: str | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

    def _session(self) -> smtplib.SMTP:
        if self._connect_error is not None:
            raise ConnectionError(self._connect_error)
        if self._smtp is None:
            s = self.settings
            try:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.starttls:
                    smtp.starttls()
                if s.user:
                    smtp.login(s.user, s.password or "")
            except (smtplib.SMTPException, OSError) as exc:
                self._connect_error = f"SMTP {s.host}:{s.port} unreachable: {exc}"
                raise ConnectionError(self._connect_error) from exc
            self._smtp = smtp
        return self._smtp

    def send(self, recipient: str, subject: str, text: str, html: str, headers: dict[str, str] | None = None
             ) -> Outcome:
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = recipient
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain="tunemantra.local")
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        try:
            self._session().send_message(message)
        except ConnectionError as exc:
            return Outcome(False, str(exc))
        except (smtplib.SMTPException, OSError) as exc:
            self.close()  # the session may be broken: the next message opens a new one
            return Outcome(False, f"SMTP: {exc}")
        return Outcome(True)


@dataclasses.dataclass
class WebhookPoster:
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 1.0

    @classmethod
    def from_env(cls) -> WebhookPoster:
        env = os.environ
        return cls(timeout=float(env.get("TM_ALERT_WEBHOOK_TIMEOUT") or 10),
                   retries=int(env.get("TM_ALERT_WEBHOOK_RETRIES") or 3),
                   backoff=float(env.get("TM_ALERT_WEBHOOK_BACKOFF") or 1))

    def post(self, url: str, payload: dict[str, Any], secret: str | None, event: str = "alert") -> Outcome:
        body = json.dumps(payload, sort_keys=True, default=str).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "tunemantra-alerts/1", EVENT_HEADER: event}
        if secret:
            headers[SIGNATURE_HEADER] = sign(body, secret)
        error = "not attempted"
        for attempt in range(1, self.retries + 2):
            try:
                request = urllib.request.Request(url, data=body, headers=headers, method="POST")
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    response.read()
                return Outcome(True, attempts=attempt)
            except urllib.error.HTTPError as exc:
                error = f"HTTP {exc.code} from {url}"
                if exc.code < 500 and exc.code != 429:
                    return Outcome(False, error, attempt)
            except (urllib.error.URLError, OSError) as exc:
                error = f"{url}: {getattr(exc, 'reason', exc)}"
            if attempt <= self.retries:
                time.sleep(self.backoff * 2 ** (attempt - 1))
        return Outcome(False, f"{error} (after {self.retries + 1} attempt(s))", self.retries + 1)
