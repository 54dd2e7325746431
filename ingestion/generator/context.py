"""What every generator family shares: parameters, the catalogue, the usage model and the output folder.

Each family draws from its own random stream, derived from the seed and the family's name, so adding a
family (or changing one) never changes the bytes another family writes.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from ingestion.generator.catalogue import Track
from ingestion.generator.params import GeneratorParams
from ingestion.generator.usage import UsageModel


def stream_for(seed: int, name: str) -> np.random.Generator:
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(key,)))


@dataclasses.dataclass
class GenerationContext:
    params: GeneratorParams
    landing_dir: Path
    tracks: list[Track]
    model: UsageModel
    fx_micros: dict[tuple[str, str], int]  # (yyyy-mm, currency) -> EUR per unit in micro-units
    files: list[dict] = dataclasses.field(default_factory=list)
    truth: dict[str, Any] = dataclasses.field(default_factory=dict)  # manifest["families"][name]
    shared: dict[str, Any] = dataclasses.field(default_factory=dict)  # what one family hands to a later one

    def rng(self, name: str) -> np.random.Generator:
        return stream_for(self.params.seed, name)

    @property
    def months(self) -> list[dt.date]:
        return months_between(self.params.start_date, self.params.end_date)

    def days_of(self, month: dt.date) -> list[dt.date]:
        last = calendar.monthrange(month.year, month.month)[1]
        return [d for d in (month.replace(day=i) for i in range(1, last + 1))
                if self.params.start_date <= d <= self.params.end_date]

    def add_file(self, path: Path, source: str, data_lines: int, **extra: Any) -> dict:
        """Record a written file in the manifest: its hash, size and what a correct landing must find."""
        entry = {
            "file": path.relative_to(self.landing_dir).as_posix(),
            "source": source,
            "sha256": sha256_of(path),
            "bytes": path.stat().st_size,
            "data_lines": data_lines,
            "expected": {"landed": data_lines, "quarantined": 0, "duplicates": 0},
            "quarantined_lines": [],
            "redelivery_of": None,
        }
        entry.update(extra)
        self.files.append(entry)
        return entry


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    months, cur = [], start.replace(day=1)
    while cur <= end:
        months.append(cur)
        cur = (cur.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def micros_text(value: int, sep: str = ".") -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 1_000_000}{sep}{value % 1_000_000:06d}"


def write_lines(path: Path, header: str, lines: list[str], line_end: str = "\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(header + line_end)
        for start in range(0, len(lines), 100_000):  # bounded chunks, not one giant string
            fh.write(line_end.join(lines[start:start + 100_000]) + line_end)
