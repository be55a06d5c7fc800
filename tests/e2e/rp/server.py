"""A small HTTP server for the test relying parties: another port, so another origin than the service.

It serves this folder's pages, oidc-client-ts's browser build and qrcode-generator from node_modules, and
`/config.json` chosen by the request's host name (127.0.0.1 and localhost are two sites with two clients)."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.servers import free_port

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE.parents[2] / "node_modules"
FILES = {
    "/oidc-client-ts.min.js": NODE_MODULES / "oidc-client-ts" / "dist" / "browser" / "oidc-client-ts.min.js",
    "/qrcode.js": NODE_MODULES / "qrcode-generator" / "dist" / "qrcode.js",
}
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".json": "application/json"}


class RelyingPartyServer:
    """`configs[host]` is what /config.json answers on that host name."""

    def __init__(self) -> None:
        self.port = free_port()
        self.configs: dict[str, dict] = {}

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"


def _handler(rp: RelyingPartyServer) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet: the test output is the browser's
            pass

        def _send(self, body: bytes, content_type: str, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # http.server's name for it
            path = self.path.split("?", 1)[0]
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            if path == "/config.json":
                config = rp.configs.get(host)
                if config is None:
                    self._send(b'{"error": "no client for this host"}', "application/json", 404)
                else:
                    self._send(json.dumps(config).encode(), "application/json")
                return
            if path == "/":
                path = "/index.html"
            target = FILES.get(path) or HERE / path.lstrip("/")
            if target.parent not in (HERE, *{f.parent for f in FILES.values()}) or not target.is_file():
                self._send(b"not found", "text/plain", 404)
                return
            self._send(target.read_bytes(), TYPES.get(target.suffix, "application/octet-stream"))

    return Handler


@contextmanager
def serve():
    """The relying parties' server on 127.0.0.1 (and so on localhost) on a free port, for the block."""
    rp = RelyingPartyServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", rp.port), _handler(rp))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield rp
    finally:
        httpd.shutdown()
        httpd.server_close()
