"""Authorization requests: checking /oauth/authorize, the wallet's consent view, approving and denying."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from backend.accounts.tables import Session
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.auth import Principal, require_step_up
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store
from backend.oidc import claims, quotas, relying_parties, signins
from backend.oidc.protocol import OAuthError, digest, with_params
from backend.oidc.relying_parties import Rp
from backend.oidc.schemas import ClientBrief, Decision, RequestView
from backend.oidc.tables import AuthCode, AuthRequest, RelyingParty

REQUEST_SECONDS = 600  # how long the holder has to approve a sign-in in the wallet
CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url of a SHA-256: what S256 makes
MAX_TEXT = 500  # state and nonce
MAX_AGE_LIMIT = 366 * 86400  # a max_age longer than a session can last means "any session"


class NoRedirect(Exception):
    """An error before the redirect URI is known to be the client's: shown, never redirected to."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class Redirect:
    location: str


def _at(now: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.UTC)


def requested_scopes(text: str, rp: Rp) -> list[str] | str:
    """The scopes asked for, or the reason they are `invalid_scope`."""
    asked = [s for s in text.split(" ") if s]
    if "openid" not in asked:
        return "The scope must include openid."
    unknown = [s for s in asked if s not in claims.SCOPES]
    if unknown:
        return f"Unknown scope: {' '.join(unknown)}."
    refused = [s for s in asked if s not in rp.scopes or (s == "identity" and (not rp.legal_basis or rp.auth_method == "none"))]
    if refused:
        return f"This client may not ask for: {' '.join(refused)}."
    return sorted(set(asked), key=claims.SCOPES.index)


async def start(params: dict[str, str], repeated: set[str], issuer: str, store: Store, address: str | None, now: int) -> Redirect:
    """Check an authorization request (RFC 6749 4.1.1, PKCE RFC 7636, OIDC Core 3.1.2.1) and keep it;
    the holder continues in the wallet. NoRedirect for a bad client or redirect URI; after that,
    errors go back to the client's redirect URI."""
    if {"client_id", "redirect_uri"} & repeated:
        raise NoRedirect("invalid_request", "client_id or redirect_uri is sent more than once.")
    rp = await relying_parties.find(params.get("client_id", ""))
    if rp is None:
        raise NoRedirect("invalid_client", "Unknown or inactive client_id.")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in rp.redirect_uris:
        raise NoRedirect("invalid_request", "redirect_uri is missing or not registered for this client (exact match).")
    state = params.get("state", "")

    def back(error: str, description: str) -> Redirect:
        return Redirect(
            with_params(
                redirect_uri, {"error": error, "error_description": description, "state": state[:MAX_TEXT], "iss": issuer}
            )
        )

    if repeated:
        return back("invalid_request", f"Parameters sent more than once: {' '.join(sorted(repeated))}.")
    if params.get("response_type") != "code":
        return back("unsupported_response_type", "Only response_type=code is supported.")
    if "request" in params:
        return back("request_not_supported", "Request objects are not supported.")
    if "request_uri" in params:
        return back("request_uri_not_supported", "request_uri is not supported.")
    scopes = requested_scopes(params.get("scope", ""), rp)
    if isinstance(scopes, str):
        return back("invalid_scope", scopes)
    if params.get("code_challenge_method") != "S256" or not CHALLENGE.fullmatch(params.get("code_challenge", "")):
        return back("invalid_request", "PKCE is required: code_challenge (43 characters) with code_challenge_method=S256.")
    prompts = {p for p in params.get("prompt", "").split(" ") if p}
    if "none" in prompts:
        return back("consent_required", "Every sign-in is approved by the holder in the wallet.")
    max_age = params.get("max_age")
    if max_age is not None and not (max_age.isdigit() and len(max_age) <= 9 and int(max_age) <= MAX_AGE_LIMIT):
        return back("invalid_request", f"max_age is a whole number of seconds, at most {MAX_AGE_LIMIT}.")
    nonce = params.get("nonce", "")
    if len(state) > MAX_TEXT or len(nonce) > MAX_TEXT:
        return back("invalid_request", f"state and nonce are at most {MAX_TEXT} characters.")
    try:
        await quotas.check_rate(store, address, rp.client_id)
    except OAuthError as error:
        return back(error.error, error.description)
    await quotas.purge(store, now)
    handle = secrets.token_urlsafe(16)
    await AuthRequest.insert(
        AuthRequest(
            id=uuid.uuid4(),
            handle=handle,
            kind="code",
            client=rp.id,
            scopes=scopes,
            redirect_uri=redirect_uri,
            state=state,
            nonce=nonce,
            code_challenge=params["code_challenge"],
            max_age=int(max_age) if max_age is not None else None,
            login_required="login" in prompts,
            status="pending",
            created_at=_at(now),
            expires_at=_at(now + REQUEST_SECONDS),
        )
    ).run()
    return Redirect(f"/wallet/#/authorize/{handle}")


_COLUMNS = (
    AuthRequest.id,
    AuthRequest.handle,
    AuthRequest.kind,
    AuthRequest.scopes,
    AuthRequest.redirect_uri,
    AuthRequest.state,
    AuthRequest.status,
    AuthRequest.expires_at,
    AuthRequest.person,
    AuthRequest.client,
    AuthRequest.created_at,
    AuthRequest.max_age,
    AuthRequest.login_required,
)


async def load(where: Any) -> tuple[dict[str, Any], Rp]:
    row = await AuthRequest.select(*_COLUMNS).where(where).first().run()
    if row is None:
        raise ApiError(404, "oidc.request_not_found", "No such sign-in request.")
    rp_row = await RelyingParty.select().where(RelyingParty.id == row["client"]).first().run()
    if rp_row is None:
        raise ApiError(404, "oidc.request_not_found", "No such sign-in request.")
    return row, relying_parties.rp_of(rp_row)


def status_of(row: dict[str, Any], now: int) -> str:
    if row["status"] == "pending" and db.time_column(row["expires_at"]).timestamp() <= now:
        return "expired"
    return str(row["status"])


async def view_row(row: dict[str, Any], rp: Rp, person_id: str, keyring: Keyring, settings: Settings, now: int) -> RequestView:
    if row["person"] is not None and str(row["person"]) != str(person_id):
        raise ApiError(404, "oidc.request_not_found", "No such sign-in request.")
    scopes = list(db.json_column(row["scopes"]) or [])
    found = await claims.values(keyring, person_id, scopes, valid_until=now + settings.oidc_token_seconds)
    return RequestView(
        id=row["handle"],
        client=ClientBrief(id=rp.client_id, name=rp.name, name_en=rp.name_en, legal_basis=rp.legal_basis),
        scopes=scopes,
        claims=claims.views(found, scopes),
        kind=row["kind"],
        status=status_of(row, now),  # type: ignore[arg-type]  # one of the stored states or "expired"
        expires_at=db.time_column(row["expires_at"]),
        created_at=db.time_column(row["created_at"]),
        age_seconds=max(0, now - int(db.time_column(row["created_at"]).timestamp())),
    )


async def view(handle: str, person_id: str, keyring: Keyring, settings: Settings, now: int) -> RequestView:
    """The consent screen's content: who asks, for what, and the holder's own values."""
    row, rp = await load(AuthRequest.handle == handle)
    return await view_row(row, rp, person_id, keyring, settings, now)


async def signed_in_at(principal: Principal, now: int) -> int:
    """When the approving session last gave a factor: its step-up time, else (a session without one,
    e.g. made before sessions kept it) its sign-in, which took every factor the account has. Never
    0: an ID token's auth_time of 1970 would tell a site the holder signed in decades ago."""
    if principal.stepped_up_at is not None:
        return principal.stepped_up_at
    if principal.session_id is not None:
        row = await Session.select(Session.created_at).where(Session.id == uuid.UUID(principal.session_id)).first().run()
        if row is not None:
            return int(db.time_column(row["created_at"]).timestamp())
    return now  # no session behind the principal: the factor it was resolved with is the present one


def check_fresh(row: dict[str, Any], principal: Principal, now: int, at: int) -> int:
    """`at` (signed_in_at: the approving session's last factor time) as the ID token's auth_time. 403
    `auth.step_up_required` when the site asked for a recent one (max_age) or a new one since it
    asked (prompt=login) and the session's is older: the wallet then asks for a passkey, a code or
    the password (its step-up) and approves again."""
    limits = []
    if row["max_age"] is not None:
        limits.append(int(row["max_age"]))
    if row["login_required"]:
        limits.append(max(0, now - int(db.time_column(row["created_at"]).timestamp())))
    if limits:
        require_step_up(principal, now, within=min(limits))
    return at


async def decide(handle: str, principal: Principal, approve: bool, issuer: str, settings: Settings, now: int) -> Decision:
    """Approve or deny once: a second decision, or one after expiry, is 409. Approving a code
    request makes its one-time code; the sign-in is recorded (grant, access record, inbox) in the
    same transaction."""
    person_id = str(principal.person_id)

    async def attempt() -> Decision:
        await db.advisory_lock(f"oidc-request:{handle}")
        row, rp = await load(AuthRequest.handle == handle)
        if row["person"] is not None and str(row["person"]) != str(person_id):
            raise ApiError(404, "oidc.request_not_found", "No such sign-in request.")
        status = status_of(row, now)
        if status != "pending":
            raise ApiError(409, "oidc.request_closed", f"This sign-in request is {status}.", state=status)
        if not rp.active:
            raise ApiError(409, "oidc.client_inactive", "This relying party is no longer active.")
        scopes = list(db.json_column(row["scopes"]) or [])
        changes: dict[Any, Any] = {
            AuthRequest.status: "approved" if approve else "denied",
            AuthRequest.person: uuid.UUID(str(person_id)),
            AuthRequest.decided_at: _at(now),
        }
        if approve:
            changes[AuthRequest.auth_time] = _at(check_fresh(row, principal, now, await signed_in_at(principal, now)))
        await AuthRequest.update(changes).where((AuthRequest.id == row["id"]) & (AuthRequest.status == "pending")).run()
        common = {"state": row["state"], "iss": issuer}
        if not approve:
            if row["kind"] == "device":
                return Decision(redirect_to=None)
            return Decision(redirect_to=with_params(row["redirect_uri"], {"error": "access_denied", **common}))
        await signins.record_login(person_id, rp, scopes, claims.claim_names(scopes), now)
        if row["kind"] == "device":
            return Decision(redirect_to=None)
        code = secrets.token_urlsafe(32)
        await AuthCode.insert(
            AuthCode(
                id=uuid.uuid4(),
                code_hash=digest(code),
                request=row["id"],
                expires_at=_at(now + settings.oidc_code_seconds),
                used_at=None,
            )
        ).run()
        return Decision(redirect_to=with_params(row["redirect_uri"], {"code": code, **common}))

    async with db.transaction():
        decision = await attempt()
    return decision
