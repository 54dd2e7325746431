"""Expectation suites kept as code: functions taking the run's parameters and returning a suite.

Every expectation carries ``meta = {"name": ..., "severity": "error" | "warning"}`` (and GX's own
``severity``: critical for errors, warning for warnings). Only row-count drift and plausibility
checks are warnings; the Dagster asset checks block on errors only.
"""

from expectations.suites.marts import fct_usage_daily_suite, performance_overview_suite
from expectations.suites.raw import RAW_USAGE_TABLES, raw_catalogue_suite, raw_contract_suite, raw_usage_suite

__all__ = [
    "RAW_USAGE_TABLES",
    "fct_usage_daily_suite",
    "performance_overview_suite",
    "raw_catalogue_suite",
    "raw_contract_suite",
    "raw_usage_suite",
]
