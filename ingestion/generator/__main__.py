"""``python -m ingestion.generator --out var/landing [--seed 42] [--rows 250000]``"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ingestion.generator.params import GeneratorParams
from ingestion.generator.writer import generate


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a deterministic sample of platform reports.")
    parser.add_argument("--out", type=Path, required=True, help="landing folder")
    parser.add_argument("--seed", type=int, default=GeneratorParams.seed)
    parser.add_argument("--rows", type=float, default=GeneratorParams.target_rows,
                        help="approximate daily usage rows (1e7 for the benchmark)")
    parser.add_argument("--no-faults", action="store_true", help="write clean files only")
    args = parser.parse_args()
    started = time.perf_counter()
    params = GeneratorParams(seed=args.seed, target_rows=int(args.rows), inject_faults=not args.no_faults)
    manifest = generate(params, args.out)
    totals = manifest["totals"]
    print(f"sample: {len(manifest['files'])} files, {totals['usage_rows']:,} usage rows, "
          f"{totals['streams']:,} streams, {manifest['catalogue']['tracks']} tracks, {totals['days']} days "
          f"x {len(params.platforms)} platforms x {totals['territories']} territories -> {args.out} "
          f"({time.perf_counter() - started:.1f}s)")


if __name__ == "__main__":
    main()
