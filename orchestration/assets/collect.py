"""Collection: pulls from remote systems that write what they fetch into the landing folder, upstream of
the raw assets that land those files. A source without a configured endpoint is skipped, not failed."""

from typing import Any

import dagster as dg

from ingestion.connectors.airbyte import MERCH_ORDERS
from ingestion.connectors.distribution_db import DISTRIBUTION_CATALOGUE
from ingestion.connectors.social import SOCIAL_ENGAGEMENT
from orchestration.settings import get_settings


class SocialApiResource(dg.ConfigurableResource):
    """The social networks' analytics API (TM_SOCIAL_API_URL, TM_SOCIAL_API_TOKEN)."""

    base_url: str = ""
    token: str = ""


class AirbyteResource(dg.ConfigurableResource):
    """Airbyte's public API and the connection that syncs the merchandise shop (TM_AIRBYTE_*)."""

    server_url: str = ""
    token: str = ""
    connection_id: str = ""
    poll_interval: float = 5.0


class DistributionDbResource(dg.ConfigurableResource):
    """The distribution system's PostgreSQL database, read incrementally (TM_DISTRIBUTION_DSN)."""

    dsn: str = ""


def _skipped(why: str) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"status": "skipped", "reason": why, "files_written": 0})


COLLECT_KEYS: dict[str, dg.AssetKey] = {
    SOCIAL_ENGAGEMENT.source: dg.AssetKey(["collect", "social_api_pull"]),
    MERCH_ORDERS.source: dg.AssetKey(["collect", "airbyte_merch_orders_sync"]),
    DISTRIBUTION_CATALOGUE.source: dg.AssetKey(["collect", "distribution_db_pull"]),
}


@dg.asset(key=COLLECT_KEYS[SOCIAL_ENGAGEMENT.source], group_name="collect", kinds={"python", "api"},
          retry_policy=dg.RetryPolicy(max_retries=3, delay=10, backoff=dg.Backoff.EXPONENTIAL),
          description="Pulls new pages of the social engagement API (ingestion/collectors/social_api.py).")
def social_api_pull(social_api: SocialApiResource) -> dg.MaterializeResult:
    if not social_api.base_url:
        return _skipped("TM_SOCIAL_API_URL is not set")
    from ingestion.collectors.social_api import pull_social_engagement

    pull = pull_social_engagement(social_api.base_url, get_settings().landing_dir, token=social_api.token or None)
    return dg.MaterializeResult(metadata={"status": "pulled", "file": str(pull.file or ""), "records": pull.records,
                                          "pages": pull.pages, "retries": pull.retries, "seconds": pull.seconds})


@dg.asset(key=COLLECT_KEYS[MERCH_ORDERS.source], group_name="collect", kinds={"airbyte"},
          description="Triggers and monitors the Airbyte sync of the merchandise shop "
                      "(ingestion/collectors/airbyte.py).")
def airbyte_merch_orders_sync(airbyte: AirbyteResource) -> dg.MaterializeResult:
    if not airbyte.server_url or not airbyte.connection_id:
        return _skipped("TM_AIRBYTE_URL / TM_AIRBYTE_CONNECTION are not set")
    from ingestion.collectors.airbyte import run_sync

    result = run_sync(airbyte.connection_id, server_url=airbyte.server_url, token=airbyte.token or None,
                      landing_dir=get_settings().landing_dir, streams=("merch_orders",),
                      poll_interval=airbyte.poll_interval)
    return dg.MaterializeResult(metadata={"status": str(result.status), "job_id": str(result.job_id),
                                          "seconds": result.seconds, "files_written": len(result.files)})


@dg.asset(key=COLLECT_KEYS[DISTRIBUTION_CATALOGUE.source], group_name="collect", kinds={"postgres"},
          description="Pulls catalogue rows changed since the last watermark "
                      "(ingestion/collectors/postgres_catalogue.py).")
def distribution_db_pull(distribution_db: DistributionDbResource) -> dg.MaterializeResult:
    if not distribution_db.dsn:
        return _skipped("TM_DISTRIBUTION_DSN is not set")
    from ingestion.collectors.postgres_catalogue import pull_catalogue

    extract = pull_catalogue(distribution_db.dsn, get_settings().landing_dir)
    return dg.MaterializeResult(metadata={"status": "pulled", "file": str(extract.file or ""), "rows": extract.rows,
                                          "seconds": extract.seconds})


COLLECT_ASSETS = [social_api_pull, airbyte_merch_orders_sync, distribution_db_pull]


def collect_resources(env: Any) -> dict[str, dg.ConfigurableResource]:
    return {
        "social_api": SocialApiResource(base_url=env.get("TM_SOCIAL_API_URL", ""),
                                        token=env.get("TM_SOCIAL_API_TOKEN", "")),
        "airbyte": AirbyteResource(server_url=env.get("TM_AIRBYTE_URL", ""), token=env.get("TM_AIRBYTE_TOKEN", ""),
                                   connection_id=env.get("TM_AIRBYTE_CONNECTION", ""),
                                   poll_interval=float(env.get("TM_AIRBYTE_POLL_SECONDS", "5"))),
        "distribution_db": DistributionDbResource(dsn=env.get("TM_DISTRIBUTION_DSN", "")),
    }
