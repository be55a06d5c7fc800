"""Builders shared by the certificates, consent and audit tests: agencies, their clients, certificates."""

from __future__ import annotations

import secrets
import uuid

from backend.certificates.seed import agency_id
from tests.venues.helpers import Holder, World

TRAFFIC = "GD-PSD-TMB"  # issues driving_licence (seeded)
DISABLED = "GD-DPF"  # issues disability_certificate (seeded)
LICENCE = {"licence_class": "C1", "points": 0, "first_issued": "2015-06-01"}


class Agencies(World):
    """A venue World plus agencies: machine clients for seeded or fresh agencies."""

    async def agency_client(self, agency: uuid.UUID) -> dict[str, str]:
        from backend.accounts.services import create_client

        _, token = await self.call(
            create_client, kind="agency", org_id=agency, name=f"agency system {secrets.token_hex(3)}", created_by="test"
        )
        return {"Authorization": f"Bearer {token}"}

    async def seeded(self, code: str) -> dict[str, str]:
        return await self.agency_client(agency_id(code))

    async def new_agency(self, kind: str) -> tuple[uuid.UUID, dict[str, str]]:
        """A fresh agency of this kind (e.g. hrss) with a client."""
        from backend.org.tables import Agency

        agency = Agency(code=f"T-{kind.upper()}-{secrets.token_hex(4)}", name=f"Test {kind} agency", kind=kind)
        await self.call(agency.save().run)
        return agency.id, await self.agency_client(agency.id)

    async def issue(self, agency: dict[str, str], holder: Holder, type_code: str, attributes: dict, **extra) -> dict:
        body = {"type": type_code, "doc_type": holder.doc_type, "id_number": holder.id_number, "attributes": attributes, **extra}
        response = await self.client.post("/api/v1/agency/certificates", json=body, headers=agency)
        assert response.status_code == 201, response.text
        return response.json()

    async def records(self, holder: Holder) -> list[dict]:
        response = await self.client.get("/api/v1/me/access-records?limit=50", headers=holder.headers)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    async def query(self, agency: dict[str, str], **body):
        body.setdefault("purpose", "Checking entitlement for a public service")
        return await self.client.post("/api/v1/agency/queries", json=body, headers=agency)
