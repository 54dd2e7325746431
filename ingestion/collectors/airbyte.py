"""Trigger an Airbyte sync and follow its job to the end, through the official ``airbyte-api`` client (1.x).

    result = run_sync(connection_id, server_url="http://airbyte:8000/api/public/v1", token=...,
                      landing_dir=landing, streams=("merch_orders",))

``run_sync`` creates a ``sync`` job (``jobs.create_job``), polls ``jobs.get_job`` every ``poll_interval``
seconds until the job is ``succeeded``, ``failed`` or ``cancelled`` (``incomplete`` is an attempt that will be
retried by Airbyte: polling goes on), and returns an :class:`AirbyteSyncResult` (job id, status, the API's
ISO 8601 duration and the measured seconds, rows and bytes synced, the new files). A job that ends ``failed`` or
``cancelled`` raises :class:`AirbyteSyncError` carrying the result; a job still running after ``timeout``
seconds is cancelled (``jobs.cancel_job``) and raises too. The public API does not say *why* a job failed: the
error text names the job, connection, status and duration, and points to the job's log in Airbyte.

The data itself does not pass through this module: Airbyte's destination (a file destination writing into
``<landing>/airbyte/<stream>/``) writes it, and the landing contract lands those files. ``files`` in the result
lists the files that appeared under the given streams' folders during the job. Transient HTTP errors (429,
5xx, dropped connections) are retried by the SDK's own backoff, which honours ``Retry-After``.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from airbyte_api import AirbyteAPI, api, errors, models
from airbyte_api.utils import BackoffStrategy, RetryConfig

from ingestion.collectors import CollectorError

SOURCE = "airbyte"
TOKEN_ENV = "TM_AIRBYTE_TOKEN"
FINAL = {models.JobStatusEnum.SUCCEEDED, models.JobStatusEnum.FAILED, models.JobStatusEnum.CANCELLED}
RETRIES = RetryConfig("backoff", BackoffStrategy(initial_interval=500, max_interval=10_000, exponent=1.5,
                                                 max_elapsed_time=120_000), retry_connection_errors=True)


@dataclasses.dataclass
class AirbyteSyncResult:
    connection_id: str
    job_id: int | None
    status: str  # succeeded | failed | cancelled | timed_out | not_started
    duration: str | None  # as the API reports it (ISO 8601)
    seconds: float  # measured here, from the request to the final status
    rows_synced: int | None = None
    bytes_synced: int | None = None
    polls: int = 0
    error: str | None = None
    files: list[Path] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == models.JobStatusEnum.SUCCEEDED.value


class AirbyteSyncError(CollectorError):
    def __init__(self, result: AirbyteSyncResult) -> None:
        super().__init__(result.error or f"Airbyte sync {result.status}")
        self.result = result


def airbyte_client(server_url: str, token: str | None = None) -> AirbyteAPI:
    token = token or os.environ.get(TOKEN_ENV)
    if not token:
        raise CollectorError(f"no Airbyte API token: set {TOKEN_ENV}")
    return AirbyteAPI(server_url=server_url, security=models.Security(bearer_auth=token), retry_config=RETRIES,
                      timeout_ms=30_000)


def _files(landing_dir: Path | None, streams: Iterable[str]) -> set[Path]:
    if landing_dir is None:
        return set()
    root = Path(landing_dir) / SOURCE
    folders = [root / s for s in streams] or [root]
    return {p for folder in folders if folder.exists() for p in folder.rglob("*")
            if p.is_file() and not p.name.endswith(".part")}


def run_sync(connection_id: str, *, server_url: str, token: str | None = None, landing_dir: Path | None = None,
             streams: Iterable[str] = (), poll_interval: float = 5.0, timeout: float = 6 * 3600.0,
             client: AirbyteAPI | None = None, sleep: Callable[[float], None] = time.sleep) -> AirbyteSyncResult:
    """Run one sync of ``connection_id`` to its end; raise :class:`AirbyteSyncError` unless it succeeded."""
    streams = tuple(streams)
    if client is not None:
        return _run(client, connection_id, landing_dir, streams, poll_interval, timeout, sleep)
    with airbyte_client(server_url, token) as sdk:  # closes the SDK's HTTP clients
        return _run(sdk, connection_id, landing_dir, streams, poll_interval, timeout, sleep)


def _run(sdk: AirbyteAPI, connection_id: str, landing_dir: Path | None, streams: tuple[str, ...],
         poll_interval: float, timeout: float, sleep: Callable[[float], None]) -> AirbyteSyncResult:
    before = _files(landing_dir, streams)
    started = time.monotonic()
    result = AirbyteSyncResult(connection_id, None, "not_started", None, 0.0)
    try:
        job = sdk.jobs.create_job(request=models.JobCreateRequest(
            connection_id=connection_id, job_type=models.JobTypeEnum.SYNC)).job_response
    except errors.AirbyteAPIError as exc:
        result.seconds = round(time.monotonic() - started, 3)
        result.error = f"could not start a sync of Airbyte connection {connection_id}: HTTP {exc.status_code}: " \
                       f"{exc.body[:500]}"
        raise AirbyteSyncError(result) from exc
    result.job_id = job.job_id
    while job.status not in FINAL:
        if time.monotonic() - started > timeout:
            outcome = "cancelled"
            try:
                sdk.jobs.cancel_job(request=api.CancelJobRequest(job_id=job.job_id))
            except errors.AirbyteAPIError as exc:
                outcome = f"cancelling it failed (HTTP {exc.status_code}): cancel it in Airbyte"
            result.status, result.seconds = "timed_out", round(time.monotonic() - started, 3)
            result.error = (f"Airbyte sync job {job.job_id} of connection {connection_id} still "
                            f"{job.status.value} after {timeout:g}s: {outcome}")
            raise AirbyteSyncError(result)
        sleep(poll_interval)
        try:
            job = sdk.jobs.get_job(request=api.GetJobRequest(job_id=job.job_id)).job_response
        except errors.AirbyteAPIError as exc:
            result.seconds = round(time.monotonic() - started, 3)
            result.status, result.error = "unknown", (f"lost track of Airbyte sync job {result.job_id}: HTTP "
                                                      f"{exc.status_code}: {exc.body[:500]}")
            raise AirbyteSyncError(result) from exc
        result.polls += 1
    result.status = job.status.value
    result.duration, result.rows_synced, result.bytes_synced = job.duration, job.rows_synced, job.bytes_synced
    result.seconds = round(time.monotonic() - started, 3)
    result.files = sorted(_files(landing_dir, streams) - before)
    if job.status != models.JobStatusEnum.SUCCEEDED:
        result.error = (f"Airbyte sync job {job.job_id} of connection {connection_id} {job.status.value} after "
                        f"{job.duration or f'{result.seconds}s'} (started {job.start_time}); the public API gives no "
                        "reason: see the job's log in Airbyte")
        raise AirbyteSyncError(result)
    return result
