"""Builders for the HR file tests: hrss and medical insurance agencies, employers with clients, staff, holders."""

from __future__ import annotations

import datetime as dt
import secrets

from tests.certificates.helpers import Agencies
from tests.venues.helpers import Holder

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def make_uscc(body: str | None = None) -> str:
    """A (fresh) unified social credit code with a right GB 32100 check character."""
    body = body or "91440101" + "".join(secrets.choice(_USCC_CHARS) for _ in range(9))
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


USCC = make_uscc("91440101MA59XKT3Y")


def contribution(month: str = "2026-09", insurance: str = "pension", **extra) -> dict:
    return {
        "month": month,
        "insurance": insurance,
        "base_fen": 800000,
        "employer_fen": 128000,
        "person_fen": 64000,
        "employer_uscc": USCC,
        "employer_name": "广州示例科技有限公司",
        "status": "paid",
        **extra,
    }


SAMPLES: dict[str, dict] = {
    "employment_start": {
        "employer_uscc": USCC,
        "employer_name": "广州示例科技有限公司",
        "position": "软件工程师",
        "start_on": "2024-03-01",
    },
    "employment_end": {
        "employer_uscc": USCC,
        "employer_name": "广州示例科技有限公司",
        "end_on": "2026-06-30",
        "reason": "合同期满",
    },
    "unemployment_registration": {"registered_on": "2026-07-03", "office": "天河区人社局", "reason": "合同期满"},
    "unemployment_benefit": {"month": "2026-08", "amount_fen": 189000, "paid_on": "2026-08-15"},
    "training": {"course": "电工作业", "provider": "广州市职业技能培训中心", "hours": 80, "completed_on": "2025-05-20"},
    "skill_evaluation": {
        "occupation": "电工",
        "level": 4,
        "evaluator": "广州市职业技能鉴定中心",
        "certificate_no": "S000044010000245001",
        "evaluated_on": "2025-06-10",
    },
    "professional_title": {
        "title": "工程师",
        "series": "工程技术",
        "level": "intermediate",
        "granted_by": "广东省人力资源和社会保障厅",
        "granted_on": "2023-12-01",
        "certificate_no": "GDZC2023-0001",
    },
    "qualification": {
        "name": "特种作业操作证（低压电工）",
        "certificate_no": "T440106199001010011",
        "issuer": "广州市应急管理局",
        "issued_on": "2025-07-01",
        "valid_until": "2031-06-30",
    },
    "labour_contract": {
        "contract_id": "0b6c3f0e-8f4c-4d1e-9a7b-3c2d1e0f9a8b",
        "employer_uscc": USCC,
        "employer_name": "广州示例科技有限公司",
        "position": "软件工程师",
        "start_on": "2024-03-01",
        "end_on": None,
        "term_kind": "open_ended",
        "doc_hash": "0" * 64,
    },
    "contract_termination": {
        "contract_id": "0b6c3f0e-8f4c-4d1e-9a7b-3c2d1e0f9a8b",
        "employer_uscc": USCC,
        "employer_name": "广州示例科技有限公司",
        "terminated_on": "2026-06-30",
        "reason": "协商一致",
        "by": "employer",
    },
    "contribution": contribution(),
}

BASIS = "《中华人民共和国社会保险法》第五十八条"


class HrWorld(Agencies):
    """Agencies (hrss, medical insurance, others), employers with clients, staff, holders, and the HR file routes."""

    async def employer(self, name: str | None = None) -> tuple[dict, dict[str, str]]:
        """A registered employer (its registry row as a dict) and an employer client's headers."""
        from backend.accounts.services import create_client
        from backend.org.tables import Employer

        row = Employer(uscc=make_uscc(), name=name or f"测试用人单位{secrets.token_hex(2)}有限公司", city="440100")
        await self.call(row.save().run)
        _, token = await self.call(
            create_client, kind="employer", org_id=row.id, name=f"hr system {secrets.token_hex(3)}", created_by="test"
        )
        return {"id": str(row.id), "uscc": row.uscc, "name": row.name}, {"Authorization": f"Bearer {token}"}

    def person(self, holder: Holder) -> dict[str, str]:
        return {"doc_type": holder.doc_type, "id_number": holder.id_number, "name": holder.name}

    def body(self, holder: Holder, kind: str, data: dict | None = None, **extra) -> dict:
        return {
            "person": self.person(holder),
            "kind": kind,
            "data": SAMPLES[kind] if data is None else data,
            "effective_on": "2026-09-01",
            "legal_basis": BASIS,
            **extra,
        }

    async def write(self, headers: dict[str, str], holder: Holder, kind: str, data: dict | None = None, **extra):
        return await self.client.post("/api/v1/hrfile/records", json=self.body(holder, kind, data, **extra), headers=headers)

    async def staff_write(self, headers: dict[str, str], holder: Holder, kind: str, data: dict | None = None, **extra):
        body = {
            "person_id": str(holder.person_id),
            "kind": kind,
            "data": SAMPLES[kind] if data is None else data,
            "effective_on": "2026-09-01",
            "legal_basis": BASIS,
            **extra,
        }
        return await self.client.post("/api/v1/staff/hrfile/records", json=body, headers=headers)

    async def mine(self, holder: Holder, **params) -> list[dict]:
        response = await self.client.get("/api/v1/me/hrfile", params={"limit": 200, **params}, headers=holder.headers)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    async def hr_query(self, headers: dict[str, str], holder: Holder, kinds: list[str], **extra):
        body = {"person": self.person(holder), "kinds": kinds, "purpose": "入职背景核实", **extra}
        return await self.client.post("/api/v1/hrfile/query", json=body, headers=headers)

    async def inbox(self, holder: Holder) -> list[dict]:
        response = await self.client.get("/api/v1/me/inbox", headers=holder.headers)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    async def access_records(self, holder: Holder) -> list[dict]:
        response = await self.client.get("/api/v1/me/access-records?limit=50", headers=holder.headers)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    async def grant(self, holder: Holder, kinds: list[str], **grantee) -> dict:
        """The holder's consent (to `agency_id=` or `employer_uscc=`) to read these HR record kinds for 30 days."""
        until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
        body = {"purpose": "入职背景核实", "hr_records": kinds, "valid_until": until, **grantee}
        response = await self.client.post("/api/v1/me/consents", json=body, headers=holder.headers)
        assert response.status_code == 201, response.text
        return response.json()

    async def suspend(self, employer: dict) -> None:
        from backend.org.tables import Employer

        await self.call(Employer.update({Employer.status: "suspended"}).where(Employer.id == employer["id"]).run)
