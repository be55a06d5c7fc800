"""The simulator's loop: open (or refuse) accounts, verify and credit (or return) instructions, report the day.

Each pass, for every bank token: pull pending account requests and answer them; pull pending and accepted
instructions, verify each signature against the service's published keys, optionally answer `accepted`
first, then credit or return it. Every decision goes into the books before it is sent (books.py), so a
simulator killed at any moment and started again sends the same answers. Random choices (return, refuse,
duplicate) are drawn from a hash of the seed and the item's id: a run is reproducible from its seed.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

import httpx

from backend.banksim.books import CST, Books
from backend.banksim.client import Api, Reply
from backend.lib import ed25519
from backend.lib.canonical import canonical_json

log = logging.getLogger("yikatong.banksim")

DOMAIN = b"yikatong-payment-instruction-v1\n"  # docs/payments.md, "Instructions"
SIGNED = ("id", "bank_code", "account", "payee_name", "amount_fen", "currency", "payment_type", "payer_agency", "purpose")
RANDOM_RETURN_REASONS = ("account_frozen", "account_closed", "limit_exceeded")
BRANCHES_SERVING = 12  # the simulated bank's branches offering card services (reported daily)


@dataclass(frozen=True)
class Options:
    return_rate: float = 0.0  # share of instructions returned (reason drawn from RANDOM_RETURN_REASONS)
    return_accounts: frozenset[str] = frozenset()  # accounts always returned (account_closed)
    refuse_rate: float = 0.0  # share of account requests refused (kyc_failed)
    delay_seconds: float = 0.0  # final answers wait this long after the instruction is first seen
    duplicate_rate: float = 0.0  # share of answers sent twice
    accept_first: bool = False  # answer `accepted` before the final answer
    report_day: dt.date | None = None  # send this day's figures from the books
    seed: int = 0
    concurrency: int = 8  # answers in flight at once


@dataclass
class Pass:
    """What one pass did (summed over passes by `run_once`)."""

    opened: int = 0
    refused: int = 0
    accepted: int = 0
    credited: int = 0
    returned: int = 0
    bad_signatures: int = 0
    duplicates_sent: int = 0
    withdrawn: int = 0
    conflicts: int = 0
    failed: int = 0  # answers the service refused for another reason (logged)
    held_back: int = 0  # final answers not yet due (--delay-seconds)
    reports: int = 0
    wait: float = field(default=0.0, compare=False)  # seconds until the first held-back answer is due

    @property
    def progress(self) -> int:
        return self.opened + self.refused + self.accepted + self.credited + self.returned + self.withdrawn + self.reports

    def add(self, other: Pass) -> None:
        for f in fields(self):
            if f.name != "wait":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def summary(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "wait" and getattr(self, f.name)}


def signed_bytes(item: dict[str, Any]) -> bytes:
    """The bytes the province signed: the domain line and the canonical JSON of the signed fields."""
    fields_ = {name: item[name] for name in SIGNED}
    created = dt.datetime.fromisoformat(str(item["created_at"]).replace("Z", "+00:00"))
    fields_["created_at"] = created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return DOMAIN + canonical_json(fields_)


def verify_instruction(item: dict[str, Any], keys: dict[str, bytes]) -> bool:
    """True when `signature` is the issuer key `kid`'s Ed25519 signature over the instruction's signed fields."""
    public = keys.get(str(item.get("kid")))
    if public is None:
        return False
    try:
        signature = base64.urlsafe_b64decode(str(item["signature"]) + "=" * (-len(str(item["signature"])) % 4))
        return ed25519.verify(public, signed_bytes(item), signature)
    except (KeyError, ValueError, TypeError):
        return False


def masked(account: str) -> str:
    return "****" + account[-4:]


class Simulator:
    """A bank (or several: one per token) playing against the service through its HTTP API."""

    def __init__(self, http: httpx.AsyncClient, tokens: Iterable[str], books: Books, options: Options | None = None) -> None:
        self.apis = [Api(http, token) for token in tokens]
        self.books = books
        self.options = options or Options()
        self.keys: dict[str, bytes] = {}
        self.bank_of: dict[int, str] = {}  # api index -> bank code, learned from what it pulls
        self._reported: dict[str, dict[str, Any]] = {}
        self._gate = asyncio.Semaphore(self.options.concurrency)

    def chance(self, what: str, item_id: str) -> float:
        """A number in [0, 1) fixed by the seed, the kind of choice and the item: reproducible, order-free."""
        digest = hashlib.sha256(f"{self.options.seed}:{what}:{item_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    # --- one pass -------------------------------------------------------------------------------

    async def step(self) -> Pass:
        done = Pass()
        for index, api in enumerate(self.apis):
            done.add(await self._accounts(index, api))
            result = await self._instructions(index, api)
            done.add(result)
            done.wait = max(done.wait, result.wait)
        return done

    async def run_once(self, *, max_seconds: float = 600) -> Pass:
        """Process everything available (waiting out --delay-seconds), send the report, and return."""
        total = Pass()
        deadline = time.monotonic() + max_seconds
        while time.monotonic() < deadline:
            done = await self.step()
            total.add(done)
            if done.progress == 0 and done.held_back == 0:
                break
            if done.progress == 0:
                await asyncio.sleep(min(max(done.wait, 0.05), 1.0))
        total.add(await self.send_reports())
        self._log_pass(total)
        return total

    async def run(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        """Pass after pass until `stop` is set (SIGTERM); a failing pass is logged and tried again."""
        log.info("bank simulator started", extra={"tokens": len(self.apis), "books": str(self.books.path)})
        failing = False
        while not stop.is_set():
            try:
                done = await self.step()
                done.add(await self.send_reports())
                self._log_pass(done)
                if failing:
                    log.info("service reachable again")
                failing = False
            except (httpx.HTTPError, RuntimeError) as exc:  # the service is down or restarting: try again
                if not failing:  # once, not every poll while it is down (or not up yet)
                    log.warning("pass failed, trying again each poll", extra={"error": f"{type(exc).__name__}: {exc}"})
                failing = True
                done = Pass()
            if done.progress == 0:
                try:
                    await asyncio.wait_for(stop.wait(), poll_seconds)
                except TimeoutError:
                    pass
        log.info("bank simulator stopped")

    @staticmethod
    def _log_pass(done: Pass) -> None:
        if done.summary():
            log.info("pass done", extra=done.summary())

    # --- account requests ---------------------------------------------------------------------

    async def _accounts(self, index: int, api: Api) -> Pass:
        done = Pass()
        items = await api.account_requests()
        await asyncio.gather(*(self._account(index, api, item, done) for item in items))
        return done

    async def _account(self, index: int, api: Api, item: dict[str, Any], done: Pass) -> None:
        rid, bank = str(item["id"]), str(item["bank_code"])
        self.bank_of[index] = bank
        earlier = self.books.account_decision(rid)
        refuse = earlier[0] == "refused" if earlier else self.chance("refuse", rid) < self.options.refuse_rate
        async with self._gate:
            if refuse:
                reason = self.books.refuse_account(rid, bank, str(item["purpose"]), str(item["card_number"]), "kyc_failed")
                body: dict[str, Any] = {"outcome": "refused", "reason_code": reason}
                reply = await api.answer_account(rid, body)
            else:
                number = self.books.open_account(rid, bank, str(item["purpose"]), str(item["card_number"]))
                for _ in range(5):
                    body = {"outcome": "opened", "account": number}
                    reply = await api.answer_account(rid, body)
                    if reply.code != "bank_account.number_in_use":
                        break
                    number = self.books.renumber(rid, bank)  # another account has it: the bank takes its next number
            if reply.status == 200:
                self.books.account_answered(rid, str(reply.body["status"]))
                if not reply.body.get("duplicate"):
                    if refuse:
                        done.refused += 1
                    else:
                        done.opened += 1
                log.info(
                    "account request answered",
                    extra={"request": rid, "bank": bank, "purpose": item["purpose"], "outcome": body["outcome"]}
                    | ({"account": masked(body["account"])} if not refuse else {"reason": body["reason_code"]}),
                )
                if self.chance("duplicate-account", rid) < self.options.duplicate_rate:
                    again = await api.answer_account(rid, body)
                    done.duplicates_sent += 1
                    if again.status != 200 or not again.body.get("duplicate"):
                        log.warning(
                            "a repeated account answer was not taken as a duplicate",
                            extra={"request": rid, "status": again.status},
                        )
            elif reply.code == "bank_account.superseded":
                self.books.account_answered(rid, "superseded")
                done.withdrawn += 1
                log.info("account request superseded before our answer", extra={"request": rid, "bank": bank})
            else:
                self.books.account_answered(rid, "conflict" if reply.status == 409 else f"error {reply.status}")
                done.conflicts += reply.status == 409
                done.failed += reply.status != 409
                log.warning("account answer refused", extra={"request": rid, "status": reply.status, "code": reply.code})

    # --- instructions ---------------------------------------------------------------------------

    async def _instructions(self, index: int, api: Api) -> Pass:
        done = Pass()
        items = await api.instructions("pending") + await api.instructions("accepted")
        if not items:
            return done
        if not self.keys or any(str(i.get("kid")) not in self.keys for i in items):
            self.keys = await api.public_keys()
        self.bank_of[index] = str(items[0]["bank_code"])
        await asyncio.gather(*(self._instruction(api, item, done) for item in items))
        return done

    def _choose(self, item: dict[str, Any]) -> tuple[str, str]:
        iid = str(item["id"])
        if item["account"] in self.options.return_accounts:
            return "returned", "account_closed"
        if self.chance("return", iid) < self.options.return_rate:
            reasons = RANDOM_RETURN_REASONS
            return "returned", reasons[int(self.chance("reason", iid) * len(reasons))]
        return "credited", ""

    async def _instruction(self, api: Api, item: dict[str, Any], done: Pass) -> None:
        iid, bank = str(item["id"]), str(item["bank_code"])
        valid = verify_instruction(item, self.keys)
        age = self.books.see(iid, bank, str(item["account"]), int(item["amount_fen"]), str(item["payer_agency"]), valid)
        async with self._gate:
            if not valid:
                decision = self.books.decide(iid, "returned", "other")
                if decision.new:
                    done.bad_signatures += 1
                    log.warning(
                        "instruction signature did not verify: not credited, returned",
                        extra={"instruction": iid, "bank": bank, "kid": item.get("kid")},
                    )
            elif self.options.accept_first and item["status"] == "pending" and not self.books.accepted_sent(iid):
                reply = await api.answer(iid, {"outcome": "accepted", "bank_reference": _reference(bank, iid)})
                if reply.status == 200:
                    self.books.answered(iid, str(reply.body["status"]), accepted=True)
                    done.accepted += not reply.body.get("duplicate")
                elif self._answered_elsewhere(iid, reply):
                    return  # another process of this bank gave the final answer meanwhile
                else:
                    self._refused(iid, reply, done)
                    return
            if valid:
                if age < self.options.delay_seconds:
                    done.held_back += 1
                    done.wait = max(done.wait, self.options.delay_seconds - age)
                    return
                outcome, reason = self._choose(item)
                decision = self.books.decide(iid, outcome, reason)
            body = {"outcome": decision.outcome, "bank_reference": _reference(bank, iid)}
            if decision.outcome == "returned":
                body["reason_code"] = decision.reason
            reply = await api.answer(iid, body)
            if reply.status == 200:
                self.books.answered(iid, str(reply.body["status"]))
                if not reply.body.get("duplicate"):
                    setattr(done, decision.outcome, getattr(done, decision.outcome) + 1)
                log.info(
                    f"instruction {decision.outcome}",
                    extra={
                        "instruction": iid,
                        "bank": bank,
                        "account": masked(str(item["account"])),
                        "amount_fen": item["amount_fen"],
                    }
                    | ({"reason": decision.reason} if decision.reason else {}),
                )
                if self.chance("duplicate", iid) < self.options.duplicate_rate:
                    again = await api.answer(iid, body)
                    done.duplicates_sent += 1
                    if again.status != 200 or not again.body.get("duplicate"):
                        log.warning(
                            "a repeated answer was not taken as a duplicate", extra={"instruction": iid, "status": again.status}
                        )
            else:
                self._refused(iid, reply, done)

    def _answered_elsewhere(self, iid: str, reply: Reply) -> bool:
        """`accepted` came after the final answer another simulator on these books sent: nothing is wrong."""
        if reply.code != "payment.answer_conflict":
            return False
        current = (reply.body.get("error", {}).get("details") or {}).get("current")
        decided = self.books.decision(iid)
        if decided is None or current != decided:
            return False
        self.books.answered(iid, current, accepted=True)
        return True

    def _refused(self, iid: str, reply: Reply, done: Pass) -> None:
        """The service refused an answer. Withdrawn: take back a credit we posted."""
        if reply.code == "payment.instruction_withdrawn":
            reversed_ = self.books.reverse(iid)
            self.books.answered(iid, "withdrawn")
            done.withdrawn += 1
            log.info("instruction withdrawn before our answer", extra={"instruction": iid, "credits_taken_back": reversed_})
        elif reply.code == "payment.answer_conflict":
            self.books.answered(iid, "conflict")
            done.conflicts += 1
            log.error("the service holds another answer to this instruction", extra={"instruction": iid})
        else:
            done.failed += 1
            log.warning("answer refused", extra={"instruction": iid, "status": reply.status, "code": reply.code})

    # --- daily report ---------------------------------------------------------------------------

    def figures(self, bank: str, day: dt.date) -> dict[str, Any]:
        """The day's BankDailyFigures from the books (docs/payments.md, "Bank daily report")."""
        totals = self.books.totals(bank, day)
        opened, open_at_end, seen = self.books.day_counts(bank, day)
        return {
            "day": day.isoformat(),
            "cards_opened": opened,
            "accounts_open": open_at_end,
            "accounts_closed": 0,
            "instructions_received": seen,
            "credited_count": totals.credited_count,
            "credited_fen": totals.credited_fen,
            "returned_count": totals.returned_count,
            "returned_fen": totals.returned_fen,
            "branches_serving": BRANCHES_SERVING,
            "counter_transactions": 0,
            "complaints": 0,
        }

    async def send_reports(self) -> Pass:
        """With --report-day: each bank's figures for that day, sent again only when they changed."""
        done = Pass()
        day = self.options.report_day
        if day is None:
            return done
        for index, api in enumerate(self.apis):
            bank = self.bank_of.get(index)
            if bank is None:
                continue  # nothing pulled yet: the bank's code is not known
            figures = self.figures(bank, day)
            if self._reported.get(bank) == figures:
                continue
            reply = await api.report(figures)
            if reply.status in (200, 201):
                self._reported[bank] = figures
                done.reports += reply.status == 201
                log.info("daily report sent", extra={"bank": bank, "day": day.isoformat(), "version": reply.body.get("version")})
            else:
                done.failed += 1
                log.warning("daily report refused", extra={"bank": bank, "status": reply.status, "code": reply.code})
        return done


def _reference(bank: str, iid: str) -> str:
    return f"{bank}-{iid.replace('-', '')[:16]}"


def today() -> dt.date:
    """The province's calendar day now."""
    return dt.datetime.now(CST).date()
