"""Test helpers for offline credentials of format 2: a phone with one-time keys (PyNaCl), a signed batch request."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field

import nacl.signing

from backend.codes import format_v2 as v2
from backend.lib import ed25519
from tests.codes.helpers import Citizen, in_app

BATCH_URL = "/api/v1/me/credentials/batch"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Phone:
    """A bound phone: its long-term key (the one registered) and the one-time keys it made."""

    device_id: str
    seed: bytes
    one_time: list[nacl.signing.SigningKey] = field(default_factory=list)

    def new_keys(self, n: int) -> list[str]:
        """n fresh one-time Ed25519 keys (PyNaCl, as an independent implementation), base64url."""
        self.one_time = [nacl.signing.SigningKey.generate() for _ in range(n)]
        return [b64u(bytes(k.verify_key)) for k in self.one_time]

    def sign(self, t: int, suite: str, keys: list[str], device_id: str | None = None) -> str:
        text = "\n".join(["yikatong/credential-batch/v2", device_id or self.device_id, str(t), suite, *keys])
        return b64u(ed25519.sign(self.seed, text.encode()))

    def body(self, keys: list[str], *, t: int | None = None, suite: str = "ed25519") -> dict:
        t = int(time.time()) if t is None else t
        return {"device_id": self.device_id, "suite": suite, "t": t, "keys": keys, "signature": self.sign(t, suite, keys)}

    def private_of(self, issued: dict) -> bytes:
        """The one-time private key (seed) a returned credential binds."""
        return bytes(self.one_time[issued["key_index"]])

    def code(self, issued: dict, scenario: str, t: int) -> str:
        return v2.make_offline_code_v2(unb64u(issued["credential"]), self.private_of(issued), scenario, t)


async def bind_phone(client, citizen: Citizen) -> Phone:
    """Bind a phone with its registered Ed25519 key through the cards service."""
    from backend.cards import devices
    from backend.cards.access import Actor

    seed, public = ed25519.generate()
    holder = Actor(kind="citizen", id=str(citizen.account_id), channel="mobile")
    device = await in_app(client, devices.bind, citizen.person_id, holder, label="Test phone", public_key=public)
    return Phone(str(device.id), seed)


async def unbind_phone(client, citizen: Citizen, phone: Phone) -> None:
    from backend.cards import devices
    from backend.cards.access import Actor

    holder = Actor(kind="citizen", id=str(citizen.account_id), channel="mobile")
    await in_app(client, devices.unbind, citizen.person_id, uuid.UUID(phone.device_id), holder)


async def batch(client, citizen: Citizen, phone: Phone, n: int = 15) -> dict:
    """A batch of credentials for n fresh keys; asserts 200."""
    response = await client.post(BATCH_URL, json=phone.body(phone.new_keys(n)), headers=citizen.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def trust_v2(client) -> dict[str, v2.TrustedKey]:
    """The trust list as a gate reads it: the published JWK Set."""
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return v2.trust_from_jwks_v2(response.json())


# A scenario of the catalog for each profile, to make and check codes with.
SCENARIO_OF = {"validity": "library_entry", "concession": "scenic_entry", "transit": "transit_ride"}
