"""Tables for electronic labour contracts and their signed events (termination)."""

from piccolo.columns import UUID, Bytea, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Person
from backend.org.tables import Employer


class Contract(Table, tablename="contracts_contract"):
    """A labour contract between an employer and a person (docs/contracts.md). `document` is the
    canonical text both parties sign; its sha256 is `doc_hash`. Signatures and the public keys
    they verify under are kept with it, so either party can prove later what was signed and when."""

    id = UUID(primary_key=True)
    employer = ForeignKey(Employer, null=False, index=True, on_delete=OnDelete.restrict)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    # drafted | awaiting_employee | signed | declined | withdrawn | terminated
    status = Varchar(length=24, default="drafted", index=True)
    document = Text()  # canonical JSON (lib/canonical.py); no identity number in it (the person's id instead)
    doc_hash = Varchar(length=64)
    client_id = Varchar(length=64)  # the employer credential that drafted it
    external_ref = Varchar(length=64, null=True, default=None)  # the employer's own reference
    employer_key_id = Varchar(length=16, default="")
    employer_public_key = Bytea(null=True, default=None)
    employer_signature = Bytea(null=True, default=None)
    employer_signed_at = Timestamptz(null=True, default=None)
    device_key_id = Varchar(length=16, default="")
    employee_public_key = Bytea(null=True, default=None)
    employee_signature = Bytea(null=True, default=None)
    employee_signed_at = Timestamptz(null=True, default=None)
    record = UUID(null=True, default=None)  # the hrfile record written when both had signed
    created_at = Timestamptz()
    updated_at = Timestamptz()


class ContractEvent(Table, tablename="contracts_event"):
    """A signed event on a contract (termination, declining): its own canonical text, hash and
    the signature of the party that made it."""

    id = UUID(primary_key=True)
    contract = ForeignKey(Contract, null=False, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=24)  # terminated | declined | withdrawn
    by = Varchar(length=16)  # employer | employee
    document = Text()
    doc_hash = Varchar(length=64)
    key_id = Varchar(length=16)
    public_key = Bytea()
    signature = Bytea()
    record = UUID(null=True, default=None)  # the hrfile record it wrote (termination)
    at = Timestamptz()
