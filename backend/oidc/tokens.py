"""The token endpoint (authorization code with PKCE, device code), ID tokens, userinfo and revocation."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid
from typing import Any

from joserfc import jwt

from backend.audit import services as audit
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.settings import Settings
from backend.oidc import claims, relying_parties, signins
from backend.oidc.discovery import DEVICE_GRANT, signing_key
from backend.oidc.protocol import OAuthError, b64url, digest
from backend.oidc.relying_parties import Rp
from backend.oidc.schemas import TokenAnswer
from backend.oidc.tables import AccessToken, AuthCode, AuthRequest

VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 4.1
TOKEN_PREFIX = "yka_"


def _at(now: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.UTC)


def _pkce_ok(verifier: str, challenge: str) -> bool:
    if not VERIFIER.fullmatch(verifier):
        return False
    return hmac.compare_digest(b64url(hashlib.sha256(verifier.encode()).digest()), challenge)


async def _revoke_tokens_of(request_id: uuid.UUID, now: int) -> None:
    await (
        AccessToken.update({AccessToken.revoked_at: _at(now)})
        .where((AccessToken.request == request_id) & AccessToken.revoked_at.is_null())
        .run()
    )


async def _issue(request: dict[str, Any], rp: Rp, keyring: Keyring, settings: Settings, issuer: str, now: int) -> TokenAnswer:
    """An access token (stored hashed) and a signed ID token for an approved request. Call inside
    the transaction that consumes the code or the device grant."""
    person_id = str(request["person"])
    scopes = list(db.json_column(request["scopes"]) or [])
    exp = now + settings.oidc_token_seconds
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await AccessToken.insert(
        AccessToken(
            id=uuid.uuid4(),
            token_hash=digest(token),
            request=request["id"],
            client=rp.id,
            person=uuid.UUID(person_id),
            scopes=scopes,
            created_at=_at(now),
            expires_at=_at(exp),
            revoked_at=None,
        )
    ).run()
    in_token = [s for s in scopes if s not in claims.USERINFO_ONLY]
    found = await claims.values(keyring, person_id, in_token, valid_until=exp)
    payload: dict[str, Any] = {
        "iss": issuer,
        "sub": claims.subject(keyring, rp.sector, person_id),
        "aud": rp.client_id,
        "azp": rp.client_id,
        "iat": now,
        "exp": exp,
        # when the holder last gave a factor in the approving session (OIDC Core 2), not the approval
        "auth_time": int(db.time_column(request["auth_time"] or request["decided_at"]).timestamp()),
        "at_hash": b64url(hashlib.sha256(token.encode()).digest()[:16]),
        **found.claims,
    }
    if request["nonce"]:
        payload["nonce"] = request["nonce"]
    kid, key = signing_key(keyring)
    id_token = jwt.encode({"alg": "RS256", "kid": kid, "typ": "JWT"}, payload, key)
    return TokenAnswer(
        access_token=token, token_type="Bearer", expires_in=settings.oidc_token_seconds, scope=" ".join(scopes), id_token=id_token
    )


_REQUEST = (
    AuthRequest.id,
    AuthRequest.kind,
    AuthRequest.client,
    AuthRequest.scopes,
    AuthRequest.redirect_uri,
    AuthRequest.nonce,
    AuthRequest.code_challenge,
    AuthRequest.person,
    AuthRequest.status,
    AuthRequest.decided_at,
    AuthRequest.auth_time,
    AuthRequest.expires_at,
    AuthRequest.interval,
    AuthRequest.last_poll_at,
)


async def _by_code(params: dict[str, str], rp: Rp, keyring: Keyring, settings: Settings, issuer: str, now: int) -> TokenAnswer:
    code = params.get("code", "")
    if not code or len(code) > 100:
        raise OAuthError("invalid_request", "code is missing.")
    code_hash = digest(code)
    failure: OAuthError | None = None
    answer: TokenAnswer | None = None
    async with db.transaction():
        # One exchange per code at a time: the second of two parallel uses sees the first's mark.
        await db.advisory_lock(f"oidc-code:{code_hash}")
        row = (
            await AuthCode.select(AuthCode.id, AuthCode.request, AuthCode.expires_at, AuthCode.used_at)
            .where(AuthCode.code_hash == code_hash)
            .first()
            .run()
        )
        request = None
        if row is not None:
            request = await AuthRequest.select(*_REQUEST).where(AuthRequest.id == row["request"]).first().run()
        if row is None or request is None or request["client"] != rp.id:
            raise OAuthError("invalid_grant", "The code is not valid for this client.")
        if row["used_at"] is not None:
            # RFC 6749 4.1.2: a code used twice may have been stolen; what it gave is taken back.
            await _revoke_tokens_of(request["id"], now)
            failure = OAuthError("invalid_grant", "The code was already used; the tokens it gave are revoked.")
        else:
            await AuthCode.update({AuthCode.used_at: _at(now)}).where(AuthCode.id == row["id"]).run()
            if db.time_column(row["expires_at"]).timestamp() <= now:
                failure = OAuthError("invalid_grant", "The code has expired.")
            elif params.get("redirect_uri", "") != request["redirect_uri"]:
                failure = OAuthError("invalid_grant", "redirect_uri differs from the authorization request's.")
            elif not _pkce_ok(params.get("code_verifier", ""), request["code_challenge"]):
                failure = OAuthError("invalid_grant", "The PKCE code_verifier does not match the code_challenge.")
            elif request["status"] != "approved" or not await signins.still_granted(request["person"], rp.client_id):
                failure = OAuthError("invalid_grant", "The holder has revoked this site's sign-in.")
            else:
                await AuthRequest.update({AuthRequest.status: "used"}).where(AuthRequest.id == request["id"]).run()
                answer = await _issue(request, rp, keyring, settings, issuer, now)
    # Raised after the commit: a failed attempt still burns the code (and a reuse still revokes).
    if failure is not None:
        raise failure
    assert answer is not None
    return answer


async def _by_device_code(
    params: dict[str, str], rp: Rp, keyring: Keyring, settings: Settings, issuer: str, now: int
) -> TokenAnswer:
    device_code = params.get("device_code", "")
    if not device_code or len(device_code) > 100:
        raise OAuthError("invalid_request", "device_code is missing.")
    device_hash = digest(device_code)
    failure: OAuthError | None = None
    answer: TokenAnswer | None = None
    async with db.transaction():
        await db.advisory_lock(f"oidc-device:{device_hash}")
        request = await AuthRequest.select(*_REQUEST).where(AuthRequest.device_hash == device_hash).first().run()
        if request is None or request["client"] != rp.id:
            raise OAuthError("invalid_grant", "The device_code is not valid for this client.")
        status = request["status"]
        last = request["last_poll_at"]
        interval = int(request["interval"])
        changes: dict[Any, Any] = {AuthRequest.last_poll_at: _at(now)}
        if status == "used":
            failure = OAuthError("invalid_grant", "The device_code was already exchanged.")
        elif status == "denied":
            failure = OAuthError("access_denied", "The holder declined the sign-in.")
        elif db.time_column(request["expires_at"]).timestamp() <= now and status in ("pending", "approved"):
            failure = OAuthError("expired_token", "The device_code has expired: start again.")
        elif last is not None and now - db.time_column(last).timestamp() < interval:
            # RFC 8628 3.5: polled too fast; the interval grows by 5 s for the rest of this grant.
            interval += 5
            changes[AuthRequest.interval] = interval
            failure = OAuthError("slow_down", f"Poll at most every {interval} seconds.")
        elif status == "pending":
            failure = OAuthError("authorization_pending", "The holder has not yet approved the sign-in.")
        elif not await signins.still_granted(request["person"], rp.client_id):
            changes[AuthRequest.status] = "denied"
            failure = OAuthError("access_denied", "The holder has revoked this site's sign-in.")
        else:
            changes[AuthRequest.status] = "used"
            answer = await _issue(request, rp, keyring, settings, issuer, now)
        await AuthRequest.update(changes).where(AuthRequest.id == request["id"]).run()
    if failure is not None:
        raise failure
    assert answer is not None
    return answer


async def exchange(
    params: dict[str, str], authorization: str | None, keyring: Keyring, settings: Settings, issuer: str, now: int
) -> TokenAnswer:
    """POST /oauth/token."""
    rp = await relying_parties.authenticate(params, authorization)
    grant_type = params.get("grant_type", "")
    if grant_type == "authorization_code":
        return await _by_code(params, rp, keyring, settings, issuer, now)
    if grant_type == DEVICE_GRANT:
        return await _by_device_code(params, rp, keyring, settings, issuer, now)
    raise OAuthError("unsupported_grant_type", "grant_type is authorization_code or the device_code grant.")


async def userinfo(token: str | None, keyring: Keyring, settings: Settings, now: int) -> dict[str, Any]:
    """The claims of a live access token (OIDC Core 5.3), each read on the holder's access record."""
    if not token:
        raise OAuthError("invalid_token", "Send the access token as a Bearer token.", 401, bearer=True)
    row = await (
        AccessToken.select(
            AccessToken.id,
            AccessToken.person,
            AccessToken.scopes,
            AccessToken.expires_at,
            AccessToken.revoked_at,
            AccessToken.client.client_id.as_alias("client_id"),
        )
        .where(AccessToken.token_hash == digest(token))
        .first()
        .run()
    )
    if row is None or row["revoked_at"] is not None or db.time_column(row["expires_at"]).timestamp() <= now:
        raise OAuthError("invalid_token", "The access token is unknown, expired or revoked.", 401, bearer=True)
    rp = await relying_parties.find(row["client_id"])
    person_id = str(row["person"])
    if rp is None or not await signins.active(person_id, rp.client_id):
        raise OAuthError("invalid_token", "The access token is no longer valid.", 401, bearer=True)
    scopes = list(db.json_column(row["scopes"]) or [])
    found = await claims.values(keyring, person_id, scopes, valid_until=int(db.time_column(row["expires_at"]).timestamp()))
    await audit.record(
        signins.actor(rp),
        person_id=person_id,
        action="oidc.userinfo",
        fields=["sub", *claims.claim_names(scopes)],
        purpose=f"Sign-in to {rp.name}: user information",
        basis_kind="consent",
        basis_ref=rp.legal_basis if "identity" in scopes else "",
    )
    return {"sub": claims.subject(keyring, rp.sector, person_id), **found.claims}


async def revoke(params: dict[str, str], authorization: str | None, now: int) -> None:
    """POST /oauth/revoke (RFC 7009): the client's own access token stops working; an unknown
    token is not an error (section 2.2)."""
    rp = await relying_parties.authenticate(params, authorization)
    token = params.get("token", "")
    if not token:
        raise OAuthError("invalid_request", "token is missing.")
    # token_type_hint is only a hint (RFC 7009 2.1): any value, known or not, is ignored; only
    # access tokens are issued here, and an unknown token is no error (2.2)
    await (
        AccessToken.update({AccessToken.revoked_at: _at(now)})
        .where((AccessToken.token_hash == digest(token)) & (AccessToken.client == rp.id) & AccessToken.revoked_at.is_null())
        .run()
    )
