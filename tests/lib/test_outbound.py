"""lib/outbound.py against real local servers: refused addresses and ports, a receiver that drips, a huge
answer, a compressed one, a redirect; pinned connections keep the Host header and TLS name."""

from __future__ import annotations

import datetime as dt
import gzip
import http.server
import ipaddress
import ssl
import threading
import time
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend.lib import outbound
from backend.lib.outbound import OutboundFailed, OutboundRefused
from tests.servers import free_port

pytestmark = pytest.mark.anyio


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[dict[str, str]]

    def _answer(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in {"content-length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.seen.append({k.lower(): v for k, v in self.headers.items()})
        if self.path == "/drip":  # one byte at a time, forever (for a test)
            self.send_response(200)
            self.send_header("content-length", "100000")
            self.end_headers()
            for _ in range(100000):
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.05)
        elif self.path == "/huge":
            self.send_response(200)
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            chunk = b"y" * 65536
            try:
                for _ in range(200):  # 12.5 MiB unless we stop reading
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                return
        elif self.path == "/gzip":
            self._answer(200, gzip.compress(b"z" * 100000), **{"content-encoding": "gzip"})
        elif self.path == "/redirect":
            self._answer(302, b"", location="http://127.0.0.1:1/elsewhere")
        else:
            self._answer(200, b"hello " + self.headers.get("host", "").encode())

    def do_POST(self) -> None:
        self.seen.append({k.lower(): v for k, v in self.headers.items()})
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        self._answer(201, b"got " + body, **{"x-thing": "1"})

    def log_message(self, *args: object) -> None:
        pass


def _serve(context: ssl.SSLContext | None = None) -> Iterator[tuple[int, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    handler = type("Handler", (_Handler,), {"seen": seen})
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield port, seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def plain() -> Iterator[tuple[int, list[dict[str, str]]]]:
    yield from _serve()


def _self_signed(name: str) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), pem_key


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",
        "64:ff9b::808:808",
        "2002:a00:1::1",
        "2001:0:4136:e378::1",
    ],
)
def test_refused_addresses(address: str) -> None:
    assert outbound.refused_address(ipaddress.ip_address(address)) != ""


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_ordinary_global_addresses_pass(address: str) -> None:
    assert outbound.refused_address(ipaddress.ip_address(address)) == ""


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[64:ff9b::a00:1]/hook",
        "https://[2002:a00:1::1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://localhost/hook",  # a name: resolved, then refused
        "http://example.com/hook",  # http only with allow_private
        "https://example.com:8443/hook",  # port 443 only
        "https://example.com:22/hook",
        "ftp://example.com/hook",
        "https://user:pw@example.com/hook",
        "https://[zz]/a",
        "https:///nohost",
    ],
)
async def test_refused_urls(url: str) -> None:
    with pytest.raises(OutboundRefused):
        await outbound.post(url, content=b"{}", deadline=3)


async def test_post_answers_status_headers_body(plain) -> None:
    port, seen = plain
    answer = await outbound.post(
        f"http://127.0.0.1:{port}/hook", content=b"abc", headers={"X-Id": "7"}, allow_private=True, deadline=5
    )
    assert (answer.status, answer.body, answer.headers["x-thing"]) == (201, b"got abc", "1")
    assert seen[0]["x-id"] == "7" and seen[0]["accept-encoding"] == "identity"


async def test_a_name_is_resolved_once_and_the_host_header_kept(plain) -> None:
    port, _ = plain
    answer = await outbound.get(f"http://localhost:{port}/", allow_private=True, deadline=5)
    assert answer.body == f"hello localhost:{port}".encode()
    assert answer.address in ("127.0.0.1", "::1")


async def test_a_drip_is_cut_at_the_deadline(plain) -> None:
    port, _ = plain
    with pytest.raises(OutboundFailed, match="within"):
        await outbound.get(f"http://127.0.0.1:{port}/drip", allow_private=True, deadline=0.5)


async def test_a_huge_answer_is_refused_or_cut(plain) -> None:
    port, _ = plain
    with pytest.raises(OutboundFailed, match="larger"):
        await outbound.get(f"http://127.0.0.1:{port}/huge", allow_private=True, limit_bytes=10000, deadline=5)
    answer = await outbound.get(
        f"http://127.0.0.1:{port}/huge", allow_private=True, limit_bytes=10000, deadline=5, keep_partial=True
    )
    assert answer.truncated and len(answer.body) == 10000


async def test_a_compressed_answer_is_refused(plain) -> None:
    port, _ = plain
    with pytest.raises(OutboundFailed, match="encoded"):
        await outbound.get(f"http://127.0.0.1:{port}/gzip", allow_private=True, deadline=5)


async def test_a_redirect_is_an_answer_not_followed(plain) -> None:
    port, seen = plain
    answer = await outbound.get(f"http://127.0.0.1:{port}/redirect", allow_private=True, deadline=5)
    assert answer.status == 302 and len(seen) == 1


async def test_proxies_from_the_environment_are_ignored(plain, monkeypatch) -> None:
    port, _ = plain
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:1")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    answer = await outbound.get(f"http://127.0.0.1:{port}/", allow_private=True, deadline=5)
    assert answer.status == 200


async def test_a_closed_port_fails() -> None:
    with pytest.raises(OutboundFailed):
        await outbound.get(f"http://127.0.0.1:{free_port()}/", allow_private=True, deadline=5)


async def test_tls_to_the_pinned_address_checks_the_real_name(tmp_path) -> None:
    cert, key = _self_signed("localhost")
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(key)
    names: list[str | None] = []
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server_context.sni_callback = lambda _sock, name, _ctx: names.append(name)  # type: ignore[assignment,func-returns-value]
    trust = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
    served = _serve(server_context)
    port, _ = next(served)
    try:
        answer = await outbound.get(f"https://localhost:{port}/", allow_private=True, deadline=5, verify=trust)
        assert answer.body == f"hello localhost:{port}".encode()
        assert answer.address in ("127.0.0.1", "::1") and names == ["localhost"]
        # The certificate names localhost, not the address: calling the address directly fails verification.
        with pytest.raises(OutboundFailed):
            await outbound.get(f"https://127.0.0.1:{port}/", allow_private=True, deadline=5, verify=trust)
    finally:
        next(served, None)
