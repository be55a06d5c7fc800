"""Builders shared by the employers and contracts tests: employers registered through the API, their
signing keys (held by the test, as an employer holds its own), their client credentials."""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass

from nacl.signing import SigningKey

from backend.employers.uscc import ALPHABET, check_character
from tests.venues.helpers import World


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_uscc(region: str = "440300") -> str:
    """A fresh, well-formed unified social credit code: a company (91) registered in `region`."""
    body = "91" + region + "".join(secrets.choice(ALPHABET) for _ in range(9))
    return body + check_character(body)


@dataclass
class Key:
    """An employer's signing key, private half held by the test."""

    signing: SigningKey
    key_id: str

    @property
    def public(self) -> str:
        return b64url(bytes(self.signing.verify_key))

    def sign(self, text: str) -> str:
        return b64url(self.signing.sign(text.encode()).signature)


@dataclass
class Firm:
    """A registered employer with a key and its HR system's credential."""

    id: uuid.UUID
    uscc: str
    name: str
    key: Key
    headers: dict[str, str]


class Employers(World):
    """A venue World (operator, holders, devices) plus employers made through the registry routes."""

    async def register(self, *, uscc: str | None = None, name: str | None = None) -> dict:
        body = {"uscc": uscc or new_uscc(), "name": name or f"测试科技有限公司{secrets.token_hex(3)}", "city": "440300"}
        response = await self.client.post("/api/v1/employers", json=body, headers=await self.operator())
        assert response.status_code == 201, response.text
        return response.json()

    async def add_key(self, employer_id: uuid.UUID | str) -> Key:
        signing = SigningKey.generate()
        body = {"public_key": b64url(bytes(signing.verify_key))}
        response = await self.client.post(f"/api/v1/employers/{employer_id}/keys", json=body, headers=await self.operator())
        assert response.status_code == 201, response.text
        return Key(signing, response.json()["key_id"])

    async def credential(self, employer_id: uuid.UUID | str) -> dict[str, str]:
        body = {"kind": "employer", "org_id": str(employer_id), "name": f"HR system {secrets.token_hex(3)}"}
        response = await self.client.post("/api/v1/clients", json=body, headers=await self.operator())
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    async def firm(self) -> Firm:
        employer = await self.register()
        key = await self.add_key(employer["id"])
        return Firm(uuid.UUID(employer["id"]), employer["uscc"], employer["name"], key, await self.credential(employer["id"]))
