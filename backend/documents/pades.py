"""PAdES signatures of statements (pyhanko): signing with the document certificate, and checking a
PDF against document roots only, as the check route and the offline command both do."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]  # ships no type information
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from backend.keys.keyring import DocumentKeys

log = logging.getLogger("yikatong.documents")

FIELD_NAME = "YikatongSignature"
ATTACHMENT = "statement.json"


def _signer(keys: DocumentKeys) -> signers.SimpleSigner:
    private = keys.signer_private().private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(keys.signer_cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(private),
        # The CA goes into the signature too, so a reader needs only the root it trusts.
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(keys.ca_cert)]),
    )


def sign(pdf: bytes, keys: DocumentKeys) -> bytes:
    """The PDF with a PAdES B-B signature (an incremental update covering every byte before it).
    CPU work of some 40 ms: callers run it off the event loop."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason="电子文书签章",
        location="广东",
    )
    out = signers.sign_pdf(writer, meta, signer=_signer(keys))
    return bytes(out.getvalue())


@dataclass
class Verdict:
    """What a PDF's signature says, checked against the given roots only."""

    genuine: bool = False  # a valid signature by a certificate that chains to a root
    whole_file: bool = False  # that signature covers every byte of the file (nothing appended)
    reasons: list[str] = field(default_factory=list)
    signer_subject: str = ""
    signer_serial: str = ""
    content: dict[str, Any] | None = None  # the embedded statement.json


def _embedded_json(reader: PdfFileReader) -> dict[str, Any] | None:
    """The statement's content as attached to the PDF (what an offline checker prints)."""
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
        for i in range(0, len(names), 2):
            if str(names[i]) == ATTACHMENT:
                raw = names[i + 1]["/EF"]["/F"].get_object().data
                value = json.loads(raw)
                return value if isinstance(value, dict) else None
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return None
    return None


def _open(data: bytes) -> tuple[PdfFileReader, list[Any]]:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    return reader, list(reader.embedded_signatures)


async def check(data: bytes, roots: list[bytes]) -> Verdict:
    """Check a PDF's one signature against `roots` (DER certificates of document CAs)."""
    verdict = Verdict()
    try:
        # Parsing up to 5 MB of anyone's PDF is CPU work: off the event loop.
        reader, signatures = await anyio.to_thread.run_sync(_open, data)
    except Exception:  # noqa: BLE001 - bytes from anyone: whatever the PDF parser trips on, it is not our PDF
        verdict.reasons.append("not_a_pdf")
        return verdict
    if not signatures:
        verdict.reasons.append("no_signature")
        return verdict
    if len(signatures) > 1:
        verdict.reasons.append("several_signatures")
        return verdict
    embedded = signatures[0]
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(r) for r in roots],
        allow_fetching=False,  # offline by design: the roots are all a checker needs
        revocation_mode="soft-fail",  # our certificates name no revocation service; withdrawal is online
    )
    try:
        status: PdfSignatureStatus = await async_validate_pdf_signature(embedded, context)
    except Exception:  # noqa: BLE001 - a signature dictionary forged to crash the validator is simply not valid
        log.info("statement check: the validator refused the signature", exc_info=True)
        verdict.reasons.append("signature_invalid")
        return verdict
    cert = embedded.signer_cert
    verdict.signer_subject = cert.subject.human_friendly
    verdict.signer_serial = format(cert.serial_number, "x")
    if not (status.intact and status.valid):
        verdict.reasons.append("signature_invalid")
    elif not status.trusted:
        verdict.reasons.append("untrusted_signer")
    verdict.genuine = bool(status.intact and status.valid and status.trusted)
    whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
    if not whole:
        verdict.reasons.append("not_whole_file")
    verdict.whole_file = whole
    # What it states, read only from a genuine, whole file: an attacker's attachment is never decoded
    # (a small stream may inflate to gigabytes).
    verdict.content = _embedded_json(reader) if verdict.genuine and whole else None
    return verdict
