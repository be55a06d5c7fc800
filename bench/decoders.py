"""QR decoding in the scanner, in real Chromium on its fake camera: jsQR (the baseline) against
ZXing-C++ (zxing-wasm), each driven through pwa/scanner/camera.js's own `decoderEngine()`.

The codes are the wallet's two kinds, made by backend.codes.format (the module the server and
the tests use: an online code YKO1:..., and a phone-made offline code YKD1:..., the denser one)
and drawn by the wallet's own /shared/qr-render.js. Each is filmed under several conditions
(large, medium and small in a 640x480 frame; blurred, noisy, rotated, low contrast; all of that
at once), one Chromium per video (--use-file-for-fake-video-capture). On every new camera frame
both decoders run, one after the other in alternating order, each timed by performance.now().

Per decoder and video: decodes per second of decoding time (fps it can sustain on this core,
grabbing the frame included) and decode rate (frames read correctly / frames tried; a wrong
text would be counted apart). Machines here are noisy: figures are printed as ratios to jsQR
measured on the same frames in the same run. Results: docs/decoders.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere without installing

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
WIDTH, HEIGHT = 640, 480  # what getUserMedia gives the scanner when it asks for no size
VIDEO_FRAMES = 20  # distinct frames per video (2 s at 10 fps); it loops
DECODERS = ("jsqr", "zxing")  # the first is the baseline


@dataclass(frozen=True)
class Condition:
    """How the code appears in the camera frame."""

    name: str
    side: int  # pixels of the code with its 4-module quiet zone
    blur: float = 0.0  # Gaussian radius, pixels
    noise: float = 0.0  # Gaussian sigma, grey levels, new on every frame
    angle: float = 0.0  # degrees
    dark: int = 0  # grey level of dark modules
    light: int = 255  # grey level of light modules and the phone's screen


# Sides are of the code with its quiet zone, +-5 % from frame to frame; for the offline code
# (version 10, 65 modules) 420 px is 6.5 px a module, 260 px 4, 170 px 2.6, 140 px 2.2, 110 px 1.7.
CONDITIONS = (
    Condition("large, 420 px (as the tests film it)", side=420),
    Condition("medium, 260 px", side=260),
    Condition("small, 170 px", side=170),
    Condition("tiny, 140 px", side=140),
    Condition("blur r=1.5, 260 px", side=260, blur=1.5),
    Condition("noise sigma=30, 260 px", side=260, noise=30),
    Condition("rotated 15 deg, 260 px", side=260, angle=15),
    Condition("low contrast 100..160, 260 px", side=260, dark=100, light=160),
    Condition("all at once, 240 px", side=240, blur=1.0, noise=12, angle=8, dark=70, light=190),
    # Past what a scanner should be asked to read: where each decoder gives up.
    Condition("too small, 110 px", side=110),
    Condition("too hard: 200 px, blur, noise 40, 20 deg, dim", side=200, blur=1.2, noise=40, angle=20, dark=80, light=170),
)


# --- the codes -----------------------------------------------------------------------------


def wallet_texts() -> dict[str, str]:
    """One code of each kind, as the server mints them and the phone makes them."""
    from backend.codes import format as fmt
    from backend.lib import ed25519

    now = int(time.time())
    card = os.urandom(8)
    online = fmt.mint_online(card, kid=1, master=os.urandom(32), now=now)
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
    offline = fmt.make_offline_code(credential, device_seed, now)
    return {"online": online, "offline": offline}


# The wallet's drawing (pwa/shared/qr-render.js), read back as the SVG's path of unit squares.
DRAW = """async (text) => {
    const { qrSvg } = await import('/shared/qr-render.js');
    const svg = await qrSvg(text, 'code');
    return { size: svg.viewBox.baseVal.width, d: svg.querySelector('path').getAttribute('d'), version: svg.dataset.version };
}"""


def modules_of(drawing: dict) -> tuple[list[list[bool]], int]:
    """The dark modules (quiet zone included) of a qrSvg() drawing, and its QR version."""
    size = int(drawing["size"])
    grid = [[False] * size for _ in range(size)]
    for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", drawing["d"]):
        grid[int(y)][int(x)] = True
    return grid, int(drawing["version"])


def code_image(grid: list[list[bool]], scale: int = 16) -> Image.Image:
    """The code as the phone's screen shows it: black modules on white, crisp."""
    n = len(grid)
    small = Image.new("L", (n, n), 255)
    small.putdata([0 if dark else 255 for row in grid for dark in row])
    return small.resize((n * scale, n * scale), Image.NEAREST)


def frames_of(code: Image.Image, cond: Condition, rng: random.Random) -> Iterator[Image.Image]:
    """Camera frames of the code under `cond`: a lit phone screen on a darker desk, held by a
    hand that is never quite still (each frame a little nearer or further, shifted, turned), so
    the modules fall on the sensor's pixels at a different phase in every frame."""
    lo, hi = cond.dark, cond.light
    for _ in range(VIDEO_FRAMES):
        side = round(cond.side * rng.uniform(0.95, 1.05))
        # A lens and sensor average light over each pixel: box-filter the crisp drawing down.
        img = code.resize((side, side), Image.BOX)
        if lo or hi != 255:
            img = img.point(lambda v: round(lo + (hi - lo) * v / 255))
        screen = Image.new("L", (side + 24, side + 24), hi)  # the phone's screen around the code
        screen.paste(img, (12, 12))
        mask = Image.new("L", screen.size, 255)
        angle = cond.angle + rng.uniform(-1.0, 1.0)
        screen = screen.rotate(angle, Image.BICUBIC, expand=True)
        mask = mask.rotate(angle, Image.BICUBIC, expand=True)
        frame = Image.new("L", (WIDTH, HEIGHT), 60)
        at = ((WIDTH - screen.width) // 2 + rng.randint(-6, 6), (HEIGHT - screen.height) // 2 + rng.randint(-6, 6))
        frame.paste(screen, at, mask)
        if cond.blur:
            frame = frame.filter(ImageFilter.GaussianBlur(cond.blur))
        if cond.noise:
            noise = Image.effect_noise((WIDTH, HEIGHT), cond.noise)  # centred on 128
            frame = ImageChops.add(frame, noise, scale=1.0, offset=-128)
        yield frame


def write_y4m(frames: Iterator[Image.Image], path: Path) -> None:
    """YUV4MPEG2 4:2:0 grey video (what Chromium's fake camera reads), looping at 10 fps."""
    chroma = bytes([128]) * ((WIDTH // 2) * (HEIGHT // 2))
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            fh.write(b"FRAME\n")
            fh.write(frame.tobytes())
            fh.write(chroma)
            fh.write(chroma)


# --- the server ----------------------------------------------------------------------------


@contextmanager
def static_server() -> Iterator[str]:
    """The PWAs' static routes (pwa/, /shared/, /vendor/ allow-list) with the real security
    headers, so the scanner's page runs under its own CSP and Permissions-Policy."""
    import socket

    import uvicorn
    from litestar import Litestar

    from backend.lib.headers import security_headers
    from backend.pwa_static import ROUTES

    app = Litestar(route_handlers=ROUTES, before_send=[security_headers(behind_tls=False)])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the static server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


# --- the measurement -----------------------------------------------------------------------

# In the scanner's page: both engines from camera.js on the fake camera; on each new frame each
# decodes once (alternating which goes first), timed.
MEASURE = """async ({ names, expected, frames, warmup }) => {
    const camera = await import('/scanner/camera.js');
    const engines = [];
    for (const name of names) engines.push(await camera.decoderEngine(name));
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    await video.play();
    const nextFrame = () => new Promise((resolve) => {
        const timer = setTimeout(resolve, 250);
        video.requestVideoFrameCallback(() => { clearTimeout(timer); resolve(); });
    });
    while (!video.videoWidth) await nextFrame();
    const canvas = document.createElement('canvas');
    const stats = engines.map((e) => ({ name: e.name, ms: [], ok: 0, wrong: 0 }));
    for (let i = -warmup; i < frames; i++) {
        await nextFrame();
        const order = i % 2 ? [0, 1] : [1, 0];
        for (const k of order) {
            const t0 = performance.now();
            let text = null;
            try { text = await engines[k].decode(video, canvas); } catch { text = null; }
            const ms = performance.now() - t0;
            if (i < 0) continue;
            stats[k].ms.push(ms);
            if (text === expected) stats[k].ok += 1;
            else if (text) stats[k].wrong += 1;
        }
    }
    for (const track of stream.getTracks()) track.stop();
    return { width: video.videoWidth, height: video.videoHeight, stats };
}"""


@dataclass
class Row:
    kind: str
    version: int
    condition: str
    decoder: str
    frames: int
    ok: int
    wrong: int
    total_ms: float
    median_ms: float

    @property
    def fps(self) -> float:
        return self.frames / (self.total_ms / 1000) if self.total_ms else math.inf

    @property
    def rate(self) -> float:
        return self.ok / self.frames if self.frames else 0.0


def measure(base_url: str, texts: dict[str, str], frames: int, warmup: int, log: Callable[[str], None]) -> list[Row]:
    from playwright.sync_api import sync_playwright

    rows: list[Row] = []
    rng = random.Random(15)
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="yk-decoders-") as tmp:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS[:6])
        page = browser.new_page()
        page.goto(base_url + "/scanner/")
        drawings = {kind: modules_of(page.evaluate(DRAW, text)) for kind, text in texts.items()}
        browser.close()
        for kind, (grid, version) in drawings.items():
            code = code_image(grid)
            for cond in CONDITIONS:
                video = Path(tmp) / "code.y4m"
                write_y4m(frames_of(code, cond, rng), video)
                cam = p.chromium.launch(
                    executable_path=str(CHROMIUM),
                    headless=True,
                    args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={video}"],
                )
                try:
                    # No service worker: every file comes from the server, as on a first visit.
                    ctx = cam.new_context(base_url=base_url, permissions=["camera"], service_workers="block")
                    page = ctx.new_page()
                    page.goto(base_url + "/scanner/")
                    out = page.evaluate(
                        MEASURE, {"names": list(DECODERS), "expected": texts[kind], "frames": frames, "warmup": warmup}
                    )
                finally:
                    cam.close()
                assert (out["width"], out["height"]) == (WIDTH, HEIGHT), out
                for s in out["stats"]:
                    rows.append(
                        Row(
                            kind,
                            version,
                            cond.name,
                            s["name"],
                            len(s["ms"]),
                            s["ok"],
                            s["wrong"],
                            sum(s["ms"]),
                            statistics.median(s["ms"]),
                        )
                    )
                log(f"  measured {kind} / {cond.name}")
    return rows


def _ratio(a: float, b: float) -> str:
    if b == 0:
        return "  n/a" if a == 0 else "  inf"
    return f"{a / b:5.2f}"


def report(rows: list[Row], texts: dict[str, str]) -> str:
    """The table of docs/decoders.md: per kind and condition, each decoder and its ratio to jsQR."""
    base_name, other = DECODERS
    lines = [
        "| code | condition | jsQR fps | jsQR read | ZXing fps | ZXing read | fps ratio | read ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    by = {(r.kind, r.condition, r.decoder): r for r in rows}
    fps_ratios = []
    totals = {base_name: [0, 0, 0], other: [0, 0, 0]}  # ok, frames, wrong
    for kind in texts:
        for cond in CONDITIONS:
            b, o = by[(kind, cond.name, base_name)], by[(kind, cond.name, other)]
            fps_ratios.append(o.fps / b.fps)
            for r in (b, o):
                totals[r.decoder][0] += r.ok
                totals[r.decoder][1] += r.frames
                totals[r.decoder][2] += r.wrong
            lines.append(
                f"| {kind} (v{b.version}, {len(texts[kind])} chars) | {cond.name} | {b.fps:.0f} | {b.rate:.0%} "
                f"| {o.fps:.0f} | {o.rate:.0%} | {_ratio(o.fps, b.fps).strip()} | {_ratio(o.rate, b.rate).strip()} |"
            )
    geo = math.exp(sum(math.log(x) for x in fps_ratios) / len(fps_ratios))
    bt, ot = totals[base_name], totals[other]
    lines.append("")
    lines.append(
        f"ZXing / jsQR over all {len(fps_ratios)} videos: fps x{geo:.2f} (geometric mean of the ratios); "
        f"frames read: jsQR {bt[0]}/{bt[1]} ({bt[0] / bt[1]:.0%}), ZXing {ot[0]}/{ot[1]} ({ot[0] / ot[1]:.0%}); "
        f"wrong texts: jsQR {bt[2]}, ZXing {ot[2]}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=40, help="camera frames measured per video (default 40)")
    parser.add_argument("--warmup", type=int, default=3, help="frames decoded first and not counted (default 3)")
    parser.add_argument("--json", type=Path, help="also write the raw rows here")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"QR decoders: skipped, {CHROMIUM} is missing (apt-get install chromium)")
        return 0
    texts = wallet_texts()
    print(f"QR decoders in Chromium's fake camera ({WIDTH}x{HEIGHT}), {args.frames} frames per video, ratios to jsQR")
    started = time.monotonic()
    with static_server() as base_url:
        rows = measure(base_url, texts, args.frames, args.warmup, log=lambda line: print(line, file=sys.stderr))
    print(report(rows, texts))
    print(f"({time.monotonic() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps([{**r.__dict__, "fps": r.fps, "rate": r.rate} for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
