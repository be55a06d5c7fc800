"""The simulated bank's books and signature check, without a service: numbers, decisions, totals, doubles."""

from __future__ import annotations

import datetime as dt
import uuid

from backend.banksim.books import Books, Decision, luhn_ok
from backend.banksim.sim import verify_instruction
from backend.lib import ed25519
from backend.payments import instruction_format


def test_account_numbers_are_the_banks_own_and_stable_per_request(tmp_path):
    books = Books(tmp_path / "books.sqlite")
    first = books.open_account("r1", "ICBC", "new_card", "card-1")
    again = books.open_account("r1", "ICBC", "new_card", "card-1")
    second = books.open_account("r2", "ICBC", "new_card", "card-2")
    ccb = books.open_account("r3", "CCB", "change", "card-3")
    assert first == again  # a simulator started again sends the same number
    assert first != second
    assert first.startswith("622202") and ccb.startswith("621700")
    assert all(luhn_ok(n) and len(n) == 19 for n in (first, second, ccb))
    assert not luhn_ok(first[:-1] + str((int(first[-1]) + 1) % 10))
    renumbered = books.renumber("r1", "ICBC")
    assert renumbered not in (first, second) and books.account_decision("r1") == ("opened", renumbered, "")


def test_a_decision_is_made_once_and_a_second_credit_shows_as_double(tmp_path):
    path = tmp_path / "books.sqlite"
    books = Books(path)
    books.see("i1", "ICBC", "6222020000000000001", 1500, "GD-HRSS", True)
    books.see("i2", "ICBC", "6222020000000000002", 700, "GD-HRSS", True)
    assert books.decide("i1", "credited").new
    assert books.decide("i1", "returned", "account_closed") == Decision("credited", "", new=False)
    assert books.decide("i2", "returned", "account_frozen").new
    # A second simulator on the same file sees the first one's decisions.
    other = Books(path)
    assert not other.decide("i2", "credited").new
    totals = other.totals("ICBC")
    assert (totals.credited_count, totals.credited_fen, totals.returned_count, totals.returned_fen) == (1, 1500, 1, 700)
    assert totals.double_credits == 0
    other.credit("i1")  # what a faulty bank would do
    assert other.totals().double_credits == 1 and other.totals().credited_fen == 3000
    assert other.reverse("i1") == 2 and other.totals().credited_fen == 0


def test_the_day_counts_follow_the_provinces_calendar(tmp_path):
    books = Books(tmp_path / "books.sqlite")
    books.open_account("r1", "ICBC", "new_card", "card-1")
    books.see("i1", "ICBC", "6222020000000000001", 1500, "GD-HRSS", True)
    books.decide("i1", "credited")
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    assert books.day_counts("ICBC", today) == (1, 1, 1)
    assert books.totals("ICBC", today).credited_fen == 1500
    assert books.totals("ICBC", today - dt.timedelta(days=1)).credited_fen == 0
    assert books.day_counts("ICBC", today + dt.timedelta(days=1)) == (0, 1, 0)


def _instruction(seed: bytes, kid: str, **over) -> dict:
    created = dt.datetime(2026, 12, 1, 8, 0, 0, 123456, tzinfo=dt.UTC)
    fields = instruction_format.signed_fields(
        id=uuid.uuid4(),
        bank_code="ICBC",
        account="6222020000000000001",
        payee_name="王小明",
        amount_fen=328_050,
        payment_type="pension",
        payer_agency="GD-HRSS",
        purpose="2026年12月基本养老金",
        created_at=created,
    )
    item = dict(fields, created_at="2026-12-01T08:00:00.123456Z", kid=kid, status="pending")
    item["signature"] = instruction_format.sign(seed, fields)
    item.update(over)
    return item


def test_the_simulator_checks_signatures_as_the_service_makes_them():
    """The simulator's own check (an outside party's code) agrees with the service's instruction format."""
    seed, public = ed25519.generate()
    keys = {"k1": public}
    item = _instruction(seed, "k1")
    assert verify_instruction(item, keys)
    assert not verify_instruction(dict(item, amount_fen=328_051), keys)  # altered amount
    assert not verify_instruction(dict(item, account="6222020000000000002"), keys)  # altered account
    assert not verify_instruction(dict(item, kid="k2"), keys)  # unknown key
    other_seed, _ = ed25519.generate()
    assert not verify_instruction(_instruction(other_seed, "k1"), keys)  # signed by someone else
    assert not verify_instruction(dict(item, signature="not base64!"), keys)


def test_the_documented_worked_example_verifies():
    """docs/payments.md, "Instructions": what a bank's developer would check their code against."""
    import base64

    public = base64.urlsafe_b64decode("YwOkdqGbCqmEz2NzFhWjzB0UdmXiYgmrhVgP-_L1Peo=")
    item = {
        "id": "0b5e1d3c-8f2a-4c61-9e0d-2f7a6b1c9d43",
        "bank_code": "ICBC",
        "account": "6222020200112345678",
        "payee_name": "王小明",
        "amount_fen": 328050,
        "currency": "CNY",
        "payment_type": "pension",
        "payer_agency": "GD-HRSS",
        "purpose": "2026年12月基本养老金",
        "created_at": "2026-12-01T08:00:00Z",
        "kid": "example",
        "signature": "JQ0PA6cMBJSZlNgPqGGGVf-v2H8ubP6ZRqaZ6193bytmfLHO-4bZUnm4aJ1QtNgjzufdSAO0z1iFuHchX9HDDg",
    }
    assert verify_instruction(item, {"example": public})
    assert verify_instruction(dict(item, created_at="2026-12-01T08:00:00.000000+00:00"), {"example": public})
    assert not verify_instruction(dict(item, payee_name="王小朋"), {"example": public})
