"""Correction orders (Art. 18) to venues, services and organisations: issue, report, check, overdue, escalate, withdraw.

An order moves issued -> reported (the target says it corrected) -> complied (staff checked), or
back to issued when the check finds it not done; issued or reported past the deadline -> overdue
(the periodic scan, `mark_overdue`) -> escalated; any open order -> withdrawn. Every change is a
compare-and-set on `version` and leaves an OrderStep (docs/correction-orders.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec

from backend.enforcement import schemas as s
from backend.enforcement.records import SYSTEM, StepActor, new_number
from backend.enforcement.tables import Case, CorrectionOrder, OrderStep
from backend.lib import db
from backend.lib.auth import AGENCY, COUNTER, EMPLOYER, PROVINCIAL, SUPERVISOR, Principal
from backend.lib.errors import ApiError
from backend.org.tables import Agency, Employer
from backend.servicepoints.tables import ServicePoint
from backend.venues.tables import Venue, Verification

T = TypeVar("T")

PROVINCE = "440000"
CST = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
MIN_AHEAD = dt.timedelta(days=1)
MAX_AHEAD = dt.timedelta(days=366)
EVIDENCE_DAYS = 30

ISSUED, REPORTED, COMPLIED, OVERDUE, ESCALATED, WITHDRAWN = "issued", "reported", "complied", "overdue", "escalated", "withdrawn"
OPEN = frozenset({ISSUED, REPORTED, OVERDUE, ESCALATED})
LATE = frozenset({ISSUED, REPORTED})  # what the deadline passing makes overdue

STAFF = frozenset({COUNTER, SUPERVISOR, PROVINCIAL})
SENIOR = frozenset({SUPERVISOR, PROVINCIAL})
# action -> (states it may start from, the roles that may take it); the state it leads to is decided below.
TRANSITIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "report": (frozenset({ISSUED}), STAFF | {AGENCY, EMPLOYER}),
    "check": (frozenset({REPORTED, OVERDUE, ESCALATED}), SENIOR),  # not_done: only from reported
    "escalate": (frozenset({OVERDUE}), SENIOR),
    "withdraw": (OPEN, SENIOR),
}


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def end_of_day(day: dt.date) -> dt.datetime:
    """The last second of `day` in the province (Asia/Shanghai), as UTC: a deadline given as a date."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), CST).astimezone(dt.UTC)


# --- targets ---------------------------------------------------------------------------------


class Target(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    id: uuid.UUID
    name: str
    city: str  # "" for an agency


def _point_name(name: Any) -> str:
    if isinstance(name, str):
        name = msgspec.json.decode(name) if name.startswith("{") else {"zh-Hans": name}
    if not isinstance(name, dict):
        return ""
    return str(name.get("zh-Hans") or name.get("en") or next(iter(name.values()), ""))


async def target(kind: str, target_id: uuid.UUID | str) -> Target | None:
    """The venue, agency, employer or service point an order names, with its display name and city."""
    try:
        key = uuid.UUID(str(target_id))
    except ValueError:
        return None
    if kind == "venue":
        row = await Venue.select(Venue.name, Venue.city.code.as_alias("city")).where(Venue.id == key).first().run()
    elif kind == "agency":
        row = await Agency.select(Agency.name).where(Agency.id == key).first().run()
        row = {**row, "city": ""} if row else None
    elif kind == "employer":
        row = await Employer.select(Employer.name, Employer.city).where(Employer.id == key).first().run()
    elif kind == "service_point":
        row = await ServicePoint.select(ServicePoint.name, ServicePoint.city).where(ServicePoint.id == key).first().run()
        row = {**row, "name": _point_name(row["name"])} if row else None
    else:
        return None
    if row is None:
        return None
    return Target(kind=kind, id=key, name=str(row["name"])[:200], city=str(row["city"] or ""))


def _contains(column: Any, words: str) -> Any:
    """Case-insensitive "contains": ILIKE on PostgreSQL, LIKE on SQLite (case-insensitive there already)."""
    pattern = f"%{words}%"
    return column.like(pattern) if db.is_sqlite() else column.ilike(pattern)


async def targets(principal: Principal, kind: str, q: str, limit: int) -> list[s.OrderTargetOut]:
    """What the issue form offers: the caller's city's venues, employers and service points, every agency."""
    city = None if principal.role == PROVINCIAL else (principal.city or "")
    words = q.strip()
    found: list[s.OrderTargetOut] = []
    if kind == "venue":
        query = Venue.select(Venue.id, Venue.name, Venue.city.code.as_alias("city")).order_by(Venue.name).limit(limit)
        if city is not None:
            query = query.where(Venue.city.code == city)
        if words:
            query = query.where(_contains(Venue.name, words))
        rows = await query.run()
    elif kind == "agency":
        query = Agency.select(Agency.id, Agency.name).order_by(Agency.name).limit(limit)
        if words:
            query = query.where(_contains(Agency.name, words))
        rows = [{**r, "city": ""} for r in await query.run()]
    elif kind == "employer":
        query = Employer.select(Employer.id, Employer.name, Employer.city).order_by(Employer.name).limit(limit)
        if city is not None:
            query = query.where(Employer.city == city)
        if words:
            query = query.where(_contains(Employer.name, words))
        rows = await query.run()
    else:
        query = (
            ServicePoint.select(ServicePoint.id, ServicePoint.name, ServicePoint.city)
            .order_by(ServicePoint.created_at)
            .limit(limit)
        )
        if city is not None:
            query = query.where(ServicePoint.city == city)
        if words:
            query = query.where(ServicePoint.search_text.like(f"%{words.casefold()}%"))
        rows = [{**r, "name": _point_name(r["name"])} for r in await query.run()]
    for r in rows:
        found.append(s.OrderTargetOut(kind=kind, id=r["id"], name=str(r["name"])[:200], city=str(r["city"] or "")))  # type: ignore[arg-type]  # kind is an OrderTarget, checked by the route
    return found


# --- reading ---------------------------------------------------------------------------------


def _out(row: dict[str, Any], now: dt.datetime, *, for_org: bool = False) -> s.OrderOut:
    deadline = _utc(row["deadline"])
    overdue = row["state"] in (OVERDUE, ESCALATED) or (row["state"] in LATE and deadline < now)
    return s.OrderOut(
        id=row["id"],
        number=row["number"],
        target_kind=row["target_kind"],
        target_id=row["target_id"],
        target_name=row["target_name"],
        city=row["city"],
        ground=row["ground"],
        detail=row["detail"],
        state=row["state"],
        version=int(row["version"]),
        deadline=deadline,
        overdue=overdue,
        case_id=row["case"],
        signal_id=row["signal"],
        issued_by="" if for_org else row["issued_by"],
        issued_at=_utc(row["issued_at"]),
        updated_at=_utc(row["updated_at"]),
    )


async def _load(order_id: uuid.UUID) -> dict[str, Any] | None:
    row: dict[str, Any] | None = await CorrectionOrder.select().where(CorrectionOrder.id == order_id).first().run()
    return row


def _may_see(principal: Principal, row: dict[str, Any]) -> bool:
    if principal.role == PROVINCIAL:
        return True
    if principal.role in (COUNTER, SUPERVISOR):
        return bool(principal.city) and row["city"] == principal.city
    if principal.role == AGENCY:
        return row["target_kind"] == "agency" and row["target_id"] == str(principal.org_id or "")
    if principal.role == EMPLOYER:
        return row["target_kind"] == "employer" and row["target_id"] == str(principal.org_id or "")
    return False


async def _visible(principal: Principal, order_id: uuid.UUID) -> dict[str, Any]:
    """The order, if the caller may see it: staff of its city, provincial operators, the target itself; else 404."""
    row = await _load(order_id)
    if row is None or not _may_see(principal, row):
        raise ApiError(404, "order.not_found", "No correction order with this id that you may see.")
    return row


def allowed(principal: Principal, state: str) -> list[str]:
    """The actions the caller may take on an order in `state` (what the console offers)."""
    return [name for name, (sources, roles) in TRANSITIONS.items() if state in sources and principal.role in roles]


async def _steps(order_id: uuid.UUID, *, for_org: bool = False) -> list[s.OrderStepOut]:
    rows = await OrderStep.select().where(OrderStep.order == order_id).order_by(OrderStep.seq).run()
    return [
        s.OrderStepOut(
            seq=int(r["seq"]),
            action=r["action"],
            actor_kind=r["actor_kind"],
            actor_id="" if for_org and r["actor_kind"] == "staff" else r["actor_id"],  # staff ids stay inside
            from_state=r["from_state"],
            to_state=r["to_state"],
            note=r["note"],
            at=_utc(r["at"]),
        )
        for r in rows
    ]


async def outside_catalog_count(venue_id: uuid.UUID | str, now: dt.datetime) -> int:
    """The venue's verifications refused as `scenario_not_allowed` in the last 30 days: the evidence
    for an outside-catalog order."""
    try:
        key = uuid.UUID(str(venue_id))
    except ValueError:
        return 0
    since = now - dt.timedelta(days=EVIDENCE_DAYS)
    return int(
        await Verification.count()
        .where(
            (Verification.venue == key)
            & (Verification.result == "scenario_not_allowed")
            & Verification.card_id.is_null()  # the venue's own refusals, as the outside_catalog signal counts them
            & (Verification.at >= since)
        )
        .run()
    )


async def detail(principal: Principal, order_id: uuid.UUID, now: dt.datetime) -> s.OrderDetail:
    row = await _visible(principal, order_id)
    for_org = principal.role in (AGENCY, EMPLOYER)
    evidence = None
    if row["target_kind"] == "venue" and not for_org:
        evidence = await outside_catalog_count(row["target_id"], now)
    return s.OrderDetail(
        order=_out(row, now, for_org=for_org),
        steps=await _steps(order_id, for_org=for_org),
        actions=allowed(principal, row["state"]),  # type: ignore[arg-type]  # names of TRANSITIONS, each an OrderAction
        outside_catalog_30d=evidence,
    )


async def list_orders(
    principal: Principal,
    *,
    now: dt.datetime,
    state: str | None = None,
    ground: str | None = None,
    target_kind: str | None = None,
    city: str | None = None,
    overdue: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> s.OrderPage:
    """Staff: their city's orders (provincial operators: any city's), newest first, with the filters."""
    where: list[Any] = []
    if principal.role != PROVINCIAL:
        where.append(CorrectionOrder.city == (principal.city or ""))
    if city is not None:
        where.append(CorrectionOrder.city == city)
    if state is not None:
        where.append(CorrectionOrder.state == state)
    if ground is not None:
        where.append(CorrectionOrder.ground == ground)
    if target_kind is not None:
        where.append(CorrectionOrder.target_kind == target_kind)
    late = CorrectionOrder.state.is_in([OVERDUE, ESCALATED]) | (
        CorrectionOrder.state.is_in(sorted(LATE)) & (CorrectionOrder.deadline < now)
    )
    if overdue is True:
        where.append(late)
    elif overdue is False:
        where.append(CorrectionOrder.state.not_in([OVERDUE, ESCALATED]))
        where.append((CorrectionOrder.deadline >= now) | CorrectionOrder.state.not_in(sorted(LATE)))
    query = CorrectionOrder.select().order_by(CorrectionOrder.issued_at, ascending=False).limit(limit).offset(offset)
    count = CorrectionOrder.count()
    for clause in where:
        query = query.where(clause)
        count = count.where(clause)
    rows = await query.run()
    return s.OrderPage(items=[_out(r, now) for r in rows], total=int(await count.run()))


async def for_organisation(principal: Principal, now: dt.datetime, *, limit: int, offset: int) -> list[s.OrderOut]:
    """An agency's or employer's own system: the orders addressed to its organisation, newest first."""
    kind = "agency" if principal.role == AGENCY else "employer"
    rows = (
        await CorrectionOrder.select()
        .where((CorrectionOrder.target_kind == kind) & (CorrectionOrder.target_id == str(principal.org_id or "")))
        .order_by(CorrectionOrder.issued_at, ascending=False)
        .limit(limit)
        .offset(offset)
        .run()
    )
    return [_out(r, now, for_org=True) for r in rows]


# --- writing ---------------------------------------------------------------------------------


async def _in_transaction(attempt: Callable[[], Awaitable[T]]) -> T:
    """Join the caller's transaction, or open one (a clashing random order number: run again)."""

    def busy() -> BaseException:
        return ApiError(503, "order.busy", "Could not number the order; try again.")

    def again(exc: Exception) -> bool:
        return db.unique_clash(exc, ["enforcement_correction_order.number"]) is not None

    return await db.retrying(attempt, attempts=3, busy=busy, again=again)


async def _append(
    order_id: uuid.UUID, seq: int, action: str, actor: StepActor, before: str, after: str, note: str, at: dt.datetime
) -> None:
    await OrderStep.insert(
        OrderStep(
            id=uuid.uuid4(),
            order=order_id,
            seq=seq,
            action=action,
            actor_kind=actor.kind,
            actor_id=actor.id[:64],
            from_state=before,
            to_state=after,
            note=note.strip()[:2000],
            at=at,
        )
    ).run()


async def issue(
    *,
    target_kind: str,
    target_id: str | uuid.UUID,
    ground: str,
    detail: str,
    deadline: dt.datetime,
    by: StepActor,
    city: str,
    case_id: uuid.UUID | None = None,
    signal_id: uuid.UUID | None = None,
    now: dt.datetime,
) -> uuid.UUID:
    """Issue a correction order and its first step; joins the caller's transaction if there is one
    (a case's decision issues its order in the case's own transaction), else opens one.

    422 `order.unknown_target` (no such venue, agency, employer or service point), 422
    `order.bad_deadline` (not between a day and a year ahead), 422 `order.unknown_case`."""
    deadline = _utc(deadline)
    now = _utc(now)
    if not (now + MIN_AHEAD <= deadline <= now + MAX_AHEAD):
        raise ApiError(422, "order.bad_deadline", "The deadline must be at least a day and at most a year ahead.")

    async def attempt() -> uuid.UUID:
        found = await target(target_kind, target_id)
        if found is None:
            raise ApiError(422, "order.unknown_target", f"No {target_kind.replace('_', ' ')} with this id.")
        if case_id is not None and not await Case.exists().where(Case.id == case_id).run():
            raise ApiError(422, "order.unknown_case", "No case with this id.")
        order_id = uuid.uuid4()
        await CorrectionOrder.insert(
            CorrectionOrder(
                id=order_id,
                number=new_number("YKO", now),
                target_kind=target_kind,
                target_id=str(found.id),
                target_name=found.name,
                city=city,
                ground=ground,
                detail=detail[:2000],
                state=ISSUED,
                version=1,
                deadline=deadline,
                case=case_id,
                signal=signal_id,
                issued_by=by.id[:64],
                issued_at=now,
                updated_at=now,
            )
        ).run()
        await _append(order_id, 1, "issue", by, "", ISSUED, detail, now)
        return order_id

    return await _in_transaction(attempt)


async def withdraw_for_case(case_id: uuid.UUID, by: StepActor, note: str, now: dt.datetime) -> int:
    """Withdraw the open orders a case issued, in the caller's transaction (an appeal against the
    case's decision succeeded: the order it issued no longer stands). Returns how many."""
    rows = (
        await CorrectionOrder.select(CorrectionOrder.id, CorrectionOrder.state, CorrectionOrder.version)
        .where((CorrectionOrder.case == case_id) & CorrectionOrder.state.is_in(list(OPEN)))
        .run()
    )
    for row in rows:
        version = int(row["version"])
        moved = (
            await CorrectionOrder.update(
                {CorrectionOrder.state: WITHDRAWN, CorrectionOrder.version: version + 1, CorrectionOrder.updated_at: now}
            )
            .where((CorrectionOrder.id == row["id"]) & (CorrectionOrder.version == version))
            .returning(CorrectionOrder.id)
            .run()
        )
        if not moved:  # the order moved meanwhile (a report, a check): the caller's retry reads it again
            raise db.Conflict()
        await _append(row["id"], version + 1, "withdraw", by, row["state"], WITHDRAWN, note, now)
    return len(rows)


async def issue_by_staff(principal: Principal, data: s.OrderIssue, now: dt.datetime) -> s.OrderDetail:
    """A member of staff issues an order to a target of their city (provincial operators: anywhere).
    The order's city is the target's; an agency's is the caller's (a provincial operator may name one)."""
    found = await target(data.target_kind, data.target_id)
    if found is None or (principal.role != PROVINCIAL and found.city and found.city != principal.city):
        raise ApiError(422, "order.unknown_target", f"No {data.target_kind.replace('_', ' ')} with this id in your city.")
    if found.city:
        city = found.city
    elif principal.role == PROVINCIAL:
        city = data.city or principal.city or PROVINCE
    else:
        city = principal.city or PROVINCE
    actor = StepActor(kind="staff", id=principal.id)
    order_id = await issue(
        target_kind=data.target_kind,
        target_id=data.target_id,
        ground=data.ground,
        detail=data.detail,
        deadline=end_of_day(data.deadline),
        by=actor,
        city=city,
        case_id=data.case_id,
        now=now,
    )
    return await detail(principal, order_id, now)


def _next(action: str, state: str, outcome: str | None) -> str:
    if action == "report":
        return REPORTED
    if action == "check":
        if outcome == "not_done":
            if state != REPORTED:
                raise ApiError(
                    409,
                    "order.illegal_transition",
                    "Only a reported order can be sent back as not done.",
                    state=state,
                    action=action,
                )
            return ISSUED
        return COMPLIED
    if action == "escalate":
        return ESCALATED
    return WITHDRAWN


async def act(
    principal: Principal,
    order_id: uuid.UUID,
    action: str,
    *,
    version: int,
    note: str,
    now: dt.datetime,
    outcome: str | None = None,
) -> s.OrderDetail:
    """Take `action` on an order as the caller: staff of its city or provincial operators (404 for
    others), or the target's own system reporting. 403 `order.not_permitted` (a counter operator
    checking, say), 409 `order.illegal_transition`, 409 `order.version_conflict` (stale version),
    422 `order.note_required` (withdrawing or sending back without saying why)."""
    sources, roles = TRANSITIONS[action]
    is_org = principal.role in (AGENCY, EMPLOYER)
    actor = StepActor(kind="organisation" if is_org else "staff", id=principal.id)
    if action == "withdraw" or (action == "check" and outcome == "not_done"):
        if len(note.strip()) < 2:
            raise ApiError(422, "order.note_required", "Say why.")

    async def attempt() -> None:
        row = await _visible(principal, order_id)
        if principal.role not in roles:
            raise ApiError(403, "order.not_permitted", f"Your role cannot {action} a correction order.", action=action)
        if int(row["version"]) != version:
            raise ApiError(
                409, "order.version_conflict", "The order changed since you read it; read it again.", version=int(row["version"])
            )
        state = row["state"]
        if state not in sources:
            raise ApiError(
                409,
                "order.illegal_transition",
                f"An order that is {state} cannot be taken to '{action}'.",
                state=state,
                action=action,
            )
        after = _next(action, state, outcome)
        updated = (
            await CorrectionOrder.update(
                {CorrectionOrder.state: after, CorrectionOrder.version: version + 1, CorrectionOrder.updated_at: now}
            )
            .where((CorrectionOrder.id == order_id) & (CorrectionOrder.version == version))
            .returning(CorrectionOrder.id)
            .run()
        )
        if not updated:
            raise ApiError(409, "order.version_conflict", "The order changed since you read it; read it again.")
        step_action = f"check_{outcome}" if action == "check" else action
        await _append(order_id, version + 1, step_action, actor, state, after, note, now)

    await _in_transaction(attempt)
    return await detail(principal, order_id, now)


async def mark_overdue(now: dt.datetime) -> int:
    """Issued and reported orders past their deadline become overdue, each with a step by the
    system; returns how many. Idempotent: a second run finds none (the periodic scan job calls it)."""
    now = _utc(now)
    if db.in_transaction():
        return await _mark_overdue(now)
    async with db.transaction():
        moved = await _mark_overdue(now)
    return moved


async def _mark_overdue(now: dt.datetime) -> int:
    moved = 0
    rows = (
        await CorrectionOrder.select(CorrectionOrder.id, CorrectionOrder.state, CorrectionOrder.version)
        .where(CorrectionOrder.state.is_in(sorted(LATE)) & (CorrectionOrder.deadline < now))
        .run()
    )
    for row in rows:
        version = int(row["version"])
        updated = (
            await CorrectionOrder.update(
                {CorrectionOrder.state: OVERDUE, CorrectionOrder.version: version + 1, CorrectionOrder.updated_at: now}
            )
            .where((CorrectionOrder.id == row["id"]) & (CorrectionOrder.version == version))
            .returning(CorrectionOrder.id)
            .run()
        )
        if updated:  # a change that came between is left for the next run
            await _append(row["id"], version + 1, "overdue", SYSTEM, row["state"], OVERDUE, "The deadline passed.", now)
            moved += 1
    return moved
