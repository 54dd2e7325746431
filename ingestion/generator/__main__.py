"""``python -m ingestion.generator --out var/landing [--seed 42] [--scale 250000] [--extras all|none|a,b]``

Every family and injected fault is written by default (``--extras all``); ``--extras none`` writes the spine
only (the daily feeds, the catalogue, FX, DSR statements and the collected sources), a comma-separated list
only the extras it names (ingestion/generator/params.py, ``EXTRAS``).

``--scale`` (alias ``--rows``) runs from 1e4 to 1e8 usage rows in bounded memory: files are written day by
day (the daily feeds) or month by month (the other families), never held whole.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ingestion.generator.params import EXTRAS, GeneratorParams
from ingestion.generator.writer import generate


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a deterministic sample of platform reports.")
    parser.add_argument("--out", type=Path, required=True, help="landing folder")
    parser.add_argument("--seed", type=int, default=GeneratorParams.seed)
    parser.add_argument("--scale", "--rows", dest="rows", type=float, default=GeneratorParams.target_rows,
                        help="approximate daily usage rows, 1e4 to 1e8 (1e7 for the benchmark); the catalogue "
                             "has at least 12 tracks, so small values give about 1.2e5 rows")
    parser.add_argument("--extras", default="all",
                        help=f"what the sample holds beyond the spine: all (the default), none, or a "
                             f"comma-separated list of {','.join(EXTRAS)}")
    parser.add_argument("--no-faults", action="store_true", help="write clean files only")
    args = parser.parse_args()
    started = time.perf_counter()
    extras = tuple(e.strip() for e in args.extras.split(",") if e.strip()) or ("none",)
    params = GeneratorParams(seed=args.seed, target_rows=int(args.rows), inject_faults=not args.no_faults,
                             extras=extras)
    manifest = generate(params, args.out)
    totals = manifest["totals"]
    print(f"sample: {len(manifest['files'])} files, {totals['usage_rows']:,} usage rows, "
          f"{totals['streams']:,} streams, {manifest['catalogue']['tracks']} tracks, {totals['days']} days "
          f"x {len(params.platforms)} platforms x {totals['territories']} territories -> {args.out} "
          f"({time.perf_counter() - started:.1f}s)")


if __name__ == "__main__":
    main()
