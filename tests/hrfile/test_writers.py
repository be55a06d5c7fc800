"""Who writes which record: every kind by every writer, allowed or refused with a clear code; employers for themselves."""

from __future__ import annotations

import pytest

from backend.hrfile import vocab
from tests.hrfile.helpers import SAMPLES, contribution

pytestmark = pytest.mark.anyio

# Which writer may write which kind (docs/hrfile.md); everything else is refused with hrfile.writer_not_allowed.
ALLOWED = {
    "hrss agency": vocab.AGENCY_KINDS,
    "medical_insurance agency": frozenset(),  # contribution of pension (the sample) refused; medical below
    "public_security agency": frozenset(),
    "employer": frozenset({"employment_start", "employment_end"}),
    "counter staff": vocab.AGENCY_KINDS,
    "supervisor staff": vocab.AGENCY_KINDS,
    "provincial staff": frozenset(),
    "citizen": frozenset(),
    "scanner": frozenset(),
}


def _for_employer(data: dict) -> dict:
    """An employer leaves its own USCC and name out: the registry fills them."""
    return {k: v for k, v in data.items() if k not in ("employer_uscc", "employer_name")}


async def test_every_kind_by_every_writer(world):
    holder = await world.holder()
    _, hrss = await world.new_agency("hrss")
    _, medical = await world.new_agency("medical_insurance")
    _, police = await world.new_agency("public_security")
    employer, employer_headers = await world.employer()
    writers = {
        "hrss agency": ("client", hrss),
        "medical_insurance agency": ("client", medical),
        "public_security agency": ("client", police),
        "employer": ("client", employer_headers),
        "counter staff": ("staff", await world.staff("counter_operator")),
        "supervisor staff": ("staff", await world.staff("supervisor")),
        "provincial staff": ("staff", await world.staff("provincial_operator")),
        "citizen": ("client", holder.headers),
        "scanner": ("client", await world.scanner_for("hotel", ["hotel_checkin"])),
    }
    outcomes = {}
    for writer, (route, headers) in writers.items():
        for kind in vocab.KINDS:
            data = _for_employer(SAMPLES[kind]) if writer == "employer" else SAMPLES[kind]
            write = world.staff_write if route == "staff" else world.write
            response = await write(headers, holder, kind, data)
            outcomes[(writer, kind)] = response
            if kind in ALLOWED[writer]:
                assert response.status_code == 201, (writer, kind, response.text)
                assert response.json()["kind"] == kind and response.json()["status"] == "current"
            else:
                assert response.status_code == 403, (writer, kind, response.text)
                error = response.json()["error"]
                assert error["code"] == "hrfile.writer_not_allowed", (writer, kind, error)
                assert error["details"]["kind"] == kind and error["details"]["writer"]
                assert kind in error["message"]
    # The sources as the holder reads them.
    sources = {(r["kind"], r["source"]["kind"]) for r in await world.mine(holder)}
    assert ("employment_start", "employer") in sources and ("training", "agency") in sources and ("training", "staff") in sources
    started = outcomes[("employer", "employment_start")].json()
    assert started["data"]["employer_uscc"] == employer["uscc"] and started["data"]["employer_name"] == employer["name"]
    assert started["source"] == {"kind": "employer", "id": employer["id"], "name": employer["name"]}


async def test_the_medical_insurance_bureau_writes_medical_and_maternity_contributions_only(world):
    holder = await world.holder()
    _, medical = await world.new_agency("medical_insurance")
    for insurance, status in (("medical", 201), ("maternity", 201), ("pension", 403), ("unemployment", 403)):
        response = await world.write(medical, holder, "contribution", contribution(insurance=insurance))
        assert response.status_code == status, (insurance, response.text)
        if status == 403:
            assert response.json()["error"]["code"] == "hrfile.writer_not_allowed"
            assert insurance in response.json()["error"]["message"]


async def test_an_employer_writes_for_itself_only_and_not_while_suspended(world):
    holder = await world.holder()
    employer, headers = await world.employer()
    other, _ = await world.employer()
    response = await world.write(
        headers, holder, "employment_start", {**SAMPLES["employment_start"], "employer_uscc": other["uscc"]}
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "hrfile.other_employer"
    # Its own USCC is fine; the name comes from the registry whatever the body says.
    own = {**SAMPLES["employment_start"], "employer_uscc": employer["uscc"], "employer_name": "别的名字"}
    response = await world.write(headers, holder, "employment_start", own)
    assert response.status_code == 201 and response.json()["data"]["employer_name"] == employer["name"]
    await world.suspend(employer)
    response = await world.write(headers, holder, "employment_end", _for_employer(SAMPLES["employment_end"]))
    assert response.status_code == 403 and response.json()["error"]["code"] == "employer.suspended"


async def test_an_unknown_person_and_a_wrong_name_get_the_same_answer(world):
    import datetime as dt
    import secrets

    from backend.identity.documents import make_resident_id

    holder = await world.holder()
    _, hrss = await world.new_agency("hrss")
    wrong_name = {**world.body(holder, "training"), "person": {**world.person(holder), "name": "李四"}}
    nobody = world.body(holder, "training")
    nobody["person"]["id_number"] = make_resident_id("440106", dt.date(1961, 2, 3), 1 + secrets.randbelow(998))
    answers = [await world.client.post("/api/v1/hrfile/records", json=body, headers=hrss) for body in (wrong_name, nobody)]
    assert [a.status_code for a in answers] == [404, 404]
    assert {(a.json()["error"]["code"], a.json()["error"]["message"]) for a in answers} == {
        ("hrfile.person_not_found", "No person with this identity document and name.")
    }
    assert await world.mine(holder) == []


async def test_bad_data_is_refused_with_its_field(world):
    holder = await world.holder()
    _, hrss = await world.new_agency("hrss")
    cases = [
        ("skill_evaluation", {**SAMPLES["skill_evaluation"], "level": 6}, "level"),
        ("contribution", {**SAMPLES["contribution"], "month": "2026-13"}, "month"),
        ("contribution", {**SAMPLES["contribution"], "insurance": "housing_fund"}, "insurance"),
        ("training", {**SAMPLES["training"], "extra": 1}, "extra"),
        ("qualification", {"name": "x"}, "certificate_no"),
    ]
    for kind, data, field in cases:
        response = await world.write(hrss, holder, kind, data)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "hrfile.bad_data" and field in response.json()["error"]["message"]
    response = await world.client.post(
        "/api/v1/hrfile/records", json={**world.body(holder, "training"), "kind": "no_such_kind"}, headers=hrss
    )
    assert response.status_code == 400 and response.json()["error"]["code"].startswith("request.")
