"""Statements: time to build one PDF (fpdf2, Noto Sans SC subset) and sign it (pyhanko PAdES), the first
statement in a process (font parsed) against later ones (parsed font reused), and a check of a signed PDF."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from fpdf import FPDF

from backend.documents import pades
from backend.documents import pdf as pdfs
from backend.documents.schemas import Fact, Holder, StatementContent
from backend.keys.keyring import new_document_keys


def content(rows: int) -> StatementContent:
    months = [f"{2020 + i // 12}-{i % 12 + 1:02d}" for i in range(rows)]
    return StatementContent(
        kind="contributions",
        title="社会保险参保缴费证明",
        holder=Holder(name="李晓华", id_number_masked="440106********123X"),
        facts=[Fact(label="证明期间", value=f"{months[0]} 至 {months[-1]}")],
        columns=["缴费月份", "险种", "缴费基数（元）", "单位缴纳（元）", "个人缴纳（元）", "缴费单位", "状态"],
        rows=[[m, "养老保险", "8000.00", "1280.00", "640.00", "广州示例科技有限公司", "已缴"] for m in months],
        issuer="广东省人力资源和社会保障厅（一卡通电子文书）",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10, help="statements per figure (default 10)")
    args = parser.parse_args(argv)
    font = pdfs.font_path("")
    keys = new_document_keys(int(time.time()))
    now = dt.datetime.now(dt.UTC)
    url = "https://yikatong.example/verify/#q2kz9W3n0bT1xYc4Vd8eRf5g"

    start = time.perf_counter()
    pdfs.render(content(12), number="YK20261130-0000000000", issued_at=now, verify_url=url, font=font)
    first = time.perf_counter() - start

    def uncached() -> None:  # what every statement would pay without the parsed-font cache
        pdf = FPDF()
        pdf.add_font("x", "", str(font))

    for rows, label in ((12, "12 lines (1 page)"), (120, "120 lines (4 pages)")):
        build, sign, check = [], [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            raw = pdfs.render(content(rows), number="YK20261130-0000000000", issued_at=now, verify_url=url, font=font)
            t1 = time.perf_counter()
            signed = pades.sign(raw, keys)
            t2 = time.perf_counter()
            verdict = asyncio.run(pades.check(signed, [keys.ca_cert]))
            t3 = time.perf_counter()
            assert verdict.genuine and verdict.whole_file
            build.append(t1 - t0)
            sign.append(t2 - t1)
            check.append(t3 - t2)
        print(
            f"{label}: build {statistics.median(build) * 1000:.0f} ms, sign {statistics.median(sign) * 1000:.0f} ms, "
            f"check {statistics.median(check) * 1000:.0f} ms (medians of {args.runs}); {len(signed) // 1024} KiB"
        )
    parse = []
    for _ in range(3):
        t0 = time.perf_counter()
        uncached()
        parse.append(time.perf_counter() - t0)
    print(
        f"first statement in a process {first * 1000:.0f} ms; parsing the font again would add {statistics.median(parse) * 1000:.0f} ms to each"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
