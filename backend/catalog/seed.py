"""The initial provincial catalog: one published item per built-in scenario, in effect since 2024-11-01."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from backend.catalog import compiled
from backend.catalog import scenarios as built_in
from backend.catalog.publishing import bump, lock
from backend.catalog.tables import CatalogItem, ItemVersion, ScenarioOwner
from backend.catalog.vocab import IN_FORCE, PROVINCE, PUBLIC_STATES, PUBLISHED, utcnow
from backend.lib import db

SEEDER = "seed"

# scenario -> (item code, domain, item name, scenario title, description), names as (zh-Hans, zh-Hant, en).
DEFAULTS: dict[str, tuple[str, str, tuple[str, str, str], tuple[str, str, str], tuple[str, str, str]]] = {
    "hotel_checkin": (
        "gd.hotel_checkin",
        "identity",
        ("酒店入住身份核验", "酒店入住身份核驗", "Identity check at hotel check-in"),
        ("酒店入住登记", "酒店入住登記", "Hotel check-in"),
        (
            "旅业治安管理要求登记完整身份信息（第九条）。",
            "旅業治安管理要求登記完整身份資訊（第九條）。",
            "Lodging registration requires the full identity number (Art. 9).",
        ),
    ),
    "hospital_registration": (
        "gd.medical_journey",
        "medical",
        ("就医全流程", "就醫全流程", "The medical journey"),
        ("医院挂号", "醫院掛號", "Hospital registration"),
        (
            "挂号、就诊、入院、结算、支付与健康档案（第七条）。",
            "掛號、就診、入院、結算、支付與健康檔案（第七條）。",
            "Registration, treatment, admission, settlement, payment and health records (Art. 7).",
        ),
    ),
    "transit_ride": (
        "gd.public_transport",
        "transport",
        ("公共交通", "公共交通", "Public transport"),
        ("公共交通乘车", "公共交通乘車", "Public transport ride"),
        (
            "已开通交通功能的卡可乘坐地铁、公交、轮渡（第七条）。",
            "已開通交通功能的卡可乘坐地鐵、公交、輪渡（第七條）。",
            "Metro, bus and ferry for cards with the transport function (Art. 7).",
        ),
    ),
    "library_entry": (
        "gd.library",
        "culture_tourism_sports",
        ("图书馆服务", "圖書館服務", "Libraries"),
        ("图书馆入馆", "圖書館入館", "Library entry"),
        ("凭卡入馆、借阅（第七条）。", "憑卡入館、借閱（第七條）。", "Entry and lending with the card (Art. 7)."),
    ),
    "scenic_entry": (
        "gd.culture_tourism",
        "culture_tourism_sports",
        ("文化旅游体育", "文化旅遊體育", "Culture, tourism and sports"),
        ("景区场馆入园", "景區場館入園", "Museum, scenic spot and sports ground entry"),
        (
            "博物馆、景区、体育场馆入园，并享受优待（第七条）。",
            "博物館、景區、體育場館入園，並享受優待（第七條）。",
            "Entry to museums, scenic spots and sports grounds, with concessions (Art. 7).",
        ),
    ),
    "certificate_check": (
        "gd.certificate_check",
        "identity",
        ("电子证照核验", "電子證照核驗", "Linked e-certificate check"),
        ("电子证照核验", "電子證照核驗", "Certificate check"),
        (
            "持卡人出示关联的电子证照，办事时不再索要纸质证件或复印件（第九条）。",
            "持卡人出示關聯的電子證照，辦事時不再索要紙質證件或複印件（第九條）。",
            "The holder shows a linked e-certificate; no paper copy may be asked for (Art. 9).",
        ),
    ),
    "counter_service": (
        "gd.hrss_counter",
        "social_insurance",
        ("人社业务窗口办理", "人社業務窗口辦理", "Social insurance and HR counter service"),
        ("窗口业务办理", "窗口業務辦理", "Counter service"),
        (
            "办理社会保险、人力资源业务时核验身份（第九条）。",
            "辦理社會保險、人力資源業務時核驗身份（第九條）。",
            "Identity for social insurance and HR business at counters (Art. 9).",
        ),
    ),
}


def _text(values: tuple[str, str, str]) -> dict:
    return {"zh-Hans": values[0], "zh-Hant": values[1], "en": values[2]}


def _content(s: built_in.Scenario) -> tuple[str, dict]:
    known = DEFAULTS.get(s.name)
    if known:
        code, domain, name, title, description = known
    else:
        # A scenario added to the built-in table later: its title serves every language.
        code, domain = f"gd.{s.name}", "identity"
        name = title = (s.title, s.title, s.title)
        description = ("", "", "")
    definition = {
        "name": s.name,
        "title": _text(title),
        "venue_types": sorted(s.venue_types),
        "attributes": list(s.attributes),
        "needs_transport": s.needs_transport,
        "legal_basis": s.legal_basis or "Art. 6 application catalog",
        "min_assurance": s.min_assurance,
        "offline": s.offline,
    }
    content = {
        "domain": domain,
        "name": _text(name),
        "description": _text(description),
        "venue_types": sorted(s.venue_types),
        "scenarios": [definition],
        "note": "初始目录 Initial catalog",
    }
    return code, content


async def seed_rows() -> int:
    """Publish an item for every built-in scenario no item owns yet; runs inside a transaction."""
    owned = {r["name"] for r in await ScenarioOwner.select(ScenarioOwner.name).run()}
    now = utcnow()
    added = 0
    for scenario in built_in.all_scenarios():
        if scenario.name in owned:
            continue
        code, content = _content(scenario)
        if await CatalogItem.exists().where(CatalogItem.code == code).run():
            continue  # an operator took the code: leave their item alone
        item = CatalogItem(code=code, scope=PROVINCE, versions=1, created_by=SEEDER, created_at=now)
        await item.save().run()
        await (
            ItemVersion(
                item=item.id,
                number=1,
                status=PUBLISHED,
                created_by=SEEDER,
                created_at=now,
                submitted_by=SEEDER,
                submitted_at=now,
                published_by=SEEDER,
                published_at=now,
                effective_from=IN_FORCE,
                **content,
            )
            .save()
            .run()
        )
        await ScenarioOwner(name=scenario.name, item=item.id).save().run()
        added += 1
    if added:
        await bump()
    return added


async def seed_default_catalog() -> int:
    """Idempotent: the demo (and any fresh deployment) gets the initial provincial catalog.
    Returns how many items it published."""
    async with db.transaction():
        await lock()
        added = await seed_rows()
    compiled.invalidate()
    return added


UPGRADE_NOTE = "实名核验等级要求 Identity proofing level required (issue 14)"


async def require_proofing_rows(scenarios: Iterable[built_in.Scenario] | None = None, now: dt.datetime | None = None) -> int:
    """Databases seeded before issue 14 hold scenario definitions without a proofing level (read
    as FAMILY, offline allowed). For each built-in scenario that asks more (hotel check-in), the
    item owning it gets a new version with the built-in level, published now by the seeder:
    published content is never changed, so the catalog's history shows when the rule began.
    Runs inside a transaction; returns how many versions it published. `scenarios`: the
    definitions to follow (the built-in table unless given)."""
    now = (now or utcnow()).replace(microsecond=0)
    added = 0
    for scenario in built_in.all_scenarios() if scenarios is None else scenarios:
        if scenario.min_assurance <= built_in.DEFAULT_ASSURANCE and scenario.offline:
            continue
        owner = (
            await ScenarioOwner.select(ScenarioOwner.item, ScenarioOwner.item.versions.as_alias("versions"))
            .where(ScenarioOwner.name == scenario.name)
            .first()
            .run()
        )
        if owner is None:
            continue
        latest = (
            await ItemVersion.select()
            .where((ItemVersion.item == owner["item"]) & ItemVersion.status.is_in(list(PUBLIC_STATES)))
            .order_by(ItemVersion.effective_from, ascending=False)
            .first()
            .output(load_json=True)
            .run()
        )
        # Only a version in effect now and open-ended is followed; a withdrawn or scheduled item
        # is an operator's business (their next version states the level).
        if latest is None or latest["status"] != PUBLISHED or latest["effective_to"] is not None:
            continue
        if latest["effective_from"] >= now:
            continue
        definitions = latest["scenarios"] or []
        if not any(d.get("name") == scenario.name and "min_assurance" not in d for d in definitions):
            continue
        upgraded = [
            {**d, "min_assurance": scenario.min_assurance, "offline": scenario.offline} if d.get("name") == scenario.name else d
            for d in definitions
        ]
        number = int(owner["versions"]) + 1  # in the caller's transaction (a migration runs alone)
        await CatalogItem.update({CatalogItem.versions: number}).where(CatalogItem.id == owner["item"]).run()
        await ItemVersion.update({ItemVersion.effective_to: now}).where(ItemVersion.id == latest["id"]).run()
        await (
            ItemVersion(
                item=owner["item"],
                number=number,
                status=PUBLISHED,
                domain=latest["domain"],
                name=latest["name"],
                description=latest["description"],
                venue_types=latest["venue_types"],
                scenarios=upgraded,
                note=UPGRADE_NOTE,
                created_by=SEEDER,
                created_at=now,
                submitted_by=SEEDER,
                submitted_at=now,
                published_by=SEEDER,
                published_at=now,
                effective_from=now,
            )
            .save()
            .run()
        )
        added += 1
    if added:
        await bump()
    return added
