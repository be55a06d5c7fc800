"""Subscriptions' API: rotation signs with both secrets for a day, URLs we refuse, statute and account events."""

from __future__ import annotations

import datetime as dt
import types

import pytest
from standardwebhooks.webhooks import Webhook

from tests.certificates.helpers import LICENCE, TRAFFIC
from tests.subscriptions.helpers import Receiver, Subs

pytestmark = pytest.mark.anyio


async def test_rotation_signs_with_old_and_new_secret(client) -> None:
    world = Subs(client)
    agency_id, agency = await world.new_agency("hrss")
    holder = await world.holder()
    await world.consent(holder, agency_id)
    receiver = Receiver().start()
    sub_id, old = await world.subscribe(agency, receiver.url, ["card.status_changed"])
    response = await client.post(f"/api/v1/agency/subscriptions/{sub_id}/rotate-secret", headers=agency)
    assert response.status_code == 200, response.text
    new = response.json()["secret"]
    assert new.startswith("whsec_") and new != old
    receiver.secret = new  # the receiver already switched: the new signature verifies
    await world.card_action(holder, "report-temp-loss")

    async def delivered() -> bool:
        return len(receiver.accepted) == 1

    await world.settle(delivered)
    receiver.stop()
    got = receiver.accepted[0]
    assert got.body["data"]["status"] == "temp_lost"
    # And a receiver still on the old secret verifies the same delivery (two signatures, space-separated).
    from backend.subscriptions.tables import Delivery

    row = await world.call(Delivery.select().where(Delivery.id == got.id).first().run)
    from backend.subscriptions import webhook_signing

    headers = webhook_signing.headers([new, old], got.id, 1_900_000_000, row["body"])
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        wh = Webhook(secret)
        assert wh.sign(got.id, dt.datetime.fromtimestamp(1_900_000_000, dt.UTC), row["body"]) in headers[
            "webhook-signature"
        ].split(" ")


async def test_urls_we_refuse(client) -> None:
    world = Subs(client)
    _, agency = await world.new_agency("hrss")
    for url, status in (("ftp://example.cn/x", 400), ("https://user:pw@example.cn/x", 422)):
        body = {"url": url, "event_types": ["card.status_changed"], "description": "test"}
        response = await client.post("/api/v1/agency/subscriptions", json=body, headers=agency)
        assert response.status_code == status, (url, response.text)
    from backend.lib.errors import ApiError
    from backend.subscriptions.delivery import check_url

    prod = types.SimpleNamespace(env="prod")  # check_url reads only the environment; a prod Settings needs a whole deployment
    for url in ("http://example.cn/x", "https://127.0.0.1/x", "https://10.1.2.3/x", "https://[::1]/x"):
        with pytest.raises(ApiError):
            check_url(url, prod)
    check_url("https://93.184.216.34/hooks", prod)


async def test_statute_certificate_events_and_consented_account_events(client) -> None:
    world = Subs(client)
    traffic = await world.seeded(TRAFFIC)
    from backend.certificates.seed import agency_id

    holder = await world.holder()
    sub_id, _ = await world.subscribe(traffic, None, ["certificate.changed"], legal_basis="《道路交通安全法》第十九条")
    _, other = await world.new_agency("civil_affairs")
    other_sub, _ = await world.subscribe(other, None, ["certificate.changed"], legal_basis="某法 第一条")
    # Public security may query driving licences by statute, one holder at a time (review B10):
    # that is no province-wide feed of every holder's licence changes.
    _, police = await world.new_agency("public_security")
    police_sub, _ = await world.subscribe(police, None, ["certificate.changed"], legal_basis="《道路交通安全法》第一百一十四条")
    issued = await world.issue(traffic, holder, "driving_licence", LICENCE)
    await world.run_jobs()
    mine = [
        d for d in await world.deliveries(traffic, sub_id) if d["subject"] == world.subject(agency_id(TRAFFIC), holder.person_id)
    ]
    assert [(d["basis_kind"], d["type"]) for d in mine] == [("statute", "certificate.changed")]
    assert await world.deliveries(other, other_sub) == []  # neither its type nor its consent
    assert await world.deliveries(police, police_sub) == []  # a statutory reader, not the issuer
    page = (
        await client.get(f"/api/v1/agency/events?subscription={sub_id}&after={mine[0]['seq'] - 1}&limit=1", headers=traffic)
    ).json()
    assert page["items"][0]["data"]["certificate_id"] == issued["id"] and page["items"][0]["data"]["status"] == "active"
    # The holder's record names what the feed told: that licence's status, in a name the wallet words.
    read = [r for r in await world.records(holder) if r["action"] == "agency.feed"]
    assert [r["fields"] for r in read] == [["certificate.driving_licence.status"]]
    assert str(agency_id(TRAFFIC))
