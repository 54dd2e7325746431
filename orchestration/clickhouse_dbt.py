"""dbt on ClickHouse without a server: the ClickHouse engine embedded in-process by chDB behind dbt-clickhouse.

    TM_CLICKHOUSE_PATH=var/clickhouse python -m orchestration.clickhouse_dbt build --select path:models/staging

dbt-clickhouse opens its connections with ``clickhouse_connect.get_client`` (HTTP driver); this replaces that
function with one that passes ``interface='chdb', path=<the chDB data folder>`` and then runs dbt in this
process (``dbtRunner``) against the profile's ``clickhouse`` output. The folder is the one the landing contract
lands into (``TM_TARGET=clickhouse TM_CLICKHOUSE_PATH=<dir> python -m orchestration.land``): the raw views are
there. Only one process may open a chDB folder at a time: land first, then build, then read.

Not named ``dbt_*.py``: dbt imports such modules as plugins. The project and profiles directories and the
target are filled in unless the arguments give them.

Tools that start a ``dbt`` executable (dagster-dbt's ``DbtCliResource``, which the pipeline's dbt asset uses)
get one from :func:`write_launcher`: a two-line script running :func:`main` with this environment's Python.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT

_patched_path: str | None = None


def use_chdb(path: str | Path) -> None:
    """Make every ``clickhouse_connect.get_client`` in this process open the chDB folder ``path``."""
    global _patched_path
    import clickhouse_connect
    import clickhouse_connect.driver

    Path(path).mkdir(parents=True, exist_ok=True)
    if _patched_path is None:
        real = clickhouse_connect.get_client

        def get_client(*args, **kwargs):
            # keep what means something to chDB (the session settings, e.g. the profile's custom_settings, and
            # the database); the HTTP transport's arguments (host, port, pool, TLS, timeouts) mean nothing there
            kept = {name: kwargs[name] for name in ("settings", "database") if kwargs.get(name) is not None}
            return real(interface="chdb", path=_patched_path, **kept)

        clickhouse_connect.get_client = get_client
        clickhouse_connect.driver.get_client = get_client
    _patched_path = str(path)


def dbt_args(args: list[str]) -> list[str]:
    """``args`` with the project, profiles and target defaults added where missing."""
    args = list(args)
    if args and not args[0].startswith("-"):
        extra = []
        if "--project-dir" not in args:
            extra += ["--project-dir", str(DBT_PROJECT_DIR)]
        if "--profiles-dir" not in args:
            extra += ["--profiles-dir", str(DBT_PROJECT_DIR)]
        if "--target" not in args and "-t" not in args:
            extra += ["--target", "clickhouse"]
        args = [args[0], *extra, *args[1:]]
    return args


def run(args: list[str], path: str | Path | None = None):
    """Run dbt with ``args`` on the chDB folder ``path`` (default TM_CLICKHOUSE_PATH, else <var>/clickhouse);
    returns dbt's ``dbtRunnerResult``."""
    if path is None:
        var_dir = Path(os.environ.get("TM_VAR_DIR", REPO_ROOT / "var"))
        path = os.environ.get("TM_CLICKHOUSE_PATH") or var_dir / "clickhouse"
    path = Path(path).resolve()
    use_chdb(path)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DBT_USE_COLORS", "false")
    from dbt.cli.main import dbtRunner

    return dbtRunner().invoke(dbt_args(args))


LAUNCHER_NAME = "dbt-chdb"


def write_launcher(folder: str | Path) -> Path:
    """Write (when missing or stale) an executable ``folder/dbt-chdb`` that runs this module with this environment's
    Python: a drop-in ``dbt`` executable for dbt on chDB (the folder: TM_CLICKHOUSE_PATH). Returns its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LAUNCHER_NAME
    text = (f"#!{sys.executable}\n"
            "# dbt on the chDB folder TM_CLICKHOUSE_PATH (written by orchestration/clickhouse_dbt.py)\n"
            "import sys\n\nfrom orchestration.clickhouse_dbt import main\n\nsys.exit(main())\n")
    if not path.exists() or path.read_text() != text or not os.access(path, os.X_OK):
        staging = path.with_name(f".{LAUNCHER_NAME}.{os.getpid()}")
        staging.write_text(text)
        staging.chmod(0o755)
        os.replace(staging, path)  # never a half-written launcher, even with two writers
    return path


def main(argv: list[str] | None = None) -> int:
    result = run(sys.argv[1:] if argv is None else argv)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
