"""The demo's employer and contract: made once, reused on a second run; the key and credential files are
private; the citizen sees the contract awaiting their signature and can sign it."""

from __future__ import annotations

import json
import stat

import pytest

from backend.contracts import seed
from tests.contracts.helpers import Contracts

pytestmark = pytest.mark.anyio


async def test_the_demo_contract_awaits_the_citizen_and_is_made_once(world: Contracts, tmp_path):
    holder = await world.holder(name="张伟")
    person = {"doc_type": holder.doc_type, "id_number": holder.id_number, "name": holder.name}
    first = await world.call(seed.demo, world.keyring, tmp_path, **person)
    assert first["contract_status"] == "awaiting_employee" and first["employer_uscc"] == seed.USCC
    for name in (seed.KEY_FILE, seed.CLIENT_FILE):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    key = json.loads((tmp_path / seed.KEY_FILE).read_text())
    token = json.loads((tmp_path / seed.CLIENT_FILE).read_text())[seed.USCC]
    again = await world.call(seed.demo, world.keyring, tmp_path, **person)
    assert again == first
    assert json.loads((tmp_path / seed.KEY_FILE).read_text()) == key
    assert json.loads((tmp_path / seed.CLIENT_FILE).read_text())[seed.USCC] == token
    # The credential works, and the contract is the citizen's to sign.
    me = await world.client.get("/api/v1/employer/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and key["key_id"] in [k["key_id"] for k in me.json()["keys"]]
    contract = (await world.client.get(f"/api/v1/me/contracts/{first['contract_id']}", headers=holder.headers)).json()
    assert contract["status"] == "awaiting_employee"
    response = await world.employee_sign(holder, await world.phone(holder), contract)
    assert response.status_code == 200, response.text
    check = (await world.client.get(f"/api/v1/me/contracts/{first['contract_id']}/verification", headers=holder.headers)).json()
    assert check["valid"] is True
    assert (await world.call(seed.demo, world.keyring, tmp_path, **person))["contract_status"] == "signed"
