"""Shared helpers for building suites (imports great_expectations lazily)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import great_expectations as gx

ERROR = "error"
WARNING = "warning"

# ISO 4217 codes the platforms pay out in today; a suite can be given another set.
# fmt: off
DEFAULT_CURRENCIES: tuple[str, ...] = (
    "EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "BRL", "MXN", "ARS", "CLP", "COP",
    "CAD", "AUD", "NZD", "JPY", "KRW", "CNY", "HKD", "TWD", "SGD", "INR", "IDR", "THB", "ZAR", "TRY", "ILS",
)
# fmt: on

LINEAGE_COLUMNS: tuple[str, ...] = ("_file_name", "_line_number", "_batch_id", "_file_sha256", "_loaded_at")


def expect(expectation: str, name: str, severity: str = ERROR, **kwargs: Any) -> Any:
    """An expectation of class ``gx.expectations.<expectation>`` tagged with a name and a severity."""
    import great_expectations as gx
    from great_expectations.expectations.metadata_types import FailureSeverity

    if severity not in (ERROR, WARNING):
        raise ValueError(f"severity must be {ERROR!r} or {WARNING!r}, got {severity!r}")
    cls = getattr(gx.expectations, expectation)
    return cls(
        **kwargs,
        meta={"name": name, "severity": severity},
        severity=FailureSeverity.CRITICAL if severity == ERROR else FailureSeverity.WARNING,
    )


def make_suite(name: str, expectations: Iterable[Any], **meta: Any) -> gx.ExpectationSuite:
    import great_expectations as gx

    return gx.ExpectationSuite(name=name, expectations=list(expectations), meta=dict(meta))


def columns_present(columns: Iterable[str]) -> Any:
    """All of ``columns`` exist (extra columns are allowed: added columns are not a contract break)."""
    return expect(
        "ExpectTableColumnsToMatchSet", "columns_present", column_set=list(columns), exact_match=False
    )


def not_null(columns: Iterable[str]) -> list[Any]:
    return [expect("ExpectColumnValuesToNotBeNull", f"{c}_not_null", column=c) for c in columns]
