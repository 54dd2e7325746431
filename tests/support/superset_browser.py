"""Driving Superset's dashboards in Chromium (Playwright pages): log in, open a dashboard and wait until every chart
drew or failed, read a big number, apply a native filter the way a user does. Selectors are Superset 6.1's."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
ERROR_SELECTOR = ".ant-alert-error, [data-test='error-tooltip'], .alert-danger"
_DRAWN = "[data-test='slice-container'] canvas, [data-test='slice-container'] svg"
# what "drawn" looks like inside a chart holder, per viz type (ECharts draw on a canvas, the rest in HTML or SVG)
RENDERED_SELECTOR = {"big_number_total": ".header-line", "big_number": ".header-line", "table": "table tbody tr",
                     "pivot_table_v2": "table tbody tr", "world_map": "svg path"}
EMPTY_SELECTOR = ".ant-empty, [data-test='no-results']"


def login(page: Any, server: Any, attempts: int = 3) -> None:
    """Log in through the login form, and check the session really is the user's.

    Two races seen in full runs: right after Superset starts, the first form can be submitted before the page is
    ready and go nowhere; and the login page's own event beacon (``POST /superset/log/``), sent without a session,
    can come back after the login with a redirect that sets an anonymous session cookie over the new one, so the
    next page asks for a login again. The beacon is not sent (it is Superset's usage log, nothing a test reads),
    and the session is checked with ``/api/v1/me/`` before returning; otherwise the form is loaded and submitted
    again (a wrong password fails all attempts the same way)."""
    page.route("**/superset/log/**", lambda route: route.fulfill(status=200, body="{}"))
    try:
        for attempt in range(1, attempts + 1):
            page.goto(f"{server.base_url}/login/")
            page.wait_for_selector("[data-test='login-button']", timeout=60_000)
            page.fill("#username", server.admin_user)
            page.fill("#password", server.admin_password)
            page.click("[data-test='login-button']")
            try:
                # the URL leaves /login (the next page may take long to finish loading on a busy machine) ...
                page.wait_for_url(lambda url: "/login" not in url, timeout=30_000, wait_until="commit")
                # ... and the browser's session is the user's
                me = page.request.get(f"{server.base_url}/api/v1/me/", timeout=30_000)
                if me.ok and me.json().get("result", {}).get("username") == server.admin_user:
                    return
            except Exception:
                pass
            if attempt == attempts:
                raise AssertionError(f"no logged-in session for {server.admin_user} after {attempts} attempts "
                                     f"(last page {page.url})")
    finally:
        page.unroute("**/superset/log/**")


def record_chart_data(page: Any) -> list[dict[str, Any]]:
    """Every chart-data response the page receives from now on (status and body), in a list that fills up."""
    seen: list[dict[str, Any]] = []

    def on_response(resp: Any) -> None:
        if "/api/v1/chart/data" in resp.url or "/superset/explore_json/" in resp.url:
            try:
                body = resp.json()
            except Exception:  # a non-JSON body is itself the failure to report
                body = {"unparsable": resp.text()[:500]}
            seen.append({"url": resp.url, "status": resp.status, "body": body})

    page.on("response", on_response)
    return seen


def open_dashboard(page: Any, base_url: str, slug: str, charts: list[dict[str, Any]], *, timeout_s: float = 120
                   ) -> tuple[dict[str, str], list[str], float]:
    """Open the dashboard and wait until each chart drew (or shows an error). Returns (errors by chart name,
    charts still not drawn, seconds)."""
    started = time.monotonic()
    url = f"{base_url}/superset/dashboard/{slug}/"
    page.goto(url)
    holder = "[data-test='dashboard-component-chart-holder']"
    try:  # a loaded 2-core box (two test workers, Superset, chromium) can take a minute
        page.wait_for_selector(holder, timeout=60_000)
    except Exception:
        # seen twice in full runs on the PostgreSQL server: the page never drew its layout; load it once more and
        # say where the browser was if that fails too
        first = (page.url, page.title())
        page.goto(url)
        try:
            page.wait_for_selector(holder, timeout=90_000)
        except Exception as exc:
            body = page.locator("body").inner_text()[:400] if page.locator("body").count() else ""
            raise AssertionError(f"{slug}: no chart holder after two loads (first at {first}, then at "
                                 f"{page.url!r}, {page.title()!r}): {body!r}") from exc
    pending = {c["id"]: c for c in charts}
    errors: dict[str, str] = {}
    deadline = time.monotonic() + timeout_s
    while pending and time.monotonic() < deadline:
        for chart_id, chart in list(pending.items()):
            holder = page.locator(f".dashboard-chart-id-{chart_id}")
            if holder.locator(ERROR_SELECTOR).count():
                errors[chart["slice_name"]] = holder.inner_text()[:500]
                del pending[chart_id]
                continue
            if holder.locator(EMPTY_SELECTOR).count():
                errors[chart["slice_name"]] = "no results"
                del pending[chart_id]
                continue
            drawn = holder.locator(RENDERED_SELECTOR.get(chart["form_data"]["viz_type"], _DRAWN)).count() > 0
            if drawn and not holder.locator("[data-test='loading-indicator']").count():
                del pending[chart_id]
        if pending:
            page.wait_for_timeout(250)
    return errors, [c["slice_name"] for c in pending.values()], time.monotonic() - started


def big_number_text(page: Any, chart_id: int) -> str:
    return page.locator(f".dashboard-chart-id-{chart_id} .header-line").inner_text().strip()


def wait_for_text(page: Any, chart_id: int, want: str, timeout_s: float = 60) -> str:
    locator = page.locator(f".dashboard-chart-id-{chart_id} .header-line")
    deadline = time.monotonic() + timeout_s
    shown = ""
    while time.monotonic() < deadline:
        if locator.count():
            shown = locator.first.inner_text().strip()
            if shown == want:
                break
        page.wait_for_timeout(250)
    return shown


def apply_select_filter(page: Any, filter_id: str, option: str) -> None:
    """Pick one option of a select filter in the filter bar and press Apply filters."""
    page.click(f"[data-test='{filter_id}'] .ant-select-selector")
    page.keyboard.type(option)  # the options are searched, so long lists need no scrolling
    page.click(f".ant-select-item-option[title={json.dumps(option, ensure_ascii=False)}]")
    page.keyboard.press("Escape")
    page.click("[data-test='filter-bar__apply-button']")


def apply_time_range(page: Any, start: str, end: str) -> None:
    """Set the Time range filter to [start, end) with its Advanced range type and press Apply filters."""
    page.click("[data-test='time-range-trigger']")
    inputs = page.locator(".ant-popover input.ant-input")
    for attempt in range(3):  # the option list can close before the click lands when the page is busy: again
        page.click("[data-test='Range type']")
        page.click(".ant-select-item-option[title='Advanced']")
        try:
            inputs.first.wait_for(state="visible", timeout=20_000)
            break
        except Exception:
            if attempt == 2:
                raise
    inputs.nth(0).fill(start)
    inputs.nth(1).fill(end)
    page.click("[data-test='date-filter-control__apply-button']")
    page.click("[data-test='filter-bar__apply-button']")


def save_screenshot(page: Any, var_dir: Path, name: str) -> Path:
    """Full-page screenshot under <var_dir>/screenshots/, copied to <repo>/var/screenshots/."""
    target = Path(var_dir) / "screenshots" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    repo_copy = REPO_ROOT / "var" / "screenshots" / name
    if repo_copy.resolve() != target.resolve():
        repo_copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, repo_copy)
    return target
