"""Random sequences of lifecycle operations, checked against a model, never break the invariants."""

from __future__ import annotations

import asyncio
import datetime as dt

from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from backend.cards import services, transitions
from backend.cards import states as lc
from backend.cards.tables import Card, CardEvent
from backend.lib import db
from backend.lib.errors import ApiError
from tests.cards import helpers as h

HOLDER_OR_STAFF = [lc.REPORT_TEMP_LOSS, lc.REPORT_LOSS, lc.LIFT_LOSS, lc.REQUEST_REPLACEMENT, lc.CANCEL, lc.LOCK, lc.UNLOCK]
# Mostly lifecycle actions, often time passing (so temporary reports lapse), sometimes a new card.
operations = st.sampled_from(["act"] * 6 + ["wait_days"] * 3 + ["reissue"]).flatmap(
    lambda kind: {
        "act": st.tuples(st.sampled_from(HOLDER_OR_STAFF), st.sampled_from(["citizen", "staff"])),
        "wait_days": st.tuples(st.just("wait_days"), st.integers(min_value=1, max_value=9)),
        "reissue": st.just(("reissue", None)),
    }[kind]
)
# Paths worth always walking, whatever the random draw.
LAPSED_THEN_ACT = [(lc.REPORT_TEMP_LOSS, "citizen"), ("wait_days", 8), (lc.REPORT_LOSS, "staff"), (lc.LIFT_LOSS, "citizen")]
LAPSED_THEN_LIFT = [(lc.REPORT_TEMP_LOSS, "staff"), ("wait_days", 7), (lc.LIFT_LOSS, "citizen"), (lc.REPORT_TEMP_LOSS, "citizen")]
REPLACE_THEN_REISSUE = [
    (lc.REPORT_LOSS, "citizen"),
    (lc.REQUEST_REPLACEMENT, "staff"),
    ("reissue", None),
    (lc.CANCEL, "citizen"),
    ("reissue", None),
    (lc.LOCK, "staff"),
    (lc.LIFT_LOSS, "staff"),
    (lc.UNLOCK, "staff"),
]
STAFF = h.Actor(kind="staff", id="s-random", channel="counter")
DAYS = 7


class Model:
    """What the cards should look like: the state machine applied by hand, lapses included."""

    def __init__(self, clock: dt.datetime) -> None:
        self.clock = clock
        self.state: str = lc.ACTIVE
        self.lapse_at: dt.datetime | None = None
        self.transitions = 1  # the issue; the e-card's issue is a notice, not a transition

    def settle(self) -> None:
        if lc.lapse_due(self.state or "", self.lapse_at, self.clock):
            self.state, self.lapse_at = lc.ACTIVE, None
            self.transitions += 1

    def expect(self, action: str, kind: str) -> str | None:
        """The state after `action`, or None when it must be refused."""
        if self.state in lc.TERMINAL:
            return None
        self.settle()
        try:
            return lc.next_state(self.state, action, kind)
        except lc.IllegalTransition:
            return None


async def _run(ops: list, world: dict, keyring) -> None:
    clock = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    pid = await h.person(keyring)
    await services.issue_card_directly(
        keyring, person_id=pid, city_code=world["city"], office_id=world["office"], bank_code=world["bank"], now=clock
    )
    model = Model(clock)
    replaced: set = set()
    for op, arg in ops:
        if op == "wait_days":
            model.clock += dt.timedelta(days=arg)
        elif op == "reissue":
            live = model.state not in lc.TERMINAL
            try:
                await services.issue_card_directly(
                    keyring,
                    person_id=pid,
                    city_code=world["city"],
                    office_id=world["office"],
                    bank_code=world["bank"],
                    now=model.clock,
                )
                assert not live, "a second live card was issued"
                model.state, model.lapse_at = lc.ACTIVE, None
                model.transitions += 1
            except ApiError as exc:
                assert live and exc.code == "card.already_active"
        else:
            actor = h.CITIZEN if arg == "citizen" else STAFF
            expected = model.expect(op, arg)
            try:
                await transitions.perform(op, actor, person_id=pid, now=model.clock, temp_loss_days=DAYS)
                assert expected is not None, f"{op} by {arg} should have been refused from {model.state}"
                model.transitions += 1
                if op == lc.REPORT_TEMP_LOSS:
                    model.lapse_at = model.clock + dt.timedelta(days=DAYS)
                if op == lc.REQUEST_REPLACEMENT:
                    model.transitions += 2  # complete_replacement + the new card's issue
                    expected = lc.ACTIVE  # the holder's current card is the new one
                model.state = expected
            except ApiError as exc:
                assert expected is None, f"{op} by {arg} from {model.state} refused: {exc.code}"
                if model.state in lc.TERMINAL:
                    assert exc.code == "card.not_found"
                else:
                    # A lapse applied inside the refused transaction rolled back with it; the
                    # check below counts it as still pending.
                    assert exc.code == "card.illegal_transition" and op not in exc.details["allowed_actions"]
                    assert exc.details["state"] == model.state
        await _check(pid, model, replaced)


async def _check(pid, model: Model, replaced: set) -> None:
    cards = await Card.select().where(Card.person == pid).order_by(Card.issued_at).run()
    live = [c for c in cards if c["state"] not in lc.TERMINAL]
    assert len(live) <= 1
    for card in cards:
        if card["id"] in replaced:
            assert card["state"] == lc.REPLACED  # replaced cards never come back
        if card["state"] == lc.REPLACED:
            replaced.add(card["id"])
        subject = await services.card_for_code(card["ref"], now=model.clock)
        effective = lc.effective_state(card["state"], card["lapse_at"], model.clock)
        assert subject.usable == (effective == lc.ACTIVE and card["ecard_level"] > 0)
        assert subject.state == effective
    # Cards may share an issue instant (simulated clock), so pick like card_for_person does:
    # the live card, else the most recently updated card that was not replaced.
    current = (
        live[0]
        if live
        else max((c for c in cards if c["state"] != lc.REPLACED), key=lambda c: c["updated_at"], default=cards[-1])
    )
    model.settle()
    assert lc.effective_state(current["state"], current["lapse_at"], model.clock) == model.state
    stored = await CardEvent.count().where((CardEvent.person == pid) & (CardEvent.kind == "transition")).run()
    lapses_pending = int(lc.lapse_due(current["state"], current["lapse_at"], model.clock))
    assert stored + lapses_pending == model.transitions  # a due lapse is written when next touched


def _world(settings, keyring) -> dict:
    async def make() -> dict:
        async with db.lifespan(settings):
            office, city = await h.office()
            return {"office": office, "city": city, "bank": await h.bank()}

    return asyncio.run(make())


def test_random_sequences_keep_the_invariants(settings, keyring) -> None:
    world = _world(settings, keyring)

    @hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(ops=st.lists(operations, min_size=1, max_size=14))
    @example(ops=LAPSED_THEN_ACT)
    @example(ops=LAPSED_THEN_LIFT)
    @example(ops=REPLACE_THEN_REISSUE)
    def run(ops: list) -> None:
        async def scenario() -> None:
            async with db.lifespan(settings):
                await _run(ops, world, keyring)

        asyncio.run(scenario())

    run()
