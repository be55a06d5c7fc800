"""The request-shape rules (backend/lib/body.py) through real endpoints: JSON depth, duplicate keys,
NUL characters, the media type, and bodies sent where none is taken."""

from __future__ import annotations

import datetime as dt
import functools
import uuid

import anyio
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.certificates.seed import agency_id
from backend.lib.body import MAX_DEPTH, check_json
from tests.certificates.helpers import TRAFFIC, Agencies

pytestmark = pytest.mark.anyio

TICKET = b'{"kind": "consultation", "subject": "How do I renew?", "body": %s}'


@pytest.fixture
async def world(client) -> Agencies:
    return Agencies(client)


def _error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"], response.text
    assert body["request_id"] == response.headers["x-request-id"]


JSON = {"Content-Type": "application/json"}


def _nested(depth: int, leaf: bytes = b"1") -> bytes:
    return b"[" * depth + leaf + b"]" * depth


# --- 7: depth ---------------------------------------------------------------------------


async def test_deeply_nested_json_is_400_on_every_json_endpoint(world):
    client = world.client
    scanner = await world.scanner_for("library", ["library_entry"])
    holder = await world.holder()
    deep_objects = b'{"a":' * 1000 + b"1" + b"}" * 1000  # the 6 KB body that gave a RecursionError
    for path, headers in [
        ("/api/v1/auth/login", {}),  # no account needed
        ("/api/v1/tickets", {}),
        ("/api/v1/verify", scanner),
        ("/api/v1/me/consents", holder.headers),
    ]:
        for body in (_nested(1000), deep_objects, b'{"code": ' + _nested(MAX_DEPTH) + b', "scenario": "x"}'):
            response = await client.post(path, content=body, headers={**headers, **JSON})
            _error(response, 400, "request.too_deep")


async def test_nesting_up_to_the_limit_is_judged_by_the_schema(client):
    # MAX_DEPTH containers in all (the outer object and MAX_DEPTH - 1 lists): the ordinary 400.
    body = b'{"code": ' + _nested(MAX_DEPTH - 1) + b', "scenario": "x"}'
    response = await client.post("/health/echo", content=body, headers=JSON)
    _error(response, 400, "request.invalid")


# --- 11: duplicate keys -----------------------------------------------------------------


async def test_duplicate_keys_are_refused(world):
    client = world.client
    scanner = await world.scanner_for("library", ["library_entry"])
    holder = await world.holder()
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    agency = str(agency_id(TRAFFIC))
    cases = [
        ("/api/v1/auth/login", {}, b'{"doc_type": "resident_id", "id_number": "a", "id_number": "b", "password": "x"}'),
        ("/api/v1/verify", scanner, b'{"code": "YKO1:AAAA", "scenario": "library_entry", "scenario": "hotel_checkin"}'),
        # the same key spelled with an escape: one key once decoded
        ("/api/v1/verify", scanner, b'{"code": "YKO1:AAAA", "scenario": "library_entry", "sc\\u0065nario": "x"}'),
        # nested, inside a consented scope
        (
            "/api/v1/me/consents",
            holder.headers,
            b'{"agency_id": "%s", "purpose": "Checking a licence", "valid_until": "%s", "card_status": true,'
            b' "certificates": {"driving_licence": ["licence_class"], "driving_licence": ["points"]}}'
            % (agency.encode(), until.encode()),
        ),
    ]
    for path, headers, body in cases:
        response = await client.post(path, content=body, headers={**headers, **JSON})
        _error(response, 400, "request.duplicate_key")


async def test_repeated_keys_in_different_objects_and_inside_strings_are_fine(world):
    client = world.client
    text = b'"He wrote \\"body\\": twice, \\"body\\": and left. C:\\\\dir\\\\"'
    response = await client.post("/api/v1/tickets", content=TICKET % text, headers=JSON)
    assert response.status_code == 201, response.text
    scanner = await world.scanner_for("library", ["library_entry"])
    response = await client.post(
        "/api/v1/verify/offline-results",
        headers={**scanner, **JSON},
        content=b'{"results": [{"code_id": "x"}, {"code_id": "y"}]}',
    )
    assert response.status_code == 400 and response.json()["error"]["code"] != "request.duplicate_key", response.text


# Any JSON text, however escaped and spaced: the rule must hold with no key repeated, and refuse
# the text once one key is repeated.
_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=8)
_values = st.recursive(
    st.none() | st.booleans() | st.integers() | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=_values, ascii_only=st.booleans(), indent=st.sampled_from([None, 1]), key=_text)
def test_the_duplicate_rule_on_any_json(value, ascii_only, indent, key):
    import json

    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent).encode()
    check_json(text, msgspec.json.decode(text))  # no repeated key: accepted
    doubled = b'{%s: 1, %s: {"x": %s}}' % (json.dumps(key).encode(), json.dumps(key, ensure_ascii=not ascii_only).encode(), text)
    with pytest.raises(Exception) as refused:
        check_json(doubled, msgspec.json.decode(doubled))
    assert refused.value.code == "request.duplicate_key"


# --- 9: NUL characters ------------------------------------------------------------------


async def test_nul_characters_are_refused_everywhere(world):
    client = world.client
    operator = await world.operator()
    venue = await world.venue("library", ["library_entry"])
    cases = [
        ("POST", "/api/v1/tickets", {}, TICKET % b'"line one\\u0000line two"'),
        ("POST", "/api/v1/tickets", {}, TICKET % b'"\\\\\\u0000"'),  # an escaped backslash, then a NUL
        ("POST", "/api/v1/tickets", {}, b'{"kind": "consultation", "subject": "s", "body": "b", "\\u0000": 1}'),
        (
            "POST",
            "/api/v1/clients",
            operator,
            b'{"kind": "scanner", "org_id": "%s", "name": "gate\\u00003"}' % str(venue).encode(),
        ),
        ("GET", "/api/v1/service-points?q=a%00b", {}, None),
        ("GET", "/api/v1/catalog/items/AB%00C", {}, None),  # a path parameter
        ("POST", "/api/v1/banks/IC%00BC/status", operator, b'{"status": "active"}'),
    ]
    for method, url, headers, body in cases:
        response = await client.request(method, url, content=body, headers={**headers, **(JSON if body else {})})
        _error(response, 400, "request.nul_character")


async def test_an_escaped_backslash_before_u0000_is_ordinary_text(client):
    response = await client.post("/api/v1/tickets", content=TICKET % b'"C:\\\\u0000 is a folder"', headers=JSON)
    assert response.status_code == 201, response.text


# --- 10: media type and bodies where none is taken --------------------------------------


async def test_a_body_that_is_not_declared_json_is_415(world):
    client = world.client
    holder = await world.holder()
    operator = await world.operator()
    venue = await world.venue("library", ["library_entry"])
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    bodies = [
        (
            "/api/v1/me/consents",
            holder.headers,
            {"agency_id": str(agency_id(TRAFFIC)), "purpose": "Checking a licence", "card_status": True, "valid_until": until},
        ),
        ("/api/v1/clients", operator, {"kind": "scanner", "org_id": str(venue), "name": "gate 3"}),
        ("/api/v1/tickets", {}, {"kind": "consultation", "subject": "How do I renew?", "body": "Please tell me."}),
    ]
    import json

    for path, headers, body in bodies:
        raw = json.dumps(body).encode()
        for media in ("text/plain", None, "application/x-www-form-urlencoded", "application/json; charset=latin-1"):
            sent = {**headers, **({"Content-Type": media} if media else {})}
            _error(await client.post(path, content=raw, headers=sent), 415, "request.unsupported_media_type")
        for media in ("application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"):
            response = await client.post(path, content=raw, headers={**headers, "Content-Type": media})
            assert response.status_code == 201, (media, response.text)


async def test_a_body_where_none_is_taken_is_refused(world):
    client = world.client
    holder = await world.holder()
    mint = "/api/v1/me/codes/online"
    _error(await client.post(mint, content=b"x" * 10_000_000, headers=holder.headers), 400, "request.body_not_allowed")
    _error(await client.post(mint, content=b"{}", headers={**holder.headers, **JSON}), 400, "request.body_not_allowed")

    async def chunks():
        yield b"x" * 1000

    _error(await client.post(mint, content=chunks(), headers=holder.headers), 400, "request.body_not_allowed")
    _error(await client.request("GET", "/api/v1/me", content=b"hello", headers=holder.headers), 400, "request.body_not_allowed")
    # Who may call is decided first, as everywhere: an anonymous caller learns only that.
    _error(await client.post(mint, content=b"x" * 1000), 401, "auth.required")
    _error(await client.post("/api/v1/me/consents", content=b"{}", headers={"Content-Type": "text/plain"}), 401, "auth.required")
    # No body at all, with or without a type, is what these endpoints expect.
    assert (await client.post(mint, headers=holder.headers)).status_code == 200
    assert (await client.post(mint, headers={**holder.headers, **JSON})).status_code == 200
    # An endpoint whose body is optional takes an empty one without a type.
    assert (await client.post("/api/v1/me/card/ecard", headers=holder.headers)).status_code != 415


async def test_a_refused_body_is_never_read(world):
    """Decided from the headers: the 10 MB are not received at all (the ASGI receive is never called)."""
    holder = await world.holder()
    app = world.client.app
    token = holder.headers["Authorization"].encode()
    received: list[dict] = []
    sent: list[dict] = []

    async def receive() -> dict:
        received.append({})
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/me/codes/online",
        "raw_path": b"/api/v1/me/codes/online",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"authorization", token), (b"content-length", b"10000000")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    portal = world.client.blocking_portal
    await anyio.to_thread.run_sync(functools.partial(portal.call, functools.partial(app, scope, receive, send)))
    assert sent[0]["status"] == 400 and received == []
    assert b"request.body_not_allowed" in b"".join(m.get("body", b"") for m in sent)


async def test_signed_in_pwa_requests_still_work(world):
    """What pwa/shared/api.js sends: a JSON type with a body, nothing without one."""
    holder = await world.holder()
    scanner = await world.scanner_for("library", ["library_entry"])
    code = await world.minted_code(holder)
    response = await world.client.post("/api/v1/verify", json={"code": code, "scenario": "library_entry"}, headers=scanner)
    assert response.status_code == 200 and response.json()["result"] == "valid", response.text
    assert uuid.UUID(response.json()["verification_id"])


async def test_json_types_are_taken_strictly(client):
    """A bare number is not a date-time, and "5" is not an integer: the schema's JSON types are
    the contract (Litestar alone read 0 as 1970-01-01 and accepted it)."""
    from tests.venues.helpers import World

    world = World(client)
    gate = await world.scanner_for("metro", ["transit_ride"])
    item = {
        "card_ref": "1f2e3d4c5b6a7988",
        "code_id": "9f86d081884c7d659a2feaa0c55ad015",
        "result": "valid",
        "scenario": "transit_ride",
    }
    for stamp in (0, 1_700_000_000, 1.5, True):
        response = await client.post(
            "/api/v1/verify/offline-results", json={"results": [{**item, "verified_at": stamp}]}, headers=gate
        )
        assert response.status_code == 400, (stamp, response.text)
        assert response.json()["error"]["code"] == "request.invalid"
    good = {"results": [{**item, "verified_at": "2026-11-30T08:00:00Z"}]}
    assert (await client.post("/api/v1/verify/offline-results", json=good, headers=gate)).status_code == 200


async def test_an_integer_written_with_a_zero_fraction_is_an_integer(client):
    """JSON Schema's integer is any number without a fractional part, so 20.0 is one (schemathesis
    sends it as valid data); 20.5 is not, nor is "20"."""
    from tests.cards.helpers import citizen, staff

    holder = await citizen(client)
    operator = await staff(client, "provincial_operator")
    body = {"doc_type": "resident_id", "id_number": holder["id_number"]}
    for limit in (20, 20.0, 1e1):
        response = await client.post(
            "/api/v1/audit/access-records/search", json={**body, "limit": limit}, headers=operator["headers"]
        )
        assert response.status_code == 200, (limit, response.text)
    for limit in (20.5, "20", True, 1e300):
        response = await client.post(
            "/api/v1/audit/access-records/search", json={**body, "limit": limit}, headers=operator["headers"]
        )
        assert response.status_code == 400, (limit, response.text)
        assert response.json()["error"]["code"] == "request.invalid"
