"""The one place that reads the environment: where generated things live and which warehouse is the target.

Everything generated lives under ``TM_VAR_DIR`` (default ``<repo>/var``): delete it and ``make demo``
rebuilds it all. Tests point ``TM_VAR_DIR`` at a temporary folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SAMPLE_DELIVERY_LAG_DAYS = 15


@dataclasses.dataclass(frozen=True)
class Settings:
    var_dir: Path
    target: str

    @property
    def landing_dir(self) -> Path:
        return self.var_dir / "landing"

    @property
    def warehouse_path(self) -> Path:
        return self.var_dir / "warehouse" / "tunemantra.duckdb"

    @property
    def serving_path(self) -> Path:
        return self.var_dir / "serving" / "tunemantra_serving.duckdb"

    @property
    def mlflow_dir(self) -> Path:
        return self.var_dir / "mlflow"

    @property
    def mlflow_tracking_uri(self) -> str:
        return f"sqlite:///{self.mlflow_dir / 'mlflow.db'}"

    @property
    def mlflow_artifact_root(self) -> Path:
        return self.mlflow_dir / "artifacts"

    @property
    def dagster_home(self) -> Path:
        return self.var_dir / "dagster"

    @property
    def as_of_date(self) -> dt.date:
        """The monitoring clock: TM_AS_OF_DATE, else the sample's own clock when the landing folder holds the
        generator's sample (its platforms stopped delivering then), else today."""
        if os.environ.get("TM_AS_OF_DATE"):
            return dt.date.fromisoformat(os.environ["TM_AS_OF_DATE"])
        manifest = self.landing_dir / "manifest.json"
        if manifest.exists():
            end = json.loads(manifest.read_text())["params"]["end_date"]
            return dt.date.fromisoformat(end) + dt.timedelta(days=SAMPLE_DELIVERY_LAG_DAYS)
        return dt.date.today()

    def ensure_dirs(self) -> None:
        for path in (self.landing_dir, self.warehouse_path.parent, self.serving_path.parent, self.mlflow_dir,
                     self.mlflow_artifact_root, self.dagster_home):
            path.mkdir(parents=True, exist_ok=True)

    def export(self) -> None:
        """Put the derived paths in the environment, where dbt's profile and child processes read them."""
        os.environ["TM_VAR_DIR"] = str(self.var_dir)
        os.environ["TM_TARGET"] = self.target
        os.environ["TM_WAREHOUSE_PATH"] = str(self.warehouse_path)
        os.environ.setdefault("DAGSTER_HOME", str(self.dagster_home))
        os.environ.setdefault("DBT_USE_COLORS", "false")
        os.environ.setdefault("DBT_LOG_PATH", str(self.var_dir / "dbt" / "logs"))
        # no network at run time: the tools' usage pings would only time out
        os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        os.environ.setdefault("DO_NOT_TRACK", "1")


def get_settings() -> Settings:
    var_dir = Path(os.environ.get("TM_VAR_DIR", REPO_ROOT / "var")).resolve()
    target = os.environ.get("TM_TARGET", "duckdb")
    if target != "duckdb":
        raise ValueError(f"TM_TARGET={target!r}: only the embedded 'duckdb' target is available in this version")
    return Settings(var_dir=var_dir, target=target)
