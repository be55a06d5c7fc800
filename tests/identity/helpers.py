"""Helpers for the identity and persons tests: fresh documents of every kind, people in several
documents, and machine clients (a scanner, an agency) for permission checks."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from backend.identity.documents import make_resident_id
from tests.cards import helpers as h

PASSWORD = h.PASSWORD


def birth() -> dt.date:
    return dt.date(1940, 1, 1) + dt.timedelta(days=secrets.randbelow(29000))


def resident_id() -> str:
    return h.new_id_number()


def residence_permit(origin: str = "HK", born: dt.date | None = None) -> str:
    """A Hong Kong (810000), Macao (820000) or Taiwan (830000) residence permit number."""
    prefix = {"HK": "810000", "MO": "820000", "TW": "830000"}[origin]
    return make_resident_id(prefix, born or birth(), secrets.randbelow(1000))


def travel_permit(origin: str = "HK") -> tuple[str, str]:
    """(doc_type, number) of the travel permit a resident of `origin` holds."""
    if origin == "TW":
        return "tw_travel_permit", f"{secrets.randbelow(10**8):08d}"
    return "hk_mo_travel_permit", ("H" if origin == "HK" else "M") + f"{secrets.randbelow(10**8):08d}"


def passport(nationality: str = "USA") -> str:
    """A foreign passport's document number: nationality then the passport number."""
    return nationality + "E" + f"{secrets.randbelow(10**8):08d}"


def work_permit() -> str:
    return "156" + f"{secrets.randbelow(10**15):015d}"


def linked(doc: tuple[str, str]) -> dict[str, str]:
    return {"doc_type": doc[0], "id_number": doc[1]}


async def machine(client, kind: str) -> dict[str, str]:
    """Bearer headers of a fresh scanner or agency client."""
    from backend.accounts.services import create_client

    _, token = await h.in_app(
        client, create_client, kind=kind, org_id=uuid.uuid4(), name=f"test {kind} {secrets.token_hex(3)}", created_by="test"
    )
    return h.bearer(token)


async def signed_in(client, doc_type: str, id_number: str, password: str = PASSWORD) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", json={"doc_type": doc_type, "id_number": id_number, "password": password})
    assert response.status_code == 200, response.text
    return h.bearer(response.json()["token"])


async def counter_application(client, staff: dict, body: dict) -> dict:
    response = await client.post("/api/v1/staff/applications", headers=staff["headers"], json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def approve(client, supervisor: dict, application_id: str) -> dict:
    bank = await h.in_app(client, h.bank)
    response = await client.post(
        f"/api/v1/staff/applications/{application_id}/approve", headers=supervisor["headers"], json={"bank_code": bank}
    )
    assert response.status_code == 200, response.text
    return response.json()
