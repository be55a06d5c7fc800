"""The report of unusual staff behaviour (Art. 21; docs/access-record.md, "Staff accountability").

Per staff member over a period, from their entries on the access record: how many distinct people
they read or acted on (flagged above PEOPLE_PER_DAY in one day, or far above their office's median),
look-ups of people whose card belongs to another city without an enforcement case named as the
basis, and actions outside working hours (Asia/Shanghai, before 08:00, from 19:00, or weekends).
A flag is a reason to look, not a finding: each carries counts and a few entry ids to open.
"""

from __future__ import annotations

import datetime as dt
import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from backend.accounts.tables import StaffMember
from backend.audit.schemas import StaffFlag, StaffReport, StaffRow
from backend.audit.tables import AccessEntry
from backend.lib import db

CST = ZoneInfo("Asia/Shanghai")
PEOPLE_PER_DAY = 50  # distinct people in one day above which a staff member is flagged
MEDIAN_FACTOR = 3  # ... or more than this many times the office's median over the period
MEDIAN_FLOOR = 20  # ... and at least this many people (a quiet office's median says little)
DAY_START, DAY_END = dt.time(8, 0), dt.time(19, 0)
CASE_PREFIX = "YKC-"  # an enforcement case's number (backend/enforcement/records.new_number)
EXAMPLES = 5
# Reading someone's data, as opposed to acting on their card at the counter (which any office of
# the province may do, Art. 5): the actions the out-of-city check looks at.
LOOKUPS = frozenset(
    {
        "person.lookup",
        "person.read",
        "person.documents",
        "card.lookup",
        "family.counter_lookup",
        "proofing.photo_of_record",
        "hrfile.read",
        "ticket.read",
    }
)


@dataclass
class _Staff:
    id: str
    name: str = ""
    office_id: str = ""
    office_name: str = ""
    city: str = ""
    entries: int = 0
    people: set[str] = field(default_factory=set)
    by_day: dict[dt.date, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))  # day -> person -> entry id
    outside_city: dict[str, str] = field(default_factory=dict)  # person -> first entry id
    off_hours: list[str] = field(default_factory=list)


def off_hours(at: dt.datetime) -> bool:
    local = at.astimezone(CST)
    return local.weekday() >= 5 or not (DAY_START <= local.time() < DAY_END)


def _city_of_region(region: str) -> str:
    return region[:4] + "00" if len(region) >= 4 else region


async def _card_regions(people: list[str]) -> dict[str, str]:
    """Each person's card region (their current card, else their newest). The cards feature sits
    above audit, so its table is read by name here, as a column list, never imported."""
    regions: dict[str, str] = {}
    for i in range(0, len(people), 500):
        chunk = people[i : i + 500]
        rows = await db.fetch(
            f"SELECT person, region, issued_at FROM cards_card WHERE {db.any_of('person')} ORDER BY issued_at",
            db.list_arg([uuid.UUID(p) for p in chunk]),
        )
        for row in rows:
            regions[str(row["person"])] = str(row["region"])  # newest last: it wins
    return regions


async def _staff_of(ids: list[str]) -> dict[str, _Staff]:
    known: dict[str, _Staff] = {}
    valid = []
    for value in ids:
        try:
            valid.append(uuid.UUID(value))
        except ValueError:
            continue
    if not valid:
        return known
    rows = (
        await StaffMember.select(
            StaffMember.id,
            StaffMember.name,
            StaffMember.office.id.as_alias("office_id"),
            StaffMember.office.name.as_alias("office_name"),
            StaffMember.office.city.code.as_alias("city"),  # type: ignore[union-attr]  # piccolo's ForeignKey proxies columns at run time
        )
        .where(StaffMember.id.is_in(valid))
        .run()
    )
    for row in rows:
        known[str(row["id"])] = _Staff(str(row["id"]), row["name"], str(row["office_id"]), row["office_name"], row["city"] or "")
    return known


async def report(*, since: dt.datetime, until: dt.datetime, city: str | None) -> StaffReport:
    """The report for staff of `city` (every city when None) over since <= at < until."""
    rows = (
        await AccessEntry.select(
            AccessEntry.id, AccessEntry.at, AccessEntry.actor_id, AccessEntry.person, AccessEntry.action, AccessEntry.basis_ref
        )
        .where((AccessEntry.actor_kind == "staff") & (AccessEntry.at >= since) & (AccessEntry.at < until))
        .order_by(AccessEntry.seq)
        .run()
    )
    staff = await _staff_of(sorted({r["actor_id"] for r in rows}))
    if city is not None:
        staff = {k: v for k, v in staff.items() if v.city == city}
    people = sorted({str(r["person"]) for r in rows if r["person"] is not None and r["actor_id"] in staff})
    regions = await _card_regions(people)
    for row in rows:
        member = staff.get(row["actor_id"])
        if member is None:
            continue
        entry = str(row["id"])
        member.entries += 1
        at = row["at"] if row["at"].tzinfo else row["at"].replace(tzinfo=dt.UTC)
        if off_hours(at):
            member.off_hours.append(entry)
        if row["person"] is None:
            continue
        person = str(row["person"])
        member.people.add(person)
        member.by_day[at.astimezone(CST).date()].setdefault(person, entry)
        region = regions.get(person)
        provincial = member.city.endswith("0000")
        if (
            row["action"] in LOOKUPS
            and region
            and not provincial
            and _city_of_region(region) != member.city
            and CASE_PREFIX not in (row["basis_ref"] or "")
        ):
            member.outside_city.setdefault(person, entry)
    medians: dict[str, float] = {}
    by_office: dict[str, list[int]] = defaultdict(list)
    for member in staff.values():
        if member.entries:
            by_office[member.office_id].append(len(member.people))
    for office, counts in by_office.items():
        medians[office] = statistics.median(counts)
    out = []
    for member in staff.values():
        if not member.entries:
            continue
        out.append(_row(member, medians.get(member.office_id, 0.0)))
    out.sort(key=lambda r: (-len(r.flags), -r.entries, r.name))
    return StaffReport(since=since, until=until, city=city, people_per_day=PEOPLE_PER_DAY, staff=out)


def _row(member: _Staff, median: float) -> StaffRow:
    flags: list[StaffFlag] = []
    if member.by_day:
        day, seen = max(member.by_day.items(), key=lambda item: len(item[1]))
        if len(seen) > PEOPLE_PER_DAY:
            flags.append(
                StaffFlag(
                    kind="many_people",
                    count=len(seen),
                    detail=f"{len(seen)} different people on {day.isoformat()} (more than {PEOPLE_PER_DAY} in a day).",
                    examples=[uuid.UUID(e) for e in list(seen.values())[:EXAMPLES]],
                )
            )
    if len(member.people) >= MEDIAN_FLOOR and len(member.people) > MEDIAN_FACTOR * median:
        first = [next(iter(day.values())) for day in member.by_day.values()][:EXAMPLES]
        flags.append(
            StaffFlag(
                kind="above_office_median",
                count=len(member.people),
                detail=f"{len(member.people)} different people; the office's median is {median:g}.",
                examples=[uuid.UUID(e) for e in first],
            )
        )
    if member.outside_city:
        flags.append(
            StaffFlag(
                kind="outside_city_without_case",
                count=len(member.outside_city),
                detail=f"{len(member.outside_city)} people with a card of another city looked up without a case number.",
                examples=[uuid.UUID(e) for e in list(member.outside_city.values())[:EXAMPLES]],
            )
        )
    if member.off_hours:
        flags.append(
            StaffFlag(
                kind="outside_hours",
                count=len(member.off_hours),
                detail=f"{len(member.off_hours)} actions before 08:00, from 19:00 or at the weekend (China Standard Time).",
                examples=[uuid.UUID(e) for e in member.off_hours[:EXAMPLES]],
            )
        )
    return StaffRow(
        staff_id=member.id,
        name=member.name,
        office_id=member.office_id,
        office_name=member.office_name,
        city=member.city,
        entries=member.entries,
        people=len(member.people),
        flags=flags,
    )
