"""The demo's employer and labour contract (`yikatong demo`): a registered employer with its signing key
(private half in the data directory, never committed) and HR-system credential, and one contract it has
signed that awaits the demo citizen's signature in the wallet. Safe to run again: it reuses what exists."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from pathlib import Path
from typing import Any, TypedDict

from backend.accounts import services as accounts
from backend.contracts import drafting, texts
from backend.contracts import schemas as s
from backend.contracts.tables import Contract
from backend.employers import services as employers
from backend.employers.schemas import NewEmployer
from backend.identity import services as identity
from backend.keys.keyring import Keyring
from backend.lib import ed25519
from backend.lib.auth import EMPLOYER, Principal
from backend.org.tables import Employer, EmployerKey

USCC = "91440106MA5D8Y7K2N"  # made up, with a correct GB 32100 check character
NAME = "广州市一卡通示范科技有限公司"
CITY = "440100"
KEY_FILE = "demo-employer-key.json"  # under the data directory, mode 0600: {"key_id", "seed"} (base64url)
CLIENT_FILE = "demo-employer-client.json"  # {"91440106MA5D8Y7K2N": "ykc_..."}
CONTRACT_REF = "demo-contract-2027"  # and the person's id: one demo contract per citizen
TERMS = s.Terms(
    position="社会保障数据分析师",
    workplace="广东省广州市天河区珠江新城",
    start_on=dt.date(2027, 1, 1),
    end_on=dt.date(2029, 12, 31),
    term_kind="fixed",
    probation_months=2,
    wage_fen_per_month=1_350_000,
    working_hours="standard",
    other="社会保险和住房公积金按国家和广东省规定缴纳。",
)


class DemoContracts(TypedDict):
    """What `demo` made: the employer, where its key and credential are, the contract and its status."""

    employer_uscc: str
    employer_name: str
    key_file: str
    client_file: str
    contract_id: str
    contract_status: str


def _write_private(path: Path, data: dict[str, str]) -> None:
    """JSON only its owner may read (a private key, a credential), replaced whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    with os.fdopen(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
    os.chmod(part, 0o600)
    os.replace(part, path)


def _read(path: Path) -> dict[str, Any]:
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


async def _employer() -> uuid.UUID:
    row = await Employer.select(Employer.id).where(Employer.uscc == USCC).first().run()
    if row is not None:
        found: uuid.UUID = row["id"]
        return found
    return (await employers.register(NewEmployer(uscc=USCC, name=NAME, city=CITY))).id


async def _key(employer_id: uuid.UUID, path: Path) -> tuple[str, bytes]:
    """The employer's demo key: the one in `path` while it is registered and active, else a new one."""
    known = _read(path)
    seed = texts.from_b64url(str(known.get("seed", "")))
    if seed is not None and len(seed) == ed25519.SEED_SIZE:
        kid = texts.key_id(ed25519.public_from_seed(seed))
        if (
            await EmployerKey.exists()
            .where((EmployerKey.employer == employer_id) & (EmployerKey.key_id == kid) & (EmployerKey.status == "active"))
            .run()
        ):
            return kid, seed
    seed, public = ed25519.generate()
    key = await employers.add_key(employer_id, texts.b64url(public))
    _write_private(path, {"key_id": key.key_id, "seed": texts.b64url(seed)})
    return key.key_id, seed


async def _credential(employer_id: uuid.UUID, path: Path) -> str:
    """A client id of the employer's HR system: the one whose token is in `path` while it is active."""
    from backend.accounts.tables import Client

    token = str(_read(path).get(USCC, ""))
    parts = token.split("_")
    if len(parts) >= 3 and parts[0] == "ykc":
        try:
            client_id = uuid.UUID(hex=parts[1])
        except ValueError:
            client_id = None
        if (
            client_id is not None
            and await Client.exists()
            .where(
                (Client.id == client_id)
                & (Client.kind == "employer")
                & (Client.org_id == employer_id)
                & (Client.status == "active")
            )
            .run()
        ):
            return str(client_id)
    client, token = await accounts.create_client(
        kind="employer", org_id=employer_id, name=f"{NAME} HR system (demo)", created_by="demo"
    )
    _write_private(path, {USCC: token})
    return str(client.id)


async def demo(keyring: Keyring, data_dir: Path, *, doc_type: str, id_number: str, name: str) -> DemoContracts:
    """The demo employer, its key and credential, and one contract with the person named (a demo
    citizen) that the employer has signed and the citizen can sign in the wallet."""
    employer_id = await _employer()
    key_file, client_file = data_dir / KEY_FILE, data_dir / CLIENT_FILE
    kid, seed = await _key(employer_id, key_file)
    client_id = await _credential(employer_id, client_file)
    principal = Principal(kind="client", id=client_id, role=EMPLOYER, org_id=str(employer_id))
    employee = s.Employee(doc_type=doc_type, id_number=id_number, name=name)
    person_id = await identity.find_person_id(keyring, doc_type, id_number)
    # A retried external_ref with the same content answers the first draft: one demo contract per citizen.
    ref = f"{CONTRACT_REF}-{person_id.hex[:12] if person_id else 'unknown'}"
    contract = await drafting.draft(keyring, principal, s.NewContract(employee=employee, terms=TERMS, external_ref=ref))
    if contract.status == "drafted":
        signature = ed25519.sign(seed, contract.signing_input.encode())
        contract = await drafting.sign(principal, contract.id, s.EmployerSignature(key_id=kid, signature=texts.b64url(signature)))
    status = await Contract.select(Contract.status).where(Contract.id == contract.id).first().run()
    return {
        "employer_uscc": USCC,
        "employer_name": NAME,
        "key_file": str(key_file),
        "client_file": str(client_file),
        "contract_id": str(contract.id),
        "contract_status": status["status"] if status else contract.status,
    }
