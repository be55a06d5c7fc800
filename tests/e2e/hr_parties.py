"""The other parties of the wallet's HR-file browser tests (issue 17), through the API: an HR agency's
system writing records, an employer registered by the provincial operator with an Ed25519 signing key
(held here with PyNaCl) and a client credential, drafting and signing labour contracts."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from nacl.signing import SigningKey

from backend.employers.uscc import check_character
from tests.e2e.payment_parties import client

AGENCY = "GD-HRSS"  # seeded: an hrss agency, which writes every kind the agencies may write
AGENCY_NAME = "广东省人力资源和社会保障厅"
CONTRIBUTION_BASIS = "《中华人民共和国社会保险法》第五十八条"
EMPLOYMENT_BASIS = "《就业服务与就业管理规定》第六十二条"
TRAINING_BASIS = "《职业技能培训和鉴定条例》第十条"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def person(citizen) -> dict:
    """The holder as a writer names them: in the body, never in a URL."""
    return {"doc_type": citizen.doc_type, "id_number": citizen.id_number, "name": citizen.name}


def agency_client(server, admin: str) -> str:
    status, agencies = server.api("GET", "/api/v1/agencies")
    assert status == 200, agencies
    agency = next(a for a in agencies if a["code"] == AGENCY)
    return client(server, admin, "agency", agency["id"], f"E2E {AGENCY} HR file system {secrets.token_hex(2)}")


def write(server, token: str, citizen, kind: str, data: dict, effective_on: str, basis: str, **extra) -> dict:
    """One record through POST /api/v1/hrfile/records (201, or 200 on a replay)."""
    body = {"person": person(citizen), "kind": kind, "data": data, "effective_on": effective_on, "legal_basis": basis, **extra}
    status, record = server.api("POST", "/api/v1/hrfile/records", body, token=token)
    assert status in (200, 201), (status, record)
    return record


def new_uscc() -> str:
    """A unified social credit code of a company (91) in Guangzhou (440101) with a random body and the right check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91440101" + "".join(secrets.choice(alphabet) for _ in range(9))
    return body + check_character(body)


@dataclass
class Employer:
    id: str
    uscc: str
    name: str
    token: str  # its client credential
    key: SigningKey  # its registered contract-signing key
    key_id: str

    def sign(self, signing_input: str) -> str:
        return b64url(self.key.sign(signing_input.encode()).signature)


def employer(server, admin: str, name: str) -> Employer:
    """An employer registered by the provincial operator, with a signing key and a client credential."""
    uscc = new_uscc()
    status, made = server.api("POST", "/api/v1/employers", {"uscc": uscc, "name": name, "city": "440100"}, token=admin)
    assert status == 201, made
    key = SigningKey.generate()
    status, registered = server.api(
        "POST", f"/api/v1/employers/{made['id']}/keys", {"public_key": b64url(bytes(key.verify_key))}, token=admin
    )
    assert status in (200, 201), registered
    token = client(server, admin, "employer", made["id"], f"E2E {name} HR system")
    return Employer(made["id"], uscc, name, token, key, registered["key_id"])


def contract(server, boss: Employer, citizen, position: str, **terms) -> dict:
    """A contract drafted and signed by the employer: awaiting the employee's signature."""
    body = {
        "employee": person(citizen),
        "terms": {
            "position": position,
            "workplace": "广东省广州市天河区珠江新城",
            "start_on": "2026-01-01",
            "term_kind": "open_ended",
            "wage_fen_per_month": 1_250_000,
            "probation_months": 3,
            "working_hours": "standard",
            "other": "社会保险按国家和广东省规定缴纳。",
            **terms,
        },
        "external_ref": f"E2E-{secrets.token_hex(6)}",
    }
    status, draft = server.api("POST", "/api/v1/employer/contracts", body, token=boss.token)
    assert status == 201, draft
    body = {"key_id": boss.key_id, "signature": boss.sign(draft["signing_input"])}
    status, signed = server.api("POST", f"/api/v1/employer/contracts/{draft['id']}/sign", body, token=boss.token)
    assert status == 200, signed
    assert signed["status"] == "awaiting_employee", signed
    return signed


# --- the wallet's screens in every language and elder mode ----------------------------------------

LANGS = ("zh-Hans", "zh-Hant", "en")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


# What sticks out of the page on the right when the page scrolls sideways (outermost first).
WIDE = """() => document.documentElement.scrollWidth <= window.innerWidth + 1 ? '' : [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 4).map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`)
    .join(', ') || `${document.documentElement.scrollWidth}px wide`"""


# A reload redraws the screen from the network; on a loaded CI machine (2 cores, browsers and
# servers of three workers) that once took over Playwright's default 30 s. Waiting longer loses
# nothing: a screen that never comes still fails.
READY_MS = 90_000


def shots(page, name: str, ready: str, artifacts, problems: list[str]) -> None:
    """The current screen in each language and in elder mode: a screenshot each, axe's findings and
    sideways scrolling kept in `problems`; back to simplified Chinese, elder mode off, at the end."""
    from tests.e2e.helpers import axe_violations

    def check(label: str) -> None:
        page.screenshot(path=str(artifacts / f"{label}.png"), full_page=True)
        problems.extend(f"{label}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}" for v in axe_violations(page))
        wide = page.evaluate(WIDE)
        if wide:
            problems.append(f"{label}: the page scrolls sideways ({wide})")

    for lang in LANGS:
        page.evaluate(f"localStorage.setItem('yk.lang', '{lang}'); localStorage.setItem('yk.elder', '0')")
        page.reload()
        page.wait_for_function(f"() => document.documentElement.lang.startsWith('{lang.split('-')[0]}')")
        page.wait_for_selector(ready, timeout=READY_MS)
        check(f"{name}-{lang}")
    page.evaluate("localStorage.setItem('yk.lang', 'zh-Hans'); localStorage.setItem('yk.elder', '1')")
    page.reload()
    page.wait_for_function("() => document.documentElement.classList.contains('elder')")
    page.wait_for_selector(ready, timeout=READY_MS)
    check(f"{name}-elder")
    page.evaluate("localStorage.setItem('yk.elder', '0')")
    page.reload()
    page.wait_for_function("() => !document.documentElement.classList.contains('elder')")
    page.wait_for_selector(ready, timeout=READY_MS)
