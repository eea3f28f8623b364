"""A loopback HTTP proxy that injects faults in front of a real server (moto's, or a fake API server).

The SDK under test talks HTTP to the proxy; the proxy forwards every request
to the upstream server unchanged, except the ones a :class:`ProxyFault`
matches, which it answers itself: an error status with the API's own error
body, a delay, a hang until the proxy stops, or a dropped connection. Faults
thus reach the SDK exactly as a real network or API would deliver them, and
the upstream server is never patched.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import attrs


def aws_operation(headers: dict[str, str], body: bytes) -> str:
    """The AWS operation of a request: ``X-Amz-Target``'s suffix (JSON protocols) or the form's ``Action`` (query protocols)."""
    target = headers.get("x-amz-target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    form = parse_qs(body.decode("utf-8", errors="replace"))
    return form.get("Action", [""])[0]


def aws_error(code: str, message: str) -> Callable[[dict[str, str]], tuple[str, bytes]]:
    """An AWS error body in the protocol the request used: JSON for ``X-Amz-Target`` requests, XML otherwise."""

    def render(headers: dict[str, str]) -> tuple[str, bytes]:
        if headers.get("x-amz-target"):
            return "application/x-amz-json-1.1", f'{{"__type": "{code}", "message": "{message}"}}'.encode()
        xml = f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>0</RequestId></ErrorResponse>"
        return "text/xml", xml.encode()

    return render


@attrs.define
class ProxyFault:
    """Answer ``times`` requests of ``operation`` (or every one, when ``times`` is None) instead of the upstream."""

    operation: str
    status: int = 500
    body: Callable[[dict[str, str]], tuple[str, bytes]] | None = None
    times: int | None = 1
    skip: int = 0
    """Requests of the operation to forward before the fault starts (``1``: the second page fails)."""
    delay: float = 0.0
    """Seconds to wait, then forward (``status`` 0) or answer."""
    hang: bool = False
    """Never answer: the request waits until the proxy stops."""
    drop: bool = False
    """Close the connection without an answer."""


@attrs.define
class FaultProxy:
    """Forwards to ``upstream``; ``requests`` holds every operation seen, faulted or not."""

    upstream: str
    operation_of: Callable[[dict[str, str], bytes], str] = aws_operation
    faults: list[ProxyFault] = attrs.field(factory=list)
    requests: list[str] = attrs.field(factory=list)
    _server: ThreadingHTTPServer | None = None
    _stopped: threading.Event = attrs.field(factory=threading.Event)
    _lock: threading.Lock = attrs.field(factory=threading.Lock)
    _seen: dict[str, int] = attrs.field(factory=dict)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                proxy._handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _any  # noqa: N815 - http.server's naming

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def count(self, operation: str) -> int:
        """How many requests of ``operation`` reached the proxy."""
        with self._lock:
            return self.requests.count(operation)

    def _fault_for(self, operation: str) -> ProxyFault | None:
        with self._lock:
            self.requests.append(operation)
            seen = self._seen.get(operation, 0)
            self._seen[operation] = seen + 1
            for fault in self.faults:
                if fault.operation != operation or seen < fault.skip:
                    continue
                if fault.times is None:
                    return fault
                if fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in handler.headers.items()}
        fault = self._fault_for(self.operation_of(headers, body))
        if fault is not None:
            if fault.hang:
                self._stopped.wait()
                return
            if fault.drop:
                handler.close_connection = True
                handler.connection.close()
                return
            self._stopped.wait(fault.delay)
            if fault.status:
                content_type, payload = fault.body(headers) if fault.body else ("application/json", b"{}")
                self._answer(handler, fault.status, {"Content-Type": content_type}, payload)
                return
        self._forward(handler, body)

    def _forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        upstream = urlparse(self.upstream)
        connection = http.client.HTTPConnection(upstream.hostname or "127.0.0.1", upstream.port, timeout=60)
        try:
            headers = {key: value for key, value in handler.headers.items() if key.lower() not in ("connection", "keep-alive")}
            connection.request(handler.command, handler.path, body=body or None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            passed = {key: value for key, value in response.getheaders() if key.lower() not in ("connection", "transfer-encoding", "content-length", "keep-alive")}
            self._answer(handler, response.status, passed, payload)
        finally:
            connection.close()

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], payload: bytes) -> None:
        try:
            handler.send_response(status)
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a deadline): nothing to answer
