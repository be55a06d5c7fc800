"""The scanner's QR decoder (ZXing-C++ as WebAssembly, chosen by bench/decoders.py; see
docs/decoders.md) reads both kinds of wallet code off Chromium's fake camera, including the dense
offline code held small in the frame, with every file from our server."""

from __future__ import annotations

import io
import os
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from backend.codes import format as fmt
from backend.lib import ed25519
from tests.e2e.conftest import launch

pytestmark = pytest.mark.browser

FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
WIDTH, HEIGHT = 640, 480


def _codes() -> dict[str, str]:
    """An online code as the server mints it, and two offline codes as the phone makes them
    (backend.codes.format: the module the server and the offline verifiers use)."""
    now = int(time.time())
    card = os.urandom(8)
    issuer_seed, _ = ed25519.generate()
    device_seed, device_pub = ed25519.generate()
    credential = fmt.make_credential(
        issuer_kid=os.urandom(4),
        issuer_seed=issuer_seed,
        card_ref=card,
        region=440100,
        nbf=now - 5,
        exp=now + 43200,
        flags=0x09,
        device_pub=device_pub,
    )
    return {
        "online": fmt.mint_online(card, kid=1, master=os.urandom(32), now=now),
        "offline": fmt.make_offline_code(credential, device_seed, now),
        "offline-small": fmt.make_offline_code(credential, device_seed, now + 1),
    }


# The wallet's own drawing of a code (pwa/shared/qr-render.js), 8 px a module.
DRAW = """async (text) => {
    const { qrSvg } = await import('/shared/qr-render.js');
    const svg = await qrSvg(text, 'code');
    const side = svg.viewBox.baseVal.width * 8;
    svg.setAttribute('width', side);
    svg.setAttribute('height', side);
    svg.id = 'drawn';
    document.querySelector('#drawn')?.remove();
    document.body.prepend(svg);
    return svg.dataset.version;
}"""


def _drawn(page, text: str) -> tuple[Image.Image, int]:
    version = page.evaluate(DRAW, text)
    png = page.locator("#drawn").screenshot()
    return Image.open(io.BytesIO(png)).convert("L"), int(version)


def _frame(code: Image.Image, side: int) -> bytes:
    """A 640x480 grey frame: the code, `side` px with its quiet zone, on a white phone screen."""
    frame = Image.new("L", (WIDTH, HEIGHT), 60)
    screen = Image.new("L", (side + 24, side + 24), 255)
    screen.paste(code.resize((side, side), Image.BOX), (12, 12))
    frame.paste(screen, ((WIDTH - screen.width) // 2, (HEIGHT - screen.height) // 2))
    return frame.tobytes()


def _video(frames: list[bytes], path: Path) -> None:
    """YUV4MPEG2 4:2:0 at 10 fps, grey (Chromium's fake camera loops it)."""
    chroma = bytes([128]) * ((WIDTH // 2) * (HEIGHT // 2))
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for y in frames:
            fh.write(b"FRAME\n" + y + chroma + chroma)


# The scanner's camera module on the fake camera, as app.js uses it: collect what it reads.
SCAN = """async (wanted) => {
    const { CameraScanner } = await import('/scanner/camera.js');
    const video = document.createElement('video');
    document.body.append(video);
    const seen = new Set();
    const scanner = new CameraScanner(video, (text) => seen.add(text));
    const engine = await scanner.start();
    const until = Date.now() + 20000;
    while (Date.now() < until && !wanted.every((t) => seen.has(t))) await new Promise((r) => setTimeout(r, 100));
    scanner.stop();
    return { engine, seen: [...seen] };
}"""


def test_the_scanner_decoder_reads_both_kinds_of_wallet_code(browser, playwright_instance, chromium_path, server, tmp_path):
    codes = _codes()
    drawer = browser.new_context(base_url=server.base_url)
    page = drawer.new_page()
    page.goto(server.base_url + "/scanner/")
    online, online_version = _drawn(page, codes["online"])
    offline, offline_version = _drawn(page, codes["offline"])
    small, _ = _drawn(page, codes["offline-small"])
    drawer.close()
    assert online_version <= 3 and offline_version >= 9  # the offline code is the dense one
    # Half a second of each (the video loops): online and offline codes large, as the tests film
    # them, then an offline code small, 160-180 px (2.5-2.8 px a module), a little nearer or
    # further in each frame as in a hand: a single still size can fall on a pixel phase that
    # defeats a decoder by chance (docs/decoders.md).
    frames = [_frame(online, 440)] * 5 + [_frame(offline, 440)] * 5 + [_frame(small, s) for s in (160, 165, 170, 175, 180)]
    video = tmp_path / "codes.y4m"
    _video(frames, video)

    cam = launch(playwright_instance, chromium_path, [*FAKE_CAMERA, f"--use-file-for-fake-video-capture={video}"])
    try:
        ctx = cam.new_context(base_url=server.base_url, permissions=["camera"], service_workers="block")
        page = ctx.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(server.base_url + "/scanner/")
        page.wait_for_selector("main#main h1")
        out = page.evaluate(SCAN, list(codes.values()))
        ctx.close()
    finally:
        cam.close()
    # Linux Chromium has no BarcodeDetector, so the scanner runs ZXing; jsQR would mean the
    # WebAssembly did not load (CSP, content type, a missing vendor file).
    assert out["engine"] == "zxing"
    read = {kind for kind, text in codes.items() if text in out["seen"]}
    assert read == set(codes), out["seen"]
    # Its module and .wasm came from our /vendor/, never from zxing-wasm's default CDN.
    assert server.base_url + "/vendor/zxing-wasm@3.1.6/dist/reader/zxing_reader.wasm" in requested
    assert all(url.startswith(server.base_url) for url in requested), requested


def _headers(url: str) -> dict[str, str]:
    with urllib.request.urlopen(url) as response:
        return {k.lower(): v for k, v in response.headers.items()}


def test_the_wasm_is_served_as_wasm_and_only_the_scanner_may_compile_it(server):
    wasm = _headers(server.base_url + "/vendor/zxing-wasm@3.1.6/dist/reader/zxing_reader.wasm")
    assert wasm["content-type"] == "application/wasm"
    # The scanner, and the wallet for its 扫一扫 (issue 19), which uses the same decoder.
    for camera in ("/scanner/", "/wallet/"):
        assert "'wasm-unsafe-eval'" in _headers(server.base_url + camera)["content-security-policy"], camera
    for other in ("/catalog/", "/console/"):
        csp = _headers(server.base_url + other)["content-security-policy"]
        assert "wasm" not in csp and "unsafe-eval" not in csp, (other, csp)
