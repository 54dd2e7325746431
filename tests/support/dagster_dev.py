"""`make ui` as the tests run it: ``dagster dev`` (webserver and daemon) on a free loopback port, for one var
folder, stopped by the process group the test started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from orchestration.processes import free_port
from tests.conftest import REPO_ROOT, pipeline_env

# SIGINT is how dagster dev is told to stop its webserver, daemon and code servers. A test run started in the
# background by a non-interactive shell (`bash .ci/run &`, as a CI harness starts it) inherits SIGINT *ignored*, and
# a process that starts with SIGINT ignored never sees it: dagster dev then ran until the 60 s grace ended in
# SIGKILL, twice per run. The child restores SIGINT's default before it execs dagster dev.
_WITH_SIGINT = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                "os.execv(sys.argv[1], sys.argv[1:])")


class DagsterDev:
    """The webserver's GraphQL API."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.stopped_by: str | None = None  # "SIGINT" (its own clean shutdown) or "SIGKILL" (the grace ran out)

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        resp = requests.post(f"http://127.0.0.1:{self.port}/graphql", json={"query": query, "variables": variables},
                             timeout=60)
        resp.raise_for_status()
        body = resp.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    @staticmethod
    def wait(what: str, ready: Any, timeout: float = 600) -> Any:
        """Poll ``ready()`` until it returns something true; fail the test after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = ready()
            if found:
                return found
            time.sleep(3)
        pytest.fail(f"timed out waiting for {what}")


@contextlib.contextmanager
def dagster_dev(var_dir: Path, log_path: Path) -> Iterator[DagsterDev]:
    port = free_port()
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-c", _WITH_SIGINT, str(Path(sys.executable).parent / "dagster"),
                                 "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port)],
                                cwd=REPO_ROOT, env=pipeline_env(var_dir), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        dev = DagsterDev(port)
        try:
            def answers() -> bool:
                try:
                    return requests.get(f"http://127.0.0.1:{port}/server_info", timeout=2).ok
                except requests.ConnectionError:
                    return False

            DagsterDev.wait("dagster dev to answer", answers, timeout=120)
            yield dev
        finally:
            os.killpg(proc.pid, signal.SIGINT)  # the process group we started: dagster dev stops its children
            try:
                proc.wait(timeout=60)
                dev.stopped_by = "SIGINT"
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                dev.stopped_by = "SIGKILL"
