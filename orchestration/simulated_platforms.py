"""The demo's stand-ins for remote systems: the sample's social API, Airbyte and a DSP sending webhooks.

``make demo`` has no real platform to call, so while the pipeline runs these local servers (127.0.0.1, free
ports) serve what the generator wrote under ``var/api_fixtures/`` and the collectors fetch from them exactly
as they would from the real services. The distribution database pull needs a PostgreSQL server and is left
out of the demo unless TM_DISTRIBUTION_DSN is set.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from orchestration.progress import say


@contextlib.contextmanager
def simulated_platforms(landing_dir: Path) -> Iterator[dict[str, str]]:
    fixtures = landing_dir.parent / "api_fixtures"
    env: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        if (fixtures / "social" / "index.json").exists() and "TM_SOCIAL_API_URL" not in os.environ:
            from ingestion.collectors.fake_social_api import FakeSocialAPI

            token = secrets.token_urlsafe(16)
            api = stack.enter_context(FakeSocialAPI(fixtures / "social", token=token))
            env.update(TM_SOCIAL_API_URL=api.url, TM_SOCIAL_API_TOKEN=token)
        stream_file = fixtures / "airbyte" / "merch_orders.jsonl"
        if stream_file.exists() and "TM_AIRBYTE_URL" not in os.environ:
            from ingestion.collectors.fake_airbyte_api import FakeAirbyteAPI, FakeConnection, load_stream_records
            from ingestion.generator.families.merch_orders import COLUMNS, STREAM

            token = secrets.token_urlsafe(16)
            connection = FakeConnection("merch-shop-to-tunemantra", STREAM, COLUMNS, load_stream_records(stream_file))
            # Airbyte keeps its sync state on its side: records an earlier demo run already synced stay synced
            connection.delivered = _synced_before(landing_dir / "airbyte" / STREAM)
            api = stack.enter_context(FakeAirbyteAPI(landing_dir, token=token, connections=[connection]))
            env.update(TM_AIRBYTE_URL=api.server_url, TM_AIRBYTE_TOKEN=token,
                       TM_AIRBYTE_CONNECTION=connection.connection_id, TM_AIRBYTE_POLL_SECONDS="0.2")
        _replay_webhooks(fixtures / "webhooks" / "playlist_events.jsonl", landing_dir)
        if env:
            say(f"simulated platforms: {', '.join(sorted({k.split('_')[1].lower() for k in env}))} on 127.0.0.1")
        previous = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            yield env
        finally:
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _synced_before(folder: Path) -> int:
    import csv

    if not folder.exists():
        return 0
    count = 0
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            count += max(0, sum(1 for _ in csv.reader(fh)) - 1)
    return count


def _replay_webhooks(queue: Path, landing_dir: Path) -> None:
    """A DSP posts its playlist events to our receiver; the hour's file is closed before landing."""
    if not queue.exists():
        return
    from ingestion.collectors.webhook import WebhookReceiver, sign

    secret = os.environ.get("TM_WEBHOOK_SECRET") or secrets.token_urlsafe(16)
    bodies = [line.encode() for line in queue.read_text(encoding="utf-8").splitlines() if line.strip()]
    with WebhookReceiver(landing_dir, secret=secret, fsync=False) as receiver:
        accepted = sum(receiver.receive(body, sign(body, secret))[0] == 202 for body in bodies)
        receiver.rotate(force=True)
    say(f"simulated platforms: {accepted} of {len(bodies)} webhook deliveries accepted "
        f"({len(bodies) - accepted} repeats or rejects)")
