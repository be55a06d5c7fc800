"""Builders of the simulator tests: a bank of the test's own (so no other test's requests reach its simulator),
holders whose cards are at it, and a simulator playing it through the API."""

from __future__ import annotations

import datetime as dt
import secrets
import time
import uuid
from pathlib import Path

import anyio

from backend.banksim.books import Books
from backend.banksim.sim import Options, Simulator
from tests.payments.helpers import Payments
from tests.venues.helpers import CITY, PASSWORD, Holder


class Bankland(Payments):
    """A Payments World whose banks are fresh rows, each with a bank client and a simulator."""

    async def fresh_bank(self) -> tuple[str, str]:
        """A new cooperating bank: (code, bank client token)."""
        from backend.accounts.services import create_client
        from backend.org.tables import Bank

        code = "T" + secrets.token_hex(5).upper()
        bank = Bank(
            code=code,
            name=f"测试银行 {code}",
            status="active",
            keeps_account_on_replacement=True,
            updated_at=dt.datetime.now(dt.UTC),
        )
        await self.call(bank.save().run)
        _, token = await self.call(
            create_client, kind="bank", org_id=bank.id, name=f"{code} core banking", created_by="test", rate_per_minute=100_000
        )
        return code, token

    async def holder_at(self, bank_code: str, name: str = "王小明") -> Holder:
        """A holder whose new card is at this bank (its account request waits for the bank)."""
        from backend.accounts.services import create_citizen_account
        from backend.cards import services as cards
        from backend.identity.documents import make_resident_id

        birth = dt.date(1950 + secrets.randbelow(40), 1 + secrets.randbelow(12), 1 + secrets.randbelow(28))
        number = make_resident_id("440106", birth, 1 + secrets.randbelow(998))
        account = await self.call(
            create_citizen_account, self.keyring, doc_type="resident_id", id_number=number, name=name, password=PASSWORD
        )
        person_id = account.get("person_id") or account.get("person")
        await self.call(
            cards.issue_card_directly,
            self.keyring,
            person_id=person_id,
            city_code=CITY,
            office_id=await self.office(),
            bank_code=bank_code,
            ecard_level=1,
        )
        subject = await self.call(cards.card_for_person, person_id)
        headers = await self._login("/api/v1/auth/login", {"doc_type": "resident_id", "id_number": number, "password": PASSWORD})
        return Holder(
            uuid.UUID(str(person_id)), uuid.UUID(str(subject.card_id)), subject.card_ref, "resident_id", number, name, headers
        )

    def simulator(self, books: Path | Books, tokens: list[str], **options) -> Simulator:
        """The simulator on the test's app client (the same HTTP API a bank's system calls)."""
        return Simulator(self.client, tokens, books if isinstance(books, Books) else Books(books), Options(**options))

    async def submit(self, payer_headers: dict[str, str], lines: list[dict]) -> dict:
        body = {"idempotency_key": f"b-{secrets.token_hex(8)}", "name": "测试发放", "lines": lines}
        response = await self.client.post("/api/v1/payments/batches", json=body, headers=payer_headers)
        assert response.status_code == 201, response.text
        assert response.json()["rejected_count"] == 0, response.text
        return response.json()

    async def orders(self, payer_headers: dict[str, str], batch_id: str) -> list[dict]:
        response = await self.client.get(f"/api/v1/payments/orders?batch_id={batch_id}&limit=1000", headers=payer_headers)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    async def executed(self, payer_headers: dict[str, str], batch_id: str, timeout: float = 60) -> list[dict]:
        """Run due jobs until no order of the batch waits for execution (the app's embedded worker may
        have taken a job first: then its commit is awaited)."""
        deadline = time.monotonic() + timeout
        while True:
            await self.run_jobs()
            orders = await self.orders(payer_headers, batch_id)
            if all(o["status"] != "accepted" for o in orders):
                return orders
            assert time.monotonic() < deadline, (
                f"orders still waiting for execution: {[o['id'] for o in orders if o['status'] == 'accepted']}"
            )
            await anyio.sleep(0.05)
