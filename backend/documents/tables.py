"""Tables for issued statements (signed PDFs) and their withdrawal."""

from piccolo.columns import UUID, Bytea, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Person


class Statement(Table, tablename="documents_statement"):
    """A statement issued to its holder as a signed PDF (docs/documents.md). `token` is the random
    reference the QR code and the verification page use; it says nothing about the person."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=24)  # contributions | employment | qualification | contract
    token = Varchar(length=32, unique=True)
    scope = Text(default="{}")  # JSON: what the holder chose to show (their consent to the content)
    content = Text(default="{}")  # JSON: what the statement states, as the verification page shows it
    content_hash = Varchar(length=64)
    pdf = Bytea()
    pdf_sha256 = Varchar(length=64, index=True)  # the check route finds an uploaded file by it
    signer_serial = Varchar(length=64, default="")  # the signing certificate's serial (hex)
    status = Varchar(length=16, default="valid")  # valid | withdrawn
    withdrawn_at = Timestamptz(null=True, default=None)
    withdrawn_reason = Varchar(length=200, default="")
    created_at = Timestamptz(index=True)
