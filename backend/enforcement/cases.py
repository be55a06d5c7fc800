"""The staff side of a case: open, investigate, assign, note, decide, propose and approve a fine (four
eyes), record an appeal, uphold or overturn it, close, dismiss (docs/enforcement.md).

Each use case reads the case, checks who may act (access.py) and the version the caller saw, then
takes one step (records.step: state machine, compare-and-set, history) in one transaction under
db.retrying, with the access record entry, the holder's notice, a correction order or a credit
record in that same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from backend.accounts.tables import StaffMember
from backend.audit import services as audit
from backend.cards.tables import Card
from backend.enforcement import access, appeals, correcting, credit, records, views, vocab
from backend.enforcement import case_states as states
from backend.enforcement import schemas as s
from backend.enforcement.records import CaseRow, StepActor
from backend.enforcement.tables import Case
from backend.identity.protect import redact
from backend.inbox import services as inbox
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.auth import PROVINCIAL, STAFF_ROLES, Principal
from backend.lib.errors import ApiError
from backend.venues.tables import Venue

ATTEMPTS = 6
DEADLINE_MIN = dt.timedelta(days=1)
DEADLINE_MAX = dt.timedelta(days=366)
# The order a venue is given, by the kind of case that found its conduct.
ORDER_GROUND_OF_KIND = {"outside_catalog": "outside_catalog"}


def moment(now: int) -> dt.datetime:
    """The handler's `now` (epoch seconds) as the moment a step is taken, to the microsecond when it is
    the present (steps of one second then keep their order on the page)."""
    precise = dt.datetime.now(dt.UTC)
    return precise if 0 <= precise.timestamp() - now < 2 else dt.datetime.fromtimestamp(now, dt.UTC)


def _busy() -> ApiError:
    return ApiError(409, "case.busy", "The case is being changed by other requests; try again.", retry_after=1)


def _already_open() -> ApiError:
    return ApiError(409, "case.already_open", "A case of this kind is already open about this card or venue.")


def _again(exc: Exception) -> bool:
    column = db.unique_clash(exc, ["enforcement_case.number", "enforcement_case.open_key", "enforcement_credit_record.seq"])
    if column == "enforcement_case.open_key":
        raise _already_open() from None
    return column is not None


async def _retrying(attempt: Callable[[], Awaitable[CaseRow]]) -> CaseRow:
    return await db.retrying(attempt, attempts=ATTEMPTS, busy=_busy, again=_again)


async def _record(principal: Principal, actor: audit.Actor, case: CaseRow, action: str, fields: list[str]) -> None:
    """Staff acting on a case about a person: on that person's access record. The purpose names the
    case and the step, never the step's text: an internal note or a proposal's reasons are not the
    holder's to read (the wallet shows the reasons of decisions, docs/enforcement.md)."""
    if case.person is None:
        return
    await audit.record(
        actor,
        person_id=case.person,
        action=f"enforcement.case_{action}",
        fields=fields,
        purpose=f"Enforcement case {case.number}: {action.replace('_', ' ')}",
        basis_kind="official_duty",
        basis_ref=case.number,
    )


async def _tell(case: CaseRow, event: str, now: dt.datetime) -> None:
    if case.person is not None:
        await inbox.tell(case.person, event, {"case": case.number}, now=now)


After = Callable[[CaseRow, StepActor], Awaitable[None]]


async def _act(
    principal: Principal,
    case_id: uuid.UUID,
    action: str,
    expected_version: int,
    *,
    now: dt.datetime,
    note: str = "",
    values: Callable[[CaseRow], Mapping[str, Any]] | None = None,
    data: Mapping[str, Any] | None = None,
    check: Callable[[CaseRow], Awaitable[None]] | None = None,
    after: After | None = None,
    fields: list[str] | Callable[[CaseRow], list[str]] | None = None,
) -> s.CaseOut:
    async def attempt() -> CaseRow:
        case = await records.get(case_id)
        access.ensure_act(principal, case, action)
        if case.version != expected_version:
            raise ApiError(
                409,
                "case.version_conflict",
                "The case changed since you read it: read it again.",
                version=case.version,
                state=case.state,
            )
        states.next_state(case.state, action, "staff")  # an illegal step is 409 before any other check
        if check is not None:
            await check(case)
        audited = await audit.actor_of(principal)
        actor = StepActor(kind="staff", id=principal.id, name=audited.name)
        await records.step(case, action, actor, now=now, values=values(case) if values else None, note=note, data=data)
        await _record(principal, audited, case, action, fields(case) if callable(fields) else list(fields or []))
        if after is not None:
            await after(case, actor)
        return case

    return await views.case_out(await _retrying(attempt))


# --- opening -------------------------------------------------------------------------------


async def _subject(spec: s.CaseOpen) -> dict[str, Any]:
    if (spec.card_number is None) == (spec.venue_id is None):
        raise ApiError(422, "case.bad_subject", "Give the card's printed number or the venue's id, one of them.")
    if spec.card_number is not None:
        card = await Card.select(Card.id, Card.person, Card.region).where(Card.number == spec.card_number).first().run()
        if card is None:
            raise ApiError(422, "case.unknown_card", "No card has this printed number.")
        return {
            "subject_kind": "card",
            "subject_id": str(card["id"]),
            "card_id": card["id"],
            "person": card["person"],
            "venue_id": None,
            "city": card["region"],
        }
    venue = await Venue.select(Venue.id, Venue.city.code.as_alias("city_code")).where(Venue.id == spec.venue_id).first().run()
    if venue is None:
        raise ApiError(422, "case.unknown_venue", "No venue has this id.")
    return {
        "subject_kind": "venue",
        "subject_id": str(venue["id"]),
        "card_id": None,
        "person": None,
        "venue_id": venue["id"],
        "city": venue["city_code"],
    }


async def open_case(principal: Principal, spec: s.CaseOpen, now: int) -> s.CaseOut:
    """A case opened by staff about a card or a venue in their city (provincial: anywhere). One open
    case per kind and subject: another is 409 `case.already_open`."""
    at = moment(now)
    subject = await _subject(spec)
    access.ensure_open(principal, subject["city"])
    key = records.open_key(spec.kind, subject["subject_kind"], subject["subject_id"])

    async def attempt() -> CaseRow:
        if await Case.exists().where(Case.open_key == key).run():
            raise _already_open()
        case_id = uuid.uuid4()
        await Case.insert(
            Case(
                id=case_id,
                number=records.new_number("YKC", at),
                kind=spec.kind,
                state=states.OPEN,
                version=1,
                open_key=key,
                summary=redact(" ".join(spec.summary.split())),
                opened_by=principal.id,
                opened_at=at,
                updated_at=at,
                **subject,
            )
        ).run()
        case = await records.get(case_id)
        audited = await audit.actor_of(principal)
        actor = StepActor(kind="staff", id=principal.id, name=audited.name)
        await records.append_step(case, "open", actor, from_state="", at=at, note=case.summary)
        await _record(principal, audited, case, "open", ["card_number"])
        await _tell(case, "enforcement.case_opened", at)
        return case

    return await views.case_out(await _retrying(attempt))


# --- staff steps -----------------------------------------------------------------------------


async def investigate(principal: Principal, case_id: uuid.UUID, spec: s.CaseStepIn, now: int) -> s.CaseOut:
    def values(case: CaseRow) -> Mapping[str, Any]:
        return {} if case.assigned_to else {"assigned_to": principal.id}  # who starts it takes it, unless assigned

    return await _act(principal, case_id, "investigate", spec.expected_version, now=moment(now), note=spec.note, values=values)


async def _assignee(principal: Principal, case: CaseRow, staff_id: uuid.UUID | None) -> str:
    if staff_id is None or str(staff_id) == principal.id:
        return principal.id
    row = await (
        StaffMember.select(
            StaffMember.role,
            StaffMember.active,
            StaffMember.office.city.code.as_alias("city"),  # type: ignore[union-attr]  # piccolo's ForeignKey proxies columns at run time
        )
        .where(StaffMember.id == staff_id)
        .first()
        .run()
    )
    if row is None or not row["active"] or row["role"] not in STAFF_ROLES:
        raise ApiError(422, "case.bad_assignee", "No active member of staff has this id.")
    if row["role"] != PROVINCIAL and row["city"] != case.city:
        raise ApiError(422, "case.bad_assignee", "The case goes to staff of its own city or a provincial operator.")
    return str(staff_id)


async def assign(principal: Principal, case_id: uuid.UUID, spec: s.CaseAssignIn, now: int) -> s.CaseOut:
    chosen: dict[str, str] = {}

    async def check(case: CaseRow) -> None:
        chosen["id"] = await _assignee(principal, case, spec.staff_id)

    return await _act(
        principal,
        case_id,
        "assign",
        spec.expected_version,
        now=moment(now),
        check=check,
        values=lambda case: {"assigned_to": chosen["id"]},
        data={"assigned_to": str(spec.staff_id or principal.id)},
    )


async def note(principal: Principal, case_id: uuid.UUID, spec: s.CaseNoteIn, now: int) -> s.CaseOut:
    return await _act(principal, case_id, "note", spec.expected_version, now=moment(now), note=spec.note)


def _check_deadline(deadline: dt.datetime | None, at: dt.datetime) -> dt.datetime:
    if deadline is None:
        raise ApiError(422, "case.deadline_required", "A correction order needs a deadline.")
    if not at + DEADLINE_MIN <= deadline <= at + DEADLINE_MAX:
        raise ApiError(422, "case.bad_deadline", "The deadline is at least a day and at most a year ahead.")
    return deadline.astimezone(dt.UTC)


async def decide(principal: Principal, case_id: uuid.UUID, spec: s.CaseDecideIn, now: int) -> s.CaseOut:
    """No action, a warning or a correction order (with its deadline), decided by one member of
    staff. A case about a venue decided `correction_order` issues the order (Art. 18) in the same
    transaction."""
    at = moment(now)
    deadline = _check_deadline(spec.deadline, at) if spec.decision == "correction_order" else None
    if spec.decision != "correction_order" and (spec.deadline is not None or spec.ground is not None):
        raise ApiError(422, "case.deadline_not_expected", "Only a correction order has a deadline and a ground.")

    async def after(case: CaseRow, actor: StepActor) -> None:
        if deadline is not None and case.subject_kind == "venue":
            await correcting.issue(
                target_kind="venue",
                target_id=case.subject_id,
                ground=spec.ground or ORDER_GROUND_OF_KIND.get(case.kind, "other"),
                detail=spec.reason,
                deadline=deadline,
                by=actor,
                city=case.city,
                case_id=case.id,
                now=at,
            )
        await _tell(case, "enforcement.case_decided", at)

    return await _act(
        principal,
        case_id,
        "decide",
        spec.expected_version,
        now=at,
        note=spec.reason,
        values=lambda case: {
            "decision": spec.decision,
            "decision_reason": spec.reason,
            "correction_deadline": deadline,
            "fine_yuan": None,
            "proposed_by": principal.id,
            "approved_by": "",
            "decided_at": at,
        },
        data={"decision": spec.decision, **({"deadline": deadline.isoformat()} if deadline else {})},
        after=after,
    )


async def propose_fine(principal: Principal, case_id: uuid.UUID, spec: s.CaseFineIn, now: int) -> s.CaseOut:
    """A fine of 1,000 to 10,000 yuan (Art. 19), proposed: another supervisor or provincial operator
    approves it (four eyes)."""
    if not vocab.FINE_MIN_YUAN <= spec.amount_yuan <= vocab.FINE_MAX_YUAN:
        raise ApiError(
            422,
            "case.bad_fine",
            f"Art. 19: a fine is {vocab.FINE_MIN_YUAN} to {vocab.FINE_MAX_YUAN} yuan.",
            min=vocab.FINE_MIN_YUAN,
            max=vocab.FINE_MAX_YUAN,
        )

    async def check(case: CaseRow) -> None:
        # Art. 18 orders a service to correct its conduct; it provides no fine (Art. 19 does, for misuse of cards).
        if case.kind in vocab.NO_FINE_KINDS:
            raise ApiError(
                409, "case.fine_not_allowed", "Art. 18 provides a correction order for this, not a fine.", kind=case.kind
            )

    return await _act(
        principal,
        case_id,
        "propose_fine",
        spec.expected_version,
        now=moment(now),
        note=spec.reason,
        values=lambda case: {
            "fine_yuan": spec.amount_yuan,
            "decision_reason": spec.reason,
            "proposed_by": principal.id,
            "approved_by": "",
        },
        data={"amount_yuan": spec.amount_yuan},
        check=check,
    )


async def approve_fine(
    principal: Principal, case_id: uuid.UUID, spec: s.CaseStepIn, keyring: Keyring, region: str, now: int
) -> s.CaseOut:
    """The second pair of eyes approves the proposed fine: the case is decided, the penalty's signed
    credit record is written and the holder told, all in one transaction."""
    at = moment(now)

    async def after(case: CaseRow, actor: StepActor) -> None:
        await credit.penalty(keyring, region, case, principal, at)
        await _tell(case, "enforcement.case_decided", at)

    return await _act(
        principal,
        case_id,
        "approve_fine",
        spec.expected_version,
        now=at,
        note=spec.note,
        values=lambda case: {"decision": "fine", "approved_by": principal.id, "decided_at": at},
        after=after,
        fields=["name", "id_number"],  # the penalty record names the holder
    )


async def reject_fine(principal: Principal, case_id: uuid.UUID, spec: s.CaseReasonIn, now: int) -> s.CaseOut:
    return await _act(
        principal,
        case_id,
        "reject_fine",
        spec.expected_version,
        now=moment(now),
        note=spec.reason,
        values=lambda case: {"fine_yuan": None, "proposed_by": "", "approved_by": "", "decision_reason": ""},
    )


async def appeal(principal: Principal, case_id: uuid.UUID, spec: s.CaseReasonIn, now: int) -> s.CaseOut:
    """Staff record an appeal received on paper (the holder may lodge one in the wallet)."""

    at = moment(now)

    async def check(case: CaseRow) -> None:
        # The holder's rules (docs/enforcement.md, "Appeals"): one appeal, within APPEAL_DAYS of the decision.
        refusal = appeals.appeal_refusal(case, at)
        if refusal is not None and refusal[0] == "not_appealable":
            raise ApiError(409, "case.nothing_to_appeal", "Only a warning, a correction order or a fine can be appealed.")
        if refusal is not None:
            until = appeals.appeal_until(case)
            raise ApiError(
                409, "case.appeal_closed", refusal[1], reason=refusal[0], appeal_until=until.isoformat() if until else None
            )

    return await _act(
        principal,
        case_id,
        "appeal",
        spec.expected_version,
        now=at,
        note=spec.reason,
        check=check,
        values=lambda case: {"appeal": "lodged"},
        data={"received": "paper"},
    )


async def uphold(principal: Principal, case_id: uuid.UUID, spec: s.CaseReasonIn, now: int) -> s.CaseOut:
    at = moment(now)

    async def after(case: CaseRow, actor: StepActor) -> None:
        await _tell(case, "enforcement.appeal_decided", at)

    return await _act(
        principal,
        case_id,
        "uphold",
        spec.expected_version,
        now=at,
        note=spec.reason,
        values=lambda c: {"appeal": "upheld"},
        after=after,
    )


async def overturn(
    principal: Principal, case_id: uuid.UUID, spec: s.CaseReasonIn, keyring: Keyring, region: str, now: int
) -> s.CaseOut:
    """The appeal succeeds: the case closes, and a fine's credit record is withdrawn (a signed
    withdrawal with the penalty's record_id) in the same transaction."""
    at = moment(now)

    async def after(case: CaseRow, actor: StepActor) -> None:
        if case.decision == "fine":
            await credit.withdrawal(keyring, region, case, principal, spec.reason, at)
        if case.decision == "correction_order":
            await correcting.withdraw_for_case(
                case.id, actor, f"Decision overturned on appeal in case {case.number}: {spec.reason}", at
            )
        await _tell(case, "enforcement.appeal_decided", at)

    return await _act(
        principal,
        case_id,
        "overturn",
        spec.expected_version,
        now=at,
        note=spec.reason,
        values=lambda c: {"appeal": "overturned"},
        after=after,
        fields=lambda case: ["name", "id_number"] if case.decision == "fine" else [],  # the withdrawal names the holder
    )


async def close(principal: Principal, case_id: uuid.UUID, spec: s.CaseStepIn, now: int) -> s.CaseOut:
    """A decided case closes once its decision can no longer be appealed (no measure taken, the appeal
    decided, or APPEAL_DAYS passed): closing earlier would cut the holder's appeal off."""
    at = moment(now)

    async def check(case: CaseRow) -> None:
        if appeals.appeal_open(case, at):
            until = appeals.appeal_until(case)
            raise ApiError(
                409,
                "case.appeal_open",
                f"The holder may appeal this decision until {until.date().isoformat() if until else '?'}: "
                "close the case after that.",
                appeal_until=until.isoformat() if until else None,
            )

    async def after(case: CaseRow, actor: StepActor) -> None:
        await _tell(case, "enforcement.case_closed", at)

    return await _act(principal, case_id, "close", spec.expected_version, now=at, note=spec.note, check=check, after=after)


async def dismiss(principal: Principal, case_id: uuid.UUID, spec: s.CaseReasonIn, now: int) -> s.CaseOut:
    """Nothing in it: the case closes without a decision (the holder, if told of it, is told it closed)."""
    at = moment(now)

    async def after(case: CaseRow, actor: StepActor) -> None:
        await _tell(case, "enforcement.case_closed", at)

    return await _act(principal, case_id, "dismiss", spec.expected_version, now=at, note=spec.reason, after=after)
