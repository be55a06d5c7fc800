"""Statements as A4 PDFs in Chinese (fpdf2): Noto Sans SC embedded as a subset, a table of what the
statement states, its number and issue time, a QR code to the verification page, the content JSON attached."""

from __future__ import annotations

import copy
import datetime as dt
import io
import threading
from pathlib import Path

import qrcode
from fontTools import ttLib  # type: ignore[import-untyped]  # ships no type information
from fpdf import FPDF
from fpdf.enums import TextMode
from fpdf.fonts import FontFace, SubsetMap, TTFFont

from backend.documents.pades import ATTACHMENT
from backend.documents.schemas import StatementContent
from backend.lib.canonical import canonical_json

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FONT = ROOT / "node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf"
FAMILY = "notosanssc"
CHINA = dt.timezone(dt.timedelta(hours=8))


class FontMissing(RuntimeError):
    """The CJK font the statements embed is not where the settings say."""


def font_path(setting: str) -> Path:
    path = Path(setting) if setting else DEFAULT_FONT
    if not path.is_file():
        raise FontMissing(
            f"the statements' font is missing at {path}: run `make setup` (npm installs @expo-google-fonts/noto-sans-sc) "
            "or set YIKATONG_DOCUMENTS_FONT to a TrueType font with Chinese glyphs"
        )
    return path


# Parsing the 10 MB font takes some 0.3 s (its cmap and widths for 30,000 glyphs); it is done once
# per process and the parsed metrics are shared. What a document changes is its own: the subset of
# glyphs it uses, and a fresh lazily opened TTFont, because fpdf2 subsets that object in place when
# it writes the file. Measured in docs/documents.md.
_FONTS: dict[Path, tuple[TTFFont, bytes]] = {}
_FONTS_LOCK = threading.Lock()


def _parsed(path: Path) -> tuple[TTFFont, bytes]:
    with _FONTS_LOCK:
        known = _FONTS.get(path)
        if known is None:
            template = FPDF()
            template.add_font(FAMILY, "", str(path))
            parsed = template.fonts[FAMILY]
            assert isinstance(parsed, TTFFont)
            known = _FONTS[path] = (parsed, path.read_bytes())
        return known


def _add_font(pdf: FPDF, path: Path) -> None:
    base, raw = _parsed(path)
    font = copy.copy(base)
    font.i = len(pdf.fonts) + 1
    font.ttfont = ttLib.TTFont(io.BytesIO(raw), recalcTimestamp=False, lazy=True)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    pdf.fonts[FAMILY] = font


class _Page(FPDF):
    number = ""

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FAMILY, size=8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, f"文书编号 {self.number}    第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")


def _qr(pdf: FPDF, text: str, x: float, y: float, size: float) -> None:
    """The QR code as filled squares (vector: sharp at any zoom and in any renderer)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = size / len(matrix)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x - 2, y - 2, size + 4, size + 4, style="F")  # the quiet zone
    pdf.set_fill_color(0, 0, 0)
    for row, line in enumerate(matrix):
        start = None
        for col, dark in enumerate([*line, False]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                pdf.rect(x + start * cell, y + row * cell, (col - start) * cell, cell, style="F")
                start = None


def render(content: StatementContent, *, number: str, issued_at: dt.datetime, verify_url: str, font: Path) -> bytes:
    """The unsigned PDF."""
    pdf = _Page(format="A4", unit="mm")
    pdf.number = number
    _add_font(pdf, font)
    pdf.set_lang("zh-CN")
    pdf.set_title(content.title)
    pdf.set_author(content.issuer)
    pdf.set_creator("Yikatong")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()

    qr_size = 28.0
    _qr(pdf, verify_url, 210 - 18 - qr_size, 14, qr_size)
    pdf.set_xy(210 - 18 - qr_size - 4, 14 + qr_size + 1)
    pdf.set_font(FAMILY, size=8)
    pdf.cell(qr_size + 8, 4, "扫码核验", align="C")

    pdf.set_xy(18, 22)
    pdf.set_font(FAMILY, size=20)
    # The one font has no bold face: the title is filled and stroked, which reads as bold.
    pdf.text_mode = TextMode.FILL_STROKE
    pdf.set_line_width(0.25)
    pdf.cell(210 - 36 - qr_size - 4, 12, content.title, align="C")
    pdf.text_mode = TextMode.FILL
    pdf.set_line_width(0.2)

    pdf.set_xy(18, 48)
    pdf.set_font(FAMILY, size=11)
    pdf.cell(0, 7, f"姓名：{content.holder.name}    证件号码：{content.holder.id_number_masked}", new_x="LMARGIN", new_y="NEXT")
    for fact in content.facts:
        pdf.multi_cell(0, 6.5, f"{fact.label}：{fact.value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    if content.rows:
        pdf.set_font(FAMILY, size=9)
        with pdf.table(
            headings_style=FontFace(fill_color=(235, 238, 242)),
            line_height=6,
            text_align="LEFT",
            first_row_as_headings=True,
            borders_layout="ALL",
        ) as table:
            head = table.row()
            for name in content.columns:
                head.cell(name)
            for values in content.rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        pdf.ln(4)

    pdf.set_font(FAMILY, size=10)
    pdf.multi_cell(0, 6, f"出具单位：{content.issuer}", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, f"出具时间：{issued_at.astimezone(CHINA):%Y年%m月%d日 %H:%M}（北京时间）", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, f"文书编号：{number}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FAMILY, size=8.5)
    pdf.set_text_color(60, 60, 60)
    pdf.multi_cell(
        0,
        5,
        "本证明由持证人本人申请出具，内容经其确认。本文件附有电子签名：可用PDF阅读器查看签名，或扫描右上角二维码、"
        f"在核验页上传本文件核验其真实性及是否已撤回。核验地址：{verify_url}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.embed_file(
        bytes=canonical_json(_builtins(content)),
        basename=ATTACHMENT,
        desc="文书内容（JSON）",
        mime_type="application/json",
        modification_date=issued_at,
    )
    return bytes(pdf.output())


def _builtins(content: StatementContent) -> object:
    import msgspec

    return msgspec.to_builtins(content)
