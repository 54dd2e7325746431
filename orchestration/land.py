"""Land the landing folder on the configured target through the landing contract, and nothing else.

    TM_TARGET=postgres TM_POSTGRES_DSN="host=127.0.0.1 port=5432 dbname=tm" python -m orchestration.land
    TM_TARGET=clickhouse TM_CLICKHOUSE_PATH=var/clickhouse python -m orchestration.land --source spotify

Every connector of the pipeline's raw layer (or those named with ``--source``) lands into ``raw.*`` of the
target (orchestration/settings.py reads the environment). One line per source; exit status 1 when a file
failed or a file's counts do not balance (read = landed + quarantined + duplicates).
"""

from __future__ import annotations

import argparse
import sys
import time

from ingestion.connectors import ALL_CONNECTORS
from ingestion.targets import land_source_to
from orchestration.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", action="append", help="land only this source (repeatable)")
    args = parser.parse_args(argv)
    settings = get_settings()
    connectors = [c for c in ALL_CONNECTORS if not args.source or c.source in args.source]
    unknown = set(args.source or ()) - {c.source for c in connectors}
    if unknown:
        parser.error(f"unknown source(s): {', '.join(sorted(unknown))}")
    ok = True
    started = time.perf_counter()
    with settings.open_landing_target() as target:
        target.ensure_schema(connectors)
        for connector in connectors:
            results = [r for r in land_source_to(target, connector, settings.landing_dir)
                       if r.status != "already_seen"]
            statuses = {s: sum(r.status == s for r in results) for s in sorted({r.status for r in results})}
            balanced = all(r.balanced for r in results)
            ok &= balanced and not statuses.get("failed")
            print(f"{connector.source:<28} {' '.join(f'{s} {n}' for s, n in statuses.items()) or 'nothing new':<40}"
                  f" read {sum(r.rows_read for r in results):>10,} landed {sum(r.rows_landed for r in results):>10,}"
                  f" quarantined {sum(r.rows_quarantined for r in results):>6,}"
                  f" duplicates {sum(r.rows_duplicate for r in results):>6,} {'✓' if balanced else '✗'}")
            for r in results:
                if r.status == "failed":
                    print(f"  {r.file_name}: failed: {r.error}")
    print(f"landed on {settings.target} in {time.perf_counter() - started:.1f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
