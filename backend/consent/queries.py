"""Agency queries (Art. 9, 16; PIPL): only on a statute, a consent or a presented code, only within scope, always recorded."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import cast

from backend.audit import services as audit
from backend.cards import services as cards
from backend.certificates import linked, registry
from backend.certificates import services as certificates
from backend.certificates.schemas import TypeOut
from backend.certificates.services import effective_status
from backend.codes import format as fmt
from backend.codes import presented
from backend.consent.agencies import agency_out
from backend.consent.grants import ConsentRow, status_of
from backend.consent.grants import get as get_consent
from backend.consent.schemas import AgencyOut, CardStatusOut, QueriedCertificate, QueryResult
from backend.identity.services import find_person_id
from backend.inbox import services as inbox
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.auth import Principal
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store
from backend.org.tables import Agency

CARD_STATUS = "card.status"


@dataclass
class Query:
    """One agency query, as decoded from the request."""

    purpose: str
    certificates: dict[str, set[str]]  # type code -> attribute names
    card_status: bool = False
    doc: tuple[str, str] | None = None  # (doc_type, id_number)
    code: str | None = None
    legal_basis: str | None = None
    consent_id: uuid.UUID | None = None


@dataclass
class _Basis:
    kind: str
    ref: str
    allowed: set[str] = field(default_factory=set)  # field names within scope


def requested_names(query: Query) -> list[str]:
    names = [CARD_STATUS] if query.card_status else []
    for code, fields in sorted(query.certificates.items()):
        names += [f"certificate.{code}.status", *(f"certificate.{code}.{f}" for f in sorted(fields))]
    return names


def _allowed(card_status: bool, certificates: Mapping[str, Iterable[str]]) -> set[str]:
    names = {CARD_STATUS} if card_status else set()
    for code, fields in certificates.items():
        names |= {f"certificate.{code}.status", *(f"certificate.{code}.{f}" for f in fields)}
    return names


class _Refusal(Exception):
    def __init__(
        self, status: int, code: str, message: str, person_id: uuid.UUID | None, basis: _Basis, **details: object
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.person_id, self.basis = person_id, basis


async def _agency(principal: Principal) -> AgencyOut:
    row = await Agency.select().where(Agency.id == principal.org_id).first().run()
    if row is None:
        raise ApiError(403, "agency.unknown", "This credential's agency is not registered.")
    return agency_out(row)


async def _validate(query: Query) -> dict[str, TypeOut]:
    """Shape checks that make a request malformed (422, not an access)."""
    if (query.doc is None) == (query.code is None):
        raise ApiError(422, "query.subject_required", "Name the holder by identity document or by a presented code, not both.")
    if query.code is not None and (query.legal_basis or query.consent_id):
        raise ApiError(
            422, "query.ambiguous_basis", "A presented code is the basis itself; leave out legal_basis and consent_id."
        )
    if query.legal_basis and query.consent_id:
        raise ApiError(422, "query.ambiguous_basis", "Give a legal basis or a consent, not both.")
    if not query.card_status and not query.certificates:
        raise ApiError(422, "query.empty", "Ask for the card status or at least one certificate type.")
    types = await registry.known(list(query.certificates))
    for code, fields in query.certificates.items():
        unknown = sorted(fields - set(types[code].attribute_schema))
        if unknown:
            raise ApiError(422, "query.unknown_field", f"{code} has no field {unknown[0]!r}.", type=code, fields=unknown)
    return types


def _statutory(agency: AgencyOut, types: dict[str, TypeOut], legal_basis: str) -> _Basis:
    """Legal scope: an issuer reads its own types whole; other agencies what the type grants
    their kind. Card status (usable or not) is within every agency's statutory scope."""
    scope: dict[str, list[str]] = {}
    for code, ctype in types.items():
        if str(ctype.issuer.id) == str(agency.id):
            scope[code] = list(ctype.attribute_schema)
        elif agency.kind in ctype.statutory_access:
            scope[code] = ctype.statutory_access[agency.kind]
    return _Basis("statute", legal_basis, _allowed(True, scope))


async def _consented(consent_id: uuid.UUID, agency: AgencyOut, person_id: uuid.UUID, now: int) -> _Basis:
    basis = _Basis("consent", str(consent_id))
    consent: ConsentRow | None
    try:
        consent = await get_consent(consent_id)
    except ApiError:
        consent = None
    if consent is None or str(consent.agency) != str(agency.id) or str(consent.person) != str(person_id):
        raise _Refusal(
            403, "query.consent_invalid", "No consent with this id was given to your agency by this holder.", person_id, basis
        )
    status = status_of(consent, dt.datetime.fromtimestamp(now, dt.UTC))
    if status != "active":
        raise _Refusal(403, "query.consent_inactive", f"The consent is {status}.", person_id, basis, consent_status=status)
    basis.allowed = _allowed(consent.scope.card_status, consent.scope.certificates)
    return basis


async def _presented(
    code: str, keyring: Keyring, store: Store, settings: Settings, now: int
) -> tuple[uuid.UUID, _Basis, str | None]:
    """(person id, basis, code id) for a presented online code: the holder showed it to the agency."""
    if fmt.kind_of(code) != "online":
        raise ApiError(422, "query.bad_code", "Present an online code (YKO1) from the holder's wallet.")
    # The same check as a venue's scanner makes (codes.presented): signature, time, card state.
    scan = await presented.check(code, keyring, now, settings.clock_skew_seconds)
    person_id = scan.subject.person_id if scan.subject else None
    basis = _Basis("presented_code", f"online code {scan.code_id or '-'}")
    if scan.result != fmt.Result.VALID:
        result = scan.result.value
        raise _Refusal(403, "query.code_invalid", f"The presented code is not valid ({result}).", person_id, basis, result=result)
    shown = await linked.shown_with_code(store, scan.code_id, person_id)
    scope: dict[str, list[str]] = {}
    if shown is not None:
        ctype = await registry.by_id(shown.type)
        scope[ctype.code] = ctype.disclosure.get(registry.PRESENT_SCENARIO, [])
    basis.allowed = _allowed(True, scope)
    # presented.check names the card's subject on every valid scan (it reads the card to decide).
    return cast(uuid.UUID, person_id), basis, scan.code_id


async def _answer(query: Query, person_id: uuid.UUID) -> tuple[CardStatusOut | None, list[QueriedCertificate], list[str]]:
    """Exactly the requested fields: the card's state and each type's latest certificate."""
    now = dt.datetime.now(dt.UTC)
    card = None
    if query.card_status:
        subject = await cards.card_for_person(person_id)
        card = None if subject is None else CardStatusOut(state=subject.state, usable=subject.usable, region=subject.region)
    found: list[QueriedCertificate] = []
    not_held: list[str] = []
    for code, fields in sorted(query.certificates.items()):
        row = await certificates.latest_of_type(person_id, code)
        if row is None:
            not_held.append(code)
            continue
        found.append(
            QueriedCertificate(
                id=row.id,
                type=code,
                type_name=row.type_name,
                issuer_name=row.issuer_name,
                status=effective_status(row, now),
                version=row.version,
                valid_from=row.valid_from,
                valid_until=row.valid_until,
                fields={f: row.attributes[f] for f in sorted(fields) if f in row.attributes},
            )
        )
    return card, found, not_held


async def run(principal: Principal, query: Query, *, keyring: Keyring, store: Store, settings: Settings, now: int) -> QueryResult:
    """Answer the query or refuse it; either way it goes on the access record."""
    agency = await _agency(principal)
    types = await _validate(query)
    actor = audit.Actor("agency", principal.id, str(agency.id), agency.name)
    names = requested_names(query)

    async def put(result: str, person_id: uuid.UUID | None, basis: _Basis, code: str = "") -> uuid.UUID:
        """Write the access record; its id is the query's id."""
        entry = await audit.record(
            actor,
            person_id=person_id,
            action="agency.query",
            fields=names,
            purpose=query.purpose,
            basis_kind=basis.kind,
            basis_ref=basis.ref,
            result=result,
            result_code=code,
        )
        return entry.id

    code_id: str | None = None
    person_id: uuid.UUID | None
    try:
        if query.code is not None:
            person_id, basis, code_id = await _presented(query.code, keyring, store, settings, now)
        else:
            # _validate let exactly one of a presented code and an identity document through.
            person_id = await find_person_id(keyring, *cast(tuple[str, str], query.doc))
            if not query.legal_basis and not query.consent_id:
                raise _Refusal(
                    403,
                    "query.no_basis",
                    "A query needs a legal basis (statute and article) or the holder's consent.",
                    person_id,
                    _Basis("none", ""),
                )
            if person_id is None:
                basis = _Basis("statute" if query.legal_basis else "consent", query.legal_basis or str(query.consent_id))
                await put("not_found", None, basis, "query.subject_unknown")
                raise ApiError(404, "query.subject_unknown", "Nobody is registered with this identity document.")
            basis = (
                _statutory(agency, types, query.legal_basis)
                if query.legal_basis
                # Without a legal basis there is a consent id: query.no_basis was refused above.
                else await _consented(cast(uuid.UUID, query.consent_id), agency, person_id, now)
            )
        beyond = [n for n in names if n not in basis.allowed]
        if beyond:
            raise _Refusal(
                403,
                "query.out_of_scope",
                f"Not within your {basis.kind.replace('_', ' ')} scope: {', '.join(beyond)}.",
                person_id,
                basis,
                fields=beyond,
            )
        if code_id is not None:
            await _use_code(store, settings, code_id, principal, now, person_id, basis)
    except _Refusal as refusal:
        # Recorded before answering: a refused query is still an attempt on someone's data.
        await put("refused", refusal.person_id, refusal.basis, refusal.code)
        raise ApiError(refusal.status, refusal.code, refusal.message, **refusal.details) from None
    try:
        card, found, not_held = await _answer(query, person_id)
        async with db.transaction():  # the access record and the holder's notice stand or fall together
            query_id = await put("ok", person_id, basis)
            await tell_holder(person_id, agency, basis, query.purpose, now)
    except BaseException:
        if code_id is not None:
            await presented.give_back(store, code_id)  # not answered: the holder may show the code again
        raise
    return QueryResult(
        query_id=query_id,
        basis=basis.kind,
        basis_ref=basis.ref,
        card=card,
        certificates=found,
        not_held=not_held,
    )


async def tell_holder(person_id: uuid.UUID, agency: AgencyOut, basis: _Basis, purpose: str, now: int) -> None:
    """The holder's notice of an answered query: `consent.used` when their consent was the basis,
    else `data.agency_query` (a statute, or a code they presented)."""
    event = "consent.used" if basis.kind == "consent" else "data.agency_query"
    params = {"agency": agency.name, "purpose": purpose, "basis": basis.kind}
    if basis.kind == "consent":
        params["consent"] = basis.ref
    await inbox.tell(person_id, event, params, now=now)


async def _use_code(
    store: Store, settings: Settings, code_id: str, principal: Principal, now: int, person_id: uuid.UUID, basis: _Basis
) -> None:
    """One use, shared with venues: a code an agency used cannot pass a gate, and the reverse."""
    mine = presented.claim_value(principal.id, str(uuid.uuid4()), now, "agency_query")
    held = await presented.claim(store, code_id, mine, presented.claim_ttl(settings))
    if held is not None:
        raise _Refusal(403, "query.code_used", "This code was already used; ask the holder for a fresh one.", person_id, basis)
