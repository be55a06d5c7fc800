"""Console section "agency subscriptions" in Chromium (issue 19): a provincial operator sees every agency's
subscriptions with their state, opens a failing one, reads its dead letter with the receiver's error, and
replays it; the agency's real receiver (Standard Webhooks reference check) then gets the dead one and the one
held behind it, in order, once. Screenshots in three languages and elder mode, axe on each screen, 320 px."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import datetime as dt
import secrets
import time
import uuid

import pytest

from tests.e2e.console_admin_helpers import policy_violations, shots, sign_in, wait_screen, watch_policy
from tests.subscriptions.helpers import Receiver

pytestmark = pytest.mark.browser

HOLDER = 42  # conftest: the dead letter's holder


async def _failing_subscription(settings, receiver: Receiver, doc_type: str, id_number: str) -> str:
    """An agency whose subscription is failing: delivery 1 dead after 12 attempts (503), delivery 2 held."""
    from backend.app import keystore_for
    from backend.identity.services import find_person_id
    from backend.lib import db
    from backend.org.tables import Agency
    from backend.subscriptions import fanout, subjects, webhook_signing
    from backend.subscriptions.tables import Delivery, Subscription

    keyring = keystore_for(settings).load()
    async with db.lifespan(settings):
        person = await find_person_id(keyring, doc_type, id_number)
        agency = Agency(code=f"T-HRSS-{secrets.token_hex(3)}", name="测试人社局 Test HRSS", kind="hrss")
        await agency.save().run()
        sub_id = uuid.uuid4()
        now = dt.datetime.now(dt.UTC)
        await Subscription.insert(
            Subscription(
                id=sub_id,
                agency=agency.id,
                created_by="e2e",
                url=receiver.url,
                event_types=["card.status_changed"],
                description="养老金资格核查",
                legal_basis="",
                state="failing",
                secret=webhook_signing.seal(keyring, str(sub_id), receiver.secret),
                last_seq=2,
                created_at=now,
                updated_at=now,
            )
        ).run()
        for seq, state, status in ((1, "dead", "temp_lost"), (2, "pending", "lost")):
            event = fanout.EventRow(seq, uuid.uuid4(), person, "card.status_changed", {"status": status}, now)
            basis = fanout.Basis("statute", "《社会保险法》第十六条")  # no consent to re-check at send time
            await Delivery.insert(
                Delivery(
                    id=uuid.uuid4(),
                    subscription=sub_id,
                    seq=seq,
                    slot=f"{sub_id}:{seq}",
                    once=f"{sub_id}:{event.id}",
                    event=event.id,
                    person=person,
                    kind=event.kind,
                    body=fanout.body(event, sub_id, seq, basis, subjects.subject(keyring, agency.id, person)),
                    basis_kind="statute",
                    basis_ref=basis.ref,
                    state=state,
                    attempts=12 if state == "dead" else 0,
                    last_status=503 if state == "dead" else 0,
                    last_error="HTTP 503" if state == "dead" else "",
                    next_attempt_at=now,
                    event_at=now,
                    created_at=now,
                )
            ).run()
    return str(sub_id)


def test_operator_replays_a_dead_letter(browser, server, artifacts):
    receiver = Receiver(secret="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()).start()
    citizen = server.citizen(HOLDER)  # its person id names the deliveries' holder (their access record)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        sub_id = pool.submit(
            asyncio.run, _failing_subscription(server.settings, receiver, citizen.doc_type, citizen.id_number)
        ).result()
    ctx = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    complaints = watch_policy(page)
    try:
        sign_in(page, server, "admin", hash_="#/subscriptions")
        wait_screen(page, "subscriptions")
        row = f"#subscription-table tr[data-key='{sub_id}']"
        page.wait_for_selector(row)
        assert page.locator(f"{row} [data-state='failing']").count() == 1
        assert page.locator(f"{row} [data-dead='1']").count() == 1
        shots(page, artifacts, "subscriptions")

        page.click(f"{row} a")
        wait_screen(page, "subscriptions/subscription")
        page.wait_for_selector("#dead-table")
        assert "HTTP 503" in page.locator("#dead-table").inner_text()
        shots(page, artifacts, "subscriptions-dead-letters")

        page.click("#replay")
        page.wait_for_selector(".success:not([hidden])")
        deadline = time.monotonic() + 30  # the server's embedded worker sends them
        while len(receiver.accepted) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [r.seq for r in receiver.accepted] == [1, 2]
        assert len(set(receiver.ids())) == 2 and receiver.bad_signatures == 0
        page.screenshot(path=str(artifacts / "console-subscriptions-replayed.png"), full_page=True)

        page.set_viewport_size({"width": 320, "height": 800})
        page.goto(f"{server.base_url}/console/#/subscriptions")
        wait_screen(page, "subscriptions")
        page.wait_for_selector(f"{row} [data-state='active']")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, width
        page.screenshot(path=str(artifacts / "console-subscriptions-320.png"), full_page=True)
        assert policy_violations(page, complaints) == []
    finally:
        receiver.stop()
        ctx.close()
