"""The services other features call: append (contracts) and records_of (documents)."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.lib import db
from backend.lib.errors import ApiError
from tests.hrfile.helpers import SAMPLES

pytestmark = pytest.mark.anyio


async def _append(**kw):
    from backend.hrfile import services

    async with db.transaction():
        return await services.append(**kw)


async def test_append_inside_a_transaction_and_records_of_reads_it(world):
    from backend.hrfile import services

    holder = await world.holder()
    common = {
        "person_id": holder.person_id,
        "effective_on": dt.date(2024, 3, 1),
        "source_kind": "employer",
        "source_id": "employer-x",
        "source_name": "广州示例科技有限公司",
        "client_id": "client-x",
        "legal_basis": "《中华人民共和国劳动合同法》第十条",
    }
    first = await world.call(_append, kind="labour_contract", data=SAMPLES["labour_contract"], external_ref="c-1", **common)
    again = await world.call(_append, kind="labour_contract", data=SAMPLES["labour_contract"], external_ref="c-1", **common)
    assert again == first
    with pytest.raises(ApiError) as conflict:
        other = {**SAMPLES["labour_contract"], "position": "架构师"}
        await world.call(_append, kind="labour_contract", data=other, external_ref="c-1", **common)
    assert conflict.value.code == "hrfile.external_ref_conflict"
    with pytest.raises(ApiError) as bad:
        await world.call(_append, kind="labour_contract", data={"contract_id": "nope"}, **common)
    assert bad.value.code == "hrfile.bad_data"

    records = await world.call(services.records_of, holder.person_id)
    assert [r.id for r in records] == [first]
    assert records[0].kind == "labour_contract" and records[0].status == "current"
    assert records[0].source.kind == "employer" and records[0].data["term_kind"] == "open_ended"
    assert await world.call(services.records_of, holder.person_id, ["contribution"]) == []
