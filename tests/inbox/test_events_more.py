"""A notice for each remaining event of issue 14 section 5, made through the real routes and read
from the right person's inbox: every proofing attempt (counter, bank, provider; proven and
refused), the e-card activated by a proofing route, a password reset, TOTP switched on and off,
and the family service (a request, a proxy added, acting, ended). And a check over the source
that every event the inbox knows has a caller."""

from __future__ import annotations

import ast
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pyotp
import pytest

from backend.inbox.events import EVENT_NAME, EVENTS
from tests.accounts import helpers as accounts
from tests.family import helpers as family
from tests.inbox import helpers as h
from tests.proofing.helpers import World, b64, reset_headers
from tests.venues.helpers import World as VenueWorld

pytestmark = pytest.mark.anyio
BACKEND = Path(__file__).resolve().parents[2] / "backend"


@pytest.fixture
async def client(settings) -> AsyncIterator:
    """The app on the parametrised backend with the test-only face-match provider (as in tests/proofing)."""
    from litestar.testing import AsyncTestClient

    from tests.conftest import app_for

    chosen = msgspec.structs.replace(settings, idv_provider="test-only-face-match")
    async with AsyncTestClient(app=app_for(chosen)) as test_client:
        yield test_client


async def notices(client, headers: dict[str, str], event: str | None = None) -> list[dict]:
    """The inbox of whoever `headers` sign in, newest first; only `event`'s notices if given."""
    response = await client.get("/api/v1/me/inbox", headers=headers, params={"limit": 100})
    if response.status_code == 403 and response.json()["error"]["code"] == "identity.not_proven":
        # An account not yet proven does not read the person's inbox; what its person will read
        # once proven is there all the same.
        from backend.inbox import notices as stored

        me = (await client.get("/api/v1/me", headers=headers)).json()
        page = await h.in_app(client, stored.page, uuid.UUID(me["person_id"]), limit=100, offset=0)
        items = msgspec.to_builtins(page)["items"]
    else:
        assert response.status_code == 200, response.text
        items = response.json()["items"]
    return [n for n in items if event is None or n["event"] == event]


def facts(items: list[dict], *keys: str) -> list[tuple]:
    """The `keys` of each notice's params (notices of the same second come in no fixed order: sort to compare many)."""
    return [tuple(n["params"].get(k) for k in keys) for n in items]


# --- proofing: every attempt is told, and the e-card it activates ------------------------------


async def test_counter_proofing_tells_the_attempt_and_the_ecard(client):
    world = World(client)
    holder = await world.person(ecard=0)
    code = (await client.post("/api/v1/me/proofing/counter/code", headers=holder.headers)).json()["code"]
    clerk = await world.staff()
    response = await client.post("/api/v1/staff/proofing/counter/bind", json={"code": code, **holder.document}, headers=clerk)
    assert response.status_code == 200, response.text
    attempted = await notices(client, holder.headers, "proofing.attempted")
    assert facts(attempted, "method", "outcome", "reason") == [("counter", "proven", "")]
    activated = await notices(client, holder.headers, "ecard.activated")
    assert [n["params"] for n in activated] == [{"level": 3, "method": "counter"}]
    assert holder.id_number not in str(attempted + activated)


async def test_a_counter_refusal_is_told_to_both_people_it_concerns(client):
    world = World(client)
    holder = await world.person()
    other = await world.person(name="赵六")
    code = (await client.post("/api/v1/me/proofing/counter/code", headers=holder.headers)).json()["code"]
    clerk = await world.staff()
    response = await client.post("/api/v1/staff/proofing/counter/bind", json={"code": code, **other.document}, headers=clerk)
    assert response.status_code == 409, response.text
    for who in (holder, other):
        attempted = await notices(client, who.headers, "proofing.attempted")
        assert facts(attempted, "method", "outcome", "reason") == [("counter", "refused", "proofing.person_mismatch")]
        assert await notices(client, who.headers, "ecard.activated") == []
    # The wallet typing a code nobody made is an attempt on the account's own person, told too.
    response = await client.post("/api/v1/me/proofing/counter/claim", json={"code": "2222-2222"}, headers=holder.headers)
    assert response.json()["error"]["code"] == "proofing.code_unknown"
    attempted = await notices(client, holder.headers, "proofing.attempted")
    assert sorted(facts(attempted, "outcome", "reason")) == [
        ("refused", "proofing.code_unknown"),
        ("refused", "proofing.person_mismatch"),
    ]


async def _bank_answer(client, world: World, holder, decision: str) -> dict:
    bank = await world.bank()
    response = await client.post("/api/v1/me/proofing/bank/challenges", headers=holder.headers)
    assert response.status_code == 201, response.text
    answer = bank.sign(response.json()["challenge_id"], holder.card_number, decision)
    response = await client.post("/api/v1/bank/proofing/answers", json=answer, headers=bank.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_bank_proofing_tells_a_success_and_a_refusal(client):
    world = World(client)
    holder = await world.person(ecard=0)
    assert (await _bank_answer(client, world, holder, "refused"))["status"] == "refused"
    attempted = await notices(client, holder.headers, "proofing.attempted")
    assert facts(attempted, "method", "outcome", "reason") == [("bank", "refused", "proofing.bank_refused")]
    assert await notices(client, holder.headers, "ecard.activated") == []

    assert (await _bank_answer(client, world, holder, "approved"))["status"] == "proven"
    attempted = await notices(client, holder.headers, "proofing.attempted")
    assert sorted(facts(attempted, "method", "outcome")) == [("bank", "proven"), ("bank", "refused")]
    activated = await notices(client, holder.headers, "ecard.activated")
    assert [n["params"] for n in activated] == [{"level": 2, "method": "bank"}]


async def test_provider_proofing_tells_a_success_and_a_refusal(client):
    world = World(client)
    holder = await world.person(ecard=0)
    face = secrets.token_bytes(64)
    await world.photo(holder, face)
    for evidence, outcome in ((secrets.token_bytes(64), "refused"), (face, "proven")):
        session = await client.post("/api/v1/me/proofing/provider/sessions", headers=holder.headers)
        assert session.status_code == 201, session.text
        response = await client.post(
            f"/api/v1/me/proofing/provider/sessions/{session.json()['session_id']}/evidence",
            json={"evidence": b64(evidence)},
            headers=holder.headers,
        )
        assert response.status_code == 200 and response.json()["outcome"] == outcome, response.text
    attempted = await notices(client, holder.headers, "proofing.attempted")
    assert sorted(facts(attempted, "method", "outcome", "reason")) == [
        ("provider", "proven", ""),
        ("provider", "refused", "proofing.face_mismatch"),
    ]
    activated = await notices(client, holder.headers, "ecard.activated")
    assert [n["params"] for n in activated] == [{"level": 2, "method": "provider"}]


async def test_a_password_reset_through_the_bank_is_told(client):
    world = World(client)
    bank = await world.bank()
    holder = await world.person(ecard=0)
    started = (await client.post("/api/v1/recovery/resets", json=holder.document)).json()
    url = f"/api/v1/recovery/resets/{started['reset_id']}"
    response = await client.post(f"{url}/bank-challenge", headers=reset_headers(started))
    assert response.status_code == 201, response.text
    challenge = response.json()
    response = await client.post(
        "/api/v1/bank/proofing/answers", json=bank.sign(challenge["challenge_id"], holder.card_number), headers=bank.headers
    )
    assert response.json()["status"] == "proven", response.text
    response = await client.post(f"{url}/password", json={"new_password": "a new password 2"}, headers=reset_headers(started))
    assert response.status_code == 200, response.text
    headers = await world.login(holder, "a new password 2")  # the old session ended with the reset
    told = await notices(client, headers, "account.password_reset")
    assert len(told) == 1 and told[0]["params"]["method"] == "bank" and told[0]["params"]["sessions_ended"] >= 1
    attempted = await notices(client, headers, "proofing.attempted")
    assert facts(attempted, "method", "outcome") == [("bank", "proven")]
    activated = await notices(client, headers, "ecard.activated")
    assert [n["params"] for n in activated] == [{"level": 2, "method": "bank"}]


async def test_the_holder_issuing_the_ecard_with_the_accounts_proof_is_told(client):
    holder = await h.holder_with_card(client, ecard_level=0)  # the account proven at a counter
    response = await client.post("/api/v1/me/card/ecard", headers=holder["headers"], json={})
    assert response.status_code == 200, response.text
    activated = await notices(client, holder["headers"], "ecard.activated")
    assert [n["params"] for n in activated] == [{"level": 3, "method": "counter"}]
    response = await client.post("/api/v1/me/card/ecard", headers=holder["headers"], json={"payment": True})
    assert response.status_code == 200, response.text
    assert len(await notices(client, holder["headers"], "ecard.activated")) == 1  # a change of level is no activation


# --- sign-in methods: TOTP (passkeys: tests/accounts/test_passkeys*.py) ------------------------


async def test_totp_switched_on_and_off_is_told(client):
    _, token = await accounts.citizen(client)
    headers = accounts.bearer(token)
    started = await client.post("/api/v1/me/totp", headers=headers)
    assert started.status_code == 201, started.text
    secret = started.json()["secret"]
    assert await notices(client, headers, "account.signin_method_added") == []  # started is not on
    confirmed = await client.post("/api/v1/me/totp/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    added = await notices(client, headers, "account.signin_method_added")
    assert [n["params"] for n in added] == [{"method": "totp"}]

    wrong = await client.post("/api/v1/me/totp/disable", json={"code": "000000"}, headers=headers)
    assert wrong.status_code == 422
    assert await notices(client, headers, "account.signin_method_removed") == []
    code = pyotp.TOTP(secret).at(time.time() + 30)  # the next step: the confirming one is used
    off = await client.post("/api/v1/me/totp/disable", json={"code": code}, headers=headers)
    assert off.status_code in (200, 204), off.text
    removed = await notices(client, headers, "account.signin_method_removed")
    assert [n["params"] for n in removed] == [{"method": "totp"}]


# --- the family service --------------------------------------------------------------------------


async def test_a_request_and_a_proxy_added_acting_and_ended(client):
    world = VenueWorld(client)
    holder = await family.member(world, name="王建国")
    relative = await family.member(world, birth=family.ELDER, name="李秀英")
    response = await family.add(world, holder, relative, "elder")
    assert response.status_code == 201, response.text
    relation_id = response.json()["id"]
    asked = await notices(client, relative.headers, "family.request")
    assert [n["params"] for n in asked] == [{"relation_id": relation_id, "relationship": "elder"}]
    assert await notices(client, holder.headers, "family.request") == []  # the one asking is not told

    response = await client.post(f"/api/v1/me/proxies/{relation_id}/accept", headers=relative.headers)
    assert response.status_code == 200, response.text
    added = await notices(client, relative.headers, "family.proxy_added")
    assert facts(added, "relation_id", "by", "role") == [(relation_id, "relative", None)]
    added = await notices(client, holder.headers, "family.proxy_added")
    assert facts(added, "relation_id", "by", "role") == [(relation_id, "relative", "holder")]

    response = await client.post(f"/api/v1/me/family/{relation_id}/code", headers=holder.headers)
    assert response.status_code == 200, response.text
    acted = await notices(client, relative.headers, "family.proxy_acted")
    assert facts(acted, "relation_id", "action", "relationship") == [(relation_id, "code_shown", "elder")]
    assert await notices(client, holder.headers, "family.proxy_acted") == []

    response = await client.delete(f"/api/v1/me/family/{relation_id}", headers=holder.headers)
    assert response.status_code in (200, 204), response.text
    ended = await notices(client, relative.headers, "family.proxy_ended")
    assert facts(ended, "relation_id", "by", "outcome") == [(relation_id, "holder", "ended")]
    assert await notices(client, holder.headers, "family.proxy_ended") == []  # they ended it themselves
    for who in (holder, relative):
        assert holder.id_number not in str(await notices(client, who.headers))
        assert relative.id_number not in str(await notices(client, who.headers))


async def test_the_holder_is_told_when_the_relative_ends_or_refuses(client):
    world = VenueWorld(client)
    holder = await family.member(world)
    relative = await family.member(world, birth=family.ELDER)
    relation_id = await family.active(world, holder, relative)
    response = await client.delete(f"/api/v1/me/proxies/{relation_id}", headers=relative.headers)
    assert response.status_code in (200, 204), response.text
    ended = await notices(client, holder.headers, "family.proxy_ended")
    assert facts(ended, "relation_id", "by", "outcome") == [(relation_id, "relative", "ended")]
    assert await notices(client, relative.headers, "family.proxy_ended") == []

    response = await family.add(world, holder, relative, "elder")
    assert response.status_code == 201, response.text
    second = response.json()["id"]
    response = await client.post(f"/api/v1/me/proxies/{second}/refuse", headers=relative.headers)
    assert response.status_code == 200, response.text
    ended = await notices(client, holder.headers, "family.proxy_ended")
    assert (second, "relative", "refused") in facts(ended, "relation_id", "by", "outcome") and len(ended) == 2
    assert len(await notices(client, relative.headers, "family.request")) == 2


async def test_the_proxy_activating_the_relatives_ecard_is_told(client):
    world = VenueWorld(client)
    holder = await family.member(world)
    relative = await family.member(world, birth=family.ELDER, ecard_level=0)
    relation_id = await family.active(world, holder, relative)
    response = await client.post(f"/api/v1/me/family/{relation_id}/ecard", headers=holder.headers)
    assert response.status_code == 200, response.text
    acted = await notices(client, relative.headers, "family.proxy_acted")
    assert facts(acted, "relation_id", "action") == [(relation_id, "ecard_activated")]


# --- every event the inbox knows has a caller --------------------------------------------------


def _is_tell(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name.endswith("tell")


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def told_events(source: str) -> tuple[set[str], set[str]]:
    """(events a module passes to a tell call, literal event names it passes that the inbox does not
    know). An event is passed as a string literal argument of a call to `tell` (or `_tell`,
    `tell_holder`...), or, when the call passes a name instead, as a literal in the calling function
    or in a module-level value that function reads (a table of event per action)."""
    tree = ast.parse(source)
    module_values = {
        target.id: node.value
        for node in tree.body
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    found: set[str] = set()
    unknown: set[str] = set()
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for function in functions:
        for call in (n for n in ast.walk(function) if isinstance(n, ast.Call) and _is_tell(n)):
            literal = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            found |= set(literal)
            unknown |= {v for v in literal if EVENT_NAME.fullmatch(v) and v not in EVENTS}
            if any(isinstance(a, (ast.Name, ast.Attribute, ast.Subscript)) for a in call.args):
                found |= _strings(function)
                for name in {n.id for n in ast.walk(function) if isinstance(n, ast.Name)} & module_values.keys():
                    found |= _strings(module_values[name])
    return found & EVENTS.keys(), unknown


def test_the_source_check_can_fail():
    assert told_events("async def f(p):\n    await inbox.tell(p, 'card.cancelled', {})\n") == ({"card.cancelled"}, set())
    assert told_events("X = 'card.cancelled'\nasync def f(p):\n    await audit.record(p, X)\n") == (set(), set())
    table = "T = {'a': ('card.replaced', {})}\nasync def f(p, a):\n    e, q = T[a]\n    await inbox.tell(p, e, q)\n"
    assert told_events(table) == ({"card.replaced"}, set())
    assert told_events("async def f(p):\n    await inbox.tell(p, 'card.lost_typo')\n")[1] == {"card.lost_typo"}


def test_every_event_has_a_caller_in_the_backend():
    """A new event in inbox/events.py with no feature telling it, or a feature telling a
    misspelt event, fails here."""
    found: set[str] = set()
    unknown: dict[str, set[str]] = {}
    for path in sorted(BACKEND.rglob("*.py")):
        if "inbox" in path.relative_to(BACKEND).parts[:1]:
            continue
        told, strange = told_events(path.read_text(encoding="utf-8"))
        found |= told
        if strange:
            unknown[str(path.relative_to(BACKEND))] = strange
    assert sorted(EVENTS.keys() - found) == [], "events nobody tells"
    assert unknown == {}, "events told that the inbox does not know"
