"""The serving copy: marts, model outputs and quality history in a separate DuckDB file, replaced atomically.

Readers (Superset, analysts' SQL) open the serving file read-only, so they never contend with the pipeline's
single writer, and they keep seeing the last good data while a build runs. The copy is written next to the
target and renamed over it in one step; it only runs when everything upstream materialised and every
blocking check passed.
"""


import os
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.assets.dbt import mart_keys
from orchestration.progress import say
from orchestration.settings import get_settings
from orchestration.warehouse import WarehouseResource

SERVED_SCHEMAS = ("marts", "ml", "quality")


def publish(warehouse_path: Path, serving_path: Path, schemas: tuple[str, ...] = SERVED_SCHEMAS) -> dict[str, int]:
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    staging_file = serving_path.with_name(serving_path.name + ".tmp")
    staging_file.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(staging_file))
    try:
        con.execute(f"ATTACH '{warehouse_path}' AS warehouse (READ_ONLY)")
        tables = con.execute(f"""
            SELECT table_schema, table_name FROM information_schema.tables
            WHERE table_catalog = 'warehouse' AND table_schema IN ({', '.join('?' * len(schemas))})
            ORDER BY 1, 2""", list(schemas)).fetchall()
        for schema in sorted({s for s, _ in tables}):
            con.execute(f"CREATE SCHEMA {schema}")
        for schema, table in tables:
            con.execute(f"CREATE TABLE {schema}.{table} AS SELECT * FROM warehouse.{schema}.{table}")
            counts[f"{schema}.{table}"] = con.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()[0]
        con.execute("DETACH warehouse")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(staging_file, serving_path)  # atomic on one filesystem
    return counts


@dg.asset(
    key=["serving", "serving_copy"],
    group_name="serving",
    kinds={"duckdb"},
    deps=[*mart_keys(), dg.AssetKey(["ml", "track_stream_forecast"])],
    description="Publishes marts, ml and quality schemas to the read-only serving file Superset reads.",
)
def serving_copy(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    serving_path = get_settings().serving_path
    counts = publish(Path(warehouse.path), serving_path)
    say(f"  serving copy: {len(counts)} tables -> {serving_path}")
    return dg.MaterializeResult(metadata={
        "path": str(serving_path),
        "tables": len(counts),
        "rpt_performance_overview_rows": counts.get("marts.rpt_performance_overview", 0),
        "tables_rows": dg.MetadataValue.json(counts),
    })
