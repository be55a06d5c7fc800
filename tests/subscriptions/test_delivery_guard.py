"""Review B1-B3, B5: "production" counts as production; an attempt goes through lib/outbound.py (refused
addresses, ports, one deadline over a dripping receiver, a huge answer cut short); malformed URLs are 422."""

from __future__ import annotations

import http.server
import threading
import time
import types
from collections.abc import Iterator

import pytest

from backend.lib.errors import ApiError
from backend.subscriptions import delivery
from tests.servers import free_port
from tests.subscriptions.helpers import Subs

pytestmark = pytest.mark.anyio


def _settings(env: str) -> types.SimpleNamespace:
    # delivery.post and check_url read only these (a real production Settings needs a whole deployment)
    return types.SimpleNamespace(env=env, webhook_timeout_seconds=1.0)


class _Slow(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path == "/drip":  # 2xx at once, then the body one byte every 50 ms for ten seconds
            self.send_response(200)
            self.send_header("content-length", "200")
            self.end_headers()
            for _ in range(200):
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.05)
        else:  # /huge: 2xx with 8 MiB
            self.send_response(200)
            self.send_header("content-length", str(8 << 20))
            self.end_headers()
            try:
                for _ in range(128):
                    self.wfile.write(b"y" * 65536)
            except OSError:
                return

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow() -> Iterator[int]:
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield port
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("env", ["prod", "production"])
async def test_production_refuses_local_and_plain_http_at_send(env, slow) -> None:
    for url in (f"http://127.0.0.1:{slow}/huge", f"https://127.0.0.1:{slow}/huge", "https://localhost/hooks"):
        status, error = await delivery.post(url, {}, "{}", _settings(env))
        assert status == 0 and error, url
    for url in ("http://example.cn/x", "https://127.0.0.1/x", "https://example.cn:8443/x", "https://[64:ff9b::a00:1]/x"):
        with pytest.raises(ApiError):
            delivery.check_url(url, _settings(env))
    delivery.check_url("https://93.184.216.34/hooks", _settings(env))


async def test_a_dripping_receiver_is_cut_at_the_deadline(slow) -> None:
    status, error = await delivery.post(f"http://127.0.0.1:{slow}/drip", {}, "{}", _settings("test"))
    assert status == 0 and "within" in error


async def test_a_huge_answer_is_not_read_whole(slow) -> None:
    status, error = await delivery.post(f"http://127.0.0.1:{slow}/huge", {}, "{}", _settings("test"))
    assert (status, error) == (200, "")


async def test_malformed_urls_are_422(client) -> None:
    world = Subs(client)
    _, agency = await world.new_agency("hrss")
    for url in ("https://[zz]/a", "https://example.cn:99999/a", "https://[::1/a"):
        body = {"url": url, "event_types": ["card.status_changed"], "description": "test"}
        response = await client.post("/api/v1/agency/subscriptions", json=body, headers=agency)
        assert response.status_code in (400, 422), (url, response.text)
        if response.status_code == 422:
            assert response.json()["error"]["code"] == "subscription.bad_url"
    body = {"url": "https://[zz]/a", "event_types": ["card.status_changed"], "description": "test"}
    response = await client.post("/api/v1/agency/subscriptions", json=body, headers=agency)
    assert response.status_code == 422 and response.json()["error"]["code"] == "subscription.bad_url"
