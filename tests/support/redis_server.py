"""A throwaway redis-server (Debian's) on 127.0.0.1 for the scheduled-report tests: Celery's broker. Started by
PID on a free port with no persistence, stopped by that PID when the ``with`` block ends."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from orchestration.processes import free_port, stop_process


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def redis_server(work_dir: Path, timeout: float = 20) -> Iterator[str]:
    """Yields the broker URL (redis://127.0.0.1:<port>/0)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is missing: make setup-browser installs Debian's redis-server")
    port = free_port()
    work_dir.mkdir(parents=True, exist_ok=True)
    log = open(work_dir / f"redis-{port}.log", "ab")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                             "--dir", str(work_dir), "--protected-mode", "yes"],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while not _ping(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer on 127.0.0.1:{port} "
                                   f"(exit {proc.poll()}); see {work_dir}")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(proc, timeout=10)
        log.close()
