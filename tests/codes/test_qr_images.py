"""Both code kinds survive a real render (PNG and SVG) and a real decode with zxing-cpp."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import qrcode
import qrcode.image.svg
import zxingcpp
from PIL import Image, ImageDraw

from backend.codes import format as fmt
from backend.lib import ed25519

NOW = 1_767_258_000
SVG_NS = "{http://www.w3.org/2000/svg}"
ISSUER_SEED = hashlib.sha256(b"qr image test issuer").digest()
DEVICE_SEED = hashlib.sha256(b"qr image test device").digest()


def online_code() -> str:
    return fmt.mint_online(b"\x10" * 8, kid=3, master=b"\x42" * 32, now=NOW)


def offline_code() -> str:
    cred = fmt.make_credential(
        issuer_kid=b"\x0a\x0b\x0c\x0d",
        issuer_seed=ISSUER_SEED,
        card_ref=b"\x20" * 8,
        region=310000,
        nbf=NOW - 60,
        exp=NOW + 3600,
        flags=int(fmt.Flags.DISABILITY),
        device_pub=ed25519.public_from_seed(DEVICE_SEED),
    )
    return fmt.make_offline_code(cred, DEVICE_SEED, NOW)


CODES = {"online": (online_code(), 3), "offline": (offline_code(), 10)}


def make_qr(text: str, factory: type | None = None) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, image_factory=factory)
    qr.add_data(text)
    qr.make(fit=True)
    return qr


def read_one(image: Image.Image) -> zxingcpp.Barcode:
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    return found[0]


def raster(rects: list[tuple[float, float, float, float]], size: float, scale: int = 6) -> Image.Image:
    """Paint module rectangles (x, y, w, h in module units) black on white."""
    image = Image.new("L", (round(size * scale), round(size * scale)), 255)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in rects:
        draw.rectangle([x * scale, y * scale, (x + w) * scale - 1, (y + h) * scale - 1], fill=0)
    return image


@pytest.mark.parametrize("kind", CODES)
def test_png_round_trip(kind: str, tmp_path: Path) -> None:
    text, version = CODES[kind]
    qr = make_qr(text)
    assert qr.version == version
    path = tmp_path / f"{kind}.png"
    qr.make_image().save(path)
    with Image.open(path) as image:
        assert image.format == "PNG"
        barcode = read_one(image.convert("L"))
    assert barcode.text == text
    assert barcode.ec_level == "M"
    assert barcode.extra.get("Version") == str(version)
    assert fmt.kind_of(barcode.text) == kind


@pytest.mark.parametrize("kind", CODES)
def test_svg_rect_image(kind: str, tmp_path: Path) -> None:
    text, _ = CODES[kind]
    path = tmp_path / f"{kind}.svg"
    make_qr(text, qrcode.image.svg.SvgImage).make_image().save(path)
    root = ET.parse(path).getroot()
    assert root.tag == SVG_NS + "svg"
    rects = [
        tuple(float(r.get(a, "").removesuffix("mm")) for a in ("x", "y", "width", "height")) for r in root.iter(SVG_NS + "rect")
    ]
    assert rects
    size = float(root.get("width", "").removesuffix("mm"))
    assert read_one(raster(rects, size)).text == text  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", CODES)
def test_svg_path_image(kind: str, tmp_path: Path) -> None:
    text, _ = CODES[kind]
    path = tmp_path / f"{kind}-path.svg"
    make_qr(text, qrcode.image.svg.SvgPathImage).make_image().save(path)
    root = ET.parse(path).getroot()
    paths = list(root.iter(SVG_NS + "path"))
    assert root.tag == SVG_NS + "svg" and len(paths) == 1
    # SvgPathImage draws each dark module as "Mx,yHx2Vy2Hxz".
    squares = re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H[\d.]+z", paths[0].get("d", ""))
    assert squares
    rects = [(float(x), float(y), float(x2) - float(x), float(y2) - float(y)) for x, y, x2, y2 in squares]
    size = float(root.get("viewBox", "0 0 0 0").split()[2])
    assert read_one(raster(rects, size)).text == text
