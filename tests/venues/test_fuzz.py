"""Property tests: no text, JSON or byte string sent to the verification API gets a 500."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.codes.format import Result
from backend.lib import base45

pytestmark = pytest.mark.anyio
fuzz = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
RESULTS = {r.value for r in Result}

codes = st.one_of(
    st.text(max_size=1100),
    st.builds(
        lambda p, t: p + t,
        st.sampled_from(["YKO1:", "YKD1:", "YKO1", "YKD2:", ""]),
        st.text(alphabet=base45.ALPHABET, max_size=400),
    ),
    st.builds(lambda p, b: p + base45.encode(b), st.sampled_from(["YKO1:", "YKD1:"]), st.binary(min_size=0, max_size=200)),
)


@pytest.fixture
async def desk(world):
    return await world.scanner_for("hotel", ["hotel_checkin"])


@fuzz
@given(code=codes, scenario=st.one_of(st.sampled_from(["hotel_checkin", "library_entry"]), st.text(max_size=70)))
async def test_any_code_text_gets_a_clean_answer(world, desk, code, scenario):
    response = await world.client.post("/api/v1/verify", json={"code": code, "scenario": scenario}, headers=desk)
    assert response.status_code in (200, 400, 422), response.text
    body = response.json()
    if response.status_code == 200:
        assert body["result"] in RESULTS - {"valid", "malformed"}
        assert body["attributes"] == {}
    elif response.status_code == 422:
        assert body["result"] == "malformed" and body["error"]["code"] == "code.malformed"
    else:
        assert body["error"]["code"].startswith("request.")


@fuzz
@given(raw=st.binary(max_size=300))
async def test_any_body_bytes_get_a_clean_4xx(world, desk, raw):
    headers = {**desk, "Content-Type": "application/json"}
    response = await world.client.post("/api/v1/verify", content=raw, headers=headers)
    assert 400 <= response.status_code < 500 or response.status_code == 200, response.text


@fuzz
@given(
    item=st.dictionaries(
        st.sampled_from(["code_id", "code_kind", "card_ref", "device_key_id", "scenario", "result", "verified_at", "x"]),
        st.one_of(st.none(), st.text(max_size=40), st.integers(), st.booleans()),
        max_size=8,
    )
)
async def test_any_offline_upload_gets_a_clean_answer(world, desk, item):
    response = await world.client.post("/api/v1/verify/offline-results", json={"results": [item]}, headers=desk)
    assert response.status_code in (200, 400, 422), response.text
