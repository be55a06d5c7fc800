"""Statements' use cases: preview and issue with the holder's agreement, list, download, withdraw,
and the public view and check (each on the holder's access record)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import secrets
import uuid
from typing import Any

import anyio.to_thread
import msgspec
from pyhanko.pdf_utils.reader import PdfFileReader

from backend.audit import services as audit
from backend.documents import content as build
from backend.documents import pades, vocab
from backend.documents import pdf as pdfs
from backend.documents.schemas import (
    CheckOut,
    IssueRequest,
    PreviewOut,
    PublicStatement,
    Signer,
    StatementContent,
    StatementList,
    StatementOut,
    StatementRequest,
)
from backend.documents.tables import Statement
from backend.keys.keyring import DocumentKeys, Keyring
from backend.lib import db
from backend.lib.errors import ApiError
from backend.lib.store import Store

CHINA = dt.timezone(dt.timedelta(hours=8))
MAX_PDF_BYTES = 5 * 1024 * 1024
# Per client address: the page is opened by people, the check by people uploading a file.
LIMITS = {"view": (60, 60), "check": (12, 60)}
VERIFIER = audit.Actor("system", "documents.verify", name=vocab.VERIFIER_NAME)


async def throttle(store: Store, kind: str, address: str) -> None:
    limit, window = LIMITS[kind]
    key = f"documents:{kind}:{address}"
    if await store.incr(key, window) > limit:
        raise ApiError(
            429,
            "statement.rate_limited",
            "Too many checks from your address; try again shortly.",
            retry_after=max(1, await store.ttl(key)),
        )


def verify_url(base: str, token: str) -> str:
    # The token goes after '#': browsers never send the fragment, so it is in no server's log.
    return f"{base.rstrip('/')}/verify/#{token}"


def _content(row: dict[str, Any]) -> StatementContent:
    return msgspec.json.decode(row["content"], type=StatementContent)


def _out(row: dict[str, Any], base: str) -> StatementOut:
    content = _content(row)
    return StatementOut(
        id=row["id"],
        kind=row["kind"],
        status=row["status"],
        created_at=row["created_at"],
        withdrawn_at=row["withdrawn_at"],
        title=content.title,
        verify_url=verify_url(base, row["token"]),
        pdf_url=f"/api/v1/me/statements/{row['id']}/pdf",
        content=content,
    )


async def preview(keyring: Keyring, person_id: uuid.UUID, request: StatementRequest, now: dt.datetime) -> PreviewOut:
    content = await build.build(keyring, person_id, request, now.astimezone(CHINA).date())
    return PreviewOut(content=content, content_hash=build.content_hash(content))


def _document_keys(keyring: Keyring) -> DocumentKeys:
    if keyring.documents is None:
        raise ApiError(503, "keys.no_document_key", "The document signing key is missing: run `yikatong keys init`.")
    return keyring.documents


def _font(setting: str) -> Any:
    try:
        return pdfs.font_path(setting)
    except pdfs.FontMissing as exc:
        raise ApiError(503, "statement.font_missing", str(exc)) from exc


def number_of(statement_id: uuid.UUID, issued_at: dt.datetime) -> str:
    return f"YK{issued_at.astimezone(CHINA):%Y%m%d}-{statement_id.hex[:10].upper()}"


def make_pdf(content: StatementContent, *, number: str, issued_at: dt.datetime, url: str, keys: DocumentKeys, font: Any) -> bytes:
    """Render and sign: CPU work (docs/documents.md has the figures), run in a worker thread."""
    return pades.sign(pdfs.render(content, number=number, issued_at=issued_at, verify_url=url, font=font), keys)


async def issue(
    keyring: Keyring, person_id: uuid.UUID, data: IssueRequest, *, base: str, font_setting: str, now: dt.datetime
) -> StatementOut:
    """Issue the statement the holder agreed to; 409 `statement.content_changed` when the records
    changed since the preview (the holder agrees again to the new content)."""
    keys = _document_keys(keyring)
    font = _font(font_setting)
    content = await build.build(
        keyring, person_id, StatementRequest(kind=data.kind, options=data.options), now.astimezone(CHINA).date()
    )
    digest = build.content_hash(content)
    if digest != data.agreed_content_hash:
        raise ApiError(
            409,
            "statement.content_changed",
            "What the statement would state has changed since you agreed to it: look at it again.",
            content_hash=digest,
        )
    statement_id = uuid.uuid4()
    token = secrets.token_urlsafe(18)  # 24 characters, 144 random bits: the only key to the public page
    number = number_of(statement_id, now)
    url = verify_url(base, token)
    signed = await anyio.to_thread.run_sync(
        lambda: make_pdf(content, number=number, issued_at=now, url=url, keys=keys, font=font)
    )
    row = Statement(
        id=statement_id,
        person=person_id,
        kind=data.kind,
        token=token,
        scope=json.dumps({"kind": data.kind, "options": msgspec.to_builtins(data.options)}, ensure_ascii=False),
        content=msgspec.json.encode(content).decode(),
        content_hash=digest,
        pdf=signed,
        pdf_sha256=hashlib.sha256(signed).hexdigest(),
        signer_serial=format(keys.signer_certificate().serial_number, "x"),
        status="valid",
        created_at=now,
    )
    async with db.transaction():
        await row.save().run()
    return _out(await _row(person_id, statement_id), base)


_COLUMNS = (
    Statement.id,
    Statement.person,
    Statement.kind,
    Statement.token,
    Statement.content,
    Statement.status,
    Statement.created_at,
    Statement.withdrawn_at,
    Statement.pdf_sha256,
    Statement.signer_serial,
)


async def _row(person_id: uuid.UUID, statement_id: uuid.UUID) -> dict[str, Any]:
    row: dict[str, Any] | None = (
        await Statement.select(*_COLUMNS).where((Statement.id == statement_id) & (Statement.person == person_id)).first().run()
    )
    if row is None:
        raise ApiError(404, "statement.not_found", "You have no statement with this id.")
    return row


async def mine(person_id: uuid.UUID, base: str) -> StatementList:
    rows = (
        await Statement.select(*_COLUMNS)
        .where(Statement.person == person_id)
        .order_by(Statement.created_at, ascending=False)
        .limit(200)
        .run()
    )
    return StatementList(items=[_out(r, base) for r in rows], count=len(rows))


async def pdf_of(person_id: uuid.UUID, statement_id: uuid.UUID) -> tuple[bytes, str]:
    row = (
        await Statement.select(Statement.pdf, Statement.created_at)
        .where((Statement.id == statement_id) & (Statement.person == person_id))
        .first()
        .run()
    )
    if row is None:
        raise ApiError(404, "statement.not_found", "You have no statement with this id.")
    return bytes(row["pdf"]), number_of(statement_id, row["created_at"])


async def withdraw(person_id: uuid.UUID, statement_id: uuid.UUID, reason: str, *, base: str, now: dt.datetime) -> StatementOut:
    """From now on the verification page and the check say the statement is withdrawn."""
    async with db.transaction():
        row = await _row(person_id, statement_id)
        # Compare-and-set on the status: of two withdrawals at once, one wins and the other is told (409).
        changed = (
            []
            if row["status"] == "withdrawn"
            else await Statement.update(
                {Statement.status: "withdrawn", Statement.withdrawn_at: now, Statement.withdrawn_reason: reason.strip()[:200]}
            )
            .where((Statement.id == statement_id) & (Statement.status == "valid"))
            .returning(Statement.id)
            .run()
        )
        if not changed:
            raise ApiError(409, "statement.withdrawn", "This statement is already withdrawn.")
    return _out(await _row(person_id, statement_id), base)


def _signer_of(keys: DocumentKeys | None, serial: str) -> Signer:
    subject = keys.signer_certificate().subject.rfc4514_string() if keys is not None else ""
    return Signer(subject=subject, serial=serial)


async def _seen(row: dict[str, Any], action: str) -> None:
    """The holder's access record: someone read what their statement states."""
    await audit.record(
        VERIFIER,
        person_id=row["person"],
        action=action,
        fields=[f"statement.{row['kind']}"],
        purpose="核验持证人出示的电子证明",
        basis_kind="consent",
        basis_ref=f"statement {row['id']}",
    )


async def _by_token(token: str) -> dict[str, Any]:
    row: dict[str, Any] | None = await Statement.select(*_COLUMNS).where(Statement.token == token).first().run()
    if row is None:
        raise ApiError(404, "statement.not_found", "No statement has this reference.")
    return row


async def public_view(keyring: Keyring, token: str) -> PublicStatement:
    async with db.transaction():
        row = await _by_token(token)
        await _seen(row, "statement.view")
    content = _content(row)
    return PublicStatement(
        status=row["status"],
        kind=row["kind"],
        title=content.title,
        issued_at=row["created_at"],
        withdrawn_at=row["withdrawn_at"],
        content=content,
        pdf_sha256=row["pdf_sha256"],
        signer=_signer_of(keyring.documents, row["signer_serial"]),
    )


def _signed_revision(data: bytes) -> bytes | None:
    """The bytes the signature covers up to its end: the file as we issued it, even when an
    incremental update was appended after it."""
    try:
        embedded = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
        byte_range = embedded[0].byte_range if len(embedded) == 1 else None
    except Exception:  # noqa: BLE001 - bytes from anyone: a parser failure only means no issued file inside
        return None
    if not byte_range or len(byte_range) != 4:
        return None
    end = int(byte_range[2]) + int(byte_range[3])
    return data[:end] if 0 < end <= len(data) else None


async def public_check(keyring: Keyring, data: bytes) -> CheckOut:
    """Whether an uploaded PDF is a statement we signed, unaltered, and not withdrawn."""
    if len(data) > MAX_PDF_BYTES:
        raise ApiError(413, "statement.too_large", "A statement PDF is at most 5 MB.")
    roots = [keyring.documents.ca_cert] if keyring.documents is not None else []
    verdict = await pades.check(data, roots)
    reasons = list(verdict.reasons)
    issued = _signed_revision(data) if verdict.genuine or "not_whole_file" in reasons else None
    row: dict[str, Any] | None = None
    for candidate in {data, issued} - {None}:
        assert candidate is not None
        found = (
            await Statement.select(*_COLUMNS).where(Statement.pdf_sha256 == hashlib.sha256(candidate).hexdigest()).first().run()
        )
        if found is not None and (row is None or candidate is data):
            row = found
    exact = row is not None and row["pdf_sha256"] == hashlib.sha256(data).hexdigest()
    if row is None:
        reasons.append("unknown_statement")
    elif not exact:
        reasons.append("modified_after_signing" if "not_whole_file" in reasons else "different_file")
    if row is not None and row["status"] == "withdrawn":
        reasons.append("withdrawn")
    if row is not None:
        async with db.transaction():
            await _seen(row, "statement.check")
    return CheckOut(
        genuine=verdict.genuine,
        unaltered=verdict.genuine and verdict.whole_file and exact,
        status=row["status"] if row is not None else "unknown",
        token=row["token"] if row is not None else None,
        title=_content(row).title if row is not None else None,
        reasons=sorted(set(reasons)),  # type: ignore[arg-type]  # every entry is a CheckReason
    )
