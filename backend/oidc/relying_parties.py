"""The relying-party registry: registering, changing and authenticating OIDC clients."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import urllib.parse
import uuid
from dataclasses import dataclass
from typing import Any

from backend.lib import db
from backend.lib.errors import ApiError
from backend.lib.settings import PRODUCTION_ENVS, Settings
from backend.oidc.protocol import OAuthError, basic_credentials, digest, new_secret
from backend.oidc.schemas import ClientCreate, ClientCreated, ClientOut, ClientPatch, ClientSecret
from backend.oidc.tables import RelyingParty

SECRET_PREFIX = "yks_"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Rp:
    """A relying party as the protocol code needs it."""

    id: uuid.UUID
    client_id: str
    name: str
    name_en: str
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    legal_basis: str
    auth_method: str
    sector: str
    active: bool


def rp_of(row: dict[str, Any]) -> Rp:
    return Rp(
        id=row["id"],
        client_id=row["client_id"],
        name=row["name"],
        name_en=row["name_en"],
        redirect_uris=tuple(db.json_column(row["redirect_uris"]) or ()),
        scopes=tuple(db.json_column(row["scopes"]) or ()),
        legal_basis=row["legal_basis"],
        auth_method=row["auth_method"],
        sector=row["sector"],
        active=bool(row["active"]),
    )


def _out(row: dict[str, Any]) -> ClientOut:
    rp = rp_of(row)
    return ClientOut(
        client_id=rp.client_id,
        name=rp.name,
        name_en=rp.name_en,
        redirect_uris=list(rp.redirect_uris),
        scopes=list(rp.scopes),
        legal_basis=rp.legal_basis,
        token_endpoint_auth_method=rp.auth_method,  # type: ignore[arg-type]  # written from AuthMethod only
        sector_identifier=rp.sector,
        active=rp.active,
        created_at=db.time_column(row["created_at"]),
        updated_at=db.time_column(row["updated_at"]),
    )


def _check_uris(uris: list[str], settings: Settings) -> set[str]:
    """The hosts of these redirect URIs; 422 `oidc.bad_redirect_uri` for one that is not https
    (plain http only to a loopback host, or outside production)."""
    hosts = set()
    for uri in uris:
        try:
            # urlsplit raises on a broken IPv6 literal ("https://[zz]/a"), .port on a port out of range
            parts = urllib.parse.urlsplit(uri)
            host = (parts.hostname or "").lower()
            _ = parts.port
        except ValueError:
            raise ApiError(422, "oidc.bad_redirect_uri", f"Not a well-formed URI: {uri}", redirect_uri=uri) from None
        plain_ok = host in LOOPBACK or settings.env not in PRODUCTION_ENVS
        if not host or parts.fragment or (parts.scheme != "https" and not (parts.scheme == "http" and plain_ok)):
            raise ApiError(422, "oidc.bad_redirect_uri", f"Not an acceptable redirect URI: {uri}", redirect_uri=uri)
        hosts.add(host)
    return hosts


def _sector(uris: list[str], settings: Settings, given: str | None) -> str:
    hosts = _check_uris(uris, settings)
    if given:
        return given
    if len(hosts) != 1:
        raise ApiError(
            422,
            "oidc.mixed_hosts",
            "The redirect URIs name more than one host: give `sector_identifier`, the host that owns them all.",
        )
    return hosts.pop()


def _check_scopes(scopes: list[str], legal_basis: str, auth_method: str) -> None:
    if "openid" not in scopes:
        raise ApiError(422, "oidc.openid_required", "A relying party's scopes include `openid`.")
    if "identity" in scopes and not legal_basis.strip():
        raise ApiError(
            422,
            "oidc.legal_basis_required",
            "The `identity` scope (full name and identity document) needs the law that allows it in `legal_basis`.",
        )
    if "identity" in scopes and auth_method == "none":
        # Identity goes out only through userinfo, to a client that proves itself with a secret:
        # a browser app (no secret) would hold the whole document number in a page's memory.
        raise ApiError(
            422,
            "oidc.identity_needs_secret",
            "The `identity` scope is only for a confidential client (client_secret_basic or client_secret_post).",
        )


async def create(spec: ClientCreate, settings: Settings, created_by: str, now: int) -> ClientCreated:
    _check_scopes(list(spec.scopes), spec.legal_basis, spec.token_endpoint_auth_method)
    sector = _sector(list(spec.redirect_uris), settings, spec.sector_identifier)
    secret = None if spec.token_endpoint_auth_method == "none" else new_secret(SECRET_PREFIX)
    at = dt.datetime.fromtimestamp(now, dt.UTC)
    row = RelyingParty(
        id=uuid.uuid4(),
        client_id="rp_" + secrets.token_hex(8),
        name=spec.name,
        name_en=spec.name_en,
        redirect_uris=list(dict.fromkeys(spec.redirect_uris)),
        scopes=sorted(set(spec.scopes)),
        legal_basis=spec.legal_basis.strip(),
        auth_method=spec.token_endpoint_auth_method,
        secret_hash=digest(secret) if secret else "",
        sector=sector,
        active=True,
        created_by=created_by[:64],
        created_at=at,
        updated_at=at,
    )
    await RelyingParty.insert(row).run()
    out = await get(row.client_id)
    return ClientCreated(**{f: getattr(out, f) for f in out.__struct_fields__}, client_secret=secret)


async def _row(client_id: str) -> dict[str, Any]:
    row = await RelyingParty.select().where(RelyingParty.client_id == client_id).first().run()
    if row is None:
        raise ApiError(404, "oidc.client_not_found", "No such relying party.")
    return row


async def get(client_id: str) -> ClientOut:
    return _out(await _row(client_id))


async def list_all() -> list[ClientOut]:
    rows = await RelyingParty.select().order_by(RelyingParty.created_at, ascending=False).limit(1000).run()
    return [_out(r) for r in rows]


async def patch(client_id: str, spec: ClientPatch, settings: Settings, now: int) -> ClientOut:
    async with db.transaction():
        row = await _row(client_id)
        current = rp_of(row)
        scopes: list[str] = list(spec.scopes) if spec.scopes is not None else list(current.scopes)
        basis = spec.legal_basis.strip() if spec.legal_basis is not None else current.legal_basis
        _check_scopes(scopes, basis, current.auth_method)
        changes: dict[Any, Any] = {RelyingParty.updated_at: dt.datetime.fromtimestamp(now, dt.UTC)}
        if spec.redirect_uris is not None:
            hosts = _check_uris(list(spec.redirect_uris), settings)
            # The sector fixes every holder's subject at this party: new URIs stay on its hosts.
            known = {current.sector} | {(urllib.parse.urlsplit(u).hostname or "").lower() for u in current.redirect_uris}
            if not hosts <= known:
                raise ApiError(422, "oidc.sector_change", "New redirect URIs must stay on the hosts the subjects were made for.")
            changes[RelyingParty.redirect_uris] = list(dict.fromkeys(spec.redirect_uris))
        if spec.scopes is not None:
            changes[RelyingParty.scopes] = sorted(set(scopes))
        if spec.legal_basis is not None:
            changes[RelyingParty.legal_basis] = basis
        if spec.name is not None:
            changes[RelyingParty.name] = spec.name
        if spec.name_en is not None:
            changes[RelyingParty.name_en] = spec.name_en
        if spec.active is not None:
            changes[RelyingParty.active] = spec.active
        await RelyingParty.update(changes).where(RelyingParty.id == current.id).run()
    return await get(client_id)


async def rotate_secret(client_id: str, now: int) -> ClientSecret:
    current = rp_of(await _row(client_id))
    if current.auth_method == "none":
        raise ApiError(409, "oidc.public_client", "A public client (`none`) has no secret.")
    secret = new_secret(SECRET_PREFIX)
    await (
        RelyingParty.update(
            {RelyingParty.secret_hash: digest(secret), RelyingParty.updated_at: dt.datetime.fromtimestamp(now, dt.UTC)}
        )
        .where(RelyingParty.id == current.id)
        .run()
    )
    return ClientSecret(client_id=client_id, client_secret=secret)


async def find(client_id: str) -> Rp | None:
    """An active relying party by client_id, or None."""
    if not client_id or len(client_id) > 24:
        return None
    row = await RelyingParty.select().where(RelyingParty.client_id == client_id).first().run()
    rp = rp_of(row) if row else None
    return rp if rp and rp.active else None


async def authenticate(params: dict[str, str], authorization: str | None) -> Rp:
    """The calling client of a token, revocation or device request, by its registered method
    (RFC 6749 2.3): `none` (client_id only; PKCE proves the rest), `client_secret_basic` or
    `client_secret_post`. Anything else is `invalid_client` (401)."""
    basic = basic_credentials(authorization)
    if basic is not None:
        client_id, secret, method = basic[0], basic[1], "client_secret_basic"
        if params.get("client_id") not in (None, client_id):
            raise OAuthError("invalid_client", "client_id differs from the authenticated client.", 401)
    elif "client_secret" in params:
        client_id, secret, method = params.get("client_id", ""), params["client_secret"], "client_secret_post"
    else:
        client_id, secret, method = params.get("client_id", ""), "", "none"
    rp = await find(client_id)
    if rp is None:
        raise OAuthError("invalid_client", "Unknown or inactive client.", 401)
    if rp.auth_method != method:
        raise OAuthError("invalid_client", f"This client authenticates with {rp.auth_method}.", 401)
    if method != "none":
        row = await RelyingParty.select(RelyingParty.secret_hash).where(RelyingParty.id == rp.id).first().run()
        if row is None or not hmac.compare_digest(row["secret_hash"], digest(secret)):
            raise OAuthError("invalid_client", "Wrong client secret.", 401)
    return rp
