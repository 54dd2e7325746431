"""Frozen, versioned generator parameters: the same seed and parameters give byte-identical files."""

from __future__ import annotations

import dataclasses
import datetime as dt

GENERATOR_VERSION = "1"

TERRITORIES: tuple[str, ...] = (
    "US", "GB", "DE", "FR", "BR", "JP", "MX", "CA", "AU", "ES",
    "IT", "NL", "SE", "PL", "IN", "KR", "AR", "ZA", "NG", "TR",
)

# platform code -> (share of streams, payout currency, per-stream rate range in micro-units)
PLATFORMS: dict[str, tuple[float, str, tuple[int, int]]] = {
    "spotify": (0.55, "EUR", (2_800, 4_600)),
    "apple_music": (0.30, "USD", (5_900, 8_200)),
    "deezer": (0.15, "EUR", (3_300, 5_100)),
}

# What the sample can hold beyond the spine (daily feeds, catalogue, FX). Each is written only when named in
# GeneratorParams.extras, because today's pipeline cannot take it yet without a test failing: a connector that
# is not in ingestion.connectors.CONNECTORS (labels and the platform families: see EXTRA_CONNECTORS), a second
# row per ISRC in the catalogue (catalogue_history), a second version of a period (restatement), a rejected
# file (schema_drift), usage the forecast would pick up although no catalogue track matches (unknown_isrcs).
# "analytics" switches on the analytics families (ingestion/generator/families/analytics_families.py).
EXTRAS: tuple[str, ...] = (
    "labels", "catalogue_history", "restatement", "schema_drift", "unknown_isrcs",
    "itunes", "beatport", "youtube", "tiktok", "instagram", "analytics",
)

# USD per month, as EUR per unit with 6 decimals (a stand-in for the ECB reference rates)
USD_EUR_BASE_MICROS = 912_300


@dataclasses.dataclass(frozen=True)
class GeneratorParams:
    seed: int = 42
    start_date: dt.date = dt.date(2025, 9, 1)
    end_date: dt.date = dt.date(2026, 10, 31)
    # approximate number of daily usage rows over all platforms; the catalogue grows with it
    target_rows: int = 250_000
    territories: tuple[str, ...] = TERRITORIES
    platforms: tuple[str, ...] = tuple(PLATFORMS)
    # a few malformed lines, an in-file duplicate and a re-delivered file, so the demo shows them
    inject_faults: bool = True
    # additions the current pipeline cannot take yet (see EXTRAS); ("all",) names every one
    extras: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = EXTRAS if "all" in self.extras else tuple(e for e in EXTRAS if e in self.extras)
        unknown = set(self.extras) - set(EXTRAS) - {"all"}
        if unknown:
            raise ValueError(f"unknown extras {sorted(unknown)}: choose from {list(EXTRAS)} or 'all'")
        object.__setattr__(self, "extras", names)  # canonical order, so equal choices give equal bytes

    def has(self, extra: str) -> bool:
        """Whether ``extra`` is written; the fault extras also need ``inject_faults``."""
        if extra in ("restatement", "schema_drift", "unknown_isrcs") and not self.inject_faults:
            return False
        return extra in self.extras

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def as_dict(self) -> dict[str, object]:
        out = dataclasses.asdict(self)
        out["start_date"] = self.start_date.isoformat()
        out["end_date"] = self.end_date.isoformat()
        out["territories"] = list(self.territories)
        out["platforms"] = list(self.platforms)
        out["extras"] = list(self.extras)
        return out
