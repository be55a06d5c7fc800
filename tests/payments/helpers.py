"""Builders shared by the payments tests: paying agencies, bank clients, opened accounts, payment lines."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from tests.certificates.helpers import Agencies
from tests.venues.helpers import Holder

BANK = "ICBC"  # the bank World.holder() puts cards at (seeded)


@dataclass
class Payer:
    agency_id: uuid.UUID
    code: str
    headers: dict[str, str]


class Payments(Agencies):
    """A World with paying agencies and banks as clients of the real API."""

    async def payer(self, kind: str = "hrss") -> Payer:
        """A fresh agency of this kind with a `payer` client credential."""
        from backend.accounts.services import create_client
        from backend.org.tables import Agency

        agency = Agency(code=f"T-PAY-{secrets.token_hex(4).upper()}", name=f"Test paying agency ({kind})", kind=kind)
        await self.call(agency.save().run)
        _, token = await self.call(
            create_client, kind="payer", org_id=agency.id, name=f"payment system {secrets.token_hex(3)}", created_by="test"
        )
        return Payer(agency.id, agency.code, {"Authorization": f"Bearer {token}"})

    async def bank_client(self, code: str = BANK) -> dict[str, str]:
        from backend.accounts.services import create_client
        from backend.org.tables import Bank

        await self.office()  # seeds the cities, offices and banks on a fresh database
        row = await self.call(Bank.select(Bank.id).where(Bank.code == code).first().run)
        _, token = await self.call(
            create_client, kind="bank", org_id=row["id"], name=f"{code} core banking {secrets.token_hex(3)}", created_by="test"
        )
        return {"Authorization": f"Bearer {token}"}

    async def open_accounts(self, bank: dict[str, str], card_ids: set[uuid.UUID] | None = None) -> dict[uuid.UUID, str]:
        """Answer `opened` to this bank's pending account requests (all, or those of these cards' holders,
        matched by card number): the bank picks the number. Returns request id -> account number."""
        opened: dict[uuid.UUID, str] = {}
        if card_ids is None:
            items = await self.pending_requests(bank)
        else:  # the bank's counter asks for each card's request (the shared test database holds many)
            items = [item for number in await self._card_numbers(card_ids) for item in await self.pending_requests(bank, number)]
        for item in items:
            account = "62" + "".join(secrets.choice("0123456789") for _ in range(17))
            answer = await self.client.post(
                f"/api/v1/bank/account-requests/{item['id']}/answer", json={"outcome": "opened", "account": account}, headers=bank
            )
            assert answer.status_code == 200, answer.text
            opened[uuid.UUID(item["id"])] = account
        return opened

    async def pending_requests(self, bank: dict[str, str], card_number: str | None = None) -> list[dict]:
        """Every account request waiting at the bank (for this card only, if named), page after page."""
        items: list[dict] = []
        after = f"&card_number={card_number}" if card_number else ""
        while True:
            response = await self.client.get(f"/api/v1/bank/account-requests?status=pending&limit=500{after}", headers=bank)
            assert response.status_code == 200, response.text
            page = response.json()
            items += page["items"]
            if not page.get("next_after"):
                return items
            after = (f"&card_number={card_number}" if card_number else "") + f"&after={page['next_after']}"

    async def _card_numbers(self, card_ids: set[uuid.UUID]) -> set[str]:
        from backend.cards.tables import Card

        rows = await self.call(Card.select(Card.number).where(Card.id.is_in(list(card_ids))).run)
        return {r["number"] for r in rows}

    async def holder_with_account(self, bank: dict[str, str], **kwargs) -> Holder:
        """A holder whose card's account the bank has opened."""
        holder = await self.holder(**kwargs)
        opened = await self.open_accounts(bank, {holder.card_id})
        assert opened, "the bank saw no account request for the new card"
        return holder

    @staticmethod
    def line(holder: Holder, amount_fen: int = 150_000, **overrides) -> dict:
        body = {
            "idempotency_key": f"k-{secrets.token_hex(8)}",
            "doc_type": holder.doc_type,
            "id_number": holder.id_number,
            "name": holder.name,
            "payment_type": "pension",
            "amount_fen": amount_fen,
            "legal_basis": "《社会保险法》第十五条 基本养老金按月发放",
            "purpose": "2026年12月基本养老金",
        }
        body.update(overrides)
        return body

    async def run_jobs(self) -> int:
        """Run every due job now, in the app's process (the embedded worker would, a moment later)."""
        from backend.features import job_handlers
        from backend.jobs import runner
        from backend.jobs.services import Context

        app = self.client.app
        context = Context(settings=app.state.settings, keystore=app.state.keystore)
        return await self.call(runner.drain, job_handlers(), context)
