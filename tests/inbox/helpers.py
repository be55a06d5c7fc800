"""Helpers for the inbox tests: holders with cards, their inbox, and a push service played by a
local HTTP server that records what it receives (a browser's push service is outside this machine)."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import http.server
import secrets
import threading
import time
from dataclasses import dataclass, field

import anyio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

PASSWORD = "correct horse battery"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def in_app(client, fn, *args, **kwargs):
    """Await fn(*args, **kwargs) on the app's event loop, where its database pool lives."""
    call = functools.partial(client.blocking_portal.call, functools.partial(fn, *args, **kwargs))
    return await anyio.to_thread.run_sync(call)


def app_keyring(client):
    return client.app.state.keystore.load()


async def citizen(client, *, proven: bool = True) -> dict:
    """A fresh signed-in citizen: {id_number, person_id, account_id, token, headers}; proven at a
    counter (level 3) unless `proven` is False."""
    from backend.accounts import services
    from backend.identity.documents import make_resident_id

    birth = dt.date(1950, 1, 1) + dt.timedelta(days=secrets.randbelow(20000))
    id_number = make_resident_id("440106", birth, secrets.randbelow(1000))
    account = await in_app(
        client,
        services.create_citizen_account,
        app_keyring(client),
        doc_type="resident_id",
        id_number=id_number,
        name="张三",
        password=PASSWORD,
        proven="counter" if proven else None,  # as a counter's proofing would, or nobody yet
    )
    response = await client.post(
        "/api/v1/auth/login", json={"doc_type": "resident_id", "id_number": id_number, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    return {
        "id_number": id_number,
        "person_id": str(account["person_id"]),
        "account_id": str(account["id"]),
        "token": token,
        "headers": bearer(token),
    }


async def holder_with_card(client, *, ecard_level: int = 1) -> dict:
    """A signed-in citizen whose card is issued (with the e-card at `ecard_level`)."""
    from backend.cards import services
    from tests.cards import helpers as cards

    holder = await citizen(client)
    office_id, code = await in_app(client, cards.office)
    bank = await in_app(client, cards.bank)
    issued = await in_app(
        client,
        services.issue_card_directly,
        app_keyring(client),
        person_id=holder["person_id"],
        city_code=code,
        office_id=office_id,
        bank_code=bank,
        ecard_level=ecard_level,
    )
    return {**holder, "card_id": str(issued["card_id"]), "city": code}


async def inbox(client, who: dict, **params) -> dict:
    response = await client.get("/api/v1/me/inbox", headers=who["headers"], params=params or None)
    assert response.status_code == 200, response.text
    return response.json()


async def events(client, who: dict) -> list[str]:
    return [n["event"] for n in (await inbox(client, who, limit=100))["items"]]


# --- a browser's push subscription and push service, played here -------------------------------


@dataclass
class Browser:
    """A browser's side of a subscription: its P-256 key pair and auth secret (RFC 8291)."""

    private: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: secrets.token_bytes(16))

    @property
    def p256dh(self) -> str:
        raw = self.private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return b64url(raw)

    def subscription(self, endpoint: str, lang: str = "zh-Hans") -> dict:
        return {"endpoint": endpoint, "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)}, "lang": lang}

    def decrypt(self, body: bytes) -> bytes:
        import http_ece

        return http_ece.decrypt(body, private_key=self.private, auth_secret=self.auth, version="aes128gcm")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class PushService:
    """A push service on 127.0.0.1: records every POST; answers with `status_for(path)` (201 by default)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status: dict[str, int] = {}
        self._got = threading.Condition()
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with service._got:
                    service.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    service._got.notify_all()
                self.send_response(service.status.get(self.path, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def endpoint(self) -> str:
        return f"{self.origin}/push/{secrets.token_urlsafe(16)}"

    def __enter__(self) -> PushService:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, path: str, count: int = 1, timeout: float = 20.0) -> list[Received]:
        """The POSTs to `path`, once there are `count` of them (or what came within `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._got:
            while True:
                got = [r for r in self.received if r.path == path]
                left = deadline - time.monotonic()
                if len(got) >= count or left <= 0:
                    return got
                self._got.wait(left)


def verify_vapid(authorization: str, public_key_b64: str) -> dict:
    """Check `Authorization: vapid t=<JWT>, k=<key>` (RFC 8292): the key is ours and the ES256 JWT
    verifies against it; returns the JWT's claims."""
    import json

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    scheme, _, rest = authorization.partition(" ")
    assert scheme.lower() == "vapid", authorization
    parts = dict(p.strip().split("=", 1) for p in rest.split(","))
    assert unb64url(parts["k"]) == unb64url(public_key_b64)
    header, claims, signature = parts["t"].split(".")
    assert json.loads(unb64url(header)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64url(signature)
    assert len(raw) == 64
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key_b64))
    key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises InvalidSignature
    return json.loads(unb64url(claims))
