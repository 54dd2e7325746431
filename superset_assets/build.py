"""``python -m superset_assets.build [--check]``: render the dashboards declared in ``superset_assets/reports/`` into
the asset bundle Superset imports (YAML under ``superset_assets/``). ``--check`` writes nothing and exits 1 when the
committed YAML differs from what the declarations render (the unit tests run it).

Every connection gets its own copy of each dataset (``datasets/<database>/``); charts and dashboards name the
DuckDB copy, and the bootstrap points them at the connection it is asked to serve from.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from superset_assets.model import DUCKDB, POSTGRES, Chart, Connection, Dashboard, Dataset, derived_uuid
from superset_assets.reports import DASHBOARDS

ASSETS_DIR = Path(__file__).resolve().parent
GENERATED = ("databases", "datasets", "charts", "dashboards")
HEADER = "# Rendered by `python -m superset_assets.build` from superset_assets/reports/: edit the declaration.\n"

CONNECTIONS = (
    Connection(
        DUCKDB, "TuneMantra serving (DuckDB)", "56b3ac3c-346d-4100-a425-15ae1d5f7711",
        "duckdb:///{{ serving_path }}", None,
        # read-only, no access to other files (read_csv, ATTACH) and the settings locked for the session
        {"engine_params": {"connect_args": {"read_only": True, "config": {"enable_external_access": False,
                                                                          "lock_configuration": True}}},
         "metadata_params": {}, "schemas_allowed_for_csv_upload": [], "allows_virtual_table_explore": True,
         "cost_estimate_enabled": False},
        "the serving copy of the warehouse, opened read-only"),
    Connection(
        POSTGRES, "TuneMantra warehouse (PostgreSQL)", derived_uuid("database", POSTGRES),
        "{{ postgres_uri }}", "serving",
        {"engine_params": {"connect_args": {"options": "-c default_transaction_read_only=on"}},
         "metadata_params": {}, "schemas_allowed_for_csv_upload": [], "allows_virtual_table_explore": True,
         "cost_estimate_enabled": False},
        "the PostgreSQL warehouse's serving schema (read-only sessions)"),
)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def dump(doc: dict) -> str:
    return HEADER + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)


def datasets_of(dashboards: tuple[Dashboard, ...]) -> list[Dataset]:
    seen: dict[str, Dataset] = {}
    for dashboard in dashboards:
        for ds in dashboard.datasets:
            if seen.setdefault(ds.table, ds) is not ds and seen[ds.table] != ds:
                raise ValueError(f"two different datasets named {ds.table}")
    return sorted(seen.values(), key=lambda d: d.table)


def render(dashboards: tuple[Dashboard, ...] = DASHBOARDS) -> dict[str, str]:
    """Relative path -> YAML text of the whole bundle."""
    files: dict[str, str] = {"metadata.yaml": yaml.safe_dump(
        {"version": "1.0.0", "type": "Dashboard", "timestamp": "2026-01-01T00:00:00+00:00"}, sort_keys=False)}
    duckdb = CONNECTIONS[0]
    for conn in CONNECTIONS:
        folder = slug(conn.database_name.split("(")[0]) + f"_{conn.key}"
        files[f"databases/{folder}.yaml"] = dump(conn.render())
        for ds in datasets_of(dashboards):
            files[f"datasets/{folder}/{ds.table}.yaml"] = dump(ds.render(conn))
    seen_charts: dict[str, Chart] = {}
    for dashboard in dashboards:
        for chart in dashboard.charts:
            key = chart.uuid_for(dashboard.slug)
            if key in seen_charts:
                raise ValueError(f"chart {chart.name!r} of {dashboard.slug} has a UUID already used")
            seen_charts[key] = chart
            files[f"charts/{dashboard.slug}/{slug(chart.name)}.yaml"] = dump(chart.render(dashboard.slug, duckdb))
        files[f"dashboards/{dashboard.slug}.yaml"] = dump(dashboard.render(duckdb))
    return files


def committed() -> dict[str, str]:
    out = {}
    for kind in GENERATED:
        for path in sorted((ASSETS_DIR / kind).rglob("*.yaml")):
            out[path.relative_to(ASSETS_DIR).as_posix()] = path.read_text(encoding="utf-8")
    meta = ASSETS_DIR / "metadata.yaml"
    if meta.exists():
        out["metadata.yaml"] = meta.read_text(encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed YAML is out of date")
    args = parser.parse_args(argv)
    wanted, have = render(), committed()
    stale = sorted(p for p in wanted if have.get(p) != wanted[p])
    extra = sorted(set(have) - set(wanted))
    if args.check:
        for p in stale:
            print(f"out of date: superset_assets/{p}")
        for p in extra:
            print(f"not declared: superset_assets/{p}")
        if stale or extra:
            print("run `python -m superset_assets.build` and commit the result", file=sys.stderr)
            return 1
        print(f"superset_assets: {len(wanted)} files up to date")
        return 0
    for p in extra:
        (ASSETS_DIR / p).unlink()
    for p in stale:
        target = ASSETS_DIR / p
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(wanted[p], encoding="utf-8")
    for kind in GENERATED:  # folders left empty by removed declarations
        for folder in sorted((ASSETS_DIR / kind).rglob("*"), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
    n_charts = sum(len(d.charts) for d in DASHBOARDS)
    print(f"superset_assets: {len(DASHBOARDS)} dashboards, {n_charts} charts, {len(datasets_of(DASHBOARDS))} datasets "
          f"x {len(CONNECTIONS)} connections; {len(stale)} files written, {len(extra)} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
