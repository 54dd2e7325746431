"""The one place that reads the environment: where generated things live and which warehouse is the target.

Everything generated lives under ``TM_VAR_DIR`` (default ``<repo>/var``): delete it and ``make demo``
rebuilds it all. Tests point ``TM_VAR_DIR`` at a temporary folder.

``TM_TARGET`` picks the warehouse the whole pipeline runs on (landing, dbt, checks, forecast, serving layer):
``duckdb`` (embedded, the default), ``postgres`` (``TM_POSTGRES_DSN``, a libpq connection string) or
``clickhouse`` (``TM_CLICKHOUSE_PATH``, a chDB data folder, default ``<var>/clickhouse``; or ``TM_CLICKHOUSE_DSN``
for a server). orchestration/warehouses/ holds one implementation per target. ``export()`` hands dbt's profile
(dbt_project/profiles.yml) what it reads for the target: the parts of ``TM_POSTGRES_DSN`` as
``TM_POSTGRES_HOST`` / ``_PORT`` / ``_USER`` / ``_PASSWORD`` / ``_DB`` / ``_SSLMODE``, the chDB folder, or the
parts of ``TM_CLICKHOUSE_DSN``; ``eval "$(python -m orchestration.settings --dbt-env)"`` does the same for a shell.
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


TARGETS = ("duckdb", "postgres", "clickhouse")


@dataclasses.dataclass(frozen=True)
class Settings:
    var_dir: Path
    target: str
    postgres_dsn: str | None = dataclasses.field(default=None, repr=False)  # may hold a password
    clickhouse_path: Path | None = None
    clickhouse_dsn: str | None = dataclasses.field(default=None, repr=False)

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

    def open_landing_target(self):  # -> ingestion.targets.Target
        """The configured target, ready for the landing contract (``ingestion.targets.land_source_to``)."""
        from ingestion.targets import open_target

        if self.target == "duckdb":
            self.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
        return open_target(self.target, duckdb_path=self.warehouse_path, postgres_dsn=self.postgres_dsn,
                           clickhouse_path=self.clickhouse_path, clickhouse_dsn=self.clickhouse_dsn)

    def ensure_dirs(self) -> None:
        embedded = (self.warehouse_path.parent, self.serving_path.parent) if self.target == "duckdb" else ()
        for path in (self.landing_dir, *embedded, self.mlflow_dir, self.mlflow_artifact_root, self.dagster_home):
            path.mkdir(parents=True, exist_ok=True)

    def dbt_env(self) -> dict[str, str]:
        """The variables dbt's profile (dbt_project/profiles.yml) reads for this target."""
        env = {"TM_TARGET": self.target, "TM_WAREHOUSE_PATH": str(self.warehouse_path)}
        if self.postgres_dsn:
            env.update(postgres_dbt_env(self.postgres_dsn))
        if self.target == "clickhouse":
            if self.clickhouse_path is not None:  # the launcher orchestration/clickhouse_dbt.py opens this folder
                env["TM_CLICKHOUSE_PATH"] = str(self.clickhouse_path)
            if self.clickhouse_dsn:
                env.update(clickhouse_dbt_env(self.clickhouse_dsn))
        return env

    def export(self) -> None:
        """Put the derived paths in the environment, where dbt's profile and child processes read them."""
        os.environ["TM_VAR_DIR"] = str(self.var_dir)
        os.environ.update(self.dbt_env())
        os.environ.setdefault("DAGSTER_HOME", str(self.dagster_home))
        os.environ.setdefault("DBT_USE_COLORS", "false")
        os.environ.setdefault("DBT_LOG_PATH", str(self.var_dir / "dbt" / "logs"))
        # no network at run time: the tools' usage pings would only time out
        os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        os.environ.setdefault("DO_NOT_TRACK", "1")


_DBT_POSTGRES_PARTS = {"host": "TM_POSTGRES_HOST", "port": "TM_POSTGRES_PORT", "user": "TM_POSTGRES_USER",
                       "password": "TM_POSTGRES_PASSWORD", "dbname": "TM_POSTGRES_DB", "sslmode": "TM_POSTGRES_SSLMODE"}


def postgres_dbt_env(dsn: str) -> dict[str, str]:
    """The parts of a libpq connection string (``key=value …`` or a ``postgresql://`` URI) as the variables of
    the profile's ``postgres`` output. Parts the string does not give are left out (the profile's defaults)."""
    from psycopg2.extensions import parse_dsn

    parts = parse_dsn(dsn)
    return {var: parts[key] for key, var in _DBT_POSTGRES_PARTS.items() if parts.get(key)}


_DBT_CLICKHOUSE_PARTS = {"hostname": "TM_CLICKHOUSE_HOST", "port": "TM_CLICKHOUSE_PORT",
                         "username": "TM_CLICKHOUSE_USER", "password": "TM_CLICKHOUSE_PASSWORD"}


def clickhouse_dbt_env(dsn: str) -> dict[str, str]:
    """The parts of a ClickHouse server URL (``http://user:password@host:8123``) as the variables of the profile's
    ``clickhouse`` output. Parts the URL does not give are left out (the profile's defaults)."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(dsn)
    values = {key: getattr(parts, key) for key in _DBT_CLICKHOUSE_PARTS}
    return {var: unquote(str(values[key])) for key, var in _DBT_CLICKHOUSE_PARTS.items() if values[key]}


def get_settings() -> Settings:
    """The settings from the environment. Every target in TARGETS runs the whole pipeline."""
    var_dir = Path(os.environ.get("TM_VAR_DIR", REPO_ROOT / "var")).resolve()
    target = os.environ.get("TM_TARGET", "duckdb")
    if target not in TARGETS:
        raise ValueError(f"TM_TARGET={target!r}: choose from {', '.join(TARGETS)}")
    postgres_dsn = os.environ.get("TM_POSTGRES_DSN") or None
    clickhouse_dsn = os.environ.get("TM_CLICKHOUSE_DSN") or None
    clickhouse_path = Path(os.environ.get("TM_CLICKHOUSE_PATH") or var_dir / "clickhouse").resolve()
    if target == "postgres" and not postgres_dsn:
        raise ValueError("TM_TARGET=postgres needs TM_POSTGRES_DSN (a libpq connection string)")
    return Settings(var_dir=var_dir, target=target, postgres_dsn=postgres_dsn,
                    clickhouse_path=None if clickhouse_dsn else clickhouse_path, clickhouse_dsn=clickhouse_dsn)


if __name__ == "__main__":  # eval "$(python -m orchestration.settings --dbt-env)": dbt's variables, for a shell
    import shlex
    import sys

    if sys.argv[1:] != ["--dbt-env"]:
        sys.exit("usage: python -m orchestration.settings --dbt-env")
    for name, value in get_settings().dbt_env().items():
        print(f"export {name}={shlex.quote(value)}")
