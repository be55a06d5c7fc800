"""Builders for the staff side of cases: holders with cards, staff of a city, a case opened and moved through
its steps over the API, and the credit platform's client (which verifies records with its own code)."""

from __future__ import annotations

import base64
import json
import secrets
import uuid

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from tests.accounts.helpers import bearer
from tests.accounts.helpers import staff as new_staff
from tests.venues.helpers import CITY, Holder, World

BASE = "/api/v1/enforcement/cases"
REASON = "Checked the scans with the venue: the card was used by another person."


class Cases(World):
    """A venue World (holders with cards in CITY) plus staff of a city and the credit platform."""

    async def member(self, role: str, city: str = CITY) -> dict:
        """A staff member of `city`, signed in with a second factor: {id, city, headers}."""
        made = await new_staff(self.client, role, city_code=city)
        return {**made, "headers": bearer(made["token"])}

    async def card_number(self, holder: Holder) -> str:
        from backend.cards.tables import Card

        row = await self.call(Card.select(Card.number).where(Card.id == holder.card_id).first().run)
        return row["number"]

    async def open(self, who: dict, holder: Holder, kind: str = "lending", summary: str = "Reported by a hospital") -> dict:
        body = {"kind": kind, "card_number": await self.card_number(holder), "summary": summary}
        response = await self.client.post(BASE, json=body, headers=who["headers"])
        assert response.status_code == 201, response.text
        return response.json()

    async def step(self, who: dict, case: dict, action: str, **body):
        """POST one step with the version seen in `case` (unless given); the raw response."""
        body.setdefault("expected_version", case["version"])
        return await self.client.post(f"{BASE}/{case['id']}/{action}", json=body, headers=who["headers"])

    async def ok(self, who: dict, case: dict, action: str, **body) -> dict:
        response = await self.step(who, case, action, **body)
        assert response.status_code == 200, response.text
        return response.json()

    async def read(self, who: dict, case: dict | str):
        case_id = case if isinstance(case, str) else case["id"]
        return await self.client.get(f"{BASE}/{case_id}", headers=who["headers"])

    async def fined(self, holder: Holder, *, amount: int = 2000) -> tuple[dict, dict, dict]:
        """A case about the holder's card, investigated, a fine proposed by a counter operator and
        approved by a supervisor: (case, operator, supervisor)."""
        operator = await self.member("counter_operator")
        supervisor = await self.member("supervisor")
        case = await self.open(operator, holder)
        case = await self.ok(operator, case, "investigate")
        case = await self.ok(operator, case, "propose-fine", amount_yuan=amount, reason=REASON)
        case = await self.ok(supervisor, case, "approve-fine")
        return case, operator, supervisor

    # --- the public credit platform ------------------------------------------------------

    async def platform(self, kind: str = "credit") -> dict[str, str]:
        """An agency of this kind (the platform's is `credit`) with a machine client: its headers."""
        from backend.accounts.services import create_client
        from backend.org.tables import Agency

        agency = Agency(code=f"T-CREDIT-{secrets.token_hex(4)}", name="Public credit platform (test)", kind=kind)
        await self.call(agency.save().run)
        _, token = await self.call(create_client, kind="agency", org_id=agency.id, name="credit platform", created_by="test")
        return bearer(token)

    async def pull(self, platform: dict[str, str], after: int = 0) -> dict:
        response = await self.client.get(f"/api/v1/credit/records?after={after}", headers=platform)
        assert response.status_code == 200, response.text
        return response.json()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_record(token: str, jwks: dict) -> tuple[dict, dict]:
    """What the platform does with a record, with no code of ours: find the key by the header's kid,
    check the Ed25519 signature over `header.payload` (PyNaCl), decode. (header, payload)."""
    head, body, signature = token.split(".")
    header = json.loads(_unb64(head))
    assert header["alg"] == "EdDSA" and header["typ"] == "yikatong-credit+jwt"
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519"
    try:
        VerifyKey(_unb64(key["x"])).verify(f"{head}.{body}".encode(), _unb64(signature))
    except BadSignatureError as exc:  # pragma: no cover - the assertion below says it
        raise AssertionError("the credit record's signature does not verify") from exc
    return header, json.loads(_unb64(body))


def new_uuid() -> str:
    return str(uuid.uuid4())
