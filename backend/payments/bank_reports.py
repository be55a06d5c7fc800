"""Banks' daily data reports (Art. 12): kept as received, a correction is a new version, a repeat changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from backend.lib import db
from backend.lib.auth import Principal
from backend.lib.errors import ApiError
from backend.org.tables import Bank
from backend.payments.schemas import BankDailyFigures, BankReportOut, BankReportPage
from backend.payments.tables import BankReport
from backend.payments.vocab import CST

# A bank may report (or correct) a day up to this long after it: a year and a little, for year-end corrections.
MAX_AGE_DAYS = 400
# Reports are read back for as long as the ledger is reconciled (reconciliation.MAX_AGE_DAYS).
READ_AGE_DAYS = 3660


def today(now: int) -> dt.date:
    """The province's calendar day at this unix time."""
    return dt.datetime.fromtimestamp(now, CST).date()


def check_day(day: dt.date, now: int, max_age_days: int = MAX_AGE_DAYS) -> None:
    """A report's day: not in the future (province time) and at most `max_age_days` ago."""
    current = today(now)
    if day > current or (current - day).days > max_age_days:
        raise ApiError(
            422,
            "bank_report.bad_day",
            f"A report is for a past or the current day (province time), at most {max_age_days} days ago.",
            today=current.isoformat(),
            max_age_days=max_age_days,
        )


async def _bank_of(principal: Principal) -> tuple[uuid.UUID, str]:
    row = None
    if principal.org_id:
        row = await Bank.select(Bank.id, Bank.code).where(Bank.id == uuid.UUID(principal.org_id)).first().run()
    if row is None:
        raise ApiError(403, "auth.not_permitted", "This client belongs to no known bank.")
    return row["id"], row["code"]


def _out(code: str, row: dict, *, duplicate: bool = False) -> BankReportOut:
    return BankReportOut(
        bank_code=code,
        day=_day(row["day"]),
        version=row["version"],
        figures=msgspec.json.decode(row["body"], type=BankDailyFigures),
        received_at=db.time_column(row["received_at"]),
        duplicate=duplicate,
    )


def _day(value: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


async def _newest(bank_id: uuid.UUID, day: dt.date) -> dict | None:
    return (
        await BankReport.select()
        .where((BankReport.bank == bank_id) & (BankReport.day == day))
        .order_by(BankReport.version, ascending=False)
        .first()
        .run()
    )


async def submit(principal: Principal, figures: BankDailyFigures, now: int) -> tuple[BankReportOut, bool]:
    """Store the bank's figures for their day: (the report, True when a new version was written).
    The same figures as the newest version again are a duplicate (nothing written); other figures
    are the next version. Two racing submissions meet at the unique (bank, day, version) index
    and the loser reads again."""
    check_day(figures.day, now)
    bank_id, code = await _bank_of(principal)
    body = msgspec.json.encode(figures).decode()

    async def attempt() -> tuple[BankReportOut, bool]:
        newest = await _newest(bank_id, figures.day)
        if newest is not None and msgspec.json.decode(newest["body"], type=BankDailyFigures) == figures:
            return _out(code, newest, duplicate=True), False
        row: dict[str, object] = {
            "id": uuid.uuid4(),
            "bank": bank_id,
            "day": figures.day,
            "version": 1 if newest is None else newest["version"] + 1,
            "body": body,
            "client_id": principal.id,
            "received_at": dt.datetime.fromtimestamp(now, dt.UTC),
        }
        await db.insert_rows(BankReport, [row])
        return _out(code, row), True

    def busy() -> ApiError:
        return ApiError(503, "bank_report.busy", "Reports for this day are being written; send it again.")

    return await db.retrying(attempt, attempts=5, busy=busy, again=db.is_unique_violation)


async def for_bank(principal: Principal, day: dt.date, now: int) -> BankReportPage:
    """Every version the calling bank sent for this day, newest first."""
    check_day(day, now, READ_AGE_DAYS)
    bank_id, code = await _bank_of(principal)
    rows = (
        await BankReport.select()
        .where((BankReport.bank == bank_id) & (BankReport.day == day))
        .order_by(BankReport.version, ascending=False)
        .run()
    )
    return BankReportPage(items=[_out(code, r) for r in rows])


async def newest_for_day(day: dt.date, bank_code: str | None = None) -> BankReportPage:
    """The newest version of each bank's report for this day (optionally one bank's), by bank code."""
    where = "r.day = {}"
    args: list[object] = [day]
    if bank_code:
        where += " AND b.code = {}"
        args.append(bank_code)
    rows = await BankReport.raw(
        f"""
        SELECT b.code AS code, r.day AS day, r.version AS version, r.body AS body, r.received_at AS received_at
        FROM payments_bank_report r JOIN org_bank b ON b.id = r.bank
        WHERE {where} AND r.version = (
            SELECT MAX(r2.version) FROM payments_bank_report r2 WHERE r2.bank = r.bank AND r2.day = r.day)
        ORDER BY b.code
        """,
        *args,
    ).run()
    return BankReportPage(items=[_out(r["code"], r) for r in rows])
