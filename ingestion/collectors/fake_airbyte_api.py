"""A local stand-in for the Airbyte API (v1) jobs endpoints, speaking the real wire format, with scripted outcomes.

    POST   /v1/jobs            {"connectionId": "<uuid>", "jobType": "sync"}  -> 200 JobResponse
    GET    /v1/jobs/{jobId}                                                  -> 200 JobResponse
    DELETE /v1/jobs/{jobId}    cancel a job that has not finished            -> 200 JobResponse

Wire fidelity: responses are ``airbyte_api.models.JobResponse`` objects serialised by the SDK's own
``airbyte_api.utils.marshal_json`` (camelCase aliases, optional fields left out when unset, enum values as the
SDK sends them), and request bodies are decoded with ``airbyte_api.utils.unmarshal`` into
``models.JobCreateRequest``. Stricter than the SDK's models, a body with a key that is not one of the model's
wire names (``connectionId``, ``jobType``; snake_case included) is refused with 422, as is a missing key or an
unknown enum value; a body that is not JSON gets 400. Every call needs ``Authorization: Bearer <token>`` (401
otherwise); errors are problem-details JSON (``type``, ``title``, ``status``, ``detail``).

Each connection plays a script of jobs (:class:`ScriptedJob`): after creation a job answers ``pending``, then
``running`` for ``running_polls`` polls, then its outcome: ``succeeded``, ``failed`` or ``cancelled`` (a job can
also be cancelled by DELETE). When a sync succeeds the fake acts as the destination too: before it answers
``succeeded`` it writes the stream's new records as one CSV in the layout of Airbyte's file destinations (root
level flattening: ``_airbyte_raw_id``, ``_airbyte_extracted_at``, ``_airbyte_generation_id``,
``_airbyte_meta``, then the stream's columns) to ``<landing>/airbyte/<stream>/<yyyy_mm_dd>_<epoch ms>_<jobId>.csv``
(written as ``.part`` and renamed). Records are appended incrementally: each successful sync delivers the
records not delivered before (``ScriptedJob.records`` caps how many).

Binds 127.0.0.1 on a free port; ``server_url`` is what ``AirbyteAPI(server_url=...)`` takes.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import os
import re
import threading
import time
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pydantic
from airbyte_api import models, utils

from ingestion.collectors._local_server import LocalHttpServer

SOURCE = "airbyte"
AIRBYTE_COLUMNS: tuple[str, ...] = ("_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_generation_id",
                                    "_airbyte_meta")
TERMINAL = (models.JobStatusEnum.SUCCEEDED, models.JobStatusEnum.FAILED, models.JobStatusEnum.CANCELLED)
_JOB_PATH = re.compile(r"^/v1/jobs/(?P<job_id>[^/]+)$")


@dataclasses.dataclass(frozen=True)
class ScriptedJob:
    outcome: models.JobStatusEnum = models.JobStatusEnum.SUCCEEDED
    running_polls: int = 2
    records: int | None = None  # new records a successful sync delivers (None: all not yet delivered)


@dataclasses.dataclass
class FakeConnection:
    connection_id: str
    stream: str
    columns: tuple[str, ...]
    records: list[dict[str, Any]]
    script: list[ScriptedJob] = dataclasses.field(default_factory=list)  # consumed job by job; then: succeeded
    delivered: int = 0


@dataclasses.dataclass
class _Job:
    response: models.JobResponse
    connection: FakeConnection
    plan: ScriptedJob
    started: float
    polls: int = 0


class ProblemError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


class FakeAirbyteAPI(LocalHttpServer):
    thread_name = "fake-airbyte-api"

    def __init__(self, landing_dir: Path, *, token: str, connections: list[FakeConnection],
                 first_job_id: int = 1001) -> None:
        self.landing_dir = Path(landing_dir)
        self.token = token
        self.connections = {c.connection_id: c for c in connections}
        self.jobs: dict[int, _Job] = {}
        self.requests_log: list[tuple[str, str, int]] = []  # (method, path, status)
        self._next_job_id = first_job_id
        self._lock = threading.Lock()

    @property
    def server_url(self) -> str:
        return f"{self.address}/v1"

    # --- the API ----------------------------------------------------------------------------------------------
    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, str]:
        try:
            if headers.get("Authorization") != f"Bearer {self.token}":
                raise ProblemError(401, "a valid bearer token is required")
            with self._lock:
                if method == "POST" and path == "/v1/jobs":
                    job = self._create(body)
                elif (match := _JOB_PATH.match(path)) and method in ("GET", "DELETE"):
                    job = self._job(match["job_id"])
                    if method == "DELETE":
                        self._cancel(job)
                    else:
                        self._advance(job)
                else:
                    raise ProblemError(404, f"no route {method} {path}")
                status, text = 200, utils.marshal_json(job.response, models.JobResponse)
        except ProblemError as exc:
            status, text = exc.status, json.dumps({"type": "about:blank", "title": HTTPStatus(exc.status).phrase,
                                                   "status": exc.status, "detail": exc.detail})
        with self._lock:
            self.requests_log.append((method, path, status))
        return status, text

    def _create(self, body: bytes) -> _Job:
        try:
            payload = json.loads(body or b"null")
        except ValueError as exc:
            raise ProblemError(400, f"the body is not JSON: {exc}") from exc
        if not isinstance(payload, dict):
            raise ProblemError(400, "the body must be a JSON object")
        wire_names = {f.alias or n for n, f in models.JobCreateRequest.model_fields.items()}
        unknown = sorted(set(payload) - wire_names)
        if unknown:
            raise ProblemError(422, f"unknown field(s) {unknown}; JobCreateRequest has {sorted(wire_names)}")
        try:
            request = utils.unmarshal(payload, models.JobCreateRequest)
        except pydantic.ValidationError as exc:
            raise ProblemError(422, f"invalid JobCreateRequest: {exc.errors(include_url=False)}") from exc
        connection = self.connections.get(request.connection_id)
        if connection is None:
            raise ProblemError(404, f"connection {request.connection_id} not found")
        plan = connection.script.pop(0) if connection.script else ScriptedJob()
        job_id, self._next_job_id = self._next_job_id, self._next_job_id + 1
        now = _iso(dt.datetime.now(dt.UTC))
        response = models.JobResponse(connection_id=connection.connection_id, job_id=job_id,
                                      job_type=request.job_type, start_time=now,
                                      status=models.JobStatusEnum.PENDING, last_updated_at=now)
        job = _Job(response, connection, plan, time.monotonic())
        self.jobs[job_id] = job
        return job

    def _job(self, text: str) -> _Job:
        if not text.isdigit() or int(text) not in self.jobs:
            raise ProblemError(404, f"job {text} not found")
        return self.jobs[int(text)]

    def _advance(self, job: _Job) -> None:
        r = job.response
        if r.status in TERMINAL:
            return
        job.polls += 1
        if job.polls <= job.plan.running_polls:
            self._set(job, models.JobStatusEnum.RUNNING)
            return
        if job.plan.outcome == models.JobStatusEnum.SUCCEEDED and r.job_type == models.JobTypeEnum.SYNC:
            rows, size = self._write_destination(job)
            r.rows_synced, r.bytes_synced = rows, size
        elif job.plan.outcome == models.JobStatusEnum.SUCCEEDED:
            r.rows_synced, r.bytes_synced = 0, 0
        self._set(job, job.plan.outcome)

    def _cancel(self, job: _Job) -> None:
        if job.response.status not in TERMINAL:
            self._set(job, models.JobStatusEnum.CANCELLED)

    def _set(self, job: _Job, status: models.JobStatusEnum) -> None:
        r = job.response
        r.status = status
        r.last_updated_at = _iso(dt.datetime.now(dt.UTC))
        r.duration = f"PT{max(time.monotonic() - job.started, 0.0):.3f}S"

    def _write_destination(self, job: _Job) -> tuple[int, int]:
        """Act as the destination: the stream's new records, as one CSV file, renamed into place when complete."""
        connection = job.connection
        end = len(connection.records) if job.plan.records is None else \
            min(len(connection.records), connection.delivered + job.plan.records)
        batch = connection.records[connection.delivered:end]
        now = dt.datetime.now(dt.UTC)
        folder = self.landing_dir / SOURCE / connection.stream
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{now:%Y_%m_%d}_{int(now.timestamp() * 1000)}_{job.response.job_id}.csv"
        part = final.with_name(final.name + ".part")
        meta = json.dumps({"changes": [], "sync_id": job.response.job_id}, separators=(",", ":"))
        with part.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow((*AIRBYTE_COLUMNS, *connection.columns))
            for record in batch:
                writer.writerow((str(uuid.uuid4()), _iso(now), job.response.job_id, meta,
                                 *("" if record.get(c) is None else record[c] for c in connection.columns)))
        size = part.stat().st_size
        os.replace(part, final)
        connection.delivered = end
        return len(batch), size


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Handler(BaseHTTPRequestHandler):
    owner: FakeAirbyteAPI
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms Nagle/delayed-ACK stall between headers and body

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, text = self.owner.handle(self.command, self.path.split("?", 1)[0], self.headers, body)
        payload = text.encode()
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("Content-Type", "application/json" if status == 200 else "application/problem+json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass


def load_stream_records(fixtures_file: Path) -> list[dict[str, Any]]:
    """The source records the generator wrote for a stream (``api_fixtures/airbyte/<stream>.jsonl``)."""
    with Path(fixtures_file).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]

FakeAirbyteAPI.handler_base = _Handler
