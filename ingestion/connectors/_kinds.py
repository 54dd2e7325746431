"""Column kinds for the music-rights identifiers and signed amounts that the platform families need, built
from ingestion/fields.py's ``Field`` (same shape: a vectorised SQL cast and a quarantine reason).

Kept beside the connectors that use them so the shared fields module stays untouched; they can move there as
they are.
"""

from __future__ import annotations

import dataclasses

from ingestion import fields as f
from ingestion.fields import Field


def optional(field: Field) -> Field:
    """The same column, an empty cell allowed (NULL); a non-empty cell must still be valid."""
    return dataclasses.replace(field, required=False)


def iswc(name: str) -> Field:
    """ISO 15707 ``T-ddd.ddd.ddd-C`` (dots and hyphens optional), kept as delivered; the check digit is the
    staging layer's to verify (shared/domain.md gives the rule)."""
    return Field(name, "VARCHAR",
                 "CASE WHEN regexp_full_match(upper(trim({c})), 'T-?[0-9]{{3}}\\.?[0-9]{{3}}\\.?[0-9]{{3}}-?[0-9]') "
                 "THEN trim({c}) END",
                 "invalid_iswc", "an ISWC (T-ddd.ddd.ddd-C)")


def signed_integer(name: str) -> Field:
    """Counts that corrections may make negative (refunds, spam removals)."""
    return f.integer(name, minimum=-(10**15))
