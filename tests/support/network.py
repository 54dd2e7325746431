"""What every test that starts a server needs from the network: a free port on the loopback interface."""

from orchestration.local_postgres import free_port

__all__ = ["free_port"]
