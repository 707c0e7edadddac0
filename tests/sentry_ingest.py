"""A local stand-in for Sentry's ingest endpoint, for tests of error reporting.

The SDK posts envelopes (gzip-compressed, newline-separated JSON items) to
`/api/<project>/envelope/` of the host named in the DSN. This server accepts
them on 127.0.0.1 and keeps the events, so a test points SENTRY_DSN here and
reads what would have left the machine.
"""

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

PROJECT = 42
PUBLIC_KEY = "0123456789abcdef0123456789abcdef"


def envelope_items(body: bytes) -> list[tuple[dict[str, Any], bytes]]:
    """Split an envelope into (item header, payload) pairs."""
    _header, _, rest = body.partition(b"\n")
    items = []
    while rest.strip():
        item_header_line, _, rest = rest.partition(b"\n")
        item_header = json.loads(item_header_line)
        if "length" in item_header:
            length = item_header["length"]
            payload, rest = rest[:length], rest[length + 1 :]
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((item_header, payload))
    return items


class SentryIngest:
    """Receive envelopes over HTTP in a background thread; keep their events."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self._changed = threading.Condition()
        ingest = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                ingest._receive(self.path, body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def dsn(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{PUBLIC_KEY}@{host}:{port}/{PROJECT}"

    def _receive(self, path: str, body: bytes) -> None:
        with self._changed:
            if path.startswith(f"/api/{PROJECT}/envelope/"):
                self.raw.append(body)
                self.events += [
                    json.loads(payload)
                    for header, payload in envelope_items(body)
                    if header.get("type") == "event"
                ]
            self._changed.notify_all()

    def wait_for_event(self, timeout: float = 10.0) -> dict[str, Any]:
        """Return the first event, waiting for it up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self.events:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("no event reached the local Sentry ingest")
                self._changed.wait(remaining)
            return self.events[0]

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
