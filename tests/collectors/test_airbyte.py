"""Airbyte: the collector drives the official airbyte-api client against a fake that speaks the real wire format."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests
from airbyte_api import models, utils

from ingestion.collectors.airbyte import AirbyteSyncError, run_sync
from ingestion.collectors.fake_airbyte_api import FakeAirbyteAPI, FakeConnection, ScriptedJob, load_stream_records
from ingestion.connectors.airbyte import MERCH_ORDERS
from ingestion.contract import land_source
from ingestion.generator.families.merch_orders import COLUMNS, STREAM

TOKEN = "test-airbyte-token"
CONNECTION = "5f2b9c7e-1d1a-4c3e-9a57-3b2f2f0c1a11"
S = models.JobStatusEnum


@pytest.fixture()
def fake(sample, landing):
    def make(*script: ScriptedJob) -> FakeAirbyteAPI:
        records = load_stream_records(sample.fixtures / "airbyte" / f"{STREAM}.jsonl")
        connection = FakeConnection(CONNECTION, STREAM, COLUMNS, records, list(script))
        return FakeAirbyteAPI(landing, token=TOKEN, connections=[connection]).start()

    servers: list[FakeAirbyteAPI] = []
    yield lambda *script: servers.append(make(*script)) or servers[-1]
    for server in servers:
        server.stop()


def _sync(api: FakeAirbyteAPI, landing, **kwargs):
    return run_sync(CONNECTION, server_url=api.server_url, token=TOKEN, landing_dir=landing, streams=(STREAM,),
                    poll_interval=0.01, **kwargs)


def test_a_succeeded_sync_lands_the_stream(sample, landing, warehouse, fake) -> None:
    truth = sample.truth("merch_orders")
    api = fake(ScriptedJob(S.SUCCEEDED, running_polls=3))
    result = _sync(api, landing)
    assert result.ok and result.status == "succeeded" and result.job_id == 1001
    assert result.polls == 4 and result.rows_synced == truth["rows"] and result.bytes_synced > 0
    assert result.duration.startswith("PT") and result.seconds >= 0 and result.error is None
    assert [p.parent.name for p in result.files] == [STREAM]
    assert [m for m, _path, _status in api.requests_log] == ["POST"] + ["GET"] * 4

    [landed] = land_source(warehouse, MERCH_ORDERS, landing)
    assert landed.status == "landed" and landed.balanced
    assert (landed.rows_landed, landed.rows_quarantined) == (truth["rows"], 0)
    quantity, generation = warehouse.execute(
        "SELECT sum(quantity), min(airbyte_generation_id) FROM raw.airbyte__merch_orders").fetchone()
    assert (quantity, generation) == (truth["quantity"], 1001)
    revenue = dict(warehouse.execute("""SELECT currency, sum(quantity * unit_price)
                                        FROM raw.airbyte__merch_orders GROUP BY 1""").fetchall())
    assert revenue == {c: Decimal(v) for c, v in truth["revenue_by_currency"].items()}


def test_incremental_syncs_append_new_files(sample, landing, warehouse, fake) -> None:
    truth = sample.truth("merch_orders")
    api = fake(ScriptedJob(S.SUCCEEDED, running_polls=1, records=100), ScriptedJob(S.SUCCEEDED, running_polls=1))
    first, second = _sync(api, landing), _sync(api, landing)
    assert (first.rows_synced, second.rows_synced) == (100, truth["rows"] - 100)
    assert len(first.files) == len(second.files) == 1 and first.files != second.files
    results = land_source(warehouse, MERCH_ORDERS, landing)
    assert sum(r.rows_landed for r in results) == truth["rows"]
    assert warehouse.execute("SELECT count(DISTINCT order_id) FROM raw.airbyte__merch_orders").fetchone()[0] == \
        truth["rows"]


@pytest.mark.parametrize("outcome", [S.FAILED, S.CANCELLED])
def test_a_failed_or_cancelled_sync_raises_a_clear_error(landing, fake, outcome) -> None:
    api = fake(ScriptedJob(outcome, running_polls=2))
    with pytest.raises(AirbyteSyncError) as caught:
        _sync(api, landing)
    result = caught.value.result
    assert result.status == outcome.value and not result.ok and result.job_id == 1001 and result.files == []
    assert f"job 1001 of connection {CONNECTION} {outcome.value} after PT" in str(caught.value)
    assert not (landing / "airbyte").exists()  # the destination wrote nothing


def test_a_sync_past_its_timeout_is_cancelled(landing, fake) -> None:
    api = fake(ScriptedJob(S.SUCCEEDED, running_polls=10_000))
    with pytest.raises(AirbyteSyncError, match=r"still running after 0\.05s: cancelled") as caught:
        _sync(api, landing, timeout=0.05)
    assert caught.value.result.status == "timed_out"
    assert api.jobs[1001].response.status == S.CANCELLED
    assert ("DELETE", "/v1/jobs/1001", 200) in api.requests_log


def test_a_wrong_token_or_unknown_connection_is_refused(landing, fake) -> None:
    api = fake()
    with pytest.raises(AirbyteSyncError, match="HTTP 401") as caught:
        run_sync(CONNECTION, server_url=api.server_url, token="wrong", landing_dir=landing, poll_interval=0.01)
    assert caught.value.result.status == "not_started" and caught.value.result.job_id is None
    with pytest.raises(AirbyteSyncError, match="HTTP 404"):
        run_sync("00000000-0000-0000-0000-000000000000", server_url=api.server_url, token=TOKEN, poll_interval=0.01)


def test_the_fake_speaks_the_api_wire_format(fake) -> None:
    api = fake(ScriptedJob(S.SUCCEEDED, running_polls=1))
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    jobs = f"{api.server_url}/jobs"

    def post(body) -> requests.Response:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return requests.post(jobs, data=data, headers=auth, timeout=10)

    # requests: only JobCreateRequest's wire names, valid enum values, a JSON body and the bearer token
    unknown = post({"connectionId": CONNECTION, "jobType": "sync", "priority": "high"})
    assert unknown.status_code == 422 and "priority" in unknown.json()["detail"]
    assert unknown.headers["Content-Type"] == "application/problem+json"
    assert post({"connection_id": CONNECTION, "job_type": "sync"}).status_code == 422  # snake_case is not the wire
    assert post({"connectionId": CONNECTION, "jobType": "synchronise"}).status_code == 422
    assert post({"connectionId": CONNECTION}).status_code == 422
    assert post(b"{not json").status_code == 400
    assert requests.post(jobs, json={"connectionId": CONNECTION, "jobType": "sync"}, timeout=10).status_code == 401
    assert requests.get(f"{jobs}/999999", headers=auth, timeout=10).status_code == 404

    # responses: exactly what the SDK's JobResponse serialises to, and what it parses back
    created = post({"connectionId": CONNECTION, "jobType": "sync"})
    assert created.status_code == 200 and created.headers["Content-Type"] == "application/json"
    wire_names = {f.alias or n for n, f in models.JobResponse.model_fields.items()}
    for answer in (created, requests.get(f"{jobs}/1001", headers=auth, timeout=10),
                   requests.get(f"{jobs}/1001", headers=auth, timeout=10)):
        body = answer.json()
        assert set(body) <= wire_names and {"connectionId", "jobId", "jobType", "startTime", "status"} <= set(body)
        parsed = utils.unmarshal_json(answer.text, models.JobResponse)
        assert json.loads(utils.marshal_json(parsed, models.JobResponse)) == body
    assert [body["status"] for body in (created.json(), body)] == ["pending", "succeeded"]
    assert body["rowsSynced"] > 0 and body["jobType"] == "sync"
