"""Helpers of the browser tests: sign in, read the QR code off the screen, run axe-core,
and make a Y4M video of a QR code for Chromium's fake camera."""

from __future__ import annotations

import io
from pathlib import Path

import pyotp
import zxingcpp
from PIL import Image

from backend.pwa_static import vendor_url
from tests.e2e.conftest import Citizen

AXE_URL = vendor_url("axe-core/axe.min.js")  # versioned: /vendor/axe-core@<version>/...


def sign_in(page, citizen: Citizen, base_url: str) -> None:
    """Sign in through the wallet's form (with the TOTP step when the account has one)."""
    page.goto(base_url + "/wallet/")
    page.select_option("#doc-type", citizen.doc_type)
    page.fill("#id-number", citizen.id_number)
    page.fill("#password", citizen.password)
    page.click("#signin-form button[type=submit]")
    if citizen.totp_secret:
        page.wait_for_selector("#totp-step:not([hidden])")
        page.fill("#totp", pyotp.TOTP(citizen.totp_secret).now())
        page.click("#signin-form button[type=submit]")
    page.wait_for_selector(".cardface")


def token_of(page) -> str:
    return page.evaluate("localStorage.getItem('yk.wallet.token')")


def screen_qr(page, selector: str = "#qr svg") -> tuple[str, Image.Image]:
    """The text of the QR code on screen, decoded from a screenshot by zxing-cpp (not by the app)."""
    png = page.locator(selector).screenshot()
    image = Image.open(io.BytesIO(png)).convert("L")
    found = zxingcpp.read_barcodes(image)
    assert found, "no QR code found in the screenshot"
    return found[0].text, image


def wait_code(page, serial_above: int = 0, mode: str | None = None) -> int:
    """Wait until the code screen shows a code (a newer one than `serial_above`); its serial."""
    cond = (
        f"document.querySelector('.codeview') && Number(document.querySelector('.codeview').dataset.serial || 0) > {serial_above}"
    )
    if mode:
        cond += f" && document.querySelector('.codeview').dataset.mode === '{mode}'"
    page.wait_for_function(f"() => {cond}")
    return int(page.locator(".codeview").get_attribute("data-serial"))


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations on the current page (WCAG 2 A/AA + best practice)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # By URL, from the allow-listed vendor files: the page's CSP refuses inline scripts.
        page.add_script_tag(url=AXE_URL)
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def write_y4m(image: Image.Image, path: Path, width: int = 640, height: int = 480, frames: int = 10) -> None:
    """A still video of `image` centred on white, as YUV4MPEG2 4:2:0 (what Chromium's fake camera reads)."""
    canvas = Image.new("L", (width, height), 255)
    side = min(width, height) - 40
    img = image.convert("L").resize((side, side), Image.NEAREST)
    canvas.paste(img, ((width - side) // 2, (height - side) // 2))
    y = canvas.tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2))  # grey: no colour
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            fh.write(b"FRAME\n")
            fh.write(y)
            fh.write(chroma)
            fh.write(chroma)


def wait_until(page, async_js: str, timeout: float = 15.0, interval: float = 0.2):
    """Poll an async JS function until it returns something truthy (Playwright's
    wait_for_function treats a returned Promise as truthy, so it cannot await one)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(async_js)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {async_js[:200]}")
        page.wait_for_timeout(interval * 1000)


HAS_CREDENTIAL = """async () => {
    const db = await new Promise(r => { const q = indexedDB.open('yk-wallet'); q.onsuccess = () => r(q.result); });
    const get = (k) => new Promise(r => { const q = db.transaction('kv').objectStore('kv').get(k); q.onsuccess = () => r(q.result); });
    // Format 2 keeps a batch of credentials (issue 18); format 1 kept one.
    const batch = await get('credentials2');
    return Boolean((Array.isArray(batch) && batch.length) || await get('credential'));
}"""


def redrawn(page, action) -> None:
    """Run `action` (a language or elder-mode switch), which makes the app draw its screen again, and
    wait until the new drawing is in place: the old one's elements are marked first, so a later click
    or fill cannot land on a node the redraw is about to replace (under load the redraw comes late)."""
    page.evaluate("() => document.querySelectorAll('#main > *').forEach((e) => { e.dataset.ykStale = '1'; })")
    action()
    page.wait_for_selector("#main > :not([data-yk-stale])")
