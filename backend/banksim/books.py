"""The simulated bank's own books in a SQLite file: accounts it opened, instructions it saw, money it credited.

They are the bank's side of the story, kept apart from the service's database: a payment credited twice
to the same instruction id would show here (`double_credits`), and the credited total must equal what the
service's ledger says it paid through this bank. Every decision is written before it is sent, so a
simulator killed and started again sends the same answer (the same account number, the same outcome).
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CST = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # the province's business day

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (bank_code TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    request_id TEXT PRIMARY KEY,
    bank_code TEXT NOT NULL,
    purpose TEXT NOT NULL,
    card_number TEXT NOT NULL,
    outcome TEXT NOT NULL,            -- opened | refused
    number TEXT UNIQUE,               -- the account number the bank chose (opened)
    reason TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT ''   -- what the service said: opened | refused | superseded | conflict
);
CREATE TABLE IF NOT EXISTS instructions (
    id TEXT PRIMARY KEY,
    bank_code TEXT NOT NULL,
    account TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    payer_agency TEXT NOT NULL,
    valid INTEGER NOT NULL,           -- the signature verified
    seen_at TEXT NOT NULL,
    outcome TEXT,                     -- credited | returned, once decided
    reason TEXT NOT NULL DEFAULT '',
    decided_at TEXT,
    accepted_sent INTEGER NOT NULL DEFAULT 0,
    answer TEXT NOT NULL DEFAULT ''   -- the service's last word: accepted | credited | returned | withdrawn | conflict
);
CREATE TABLE IF NOT EXISTS credits (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    instruction_id TEXT NOT NULL,
    bank_code TEXT NOT NULL,
    account TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    at TEXT NOT NULL,
    reversed INTEGER NOT NULL DEFAULT 0  -- taken back: the service had withdrawn the instruction
);
CREATE INDEX IF NOT EXISTS credits_instruction ON credits (instruction_id);
"""


@dataclass(frozen=True)
class Decision:
    """What the bank decided for one instruction, and whether this call made the decision."""

    outcome: str  # credited | returned
    reason: str  # the return reason code, "" when credited
    new: bool


@dataclass(frozen=True)
class Totals:
    credited_count: int
    credited_fen: int
    returned_count: int
    returned_fen: int
    double_credits: int  # instruction ids credited more than once: must be 0


def luhn_digit(digits: str) -> str:
    """The check digit card and account numbers end with (Luhn, mod 10)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # every second digit from the right, starting with the rightmost payload digit
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(number: str) -> bool:
    return number.isdigit() and len(number) > 1 and luhn_digit(number[:-1]) == number[-1]


# Issuer prefixes of the demo banks' debit cards; another bank gets "62" and four digits of its own.
PREFIXES = {"ICBC": "622202", "CCB": "621700", "GRCB": "621462", "BOC": "621661", "ABC": "622848"}


def prefix_for(bank_code: str) -> str:
    if bank_code in PREFIXES:
        return PREFIXES[bank_code]
    return "62" + f"{sum(ord(c) * (i + 1) for i, c in enumerate(bank_code)) % 10_000:04d}"


def _now() -> str:
    return _text(dt.datetime.now(dt.UTC))


def _text(moment: dt.datetime) -> str:
    """UTC ISO text to the microsecond, one width: it sorts as the moments do."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


class Books:
    """One bank simulator's books (for every bank it plays). Writes are IMMEDIATE transactions: two
    simulators on one file never make the same decision twice."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # A killed simulator loses nothing in WAL mode without a sync per commit; only a power cut could.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        with self._write():
            row = self._db.execute("SELECT value FROM meta WHERE key = 'branch'").fetchone()
            if row is None:
                # Four digits of the bank's own: two simulators' books (two test runs on one database)
                # rarely pick the same numbers; a clash is answered 409 and the next number is taken.
                self._db.execute("INSERT INTO meta VALUES ('branch', ?)", (f"{secrets.randbelow(10_000):04d}",))

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- accounts ---------------------------------------------------------------------------

    def account_decision(self, request_id: str) -> tuple[str, str | None, str] | None:
        """(outcome, number, reason) already decided for this request, or None."""
        row = self._db.execute("SELECT outcome, number, reason FROM accounts WHERE request_id = ?", (request_id,)).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def open_account(self, request_id: str, bank_code: str, purpose: str, card_number: str) -> str:
        """The account number for this request: the one chosen before, or the bank's next one
        (its prefix, its branch, a sequence number, a check digit)."""
        with self._write() as db:
            row = db.execute("SELECT number FROM accounts WHERE request_id = ? AND outcome = 'opened'", (request_id,)).fetchone()
            if row is not None:
                return str(row[0])
            number = self._next_number(db, bank_code)
            db.execute(
                "INSERT INTO accounts (request_id, bank_code, purpose, card_number, outcome, number, decided_at)"
                " VALUES (?, ?, ?, ?, 'opened', ?, ?)",
                (request_id, bank_code, purpose, card_number, number, _now()),
            )
            return number

    def renumber(self, request_id: str, bank_code: str) -> str:
        """The service says the number is another account's: take the next one for this request."""
        with self._write() as db:
            number = self._next_number(db, bank_code)
            db.execute("UPDATE accounts SET number = ? WHERE request_id = ?", (number, request_id))
            return number

    def _next_number(self, db: sqlite3.Connection, bank_code: str) -> str:
        branch = db.execute("SELECT value FROM meta WHERE key = 'branch'").fetchone()[0]
        row = db.execute("SELECT next FROM counters WHERE bank_code = ?", (bank_code,)).fetchone()
        seq = 1 if row is None else int(row[0])
        db.execute(
            "INSERT INTO counters VALUES (?, ?) ON CONFLICT (bank_code) DO UPDATE SET next = excluded.next", (bank_code, seq + 1)
        )
        body = f"{prefix_for(bank_code)}{branch}{seq:08d}"
        return body + luhn_digit(body)

    def refuse_account(self, request_id: str, bank_code: str, purpose: str, card_number: str, reason: str) -> str:
        """Record a refusal (or return the earlier decision's reason if one was made)."""
        with self._write() as db:
            row = db.execute("SELECT outcome, reason FROM accounts WHERE request_id = ?", (request_id,)).fetchone()
            if row is not None:
                return str(row[1])
            db.execute(
                "INSERT INTO accounts (request_id, bank_code, purpose, card_number, outcome, reason, decided_at)"
                " VALUES (?, ?, ?, ?, 'refused', ?, ?)",
                (request_id, bank_code, purpose, card_number, reason, _now()),
            )
            return reason

    def account_answered(self, request_id: str, answer: str) -> None:
        with self._write() as db:
            db.execute("UPDATE accounts SET answer = ? WHERE request_id = ?", (answer, request_id))

    def accounts(self, bank_code: str | None = None) -> list[tuple[str, str, str | None, str]]:
        """(request id, outcome, number, service's answer) of every request the bank decided."""
        sql = "SELECT request_id, outcome, number, answer FROM accounts"
        rows = self._db.execute(sql + (" WHERE bank_code = ?" if bank_code else ""), (bank_code,) if bank_code else ()).fetchall()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    # --- instructions -----------------------------------------------------------------------

    def see(self, instruction_id: str, bank_code: str, account: str, amount_fen: int, payer_agency: str, valid: bool) -> float:
        """Note an instruction the first time it is pulled; returns seconds since it was first seen."""
        with self._write() as db:
            db.execute(
                "INSERT INTO instructions (id, bank_code, account, amount_fen, payer_agency, valid, seen_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (instruction_id, bank_code, account, amount_fen, payer_agency, int(valid), _now()),
            )
            seen = db.execute("SELECT seen_at FROM instructions WHERE id = ?", (instruction_id,)).fetchone()[0]
        return (dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(seen)).total_seconds()

    def decide(self, instruction_id: str, outcome: str, reason: str = "") -> Decision:
        """Decide once: credit (a credit line in the books) or return. A later call gets the first decision."""
        with self._write() as db:
            row = db.execute(
                "SELECT outcome, reason, bank_code, account, amount_fen FROM instructions WHERE id = ?", (instruction_id,)
            ).fetchone()
            if row is None:
                raise KeyError(instruction_id)
            if row[0] is not None:
                return Decision(row[0], row[1], new=False)
            now = _now()
            db.execute(
                "UPDATE instructions SET outcome = ?, reason = ?, decided_at = ? WHERE id = ?",
                (outcome, reason, now, instruction_id),
            )
            if outcome == "credited":
                self._credit(db, instruction_id, row[2], row[3], row[4], now)
            return Decision(outcome, reason, new=True)

    def decision(self, instruction_id: str) -> str | None:
        """The outcome decided for this instruction (credited, returned), or None."""
        row = self._db.execute("SELECT outcome FROM instructions WHERE id = ?", (instruction_id,)).fetchone()
        return None if row is None else row[0]

    def credit(self, instruction_id: str) -> None:
        """Post a credit for this instruction again (only a faulty bank would): the books show it as a double credit."""
        with self._write() as db:
            row = db.execute("SELECT bank_code, account, amount_fen FROM instructions WHERE id = ?", (instruction_id,)).fetchone()
            self._credit(db, instruction_id, row[0], row[1], row[2], _now())

    @staticmethod
    def _credit(db: sqlite3.Connection, instruction_id: str, bank_code: str, account: str, amount_fen: int, at: str) -> None:
        db.execute(
            "INSERT INTO credits (instruction_id, bank_code, account, amount_fen, at) VALUES (?, ?, ?, ?, ?)",
            (instruction_id, bank_code, account, amount_fen, at),
        )

    def accepted_sent(self, instruction_id: str) -> bool:
        row = self._db.execute("SELECT accepted_sent FROM instructions WHERE id = ?", (instruction_id,)).fetchone()
        return bool(row and row[0])

    def answered(self, instruction_id: str, answer: str, *, accepted: bool = False) -> None:
        """What the service said to our answer (accepted, credited, returned, withdrawn, conflict)."""
        with self._write() as db:
            if accepted:
                db.execute("UPDATE instructions SET accepted_sent = 1 WHERE id = ?", (instruction_id,))
            db.execute("UPDATE instructions SET answer = ? WHERE id = ?", (answer, instruction_id))

    def reverse(self, instruction_id: str) -> int:
        """Take back the credits of an instruction the service had withdrawn before our answer arrived."""
        with self._write() as db:
            return db.execute(
                "UPDATE credits SET reversed = 1 WHERE instruction_id = ? AND reversed = 0", (instruction_id,)
            ).rowcount

    # --- figures ------------------------------------------------------------------------------

    def totals(self, bank_code: str | None = None, day: dt.date | None = None) -> Totals:
        """Credits and returns (of one bank, of one business day in the province's time), and double credits."""
        where, args = self._scope(bank_code, day, "at")
        credited = self._db.execute(
            f"SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM credits WHERE reversed = 0{where}", args
        ).fetchone()
        doubles = self._db.execute(
            f"SELECT COUNT(*) FROM (SELECT instruction_id FROM credits WHERE reversed = 0{where}"
            " GROUP BY instruction_id HAVING COUNT(*) > 1)",
            args,
        ).fetchone()
        where, args = self._scope(bank_code, day, "decided_at")
        returned = self._db.execute(
            f"SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM instructions WHERE outcome = 'returned'{where}", args
        ).fetchone()
        return Totals(int(credited[0]), int(credited[1]), int(returned[0]), int(returned[1]), int(doubles[0]))

    def day_counts(self, bank_code: str, day: dt.date) -> tuple[int, int, int]:
        """(accounts opened that day, accounts open at its end, instructions first seen that day)."""
        start, end = _day_bounds(day)
        opened = self._db.execute(
            "SELECT COUNT(*) FROM accounts WHERE bank_code = ? AND outcome = 'opened' AND answer IN ('opened', '')"
            " AND decided_at >= ? AND decided_at < ?",
            (bank_code, start, end),
        ).fetchone()[0]
        open_at_end = self._db.execute(
            "SELECT COUNT(*) FROM accounts WHERE bank_code = ? AND outcome = 'opened' AND answer IN ('opened', '') AND decided_at < ?",
            (bank_code, end),
        ).fetchone()[0]
        seen = self._db.execute(
            "SELECT COUNT(*) FROM instructions WHERE bank_code = ? AND seen_at >= ? AND seen_at < ?", (bank_code, start, end)
        ).fetchone()[0]
        return int(opened), int(open_at_end), int(seen)

    @staticmethod
    def _scope(bank_code: str | None, day: dt.date | None, column: str) -> tuple[str, tuple[str, ...]]:
        where = ""
        args: tuple[str, ...] = ()
        if bank_code:
            where, args = " AND bank_code = ?", (bank_code,)
        if day:
            start, end = _day_bounds(day)
            where += f" AND {column} >= ? AND {column} < ?"
            args += (start, end)
        return where, args


def _day_bounds(day: dt.date) -> tuple[str, str]:
    """The province's calendar day as UTC text bounds (the books keep UTC ISO text, which sorts)."""
    start = dt.datetime.combine(day, dt.time(), CST).astimezone(dt.UTC)
    return _text(start), _text(start + dt.timedelta(days=1))
