"""The HTTP plumbing the loopback fakes share: a threaded server on 127.0.0.1 (TLS optional), faults, a request log."""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import attrs


HANG = 3600.0
"""A delay no deadline under test waits for: the answer comes only when the server stops."""


@attrs.define
class Fault:
    """Answer requests whose path matches ``path`` with ``status``, ``times`` times, after ``delay``."""

    path: str
    status: int = 500
    times: int = 1
    headers: dict[str, str] = attrs.field(factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering; ``HANG`` outlasts any test (pytest-timeout fails a run that waits for it)."""
    body: dict[str, Any] = attrs.field(factory=dict)
    """Only requests whose JSON body holds these items (``{"pageToken": "1"}``: the second page)."""


@attrs.define
class Recorded:
    """One request as the server received it (header names in lower case)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@attrs.define
class LoopbackServer:
    """Subclasses answer in :meth:`route`; faults and recording happen here."""

    faults: list[Fault] = attrs.field(factory=list)
    requests: list[Recorded] = attrs.field(factory=list)
    latency: float = 0.0
    """Seconds every request waits before it is answered (collection benchmarks)."""
    _server: ThreadingHTTPServer | None = None
    _tls: bool = False
    _lock: threading.Lock = attrs.field(factory=threading.Lock)
    _stopping: threading.Event = attrs.field(factory=threading.Event)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"{'https' if self._tls else 'http'}://{host}:{port}"

    def serve(self, tls: ssl.SSLContext | None = None) -> None:
        """Listen on 127.0.0.1, on a free port, in a daemon thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                fake._handle(self)

            def do_POST(self) -> None:  # noqa: N802
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if tls is not None:
            self._tls = True
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        self._stopping.set()  # ends every injected delay: a hang lasts until the server stops
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        raise NotImplementedError

    def fault_body(self, status: int) -> Any:
        """What an injected fault answers with."""
        return {"error": {"code": status, "message": f"injected {status}"}}

    def _fault(self, path: str, body: Any) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                wanted = all(isinstance(body, dict) and body.get(k) == v for k, v in fault.body.items())
                if fault.times > 0 and re.search(fault.path, path) and wanted:
                    fault.times -= 1
                    return fault
        return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlparse(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = parse_qs(raw.decode())  # a form-encoded token request
        query = parse_qs(url.query)
        with self._lock:
            self.requests.append(Recorded(handler.command, url.path, query, {k.lower(): v for k, v in handler.headers.items()}, body))
        time.sleep(self.latency)
        fault = self._fault(url.path, body)
        if fault is not None:
            self._stopping.wait(fault.delay)
            if fault.status != 200:
                self.send(handler, fault.status, self.fault_body(fault.status), fault.headers)
                return
        status, payload = self.route(handler.command, url.path, query, body)
        self.send(handler, status, payload)

    @staticmethod
    def send(handler: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a deadline): nothing to answer
