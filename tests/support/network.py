"""What every test that starts a server needs: a free port on the loopback interface, and a way to stop the
process it started by its PID (SIGTERM, then SIGKILL when it does not go); both live with the product's own
local services (orchestration/), which the benchmarks start too."""

from orchestration.local_postgres import free_port
from orchestration.processes import stop_process

__all__ = ["free_port", "stop_process"]
