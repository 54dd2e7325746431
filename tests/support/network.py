"""What every test that starts a server needs: a free port on the loopback interface, and a way to stop the
process it started by its PID (SIGTERM, then SIGKILL when it does not go)."""

import subprocess

from orchestration.local_postgres import free_port

__all__ = ["free_port", "stop_process"]


def stop_process(proc: subprocess.Popen, timeout: float = 20) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)
