"""The life cycle every local HTTP endpoint of ours shares (the webhook receiver, the demo's stand-ins for
remote APIs): a threading server on 127.0.0.1 serving from a daemon thread, stopped and joined on exit."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar, Self


class LocalHttpServer:
    handler_base: ClassVar[type[BaseHTTPRequestHandler]]
    thread_name: ClassVar[str] = "local-http"
    port: int = 0  # 0: a free port

    _server: ThreadingHTTPServer | None = None
    _serving: threading.Thread | None = None

    def start(self) -> Self:
        owner = self

        class Handler(self.handler_base):  # type: ignore[name-defined,misc]
            pass

        Handler.owner = owner  # type: ignore[attr-defined]
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._serving = threading.Thread(target=self._server.serve_forever, args=(0.05,), name=self.thread_name,
                                         daemon=True)
        self._serving.start()
        self._started()
        return self

    def stop(self) -> None:
        self._stopping()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._serving is not None:
            self._serving.join(timeout=10)
            self._serving = None
        self._stopped()

    def _started(self) -> None:
        """Hook: start what else the endpoint runs."""

    def _stopping(self) -> None:
        """Hook: ask it to stop."""

    def _stopped(self) -> None:
        """Hook: finish after the server has stopped."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def address(self) -> str:
        assert self._server is not None, "the server is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"
