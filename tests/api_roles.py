"""The roles the API tests act in, each with a real session or client token from the demo's seed,
and which operations each role gets past the guards of (shared by schemathesis and the
authorization matrix)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

# Role order matters: the provincial operator can revoke the scanner's credential and deactivate
# the counter operator, and the citizen can cancel its own card or sign out, so they go last.
ROLES = ("anonymous", "scanner", "payer", "bank", "agency", "employer", "counter", "provincial", "citizen")


async def seed_demo(settings) -> dict:
    from backend.demo import seed

    return await seed(settings)


def sign_in_every_role(app, demo: dict) -> dict[str, str | None]:
    """A session token per role, through the API as a client would get one."""
    import pyotp
    from schemathesis.python import asgi

    from backend.demo import DEMO_TOTP, PASSWORD

    citizen = next(c for c in demo["citizens"] if not c["totp"] and c["doc_type"] == "resident_id")
    tokens: dict[str, str | None] = {"anonymous": None, "scanner": demo["venues"][0][2]}
    # The demo's paying agency and banks are machine clients; their tokens are in files (mode 0600).
    bank_file, payer_file, agency_file = demo["token_files"]
    tokens["bank"] = next(iter(json.loads(Path(bank_file).read_text()).values()))
    tokens["payer"] = next(iter(json.loads(Path(payer_file).read_text()).values()))
    tokens["agency"] = next(iter(json.loads(Path(agency_file).read_text()).values()))
    tokens["employer"] = next(iter(json.loads(Path(demo["contracts"]["client_file"]).read_text()).values()))
    with asgi.get_client(app) as http:
        for role, username in (("counter", "gz-counter"), ("provincial", "admin")):
            # Staff sign in with a second factor: the demo's staff have the demo's TOTP secret.
            login = {"username": username, "password": PASSWORD, "totp": pyotp.TOTP(DEMO_TOTP).now()}
            answer = http.post("http://testserver/api/v1/auth/staff/login", json=login)
            assert answer.status_code == 200, answer.text
            tokens[role] = answer.json()["token"]
        body = {"doc_type": citizen["doc_type"], "id_number": citizen["id_number"], "password": PASSWORD}
        answer = http.post("http://testserver/api/v1/auth/login", json=body)
        assert answer.status_code == 200, answer.text
        tokens["citizen"] = answer.json()["token"]
    return tokens


PRINCIPALS = {
    "anonymous": None,
    "scanner": dict(kind="client", role="scanner", org_id="v", scanner_id="s"),
    "payer": dict(kind="client", role="payer", org_id="a"),
    "bank": dict(kind="client", role="bank", org_id="b"),
    "agency": dict(kind="client", role="agency", org_id="g"),
    "employer": dict(kind="client", role="employer", org_id="e"),
    "counter": dict(kind="staff", role="counter_operator", city="440100", office_id="o"),
    "provincial": dict(kind="staff", role="provincial_operator", city="440000", office_id="o"),
    # The demo citizen signed in below was proven (assurance 1 or more): the guards of its card let it through.
    "citizen": dict(kind="citizen", role="citizen", person_id="p", assurance=1),
}


def reachable(app, role: str) -> list[str]:
    """The operations this role gets past the guards of (the labels schemathesis uses)."""
    from litestar.connection import ASGIConnection
    from litestar.routes import HTTPRoute

    from backend.lib.auth import ROLES_OPT, Principal
    from backend.lib.errors import ApiError

    fields = PRINCIPALS[role]
    user = Principal(id="x", **fields) if fields else None
    connection = ASGIConnection({"type": "http", "user": user, "app": app, "headers": [], "path_params": {}})

    async def passes(handler) -> bool:
        if handler.opt.get(ROLES_OPT) and (user is None or user.role not in handler.opt[ROLES_OPT]):
            return False
        try:
            for guard in handler.resolve_guards():
                await guard(connection, handler)
        except ApiError:
            return False
        return True

    labels = []
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if handler.resolve_include_in_schema() and asyncio.run(passes(handler)):
                    labels += [f"{method} {route.path_format}" for method in sorted(handler.http_methods)]
    return labels
