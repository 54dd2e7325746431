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

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def as_dict(self) -> dict[str, object]:
        out = dataclasses.asdict(self)
        out["start_date"] = self.start_date.isoformat()
        out["end_date"] = self.end_date.isoformat()
        out["territories"] = list(self.territories)
        out["platforms"] = list(self.platforms)
        return out
