"""Builders for the contracts tests: an employer (its key held by the test, as an employer holds its own), a
holder with a phone bound through the device API, and contracts drafted and signed through the routes."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from nacl.signing import SigningKey

from backend.lib import ed25519
from tests.employers.helpers import Employers, Firm, b64url
from tests.venues.helpers import Holder


@dataclass
class Phone:
    """A phone bound to the holder's e-card, with its Ed25519 key."""

    id: uuid.UUID
    seed: bytes
    key_id: str

    def sign(self, text: str) -> str:
        return b64url(ed25519.sign(self.seed, text.encode()))


def terms(**changes) -> dict:
    """A three-year fixed-term contract with two months' probation (Art. 19 allows two)."""
    start = dt.date.today() + dt.timedelta(days=7)
    body = {
        "position": "软件工程师",
        "workplace": "广东省深圳市南山区科技园",
        "start_on": start.isoformat(),
        "end_on": (start + dt.timedelta(days=3 * 366)).isoformat(),
        "term_kind": "fixed",
        "probation_months": 2,
        "wage_fen_per_month": 1_500_000,
        "working_hours": "standard",
        "other": "社会保险按国家和广东省规定缴纳。",
    }
    body.update(changes)
    return body


class Contracts(Employers):
    async def phone(self, holder: Holder) -> Phone:
        device = await self.device(holder)  # bound through POST /api/v1/me/devices, as the wallet does
        from backend.contracts.texts import key_id

        return Phone(device.id, device.seed, key_id(ed25519.public_from_seed(device.seed)))

    async def draft(self, firm: Firm, holder: Holder, **changes) -> dict:
        body = {
            "employee": {"doc_type": holder.doc_type, "id_number": holder.id_number, "name": holder.name},
            "terms": terms(**changes),
        }
        response = await self.client.post("/api/v1/employer/contracts", json=body, headers=firm.headers)
        assert response.status_code == 201, response.text
        return response.json()

    async def employer_sign(self, firm: Firm, contract: dict, key: SigningKey | None = None, key_id: str | None = None):
        signing = key or firm.key.signing
        signature = b64url(signing.sign(contract["signing_input"].encode()).signature)
        body = {"key_id": key_id or firm.key.key_id, "signature": signature}
        return await self.client.post(f"/api/v1/employer/contracts/{contract['id']}/sign", json=body, headers=firm.headers)

    async def employee_sign(self, holder: Holder, phone: Phone, contract: dict, key_id: str | None = None):
        body = {"device_key_id": key_id or phone.key_id, "signature": phone.sign(contract["signing_input"])}
        return await self.client.post(f"/api/v1/me/contracts/{contract['id']}/sign", json=body, headers=holder.headers)

    async def awaiting(self, firm: Firm, holder: Holder, **changes) -> dict:
        contract = await self.draft(firm, holder, **changes)
        response = await self.employer_sign(firm, contract)
        assert response.status_code == 200, response.text
        return response.json()

    async def signed(self, firm: Firm, holder: Holder, phone: Phone, **changes) -> dict:
        contract = await self.awaiting(firm, holder, **changes)
        response = await self.employee_sign(holder, phone, contract)
        assert response.status_code == 200, response.text
        return response.json()

    async def hr_records(self, holder: Holder) -> list:
        from backend.hrfile import services as hrfile

        return await self.call(hrfile.records_of, holder.person_id, ["labour_contract", "contract_termination"])
