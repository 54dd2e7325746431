"""Staging layer quality gates: Great Expectations on the staged usage reports, next to the dbt staging views they
guard (the views themselves are dbt assets, orchestration/assets/dbt.py).

Each check validates one partition: the batches landed since its suite last passed (``quality.validated_batches``),
so a day's run reads the day's files, not the whole history. A batch that fails stays unvalidated: the next run
validates it again and keeps blocking the usage models until the batch is corrected (a restatement) or removed.
"""


import dagster as dg

from expectations.suites._build import DEFAULT_CURRENCIES
from ingestion.contract import LEDGER
from orchestration.assets.quality import VALIDATED_BATCH_COLUMNS, VALIDATED_BATCHES_TABLE, now_utc, run_suite
from orchestration.warehouses import WarehouseResource

# (staging model, its date column, its units column): the usage reports that feed the usage facts
STAGED_USAGE = (
    ("stg_spotify__daily_streams", "usage_date", "streams"),
    ("stg_apple_music__daily_streams", "usage_date", "streams"),
    ("stg_deezer__daily_streams", "usage_date", "streams"),
    ("stg_dsr_spotify__sales", "usage_period_start", "usages"),
    ("stg_dsr_apple_music__sales", "usage_period_start", "usages"),
    ("stg_dsr_amazon_music__sales", "usage_period_start", "usages"),
    ("stg_dsr_deezer__sales", "usage_period_start", "usages"),
)


def source_of(model: str) -> str:
    """The landing source whose batches a staging model stages: ``stg_<source>__<entity>``."""
    return model.removeprefix("stg_").split("__")[0]


def staging_key(model: str) -> dg.AssetKey:
    return dg.AssetKey(["staging", model])


_REFERENCE: dict[str, dict[str, list[str]]] = {}  # run id -> reference values, read once per run


def _reference(warehouse: WarehouseResource, run_id: str) -> dict[str, list[str]]:
    """What the warehouse knows: the reference seeds, the currencies the FX table converts, the catalogue. The
    same for every staging check of a run, so it is read once per run (the catalogue's ISRCs are a full list)."""
    if run_id in _REFERENCE:
        return _REFERENCE[run_id]

    def column(sql: str) -> list[str]:
        return [row[0] for row in warehouse.query(sql) if row[0] is not None]

    _REFERENCE.clear()
    _REFERENCE[run_id] = {
        "platform_codes": column("SELECT platform_code FROM reference.platforms"),
        "territory_codes": column("SELECT territory_code FROM reference.territories"),
        "currencies": sorted({"EUR", *column("SELECT DISTINCT currency FROM staging.stg_fx__monthly_rates")}
                             | set(DEFAULT_CURRENCIES)),
        "catalogue_isrcs": column("SELECT isrc FROM marts.dim_track"),
    }
    return _REFERENCE[run_id]


def _literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def build_staging_check(model: str, date_column: str, units_column: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=staging_key(model), name="gx_staging_suite", blocking=True,
                    description=f"Great Expectations suite for staging.{model} (expectations/suites/staging.py) on "
                                "the batches landed since it last passed.")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        from expectations.suites.staging import staging_usage_suite

        suite = staging_usage_suite(model, date_column=date_column, units_column=units_column,
                                    **_reference(warehouse, context.run.run_id))
        warehouse.append_rows(VALIDATED_BATCHES_TABLE, VALIDATED_BATCH_COLUMNS, [])  # created on first use
        # the ledger lists the batches (one row a file), so the staged rows are read once, by the validation
        batches = [row[0] for row in warehouse.query(f"""
            SELECT DISTINCT batch_id FROM {LEDGER} WHERE source = {_literal(source_of(model))} AND status = 'landed'
            AND batch_id NOT IN (SELECT batch_id FROM {VALIDATED_BATCHES_TABLE} WHERE suite_name = '{suite.name}')
            ORDER BY 1""")]
        if not batches:
            return dg.AssetCheckResult(passed=True, description="no batch landed since the last validation",
                                       metadata={"suite": suite.name, "partition": "none", "rows_validated": 0})
        partition = f"{len(batches)} batch(es) landed since the last validation"
        where = f"batch_id IN ({', '.join(_literal(b) for b in batches)})"
        result = run_suite(context, warehouse, "staging", model, suite, where=where, partition=partition)
        if result.passed or result.severity == dg.AssetCheckSeverity.WARN:  # warnings do not hold a batch back
            warehouse.append_rows(VALIDATED_BATCHES_TABLE, VALIDATED_BATCH_COLUMNS,
                                  [(suite.name, str(b), context.run.run_id, now_utc()) for b in batches])
        return result

    return _check


STAGING_CHECKS = [build_staging_check(*staged) for staged in STAGED_USAGE]
STAGED_USAGE_KEYS = [staging_key(model) for model, _, _ in STAGED_USAGE]
