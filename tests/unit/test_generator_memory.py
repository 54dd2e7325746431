"""The generator runs from 1e4 to 1e8 usage rows in bounded memory: a cheap guard for the analytics families.

Each family that replays the daily feeds or writes a row-level report (listener stats, stream sources, playlist
positions, charts, radio, marketing's attribution) must stream: what it holds may grow with the catalogue
(tracks x territories x months, playlist stays, touches), never with the rows it replays or writes
(ingestion/generator/families/_analytics.py, "Bounded memory"). Before they did, a run with them peaked at
229 MB at 5e6 rows (62 MB without them) and passed 2.3 GB at 1e8.

This test writes only the analytics families, in a fresh interpreter at two scales ten times apart, and compares
the peak resident memory each reports: streaming, it grows by about 4 MB (the catalogue and its truth: 45 -> 49
MB); holding the replayed feed, the playlist placements and a month's lines, it grew by 64 MB over the same step
(49 -> 113 MB, measured before the fix).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Writes the analytics families alone (they need the shared catalogue and usage model, not the spine's files) and
# prints the interpreter's peak resident set in KB (Linux ru_maxrss); a fresh process per scale, so one scale's
# peak cannot hide in the other's.
_CHILD = """
import resource, sys
from pathlib import Path
from ingestion.generator.families.analytics_families import ANALYTICS_FAMILIES
from ingestion.generator.params import GeneratorParams
from ingestion.generator.writer import build_context

ctx = build_context(GeneratorParams(target_rows=int(sys.argv[1]), extras=("analytics",)), Path(sys.argv[2]))
for _name, write in ANALYTICS_FAMILIES:
    write(ctx)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
SMALL, LARGE = 200_000, 2_000_000  # 19 and 186 tracks: about 1 and 8 seconds
MAX_GROWTH_KB = 12 * 1024


def _peak_kb(rows: int, landing: Path) -> int:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(rows), str(landing)], check=True, capture_output=True,
                          text=True)
    return int(done.stdout.split()[-1])


def test_analytics_families_peak_memory_hardly_grows_with_the_rows(tmp_path: Path) -> None:
    small = _peak_kb(SMALL, tmp_path / "small" / "landing")
    large = _peak_kb(LARGE, tmp_path / "large" / "landing")
    assert large - small < MAX_GROWTH_KB, (
        f"peak RSS {small // 1024} MB at {SMALL:,} rows, {large // 1024} MB at {LARGE:,} rows: an analytics family "
        "holds something that grows with the usage rows (see ingestion/generator/families/_analytics.py)")
