"""The permission table, checked exhaustively against the rules written out independently here."""

from __future__ import annotations

import itertools

import pytest

from backend.accounts.permissions import ACTIONS, can, ensure
from backend.lib.auth import AGENCY, BANK, CITIZEN, COUNTER, PROVINCIAL, SCANNER, STAFF_ROLES, SUPERVISOR, Principal
from backend.lib.errors import ApiError

OWN, OTHER = "440100", "440300"
CARD = {"card.apply", "card.report_loss", "card.lift_loss", "card.replace", "card.cancel", "card.lookup"}
CITY = {"application.review", "card.lock", "card.unlock"}
ADMIN = {"bank.manage", "client.manage", "staff.manage", "venue.manage", "audit.read"}


def expected(role: str, action: str, card_city: str | None) -> bool:
    if role == PROVINCIAL:
        return True
    if action in CARD:
        return role in (COUNTER, SUPERVISOR)  # any city of the province (Art. 5)
    if action in CITY:
        return role == SUPERVISOR and card_city == OWN
    if action == "staff.read":
        return role == SUPERVISOR
    return False


def staff(role: str) -> Principal:
    return Principal(kind="staff", id="s1", role=role, city=OWN, office_id="o1", session_id="x")


def test_the_table_names_exactly_these_actions():
    assert set(ACTIONS) == CARD | CITY | ADMIN | {"staff.read"}


@pytest.mark.parametrize(("role", "action"), list(itertools.product(STAFF_ROLES, sorted(CARD | CITY | ADMIN | {"staff.read"}))))
def test_every_role_action_and_city(role, action):
    for card_city in (OWN, OTHER, None):
        assert can(staff(role), action, card_city=card_city) is expected(role, action, card_city), (
            role,
            action,
            card_city,
        )


def test_supervisor_without_a_city_is_refused_city_actions():
    nowhere = Principal(kind="staff", id="s", role=SUPERVISOR, city=None)
    assert not can(nowhere, "card.lock", card_city=OWN)
    assert can(nowhere, "card.apply", card_city=OTHER)


def test_citizens_and_clients_never_pass():
    others = [
        Principal(kind="citizen", id="a", role=CITIZEN, person_id="p"),
        Principal(kind="client", id="c", role=SCANNER, org_id="v", scanner_id="c"),
        Principal(kind="client", id="c", role=AGENCY, org_id="g"),
        Principal(kind="client", id="c", role=BANK, org_id="b"),
        # A forged role on a non-staff principal must not count.
        Principal(kind="client", id="c", role=PROVINCIAL, org_id="b"),
        None,
    ]
    for principal, action in itertools.product(others, ACTIONS):
        assert can(principal, action, card_city=OWN) is False


def test_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError):
        can(staff(PROVINCIAL), "card.teleport")


def test_ensure_answers_403_naming_the_action_and_401_without_principal():
    with pytest.raises(ApiError) as denied:
        ensure(staff(COUNTER), "card.lock", card_city=OWN)
    assert denied.value.status == 403 and denied.value.code == "auth.not_permitted"
    assert "card.lock" in denied.value.message
    with pytest.raises(ApiError) as other_city:
        ensure(staff(SUPERVISOR), "card.unlock", card_city=OTHER)
    assert other_city.value.status == 403 and "another city" in other_city.value.message
    with pytest.raises(ApiError) as anonymous:
        ensure(None, "card.apply")
    assert anonymous.value.status == 401
    assert ensure(staff(SUPERVISOR), "card.lock", card_city=OWN) is None
