"""Builders for the statement tests: holders with HR records, statements issued through the API, and PDF checks."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

from tests.conftest import need
from tests.venues.helpers import Holder, World

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _uscc(body: str) -> str:
    """A unified social credit code with its GB 32100 check character."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


USCC_A = _uscc("91440101MA59XKT3Y")
SOURCE = {"source_kind": "agency", "source_id": "test-hrss", "source_name": "广州市人力资源和社会保障局", "client_id": "test"}


def contribution(month: str, insurance: str = "pension", **extra) -> dict:
    return {
        "month": month,
        "insurance": insurance,
        "base_fen": 800000,
        "employer_fen": 128000,
        "person_fen": 64000,
        "employer_uscc": USCC_A,
        "employer_name": "广州示例科技有限公司",
        "status": "paid",
        **extra,
    }


class Docs(World):
    """A venue World (holders with cards) plus HR records and statements."""

    async def add(self, holder: Holder, kind: str, data: dict, effective_on: dt.date) -> uuid.UUID:
        from backend.hrfile import services as hrfile
        from backend.lib import db

        async def write() -> uuid.UUID:
            async with db.transaction():
                return await hrfile.append(
                    person_id=holder.person_id,
                    kind=kind,
                    data=data,
                    effective_on=effective_on,
                    legal_basis="《社会保险法》",
                    **SOURCE,
                )

        return await self.call(write)

    async def with_records(self) -> Holder:
        """A holder with contributions for three months (two insurances) and a job."""
        holder = await self.holder(name="李晓华")
        for month in ("2026-01", "2026-02", "2026-03"):
            for insurance in ("pension", "medical"):
                await self.add(holder, "contribution", contribution(month, insurance), dt.date.fromisoformat(month + "-01"))
        start = {
            "employer_uscc": USCC_A,
            "employer_name": "广州示例科技有限公司",
            "position": "软件工程师",
            "start_on": "2020-03-01",
        }
        await self.add(holder, "employment_start", start, dt.date(2020, 3, 1))
        return holder

    async def preview(self, holder: Holder, kind: str, options: dict | None = None):
        return await self.client.post(
            "/api/v1/me/statements/preview", json={"kind": kind, "options": options or {}}, headers=holder.headers
        )

    async def issue(self, holder: Holder, kind: str, options: dict | None = None) -> dict:
        preview = await self.preview(holder, kind, options)
        assert preview.status_code == 200, preview.text
        body = {"kind": kind, "options": options or {}, "agreed_content_hash": preview.json()["content_hash"]}
        response = await self.client.post("/api/v1/me/statements", json=body, headers=holder.headers)
        assert response.status_code == 201, response.text
        return response.json()

    async def pdf(self, holder: Holder, statement: dict) -> bytes:
        response = await self.client.get(statement["pdf_url"], headers=holder.headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        return response.content

    async def check(self, data: bytes):
        return await self.client.post("/api/v1/statements/check", content=data, headers={"Content-Type": "application/pdf"})

    async def access_records(self, holder: Holder) -> list[dict]:
        response = await self.client.get("/api/v1/me/access-records?limit=50", headers=holder.headers)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    def trust(self) -> dict:
        from backend.keys.trust import jwks

        return jwks(self.keyring)


def pdfsig(path: Path) -> str:
    """poppler's pdfsig on a file: an independent reader of PDF signatures."""
    if shutil.which("pdfsig") is None:
        need("pdfsig", "poppler-utils is not installed (apt-get install poppler-utils)")
    done = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60, env={**os.environ, "LANG": "C"})
    return done.stdout + done.stderr


def page_image(data: bytes, page: int = 0, scale: float = 3.0):
    """A PIL image of one page (pypdfium2, Chromium's PDF engine)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    return document[page].render(scale=scale).to_pil()


def page_text(data: bytes, page: int = 0) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    return document[page].get_textpage().get_text_range()


def qr_of(image) -> str:
    import zxingcpp

    found = zxingcpp.read_barcodes(image)
    assert found, "no QR code found on the page"
    return found[0].text


def appended_update(data: bytes) -> bytes:
    """An incremental update after the signature that changes what page 1 says (an edit a PDF tool would make)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    info = writer.root  # any object change makes a new revision; the title is what a forger would edit
    writer.set_info(generic.DictionaryObject({generic.NameObject("/Title"): generic.TextStringObject("伪造的证明")}))
    writer.update_root()
    del info
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def attachment(data: bytes) -> dict:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data))
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    return json.loads(names[1]["/EF"]["/F"].get_object().data)
