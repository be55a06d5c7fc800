"""Server-rendered QR images (SVG, PNG) of a freshly minted online code."""

from __future__ import annotations

import io
from typing import Annotated, Any

import anyio.to_thread
import qrcode
from litestar import Request, Response, get
from litestar.datastructures import ResponseHeader
from litestar.params import Parameter
from PIL import Image
from qrcode.image.svg import SvgPathFillImage

from backend.codes import minting
from backend.codes.schemas import OnlineCode
from backend.keys.keyring import Keyring
from backend.lib.auth import Principal, proven_citizen
from backend.lib.openapi import error
from backend.lib.store import Store

QUIET_ZONE = 4  # modules of white border the QR standard requires around the symbol
DEFAULT_SCALE = 8


class _QrSvg(SvgPathFillImage):  # type: ignore[misc]  # qrcode ships no types: its classes are Any
    """SvgPathImage with a white background (dark-mode pages must not show through) and a
    label for screen readers."""

    def _svg(self, **kwargs: Any) -> Any:  # an xml.etree or an lxml element, whichever qrcode found
        svg = super()._svg(**kwargs)
        svg.set("role", "img")
        svg.set("aria-label", "Yikatong e-card QR code")
        return svg


def _qr(text: str, scale: int = DEFAULT_SCALE, factory: type[_QrSvg] | None = None) -> qrcode.QRCode:
    qr = qrcode.QRCode(
        version=minting.qr_version(text),
        error_correction=minting.QR_ERROR_CORRECTION,
        box_size=scale,
        border=QUIET_ZONE,
        image_factory=factory,
    )
    qr.add_data(minting.qr_data(text))
    qr.make(fit=False)  # still picks the best of the 8 masks, as the QR standard asks
    return qr


def render_svg(text: str, scale: int = DEFAULT_SCALE) -> bytes:
    """The QR code of `text` as a standalone SVG document (one path, white background)."""
    svg: bytes = _qr(text, scale, _QrSvg).make_image().to_string(encoding="utf-8", xml_declaration=True)
    return svg


def render_png(text: str, scale: int = DEFAULT_SCALE) -> bytes:
    """The QR code of `text` as a 1-bit PNG, `scale` pixels per module, quiet zone included."""
    matrix = _qr(text).get_matrix()  # modules with the quiet zone, True = dark
    size = len(matrix)
    # One pixel per module, then an exact nearest-neighbour blow-up: several times faster
    # than drawing every module as a rectangle, and the same pixels.
    image = Image.new("1", (size, size), 1)
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    image = image.resize((size * scale, size * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _headers(minted: OnlineCode) -> dict[str, str]:
    # The code itself stays in the body only: headers end up in proxy logs more easily.
    return {
        "Cache-Control": "no-store",
        "X-Code-Issued-At": str(minted.issued_at),
        "X-Code-Expires-At": str(minted.expires_at),
        "X-QR-Version": str(minted.qr_version),
    }


Scale = Annotated[
    int,
    Parameter(ge=2, le=32, description="Pixels (PNG) or SVG user units per QR module.", default=DEFAULT_SCALE),
]

_IMAGE_HEADERS = [
    ResponseHeader(name="Cache-Control", description="no-store: every image is a new code.", documentation_only=True),
    ResponseHeader(name="X-Code-Issued-At", description="Unix time the code was minted.", documentation_only=True),
    ResponseHeader(name="X-Code-Expires-At", description="Unix time the code stops being accepted.", documentation_only=True),
    ResponseHeader(name="X-QR-Version", description="QR version of the symbol (at most 3).", documentation_only=True),
]


_IMAGE_ERRORS = {
    400: error("request.invalid: scale outside 2..32"),
    401: error("auth.required or auth.invalid_token"),
    403: error("auth.wrong_role: only citizens have codes"),
    404: error("card.not_found"),
    409: error("card.not_usable, with details.state and details.result"),
    429: error("codes.rate_limited, with Retry-After"),
}


async def mint_for_caller(request: Request[Principal, Any, Any], keyring: Keyring, store: Store, now: int) -> OnlineCode:
    """A fresh online code for the signed-in citizen (the JSON and both image routes share it)."""
    principal = request.user
    return await minting.online_code(
        account_id=principal.id, person_id=principal.person_id, keyring=keyring, store=store, now=now
    )


@get(
    "/api/v1/me/codes/online.svg",
    summary="Online code as SVG",
    description=(
        "Mints a fresh online code for your card (like POST /api/v1/me/codes/online) and returns it "
        "as an SVG QR code at error correction M, for wallets that cannot draw QR codes themselves. "
        "Never cached; the expiry is in `X-Code-Expires-At`. Counts against the same per-minute "
        "minting limit (429 `codes.rate_limited`). 404 `card.not_found`, 409 `card.not_usable`."
    ),
    tags=["codes"],
    guards=[proven_citizen],
    media_type="image/svg+xml",
    response_headers=_IMAGE_HEADERS,
    responses=_IMAGE_ERRORS,
)
async def online_code_svg(
    request: Request[Principal, Any, Any], keyring: Keyring, store: Store, now: int, scale: Scale = DEFAULT_SCALE
) -> Response[bytes]:
    minted = await mint_for_caller(request, keyring, store, now)
    # Drawing takes some milliseconds of pure Python: keep it off the event loop.
    image = await anyio.to_thread.run_sync(render_svg, minted.code, scale)
    return Response(image, media_type="image/svg+xml", headers=_headers(minted))


@get(
    "/api/v1/me/codes/online.png",
    summary="Online code as PNG",
    description=(
        "Mints a fresh online code for your card and returns it as a PNG QR code at error "
        "correction M (`scale` pixels per module, 4-module quiet zone). Never cached; the expiry is "
        "in `X-Code-Expires-At`. Same limits and errors as the SVG form."
    ),
    tags=["codes"],
    guards=[proven_citizen],
    media_type="image/png",
    response_headers=_IMAGE_HEADERS,
    responses=_IMAGE_ERRORS,
)
async def online_code_png(
    request: Request[Principal, Any, Any], keyring: Keyring, store: Store, now: int, scale: Scale = DEFAULT_SCALE
) -> Response[bytes]:
    minted = await mint_for_caller(request, keyring, store, now)
    image = await anyio.to_thread.run_sync(render_png, minted.code, scale)
    return Response(image, media_type="image/png", headers=_headers(minted))


ROUTES = [online_code_svg, online_code_png]
