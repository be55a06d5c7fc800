"""What a statement states, built from the holder's HR file and contracts: current records only (a
corrected record gives way to its correction), in the Chinese the PDF and the verification page show."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

import msgspec

from backend.contracts import services as contracts
from backend.documents import vocab
from backend.documents.schemas import Fact, Holder, StatementContent, StatementOptions, StatementRequest
from backend.hrfile import services as hrfile
from backend.hrfile.schemas import RecordOut
from backend.identity import services as identity
from backend.keys.keyring import Keyring
from backend.lib.canonical import canonical_json
from backend.lib.errors import ApiError

CHINA = dt.timezone(dt.timedelta(hours=8))


def content_hash(content: StatementContent) -> str:
    return hashlib.sha256(canonical_json(msgspec.to_builtins(content))).hexdigest()


def mask_number(number: str) -> str:
    """First 6 and last 4 characters shown (the design of a statement's holder line); short numbers half hidden."""
    if len(number) > 10:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    keep = len(number) // 4
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[len(number) - keep :]


def _yuan(fen: Any) -> str:
    value = int(fen)
    return f"{value // 100}.{value % 100:02d}"


def _bad(message: str, **details: Any) -> ApiError:
    return ApiError(422, "statement.bad_options", message, **details)


def _only(options: StatementOptions, allowed: set[str], kind: str) -> None:
    given = {name for name in options.__struct_fields__ if getattr(options, name) not in (None, False)}
    extra = sorted(given - allowed)
    if extra:
        raise _bad(f"These options do not apply to a {kind} statement: {', '.join(extra)}.", options=extra)


def _current(records: list[RecordOut]) -> list[RecordOut]:
    return [r for r in records if r.status == "current"]


async def _holder(keyring: Keyring, person_id: uuid.UUID) -> Holder:
    person = await identity.get_person(person_id)
    return Holder(name=person["name"], id_number_masked=mask_number(identity.reveal_number(keyring, person)))


def _months(options: StatementOptions, today: dt.date) -> tuple[str, str]:
    to_month = options.to_month or f"{today:%Y-%m}"
    if options.from_month:
        from_month = options.from_month
    else:
        year, month = int(to_month[:4]), int(to_month[5:])
        index = year * 12 + month - 1 - 11
        from_month = f"{index // 12:04d}-{index % 12 + 1:02d}"
    if from_month > to_month:
        raise _bad("from_month is after to_month.")
    span = (int(to_month[:4]) * 12 + int(to_month[5:])) - (int(from_month[:4]) * 12 + int(from_month[5:])) + 1
    if span > vocab.MAX_MONTHS:
        raise _bad(f"A contributions statement covers at most {vocab.MAX_MONTHS} months.", max_months=vocab.MAX_MONTHS)
    return from_month, to_month


async def _contributions(
    person_id: uuid.UUID, options: StatementOptions, today: dt.date
) -> tuple[list[Fact], list[str], list[list[str]]]:
    _only(options, {"from_month", "to_month", "insurances"}, "contributions")
    from_month, to_month = _months(options, today)
    wanted = list(options.insurances or vocab.INSURANCES)
    lines = [
        r.data
        for r in _current(await hrfile.records_of(person_id, ["contribution"]))
        if from_month <= r.data["month"] <= to_month and r.data["insurance"] in wanted
    ]
    lines.sort(key=lambda d: (d["month"], vocab.INSURANCES.index(d["insurance"]), d.get("employer_uscc", "")))
    rows = [
        [
            d["month"],
            vocab.INSURANCE_NAMES[d["insurance"]],
            _yuan(d["base_fen"]),
            _yuan(d["employer_fen"]),
            _yuan(d["person_fen"]),
            d.get("employer_name", ""),
            vocab.CONTRIBUTION_STATUS.get(d.get("status", "paid"), d.get("status", "")),
        ]
        for d in lines
    ]
    facts = [
        Fact(label="证明期间", value=f"{from_month} 至 {to_month}"),
        Fact(label="险种", value="、".join(vocab.INSURANCE_NAMES[i] for i in vocab.INSURANCES if i in wanted)),
    ]
    for insurance in vocab.INSURANCES:
        if insurance not in wanted:
            continue
        paid = sorted({d["month"] for d in lines if d["insurance"] == insurance and d.get("status", "paid") == "paid"})
        facts.append(Fact(label=f"{vocab.INSURANCE_NAMES[insurance]}已缴月数", value=f"{len(paid)} 个月"))
    columns = ["缴费月份", "险种", "缴费基数（元）", "单位缴纳（元）", "个人缴纳（元）", "缴费单位", "状态"]
    return facts, columns, rows


async def _employment(person_id: uuid.UUID, options: StatementOptions) -> tuple[list[Fact], list[str], list[list[str]]]:
    _only(options, set(), "employment")
    records = _current(await hrfile.records_of(person_id, ["employment_start", "employment_end"]))
    records.sort(key=lambda r: (r.effective_on, r.recorded_at))
    # Each start opens a period with that employer; the next end with the same employer closes it.
    periods: list[dict[str, str]] = []
    for r in records:
        d = r.data
        if r.kind == "employment_start":
            periods.append(
                {
                    "uscc": d["employer_uscc"],
                    "name": d["employer_name"],
                    "position": d.get("position", ""),
                    "start": str(d["start_on"]),
                    "end": "",
                    "reason": "",
                    "source": r.source.name,
                }
            )
        else:
            open_ones = [p for p in periods if p["uscc"] == d["employer_uscc"] and not p["end"]]
            if open_ones:
                open_ones[-1].update(end=str(d["end_on"]), reason=d.get("reason", ""))
            else:  # an end whose start predates the HR file: shown as it is
                periods.append(
                    {
                        "uscc": d["employer_uscc"],
                        "name": d["employer_name"],
                        "position": "",
                        "start": "—",
                        "end": str(d["end_on"]),
                        "reason": d.get("reason", ""),
                        "source": r.source.name,
                    }
                )
    rows = [[p["name"], p["uscc"], p["position"], p["start"], p["end"] or "至今", p["reason"], p["source"]] for p in periods]
    facts = [Fact(label="就业经历", value=f"共 {len(periods)} 段")]
    return facts, ["用人单位", "统一社会信用代码", "岗位", "入职日期", "离职日期", "离职原因", "记录来源"], rows


def _qualification_facts(r: RecordOut) -> list[Fact]:
    d = r.data
    if r.kind == "qualification":
        facts = [
            Fact(label="证书类别", value="职业资格"),
            Fact(label="资格名称", value=d["name"]),
            Fact(label="证书编号", value=d["certificate_no"]),
            Fact(label="发证机构", value=d["issuer"]),
            Fact(label="发证日期", value=str(d["issued_on"])),
            Fact(label="有效期至", value=str(d["valid_until"]) if d.get("valid_until") else "长期"),
        ]
    elif r.kind == "professional_title":
        facts = [
            Fact(label="证书类别", value="专业技术职称"),
            Fact(label="职称名称", value=d["title"]),
            Fact(label="系列", value=d["series"]),
            Fact(label="级别", value=vocab.TITLE_LEVELS.get(d["level"], d["level"])),
            Fact(label="评审（认定）机构", value=d["granted_by"]),
            Fact(label="取得日期", value=str(d["granted_on"])),
            Fact(label="证书编号", value=d["certificate_no"]),
        ]
    else:
        facts = [
            Fact(label="证书类别", value="职业技能等级"),
            Fact(label="职业（工种）", value=d["occupation"]),
            Fact(label="技能等级", value=vocab.SKILL_LEVELS.get(int(d["level"]), str(d["level"]))),
            Fact(label="评价机构", value=d["evaluator"]),
            Fact(label="评价日期", value=str(d["evaluated_on"])),
            Fact(label="证书编号", value=d["certificate_no"]),
        ]
    return [*facts, Fact(label="记录来源", value=r.source.name)]


async def _qualification(person_id: uuid.UUID, options: StatementOptions) -> tuple[list[Fact], list[str], list[list[str]]]:
    _only(options, {"record_id"}, "qualification")
    if options.record_id is None:
        raise _bad("Name the qualification, professional title or skill evaluation record (record_id).")
    records = await hrfile.records_of(person_id, list(vocab.QUALIFICATION_KINDS))
    found = next((r for r in records if r.id == options.record_id), None)
    if found is None:
        raise ApiError(404, "statement.record_not_found", "No qualification, title or skill record of yours has this id.")
    if found.status != "current":
        raise ApiError(
            409,
            "statement.record_corrected",
            "This record was corrected; state its correction instead.",
            corrected_by=str(found.corrected_by),
        )
    return _qualification_facts(found), [], []


async def _contract(person_id: uuid.UUID, options: StatementOptions) -> tuple[list[Fact], list[str], list[list[str]]]:
    _only(options, {"contract_id", "show_wage"}, "contract")
    if options.contract_id is None:
        raise _bad("Name the labour contract (contract_id).")
    contract = await contracts.contract_of_holder(person_id, options.contract_id)
    if contract.status not in vocab.CONTRACT_STATUS:
        raise ApiError(
            409,
            "statement.contract_not_signed",
            "Only a contract both parties signed can be stated.",
            contract_status=contract.status,
        )
    terms = contract.terms
    facts = [
        Fact(label="用人单位", value=contract.employer.name),
        Fact(label="统一社会信用代码", value=contract.employer.uscc),
        Fact(label="岗位", value=terms.position),
        Fact(label="工作地点", value=terms.workplace),
        Fact(label="合同期限类型", value=vocab.TERM_KINDS.get(terms.term_kind, terms.term_kind)),
        Fact(label="合同期限", value=f"{terms.start_on} 至 {terms.end_on or '无固定期限'}"),
    ]
    if terms.probation_months:
        facts.append(Fact(label="试用期", value=f"{terms.probation_months} 个月"))
    if options.show_wage:
        facts.append(Fact(label="月工资（元）", value=_yuan(terms.wage_fen_per_month)))
    for signature, label in (
        (contract.signatures.employer, "用人单位签署时间"),
        (contract.signatures.employee, "劳动者签署时间"),
    ):
        if signature is not None:
            facts.append(Fact(label=label, value=f"{signature.signed_at.astimezone(CHINA):%Y-%m-%d %H:%M}"))
    facts.append(Fact(label="合同状态", value=vocab.CONTRACT_STATUS[contract.status]))
    facts.append(Fact(label="合同文本摘要（SHA-256）", value=contract.doc_hash))
    return facts, [], []


async def build(keyring: Keyring, person_id: uuid.UUID, request: StatementRequest, today: dt.date) -> StatementContent:
    """The statement's content for this holder now (the same inputs give the same content and hash)."""
    options = request.options
    if request.kind == "contributions":
        facts, columns, rows = await _contributions(person_id, options, today)
    elif request.kind == "employment":
        facts, columns, rows = await _employment(person_id, options)
    elif request.kind == "qualification":
        facts, columns, rows = await _qualification(person_id, options)
    else:
        facts, columns, rows = await _contract(person_id, options)
    return StatementContent(
        kind=request.kind,
        title=vocab.TITLES[request.kind],
        holder=await _holder(keyring, person_id),
        facts=facts,
        columns=columns,
        rows=rows,
        issuer=vocab.ISSUER,
    )
