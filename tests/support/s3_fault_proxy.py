"""A fault-injecting HTTP proxy in front of moto's S3 server.

Every request is passed to the server as it came. A GET of the chosen key takes the next fault
of the plan instead, while there is one:

- ``"500"``: 500 InternalError; ``"503"``: 503 ServiceUnavailable; ``"throttle"``: 503 SlowDown,
  the answers S3 gives under trouble or load;
- ``"cut"``: the real answer, headers and half the body, then the connection closes: a read
  that breaks in the middle of the file;
- ``"stall"``: half the body, a pause of ``stall_seconds``, then the rest: a slow network;
- ``"pass"``: the real answer (to let a first block of the file through).

``injected`` lists the faults given, in order.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ERRORS = {
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "503": (503, "ServiceUnavailable", "Service is unable to handle request."),
    "throttle": (503, "SlowDown", "Please reduce your request rate."),
}
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


class S3FaultProxy:
    def __init__(self, upstream: str, key: str, plan: list[str], stall_seconds: float = 3) -> None:
        self.upstream = upstream.rstrip("/")
        self.key = key
        self.plan = list(plan)
        self.stall_seconds = stall_seconds
        self.injected: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> S3FaultProxy:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next_fault(self, method: str, path: str) -> str | None:
        if method != "GET" or not path.split("?")[0].endswith("/" + self.key):
            return None
        with self._lock:
            if not self.plan:
                return None
            fault = self.plan.pop(0)
            self.injected.append(fault)
            return fault

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                fault = proxy._next_fault(self.command, self.path)
                if fault in ERRORS:
                    self._error(*ERRORS[fault])
                    return
                status, headers, data = self._upstream(body)
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in _HOP_BY_HOP:
                        self.send_header(name, value)
                if self.command == "HEAD":  # the object's size, not the (empty) body's
                    self.send_header("Content-Length", dict(headers).get("Content-Length", "0"))
                    self.end_headers()
                    return
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if fault == "cut":
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault == "stall":
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    time.sleep(proxy.stall_seconds)
                    self.wfile.write(data[len(data) // 2 :])
                    return
                self.wfile.write(data)

            def _upstream(self, body):
                request = urllib.request.Request(
                    proxy.upstream + self.path, data=body, method=self.command
                )
                for name, value in self.headers.items():
                    if name.lower() not in _HOP_BY_HOP:
                        request.add_header(name, value)
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        return response.status, response.getheaders(), response.read()
                except urllib.error.HTTPError as error:
                    return error.code, error.headers.items(), error.read()

            def _error(self, status: int, code: str, message: str) -> None:
                data = (
                    f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
                    f"<Message>{message}</Message><RequestId>fault</RequestId></Error>"
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _relay

        return Handler
