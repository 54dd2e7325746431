"""Start and stop a throwaway Apache Superset: for the tests and for `make bench-dashboards`.

Superset lives in its own environment (``infra/superset/.venv``, created by
``uv sync --frozen --project infra/superset``); this module uses only the standard library and the
port and process helpers beside it, so the core environment (its pytest, `make bench-dashboards`) imports it.

    with running_superset(serving_path, var_dir, port=free_port()) as server:
        server.base_url, server.admin_user, server.admin_password, server.bootstrap_summary

or ``start_superset(...)`` / ``server.stop()`` for a fixture. ``server.bootstrap()`` re-runs the
bootstrap against the running server's metadata store (the re-import must update in place).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration.processes import free_port, stop_process

REPO_ROOT = Path(__file__).resolve().parents[1]
SUPERSET_DIR = REPO_ROOT / "infra" / "superset"
SUPERSET_VENV = SUPERSET_DIR / ".venv"
SUPERSET_PYTHON = SUPERSET_VENV / "bin" / "python"
SUPERSET_BIN = SUPERSET_VENV / "bin" / "superset"
BOOTSTRAP = SUPERSET_DIR / "bootstrap.py"
CONFIG = SUPERSET_DIR / "superset_config.py"

# variables of the calling environment that must not leak into Superset's interpreter
_SCRUB = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "FLASK_DEBUG", "FLASK_APP", "SUPERSET_CONFIG")


class SupersetError(RuntimeError):
    pass


def _ensure_venv() -> None:
    if not (SUPERSET_PYTHON.exists() and SUPERSET_BIN.exists()):
        raise SupersetError(
            f"Superset's environment is missing ({SUPERSET_VENV}); create it with "
            "`uv sync --frozen --project infra/superset`"
        )


def _local_credentials(superset_var: Path) -> dict[str, str]:
    """Secret key and admin login for a var dir: from the environment, else generated once and kept
    (0600) in <var>/superset/credentials.json so that later runs on the same metadata store match."""
    path = superset_var / "credentials.json"
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text())
    creds = {
        "SUPERSET_SECRET_KEY": os.environ.get("SUPERSET_SECRET_KEY")
        or stored.get("SUPERSET_SECRET_KEY")
        or secrets.token_urlsafe(48),
        "SUPERSET_ADMIN_USER": os.environ.get("SUPERSET_ADMIN_USER")
        or stored.get("SUPERSET_ADMIN_USER")
        or "admin",
        "SUPERSET_ADMIN_PASSWORD": os.environ.get("SUPERSET_ADMIN_PASSWORD")
        or stored.get("SUPERSET_ADMIN_PASSWORD")
        or secrets.token_urlsafe(16),
    }
    if creds != stored:
        superset_var.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(creds, fh)
    return creds


def superset_env(var_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Superset processes working on ``var_dir``."""
    var_dir = Path(var_dir).resolve()
    superset_var = var_dir / "superset"
    superset_var.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env.update(_local_credentials(superset_var))
    env.update(
        TM_VAR_DIR=str(var_dir),
        SUPERSET_CONFIG_PATH=str(CONFIG),
        SUPERSET_HOME=str(superset_var),
        FLASK_APP="superset",
        PYTHONUNBUFFERED="1",
        # keep pandas/numpy/duckdb from spawning a thread per core on a 2-core box
        OMP_NUM_THREADS=env.get("OMP_NUM_THREADS", "1"),
    )
    if extra:
        env.update(extra)
    return env


def run_bootstrap(serving_path: Path, var_dir: Path, *, timeout: float = 300, args: list[str] | None = None,
                  extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run infra/superset/bootstrap.py with Superset's interpreter (``args``: e.g. --postgres-uri, --connection);
    return its JSON summary."""
    _ensure_venv()
    var_dir = Path(var_dir).resolve()
    # two pytest-xdist workers may each bootstrap a Superset on the shared pipeline's var folder: one at a time
    # (the lock), each with its own summary file (a shared one was deleted by the other worker's start: "bootstrap
    # failed (exit 0)")
    summary_path = var_dir / "superset" / f"bootstrap_summary-{os.getpid()}-{secrets.token_hex(4)}.json"
    log_path = var_dir / "superset" / "bootstrap.log"
    env = superset_env(var_dir, extra_env)
    with open(var_dir / "superset" / "bootstrap.lock", "w") as lock, open(log_path, "ab") as log:
        fcntl.flock(lock, fcntl.LOCK_EX)
        proc = subprocess.run(
            [str(SUPERSET_PYTHON), str(BOOTSTRAP), "--serving-path", str(Path(serving_path).resolve()),
             "--summary-json", str(summary_path), *(args or [])],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, check=False,
        )
    if proc.returncode != 0 or not summary_path.exists():
        raise SupersetError(f"bootstrap failed (exit {proc.returncode}); log tail:\n{_tail(log_path)}")
    summary = json.loads(summary_path.read_text())
    summary_path.unlink()
    return summary


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class SupersetServer:
    serving_path: Path
    var_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    bootstrap_summary: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    bootstrap_args: list[str] = field(default_factory=list)  # e.g. --postgres-uri URI --connection postgres
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. SUPERSET_METADATA_URI

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def admin_user(self) -> str:
        return self.env["SUPERSET_ADMIN_USER"]

    @property
    def admin_password(self) -> str:
        return self.env["SUPERSET_ADMIN_PASSWORD"]

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def bootstrap(self) -> dict[str, Any]:
        self.bootstrap_summary = run_bootstrap(self.serving_path, self.var_dir, args=self.bootstrap_args,
                                               extra_env=self.extra_env)
        return self.bootstrap_summary

    def start(self, startup_timeout: float = 180) -> None:
        _ensure_venv()
        self.env = superset_env(self.var_dir, self.extra_env)
        self.log_path = Path(self.var_dir) / "superset" / f"server-{self.port}.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed in stop()
        self.process = subprocess.Popen(
            [str(SUPERSET_BIN), "run", "-h", "127.0.0.1", "-p", str(self.port), "--with-threads"],
            cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # own process group: nothing of ours gets its signals, and vice versa
        )
        self._log = log
        try:
            self.wait_healthy(startup_timeout)
        except BaseException:
            self.stop()
            raise

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise SupersetError(
                    f"superset run exited with {self.process.returncode}; log tail:\n{_tail(self.log_path)}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/health", timeout=5) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError) as exc:
                last = exc
            time.sleep(0.5)
        raise SupersetError(
            f"Superset not healthy after {timeout:.0f}s ({last}); log tail:\n{_tail(self.log_path)}"
        )

    def stop(self, timeout: float = 20) -> None:
        """Stop the server by its PID: SIGTERM, then SIGKILL after ``timeout``."""
        proc, self.process = self.process, None
        if proc is not None:
            stop_process(proc, timeout)
        log = getattr(self, "_log", None)
        if log is not None:
            log.close()
            self._log = None


def start_superset(
    serving_path: Path,
    var_dir: Path,
    port: int | None = None,
    *,
    bootstrap: bool = True,
    startup_timeout: float = 180,
    bootstrap_args: list[str] | None = None,
    extra_env: dict[str, str] | None = None,
) -> SupersetServer:
    """Bootstrap (metadata store, admin, bundle import) then start ``superset run`` and wait for /health."""
    server = SupersetServer(serving_path=Path(serving_path).resolve(), var_dir=Path(var_dir).resolve(),
                            port=port or free_port(), bootstrap_args=list(bootstrap_args or []),
                            extra_env=dict(extra_env or {}))
    if bootstrap:
        server.bootstrap()
    server.start(startup_timeout)
    return server


@contextlib.contextmanager
def running_superset(serving_path: Path, var_dir: Path, port: int | None = None, **kwargs: Any
                     ) -> Iterator[SupersetServer]:
    server = start_superset(serving_path, var_dir, port, **kwargs)
    try:
        yield server
    finally:
        server.stop()
