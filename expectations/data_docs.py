"""GX Data Docs of the pipeline's validations: ``make quality-docs``.

The pipeline validates with throw-away GX contexts (expectations/runner.py) and keeps GX's result of every
validation as JSON under ``var/quality/validations/<suite>/`` (orchestration/assets/quality.py). This builds a
static Data Docs site from them: a file-backed GX project under the output folder gets each suite (rebuilt from
the expectations its latest result evaluated) and each result, keyed by the Dagster run that produced it, and
GX renders its own site: an index of every validation, one page per validation with every expectation, its
observed value and examples of failing values, and one page per suite.

    python -m expectations.data_docs --validations var/quality/validations --out var/quality/data_docs
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any


def _results(validations: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted(validations.glob("*/*.json")):
        record = json.loads(path.read_text())
        record["suite_name"] = path.parent.name
        found.append(record)
    return found


def build_site(validations: Path, out: Path) -> Path:
    """Build the Data Docs site of every stored validation into ``out``; returns its index page."""
    import great_expectations as gx
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    records = _results(validations)
    if not records:
        raise SystemExit(f"no validation results under {validations}: run the pipeline first (make demo)")
    project = out / "gx_project"
    shutil.rmtree(out, ignore_errors=True)
    project.mkdir(parents=True)
    context = gx.get_context(mode="file", project_root_dir=str(project))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    site = "tunemantra_quality"
    context.add_data_docs_site(site_name=site, site_config={
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(out / "site")},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    })
    latest: dict[str, dict[str, Any]] = {}
    for record in records:
        latest[record["suite_name"]] = record  # sorted by time: the last one wins
        result = ExpectationSuiteValidationResult(**record["result"])
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=record["suite_name"]),
            run_id=RunIdentifier(run_name=record["run_id"], run_time=record["validated_at"]),
            batch_identifier=(record["asset"] + (f" where {record['where']}" if record.get("where") else ""))[:200],
        )
        context.validation_results_store.set(key, result)
    for name, record in latest.items():
        expectations = [
            ExpectationConfiguration(**{k: v for k, v in r["expectation_config"].items() if k != "id"}).to_domain_obj()
            for r in record["result"]["results"]]
        context.suites.add_or_update(gx.ExpectationSuite(name=name, expectations=expectations))
    context.build_data_docs(site_names=[site])
    return out / "site" / "index.html"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--validations", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    index = build_site(args.validations, args.out)
    count = len(_results(args.validations))
    print(f"GX Data Docs of {count} validations: {index}")


if __name__ == "__main__":
    main()
