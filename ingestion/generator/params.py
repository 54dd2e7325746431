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

# What the sample holds beyond the spine (daily feeds, catalogue, FX, DSR statements, the collected sources):
# the label hierarchy (labels), a dated second catalogue export (catalogue_history), a second version of a
# period (restatement), a rejected file (schema_drift), usage of ISRCs the catalogue does not hold
# (unknown_isrcs), the download-store and video/UGC platform families, and the analytics families
# (ingestion/generator/families/analytics_families.py). Every one is written by default, so `make demo` and the
# end-to-end tests land every family; ``extras=()`` (``--extras none``, ``make demo EXTRAS=none``) leaves
# them out, and a subset names only some.
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
    # what the sample holds beyond the spine (see EXTRAS): every one by default; ("all",) names every one,
    # () or ("none",) none
    extras: tuple[str, ...] = EXTRAS

    def __post_init__(self) -> None:
        if isinstance(self.extras, str):
            raise TypeError(f"extras is a tuple of names, not the string {self.extras!r}")
        chosen = set(self.extras)
        unknown = chosen - set(EXTRAS) - {"all", "none"}
        if unknown:
            raise ValueError(f"unknown extras {sorted(unknown)}: choose from {list(EXTRAS)}, 'all' or 'none'")
        if "none" in chosen and len(chosen) > 1:
            raise ValueError(f"extras 'none' cannot be combined with other names: {sorted(chosen)}")
        names = EXTRAS if "all" in chosen else tuple(e for e in EXTRAS if e in chosen)
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
