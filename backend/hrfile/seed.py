"""Demo data of the HR file: a realistic file for one demo person (`yikatong demo` calls `demo`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from backend.hrfile import writing
from backend.hrfile.tables import Record
from backend.lib import db
from backend.org.tables import Agency, Employer

# (code, name, kind): found by code when `yikatong demo` made them already, made here otherwise.
HRSS = ("GD-HRSS", "广东省人力资源和社会保障厅", "hrss")
FUND = ("GD-SIFC", "广东省社会保险基金管理局", "hrss")  # collects pension, unemployment, work injury
HEALTH = ("GD-HSA", "广东省医疗保障局", "medical_insurance")  # collects medical and maternity
# (USCC with its GB 32100 check character, name, city)
FORMER = ("91440106MA59B3K2N1", "广州天河云帆电子科技有限公司", "440100")
CURRENT = ("91440300MA5FHX7W27", "深圳南山智造机电有限公司", "440300")
BASE_FEN = 800_000  # a monthly contribution base of 8,000 yuan
# Guangdong's rates in thousandths of the base: (employer, person).
RATES = {"pension": (140, 80), "medical": (55, 20), "unemployment": (8, 2), "work_injury": (2, 0), "maternity": (8, 0)}
SI_LAW = "《中华人民共和国社会保险法》第五十八条、第六十条"
LABOUR_LAW = "《中华人民共和国劳动合同法》第七条"
SKILLS = "《国家职业技能标准》及《职业技能等级认定管理办法》"
REF = "demo"  # the prefix of every demo record's external_ref: a second run writes nothing twice


async def _agency(code: str, name: str, kind: str) -> tuple[str, str]:
    row = await Agency.select(Agency.id, Agency.name).where(Agency.code == code).first().run()
    if row is None:
        agency = Agency(id=uuid.uuid4(), code=code, name=name, kind=kind)
        await Agency.insert(agency).run()
        return str(agency.id), name
    return str(row["id"]), row["name"]


async def _employer(uscc: str, name: str, city: str) -> tuple[str, str, str]:
    row = await Employer.select(Employer.id, Employer.name).where(Employer.uscc == uscc).first().run()
    if row is None:
        employer = Employer(id=uuid.uuid4(), uscc=uscc, name=name, city=city, status="active")
        await Employer.insert(employer).run()
        return str(employer.id), uscc, name
    return str(row["id"]), uscc, row["name"]


def _months(last: dt.date, count: int) -> list[dt.date]:
    """The first days of `count` months ending with `last`'s month, oldest first."""
    out, year, month = [], last.year, last.month
    for _ in range(count):
        out.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


async def demo(person_id: uuid.UUID | str, *, today: dt.date | None = None) -> int:
    """Write the demo person's HR file: employment with two employers (one ended), a training, a skill
    evaluation, a qualification, a professional title, 24 months of contributions to five insurances
    (the last 24 before `today`'s month) and one corrected contribution. Safe to run again (each record
    has an external_ref); returns how many records it wrote this time."""
    today = today or dt.date.today()
    person = uuid.UUID(str(person_id))
    written = 0
    async with db.transaction():
        hrss, fund, health = await _agency(*HRSS), await _agency(*FUND), await _agency(*HEALTH)
        former, current = await _employer(*FORMER), await _employer(*CURRENT)
        months = _months(today.replace(day=1) - dt.timedelta(days=1), 24)
        switch = months[6]  # moved to the current employer six months into the window

        async def put(
            kind: str,
            data: dict[str, Any],
            on: dt.date,
            source: tuple[str, str],
            source_kind: str,
            basis: str,
            ref: str,
            corrects: uuid.UUID | None = None,
            reason: str = "",
        ) -> uuid.UUID:
            nonlocal written
            record_id, replayed = await writing.insert(
                person_id=person,
                kind=kind,
                data=writing.checked_data(kind, data),
                effective_on=on,
                source_kind=source_kind,
                source_id=source[0],
                source_name=source[1],
                client_id="demo",
                legal_basis=basis,
                external_ref=f"{REF}:{person.hex}:{ref}",
                corrects=corrects,
                correction_reason=reason,
            )
            written += 0 if replayed else 1
            return record_id

        def employer_ref(e: tuple[str, str, str]) -> dict[str, str]:
            return {"employer_uscc": e[1], "employer_name": e[2]}

        former_start = dt.date(2019, 7, 1)
        end_on = switch - dt.timedelta(days=1)
        await put(
            "employment_start",
            {**employer_ref(former), "position": "电气工程技术员", "start_on": former_start.isoformat()},
            former_start,
            (former[0], former[2]),
            "employer",
            LABOUR_LAW,
            "emp-start-1",
        )
        await put(
            "employment_end",
            {**employer_ref(former), "end_on": end_on.isoformat(), "reason": "劳动合同期满终止"},
            end_on,
            (former[0], former[2]),
            "employer",
            LABOUR_LAW,
            "emp-end-1",
        )
        await put(
            "employment_start",
            {**employer_ref(current), "position": "机电设备维修工程师", "start_on": switch.isoformat()},
            switch,
            (current[0], current[2]),
            "employer",
            LABOUR_LAW,
            "emp-start-2",
        )
        await put(
            "training",
            {
                "course": "高压电工作业安全技术培训",
                "provider": "广州市职业技能培训指导中心",
                "hours": 96,
                "completed_on": "2021-04-16",
                "certificate_no": "PX4401062021000318",
            },
            dt.date(2021, 4, 16),
            hrss,
            "agency",
            SKILLS,
            "training-1",
        )
        await put(
            "skill_evaluation",
            {
                "occupation": "电工",
                "level": 3,
                "evaluator": "广东省职业技能鉴定指导中心",
                "certificate_no": "S000044000003235000871",
                "evaluated_on": "2021-06-20",
            },
            dt.date(2021, 6, 20),
            hrss,
            "agency",
            SKILLS,
            "skill-1",
        )
        await put(
            "qualification",
            {
                "name": "特种作业操作证（高压电工作业）",
                "certificate_no": "T440106199001010011",
                "issuer": "广州市应急管理局",
                "issued_on": "2021-08-02",
                "valid_until": "2027-08-01",
            },
            dt.date(2021, 8, 2),
            hrss,
            "agency",
            "《特种作业人员安全技术培训考核管理规定》第二十一条",
            "qualification-1",
        )
        await put(
            "professional_title",
            {
                "title": "助理工程师",
                "series": "工程技术",
                "level": "junior",
                "granted_by": "广州市人力资源和社会保障局",
                "granted_on": "2022-12-15",
                "certificate_no": "GZZC2022-0458",
            },
            dt.date(2022, 12, 15),
            hrss,
            "agency",
            "《职称评审管理暂行规定》第三十条",
            "title-1",
        )

        wrong: uuid.UUID | None = None
        for month in months:
            employer = former if month < switch else current
            for insurance, (by_employer, by_person) in RATES.items():
                base = BASE_FEN
                if month == months[15] and insurance == "pension":
                    base = 700_000  # keyed in wrong, corrected below
                data = {
                    "month": month.strftime("%Y-%m"),
                    "insurance": insurance,
                    "base_fen": base,
                    "employer_fen": base * by_employer // 1000,
                    "person_fen": base * by_person // 1000,
                    **employer_ref(employer),
                    "status": "paid",
                }
                source = health if insurance in ("medical", "maternity") else fund
                record = await put("contribution", data, month, source, "agency", SI_LAW, f"si-{month:%Y%m}-{insurance}")
                if base != BASE_FEN:
                    wrong = record
        if wrong is not None:
            row = await Record.select(Record.data).where(Record.id == wrong).first().run()
            fixed = {**writing.checked_data("contribution", _json(row)), "base_fen": BASE_FEN}
            fixed.update(employer_fen=BASE_FEN * RATES["pension"][0] // 1000, person_fen=BASE_FEN * RATES["pension"][1] // 1000)
            await put(
                "contribution",
                fixed,
                months[15],
                fund,
                "agency",
                SI_LAW,
                f"si-{months[15]:%Y%m}-pension-fix",
                corrects=wrong,
                reason="缴费基数按单位申报工资核定更正",
            )
    return written


def _json(row: dict[str, Any] | None) -> dict[str, Any]:
    value: dict[str, Any] = msgspec.json.decode((row or {}).get("data") or "{}")
    return value
