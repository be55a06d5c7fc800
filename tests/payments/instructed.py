"""Builders for the execution, bank-answer and holder tests: an order submitted and executed, a bank's instruction."""

from __future__ import annotations

from dataclasses import dataclass

from tests.payments.helpers import BANK, Payer, Payments
from tests.venues.helpers import Holder


@dataclass
class Paid:
    """An order submitted by a paying agency for a holder, after the jobs ran."""

    payer: Payer
    holder: Holder
    order: dict  # OrderOut as the agency reads it


async def icbc(world: Payments) -> dict[str, str]:
    """ICBC's bank client (World.office() seeds ICBC on a fresh database)."""
    await world.office()
    return await world.bank_client(BANK)


async def submit(world: Payments, payer: Payer, holder: Holder, amount_fen: int = 150_000, **over) -> dict:
    response = await world.client.post(
        "/api/v1/payments/orders", json=world.line(holder, amount_fen, **over), headers=payer.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def order(world: Payments, payer: Payer, order_id: str) -> dict:
    response = await world.client.get(f"/api/v1/payments/orders/{order_id}", headers=payer.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def execute(world: Payments) -> None:
    """Run the outbox now: the payments.execute jobs of submitted orders."""
    await world.run_jobs()


async def holder(world: Payments, bank: dict[str, str]) -> Holder:
    """A holder whose card's account the bank opened, with the jobs that opening left already run."""
    made = await world.holder_with_account(bank)
    await world.run_jobs()
    return made


async def paid(world: Payments, bank: dict[str, str], amount_fen: int = 150_000) -> Paid:
    """A holder whose account the bank opened, paid by a fresh agency; executed (instructed)."""
    someone = await holder(world, bank)
    payer = await world.payer()
    submitted = await submit(world, payer, someone, amount_fen)
    await execute(world)
    return Paid(payer, someone, await order(world, payer, submitted["id"]))


async def instructions(world: Payments, bank: dict[str, str], account: str, status: str = "pending") -> list[dict]:
    """The bank's instructions (in this status) to this account, as the bank pulls them."""
    response = await world.client.get(f"/api/v1/bank/instructions?status={status}&limit=1000", headers=bank)
    assert response.status_code == 200, response.text
    return [item for item in response.json()["items"] if item["account"] == account]


async def account_of(world: Payments, holder: Holder) -> str:
    """The card's account in full, as the holder reveals it."""
    response = await world.client.post("/api/v1/me/card/reveal", headers=holder.headers)
    assert response.status_code == 200, response.text
    return response.json()["account"]


async def the_instruction(world: Payments, bank: dict[str, str], holder: Holder, status: str = "pending") -> dict:
    found = await instructions(world, bank, await account_of(world, holder), status)
    assert len(found) == 1, found
    return found[0]


async def answer(world: Payments, bank: dict[str, str], instruction_id: str, outcome: str, **body):
    return await world.client.post(
        f"/api/v1/bank/instructions/{instruction_id}/answers", json={"outcome": outcome, **body}, headers=bank
    )


async def inbox_events(world: Payments, holder: Holder) -> list[dict]:
    response = await world.client.get("/api/v1/me/inbox?limit=100", headers=holder.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def staff_detail(world: Payments, order_id: str) -> dict:
    """The order with its instructions and ledger lines, as province staff see it."""
    response = await world.client.get(f"/api/v1/staff/payments/orders/{order_id}", headers=await world.operator())
    assert response.status_code == 200, response.text
    return response.json()


def nets(ledger: list[dict]) -> dict[str, int]:
    """Each ledger account's net of one order's lines, zeros left out."""
    out: dict[str, int] = {}
    for line in ledger:
        out[line["account"]] = out.get(line["account"], 0) + line["amount_fen"]
    return {account: amount for account, amount in out.items() if amount}
