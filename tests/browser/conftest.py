"""Fixtures for the browser-level tests: a Superset on the pipeline's serving copy, and Chromium.

Relies on the session fixture ``pipeline_run`` (tests/conftest.py): ``.serving_path``, ``.var_dir``,
``.manifest``. Superset gets its metadata store under ``<pipeline_run.var_dir>/superset/`` and a free
loopback port; it is stopped by PID at the end of the session.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from orchestration.local_superset import (  # noqa: E402
    SUPERSET_BIN,
    SupersetServer,
    free_port,
    start_superset,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def superset_server(pipeline_run: Any) -> Iterator[SupersetServer]:
    if not SUPERSET_BIN.exists():
        pytest.fail("Superset's environment is missing: run `uv sync --frozen --project infra/superset`")
    server = start_superset(pipeline_run.serving_path, pipeline_run.var_dir, free_port())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def superset_api(superset_server: SupersetServer) -> Any:
    """A requests session logged in through /api/v1/security/login (bearer token)."""
    import requests

    session = requests.Session()
    resp = session.post(
        f"{superset_server.base_url}/api/v1/security/login",
        json={
            "username": superset_server.admin_user,
            "password": superset_server.admin_password,
            "provider": "db",
            "refresh": False,
        },
        timeout=30,
    )
    resp.raise_for_status()
    session.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
    yield session
    session.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def superset_page(chromium: Any, superset_server: SupersetServer) -> Iterator[Any]:
    """A fresh browser context that can reach nothing but this Superset."""
    context = chromium.new_context(viewport={"width": 1600, "height": 1200})
    local = re.compile(rf"^https?://(127\.0\.0\.1|localhost):{superset_server.port}/")
    blocked: list[str] = []

    def _route(route: Any) -> None:
        if local.match(route.request.url) or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", _route)
    page = context.new_page()
    page.blocked_requests = blocked  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()
