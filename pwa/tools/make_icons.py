"""Draws the wallet, scanner and console app icons (our own artwork) with Pillow: `python pwa/tools/make_icons.py`."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

PWA = Path(__file__).resolve().parent.parent
BLUE = (11, 79, 163)
GREEN = (10, 107, 47)
PURPLE = (91, 42, 134)  # the staff console
WHITE = (255, 255, 255)


def draw(size: int, colour: tuple[int, int, int], maskable: bool, scanner: bool) -> Image.Image:
    """A card with a QR-like mark. Maskable icons keep the mark inside the 80% safe zone."""
    img = Image.new("RGB", (size, size), colour)
    d = ImageDraw.Draw(img)
    if not maskable:
        # Plain icons: rounded tile on transparent-looking white corners.
        img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        d = ImageDraw.Draw(img)
        d.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 6, fill=colour)
    inset = size * (0.26 if maskable else 0.18)
    box = (inset, inset, size - inset, size - inset)
    d.rounded_rectangle(box, radius=size // 20, fill=WHITE)
    # Three QR finder patterns (ring + dot) and a few data modules: the purpose at a glance.
    span = box[2] - box[0]
    cell = span / 10
    ox, oy = box[0] + cell * 0.8, box[1] + cell * 0.8

    def sq(x: float, y: float, w: float, fill) -> None:
        d.rectangle((ox + cell * x, oy + cell * y, ox + cell * (x + w) - 1, oy + cell * (y + w) - 1), fill=fill)

    for fx, fy in ((0, 0), (5.4, 0), (0, 5.4)):
        sq(fx, fy, 3, colour)
        sq(fx + 0.6, fy + 0.6, 1.8, WHITE)
        sq(fx + 1.1, fy + 1.1, 0.8, colour)
    for mx, my in ((5.4, 5.4), (7.2, 5.4), (6.3, 6.3), (5.4, 7.2), (7.2, 7.2)):
        sq(mx, my, 0.9, colour)
    if scanner:
        y = box[1] + span * 0.47
        d.rectangle((box[0] + cell * 0.2, y, box[2] - cell * 0.2, y + cell * 0.45), fill=(200, 30, 30))
    return img


def main() -> None:
    for app, colour, scanner in (("wallet", BLUE, False), ("scanner", GREEN, True), ("console", PURPLE, False)):
        out = PWA / app / "icons"
        out.mkdir(parents=True, exist_ok=True)
        for size in (192, 512):
            draw(size, colour, False, scanner).save(out / f"icon-{size}.png", optimize=True)
            draw(size, colour, True, scanner).save(out / f"maskable-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
