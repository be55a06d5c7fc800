"""The other parties of the payment browser tests, through the API: clients made by the provincial
operator, a bank opening a citizen's account, waiting for the server's embedded worker."""

from __future__ import annotations

import secrets
import time


def bank_id(server, code: str) -> str:
    """The bank's id from the public bank registry (a client credential names its organisation by id)."""
    status, banks = server.api("GET", "/api/v1/banks")
    assert status == 200, banks
    return next(b["id"] for b in banks if b["code"] == code)


def client(server, admin: str, kind: str, org_id: str, name: str) -> str:
    """A machine client's token, made by the provincial operator `admin` (a staff token)."""
    status, made = server.api("POST", "/api/v1/clients", {"kind": kind, "org_id": org_id, "name": name}, token=admin)
    assert status == 201, made
    return made["token"]


def pending_requests(server, bank: str) -> list[dict]:
    """Every account request waiting at the bank, page after page."""
    items: list[dict] = []
    after = ""
    while True:
        status, page = server.api("GET", f"/api/v1/bank/account-requests?status=pending&limit=500{after}", token=bank)
        assert status == 200, page
        items += page["items"]
        if not page.get("next_after"):
            return items
        after = f"&after={page['next_after']}"


def open_account(server, bank: str, citizen) -> str | None:
    """The bank opens the pending account request of this citizen (matched by document, as a bank
    knows its customer); the account number it chose, or None when there was none pending."""
    for item in pending_requests(server, bank):
        if item["id_number"] == citizen.id_number:
            account = "6222" + "".join(secrets.choice("0123456789") for _ in range(15))
            status, answer = server.api(
                "POST",
                f"/api/v1/bank/account-requests/{item['id']}/answer",
                {"outcome": "opened", "account": account},
                token=bank,
            )
            assert status == 200, answer
            return account
    return None


def wait(what: str, check, timeout: float = 60.0):
    """Poll `check()` until it returns something truthy (the embedded worker runs the jobs)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)
