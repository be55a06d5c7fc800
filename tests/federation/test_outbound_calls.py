"""Calls to other regions go through lib/outbound.py (review items 4 and 5): a gzip-encoded answer is refused (no
decompression bomb), a server that drips its answer is cut off at the overall deadline, and a list's endpoints are
used only at the origin (scheme, host, port) of the trust-list URL our operators configured."""

from __future__ import annotations

import asyncio
import gzip
import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from backend.federation import imports, trust_list
from backend.lib.errors import ApiError
from backend.lib.settings import load_settings
from tests.servers import free_port


def _settings():
    return load_settings(environ={"YIKATONG_ENV": "test", "YIKATONG_FEDERATION_ALLOW_HTTP": "1"}, dotenv=None)


@contextmanager
def server(mode: str) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            text = b"eyJhbGciOiJFZERTQSJ9.e30.c2ln"  # a JWS-looking text
            self.send_response(200)
            self.send_header("Content-Type", trust_list.MEDIA_TYPE)
            if mode == "gzip":
                body = gzip.compress(text)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(400):  # 200 s of one byte every half second: each read is quick
                try:
                    self.wfile.write(b"a")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.5)

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}{trust_list.PATH}"
    finally:
        httpd.shutdown()


def test_a_gzip_encoded_list_is_refused_not_decompressed():
    with server("gzip") as url, pytest.raises(ApiError) as refused:
        asyncio.run(imports.fetch_list(url, _settings()))
    assert refused.value.status == 422 and refused.value.code == "federation.unreachable"


def test_a_dripping_server_is_cut_off_at_the_deadline():
    async def fetch() -> str:
        # Generous outer bound: without an overall deadline, the fetch would wait for the whole drip.
        return await asyncio.wait_for(imports.fetch_list(url, _settings()), imports.LIST_DEADLINE * 3)

    with server("drip") as url, pytest.raises(ApiError) as refused:
        asyncio.run(fetch())
    assert refused.value.code == "federation.unreachable"


def _listed(**endpoints: str) -> trust_list.TrustList:
    content = {"endpoints": endpoints}
    return trust_list.TrustList(text="", content=content, region="810000", name="", name_en="", seq=1, next_update=1)


def test_endpoints_must_share_the_trust_lists_origin():
    configured = "https://hk.example/.well-known/yikatong-trust-list"
    listed = _listed(
        verify="https://hk.example/api/v1/federation/verify",
        revocations="https://169.254.169.254/latest/meta-data",
        offline_results="https://hk.example:8443/api/v1/federation/offline-results",
    )
    assert imports.peer_endpoint(listed, "verify", configured) == "https://hk.example/api/v1/federation/verify"
    assert imports.peer_endpoint(listed, "revocations", configured) is None  # another host
    assert imports.peer_endpoint(listed, "offline_results", configured) is None  # another port
    assert imports.peer_endpoint(_listed(verify="http://hk.example/api/v1/federation/verify"), "verify", configured) is None
    from backend.federation import forwarding

    assert forwarding.endpoint(listed, configured) is None  # named elsewhere: not guessed beside verify
