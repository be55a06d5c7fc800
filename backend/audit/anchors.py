"""Anchors: the access record's head, signed at intervals and published, so that cutting off the
newest entries shows without anyone having remembered the head (docs/access-record.md, "Anchors").

An anchor's statement is a compact JWS (EdDSA by the keyring's `audit-anchor` key, typ
`yikatong-anchor+jwt`) over {region, number, seq, hash, prev, at}; `prev` is the SHA-256 of the
previous statement, so the anchors form a chain of their own, and a witness that keeps the
statements (`yikatong audit anchors`) can show anchors deleted from the database as well.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from backend.audit import chain
from backend.audit.schemas import AnchorKey, AnchorKeys, AnchorOut, AuditRecord, EntryProof
from backend.audit.tables import AccessEntry, Anchor
from backend.keys.keyring import Keyring
from backend.lib import db, ed25519
from backend.lib.canonical import iso

log = logging.getLogger("yikatong.audit")

KEY = "audit-anchor"
TYP = "yikatong-anchor+jwt"
ZERO = "0" * 64
MAX_STATEMENT = 4096  # a statement is a few hundred characters; anything longer is not one


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def statement_digest(statement: str) -> str:
    """What the next anchor's `prev` holds: SHA-256 (hex) of this statement's text."""
    return hashlib.sha256(statement.encode()).hexdigest()


def sign(keyring: Keyring, claims: dict[str, Any]) -> tuple[str, str]:
    """(compact JWS of `claims`, kid) by the keyring's audit-anchor key."""
    key = keyring.named_key(KEY)
    header = {"alg": "EdDSA", "kid": key.kid, "typ": TYP}
    signing_input = (
        f"{_b64(json.dumps(header, separators=(',', ':')).encode())}.{_b64(json.dumps(claims, separators=(',', ':')).encode())}"
    )
    return f"{signing_input}.{_b64(ed25519.sign(key.private, signing_input.encode()))}", key.kid


def jwks(keyring: Keyring) -> AnchorKeys:
    key = keyring.named_key(KEY)
    return AnchorKeys(keys=[AnchorKey(kty="OKP", crv="Ed25519", x=_b64(key.public), kid=key.kid, alg="EdDSA", use="sig")])


class BadStatement(Exception):
    """A statement that is not a well-formed, validly signed anchor."""


@dataclass(frozen=True)
class Claims:
    region: str
    number: int
    seq: int
    hash: str
    prev: str
    at: str


def open_statement(statement: str, keys: dict[str, bytes]) -> Claims:
    """Check the signature (by one of `keys`, kid -> raw public key) and return the claims; BadStatement otherwise."""
    if not isinstance(statement, str) or len(statement) > MAX_STATEMENT or statement.count(".") != 2:
        raise BadStatement("not a compact JWS")
    head, body, signature = statement.split(".")
    try:
        header = json.loads(_unb64(head))
        claims = json.loads(_unb64(body))
        sig = _unb64(signature)
    except (ValueError, TypeError):
        raise BadStatement("not valid base64url JSON") from None
    if not isinstance(header, dict) or header.get("alg") != "EdDSA" or header.get("typ") != TYP:
        raise BadStatement("not an anchor's header (alg, typ)")
    public = keys.get(str(header.get("kid")))
    if public is None:
        raise BadStatement(f"signed by an unknown key {header.get('kid')!r}")
    if not ed25519.verify(public, f"{head}.{body}".encode(), sig):
        raise BadStatement("the signature does not verify")
    try:
        return msgspec.convert(claims, Claims)
    except msgspec.ValidationError:
        raise BadStatement("the claims are not an anchor's") from None


def public_keys(keyring: Keyring) -> dict[str, bytes]:
    key = keyring.named_key(KEY)
    return {key.kid: key.public}


def _out(row: dict[str, Any]) -> AnchorOut:
    return AnchorOut(
        number=row["number"],
        seq=row["seq"],
        hash=row["hash"],
        prev=row["prev"],
        kid=row["kid"],
        statement=row["statement"],
        at=row["at"],
    )


async def anchor_now(keyring: Keyring, *, now: dt.datetime, region: str = "") -> AnchorOut | None:
    """Sign the chain's head now, unless the newest anchor already holds it; the new anchor, or None.

    Read under the chain's lock, so no entry is appended between reading the head and signing it,
    and two callers at once write one anchor (the second finds the head already anchored). A head
    behind the newest anchor is not signed: entries were removed, and `audit verify` says so.
    """
    if not region:
        from backend.lib.settings import load_settings

        region = load_settings().region_code
    async with db.transaction():
        await db.advisory_lock(chain.PG_LOCK_KEY)
        head = await db.fetch_one("SELECT seq, hash FROM audit_access_entry ORDER BY seq DESC LIMIT 1")
        seq, hash_ = (head["seq"], head["hash"]) if head else (0, chain.GENESIS)
        last = await Anchor.select().order_by(Anchor.number, ascending=False).first().run()
        if last is not None and (last["seq"], last["hash"]) == (seq, hash_):
            return None
        if last is not None and seq < last["seq"]:
            log.error("audit anchor refused: the chain's head %s is behind anchor %s at %s", seq, last["number"], last["seq"])
            return None
        number = last["number"] + 1 if last else 1
        prev = statement_digest(last["statement"]) if last else ZERO
        at = now.astimezone(dt.UTC)
        claims = {"region": region, "number": number, "seq": seq, "hash": hash_, "prev": prev, "at": iso(at)}
        statement, kid = sign(keyring, claims)
        row = {
            "id": uuid.uuid4(),
            "number": number,
            "seq": seq,
            "hash": hash_,
            "prev": prev,
            "kid": kid,
            "statement": statement,
            "at": at,
        }
        await db.insert_rows(Anchor, [row])
    return _out(row)


async def page(*, after: int, limit: int) -> tuple[list[AnchorOut], int | None]:
    """Anchors numbered above `after`, oldest first."""
    rows = await Anchor.select().where(Anchor.number > after).order_by(Anchor.number).limit(limit + 1).run()
    more = len(rows) > limit
    items = [_out(r) for r in rows[:limit]]
    return items, (items[-1].number if more and items else None)


async def all_rows() -> list[dict[str, Any]]:
    return await Anchor.select().order_by(Anchor.number).run()


async def covering(seq: int) -> AnchorOut | None:
    """The first anchor at or after chain position `seq`."""
    row = await Anchor.select().where(Anchor.seq >= seq).order_by(Anchor.number).first().run()
    return _out(row) if row else None


# --- checking --------------------------------------------------------------------------------


def _check_anchor_chain(items: Iterable[tuple[str, Claims]], source: str) -> chain.Break | None:
    """Numbers 1, 2, 3 ... without gaps, each `prev` the digest of the statement before, seq never going back."""
    expected, prev, prev_seq = 1, ZERO, 0
    for statement, claims in items:
        if claims.number != expected:
            missing = f"{expected}" if claims.number == expected + 1 else f"{expected} to {claims.number - 1}"
            return chain.Break(
                claims.seq, None, "anchors_deleted", f"Anchor {missing} is missing {source}: anchors were deleted."
            )
        if claims.prev != prev:
            return chain.Break(
                claims.seq, None, "bad_anchor", f"Anchor {claims.number} does not follow anchor {expected - 1} {source}."
            )
        if claims.seq < prev_seq:
            return chain.Break(
                claims.seq,
                None,
                "truncated",
                f"Anchor {claims.number} was signed at entry {claims.seq}, behind anchor {expected - 1} at {prev_seq}: "
                f"entries {claims.seq + 1} to {prev_seq} were removed before it.",
            )
        expected, prev, prev_seq = expected + 1, statement_digest(statement), claims.seq
    return None


@dataclass(frozen=True)
class AnchorCheck:
    checkpoints: list[chain.Checkpoint]
    anchors: int
    problem: chain.Break | None = None


async def check_anchors(keys: dict[str, bytes], witness: list[str] | None = None) -> AnchorCheck:
    """Every anchor in the database, signature and claims, and their own chain; with `witness`
    (statements kept outside), also that none of the witness's anchors is missing or different here."""
    rows = await all_rows()
    opened: list[tuple[str, Claims]] = []
    for row in rows:
        try:
            claims = open_statement(row["statement"], keys)
        except BadStatement as exc:
            message = f"Anchor {row['number']} does not verify: {exc}."
            return AnchorCheck([], len(opened), chain.Break(row["seq"], None, "bad_anchor", message))
        if (claims.number, claims.seq, claims.hash, claims.prev) != (row["number"], row["seq"], row["hash"], row["prev"]):
            message = f"Anchor {row['number']} in the database differs from its signed statement."
            return AnchorCheck([], len(opened), chain.Break(row["seq"], None, "bad_anchor", message))
        opened.append((row["statement"], claims))
    problem = _check_anchor_chain(opened, "in the database")
    if problem is not None:
        return AnchorCheck([], len(opened), problem)
    by_number = {c.number: (s, c) for s, c in opened}
    if witness:
        kept: list[tuple[str, Claims]] = []
        for i, statement in enumerate(witness, 1):
            try:
                kept.append((statement, open_statement(statement, keys)))
            except BadStatement as exc:
                return AnchorCheck(
                    [], len(opened), chain.Break(0, None, "bad_anchor", f"Witness line {i} does not verify: {exc}.")
                )
        kept.sort(key=lambda item: item[1].number)
        for statement, claims in kept:
            mine = by_number.get(claims.number)
            if mine is None:
                message = (
                    f"Anchor {claims.number} (entry {claims.seq}) is in the witness's copy but not in the database: "
                    "anchors were deleted, and the entries they held may have been too."
                )
                return AnchorCheck([], len(opened), chain.Break(claims.seq, None, "anchors_deleted", message))
            if mine[0] != statement:
                message = f"Anchor {claims.number} in the database is not the one the witness kept."
                return AnchorCheck([], len(opened), chain.Break(claims.seq, None, "bad_anchor", message))
    points = [chain.Checkpoint(c.seq, c.hash, f"anchor {c.number}") for _, c in opened]
    return AnchorCheck(points, len(opened))


async def verify(
    keys: dict[str, bytes], *, witness: list[str] | None = None, anchor: tuple[int, str] | None = None
) -> chain.Report:
    """The chain checked against every anchor (and a witness's copy, and a head noted by hand)."""
    checked = await check_anchors(keys, witness)
    if checked.problem is not None:
        return chain.Report(False, 0, 0, chain.GENESIS, checked.problem)
    return await chain.verify(anchor=anchor, anchors=checked.checkpoints)


async def entry_proof_rows(entry_id: uuid.UUID) -> tuple[dict[str, Any] | None, list[dict[str, Any]], AnchorOut | None]:
    """The entry, the entries after it up to the first anchor at or after it, and that anchor."""
    entry = await AccessEntry.select().where(AccessEntry.id == entry_id).first().output(load_json=True).run()
    if entry is None:
        return None, [], None
    anchor = await covering(entry["seq"])
    if anchor is None:
        return entry, [], None
    rows = (
        await AccessEntry.select()
        .where((AccessEntry.seq > entry["seq"]) & (AccessEntry.seq <= anchor.seq))
        .order_by(AccessEntry.seq)
        .output(load_json=True)
        .run()
    )
    return entry, rows, anchor


async def proof(keyring: Keyring, entry_id: uuid.UUID) -> tuple[dict[str, Any], EntryProof] | None:
    """One entry checked in the chain up to the first anchor at or after it (None: no such entry).
    Returns the raw row too, for the caller's permission check."""
    entry, rows, anchor = await entry_proof_rows(entry_id)
    if entry is None:
        return None
    record = msgspec.convert(entry, AuditRecord)
    hash_ok = chain.entry_hash(entry) == entry["hash"]

    def answer(verified: bool, links: int, reason: str, message: str) -> tuple[dict[str, Any], EntryProof]:
        return entry, EntryProof(
            entry=record, hash_ok=hash_ok, links=links, verified=verified, anchor=anchor, reason=reason, message=message
        )

    if not hash_ok:
        return answer(
            False, 0, "edited", f"Entry {entry['seq']} was changed after it was written: its content no longer matches its hash."
        )
    if anchor is None:
        return answer(
            False, 0, "not_anchored_yet", "No anchor has been signed since this entry was written; the next one will hold it."
        )
    prev_seq, prev_hash = entry["seq"], entry["hash"]
    for links, row in enumerate(rows, 1):
        if chain.entry_hash(row) != row["hash"]:
            return answer(False, links, "edited", f"Entry {row['seq']} on the way to anchor {anchor.number} was changed.")
        if row["seq"] != prev_seq + 1:
            return answer(
                False, links, "deleted", f"Entries {prev_seq + 1} to {row['seq'] - 1} are missing before anchor {anchor.number}."
            )
        if row["prev_hash"] != prev_hash:
            return answer(False, links, "broken_link", f"Entry {row['seq']} does not follow entry {prev_seq}.")
        prev_seq, prev_hash = row["seq"], row["hash"]
    links = len(rows)
    if prev_seq != anchor.seq:
        return answer(
            False, links, "deleted", f"The chain stops at entry {prev_seq}, before anchor {anchor.number} at {anchor.seq}."
        )
    if prev_hash != anchor.hash:
        return answer(
            False, links, "anchor_mismatch", f"Entry {anchor.seq} no longer has the hash anchor {anchor.number} signed."
        )
    try:
        claims = open_statement(anchor.statement, public_keys(keyring))
    except BadStatement as exc:
        return answer(False, links, "bad_anchor", f"Anchor {anchor.number} does not verify: {exc}.")
    if (claims.number, claims.seq, claims.hash) != (anchor.number, anchor.seq, anchor.hash):
        return answer(False, links, "bad_anchor", f"Anchor {anchor.number} differs from its signed statement.")
    return answer(True, links, "", f"Verified in the chain up to anchor {anchor.number} (entry {anchor.seq}).")
