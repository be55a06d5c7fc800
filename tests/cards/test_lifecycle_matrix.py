"""The state machine, cell by cell: every action from every state, for every kind of actor."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.cards import states as lc

# The whole table, written out independently of states.py: (state, action) -> next state.
EXPECTED = {
    (lc.ACTIVE, lc.REPORT_TEMP_LOSS): lc.TEMP_LOST,
    (lc.ACTIVE, lc.REPORT_LOSS): lc.LOST,
    (lc.TEMP_LOST, lc.REPORT_LOSS): lc.LOST,
    (lc.TEMP_LOST, lc.LIFT_LOSS): lc.ACTIVE,
    (lc.LOST, lc.LIFT_LOSS): lc.ACTIVE,
    (lc.ACTIVE, lc.LOCK): lc.LOCKED,
    (lc.LOCKED, lc.UNLOCK): lc.ACTIVE,
    (lc.ACTIVE, lc.REQUEST_REPLACEMENT): lc.REPLACING,
    (lc.TEMP_LOST, lc.REQUEST_REPLACEMENT): lc.REPLACING,
    (lc.LOST, lc.REQUEST_REPLACEMENT): lc.REPLACING,
    (lc.REPLACING, lc.COMPLETE_REPLACEMENT): lc.REPLACED,
    (lc.ACTIVE, lc.CANCEL): lc.CANCELLED,
    (lc.TEMP_LOST, lc.CANCEL): lc.CANCELLED,
    (lc.LOST, lc.CANCEL): lc.CANCELLED,
    (lc.LOCKED, lc.CANCEL): lc.CANCELLED,
    (lc.REPLACING, lc.CANCEL): lc.CANCELLED,
    (lc.TEMP_LOST, lc.LAPSE): lc.ACTIVE,
}
CELLS = [(state, action) for state in lc.STATES for action in lc.ACTIONS]


def test_the_table_names_every_state_and_action() -> None:
    assert set(lc.STATES) == {"active", "temp_lost", "lost", "locked", "replacing", "replaced", "cancelled"}
    assert set(lc.ACTIONS) == {a for _, a in EXPECTED}
    assert lc.TERMINAL == {lc.REPLACED, lc.CANCELLED}


@pytest.mark.parametrize(("state", "action"), CELLS, ids=[f"{s}-{a}" for s, a in CELLS])
def test_cell(state: str, action: str) -> None:
    expected = EXPECTED.get((state, action))
    if expected is None:
        with pytest.raises(lc.IllegalTransition) as caught:
            lc.next_state(state, action)
        assert caught.value.state == state and caught.value.action == action
        assert action not in caught.value.allowed
        assert set(caught.value.allowed) == {a for (s, a) in EXPECTED if s == state}
    else:
        assert lc.next_state(state, action) == expected
        assert action in lc.allowed_actions(state)


@pytest.mark.parametrize("actor", ["citizen", "staff", "system"])
@pytest.mark.parametrize(("state", "action"), CELLS, ids=[f"{s}-{a}" for s, a in CELLS])
def test_cell_per_actor(actor: str, state: str, action: str) -> None:
    permitted = action in lc.BY_ACTOR[actor]
    if permitted and (state, action) in EXPECTED:
        assert lc.next_state(state, action, actor) == EXPECTED[(state, action)]
        return
    with pytest.raises(lc.IllegalTransition) as caught:
        lc.next_state(state, action, actor)
    # What the actor is told it may do is only what it may really do.
    assert all(a in lc.BY_ACTOR[actor] and (state, a) in EXPECTED for a in caught.value.allowed)


def test_actors_split_the_work() -> None:
    assert lc.LOCK not in lc.BY_ACTOR["citizen"] and lc.UNLOCK not in lc.BY_ACTOR["citizen"]
    assert lc.LAPSE not in lc.BY_ACTOR["citizen"] + lc.BY_ACTOR["staff"]
    assert lc.COMPLETE_REPLACEMENT not in lc.BY_ACTOR["citizen"] + lc.BY_ACTOR["staff"]
    assert set(lc.BY_ACTOR["citizen"]) < set(lc.BY_ACTOR["staff"])


def test_terminal_states_have_no_way_out() -> None:
    for state in lc.TERMINAL:
        assert lc.allowed_actions(state) == ()


def test_lift_loss_impossible_once_replacement_requested() -> None:
    assert lc.LIFT_LOSS not in lc.allowed_actions(lc.REPLACING)


def test_unknown_action_is_illegal_not_a_crash() -> None:
    with pytest.raises(lc.IllegalTransition):
        lc.next_state(lc.ACTIVE, "explode")


@pytest.mark.parametrize("state", lc.STATES)
def test_usability_follows_state(state: str) -> None:
    assert lc.usable(state, 1) is (state == lc.ACTIVE)
    assert lc.usable(state, 0) is False
    expected = {lc.ACTIVE: None, lc.REPLACED: "card_cancelled", lc.CANCELLED: "card_cancelled"}.get(state, "card_suspended")
    assert lc.unusable_result(state) == expected


def test_lapse_due_exactly_at_the_deadline() -> None:
    at = dt.datetime(2026, 1, 8, tzinfo=dt.UTC)
    second = dt.timedelta(seconds=1)
    assert not lc.lapse_due(lc.TEMP_LOST, at, at - second)
    assert lc.lapse_due(lc.TEMP_LOST, at, at)
    assert not lc.lapse_due(lc.LOST, at, at + second)  # only temporary reports lapse
    assert lc.effective_state(lc.TEMP_LOST, at, at + second) == lc.ACTIVE
    assert lc.effective_state(lc.TEMP_LOST, at, at - second) == lc.TEMP_LOST
