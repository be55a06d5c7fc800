"""Tables for certificate types (the registry) and the certificates agencies link to people."""

from piccolo.columns import JSON, UUID, Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import Person
from backend.org.tables import Agency


class CertificateType(Table, tablename="certificates_type"):
    """A kind of electronic certificate, defined by data so operators add kinds without code.

    `attribute_schema`: field name -> {type, required, enum, min, max, max_length}.
    `concessions`: [{code, scenarios}] granted at those verification scenarios.
    `disclosure`: scenario -> field names a venue may see when the holder shows it.
    `statutory_access`: agency kind -> field names it may read on a statutory basis.
    """

    id = UUID(primary_key=True)
    code = Varchar(length=32, unique=True)
    name = Varchar(length=128)
    issuer = ForeignKey(Agency, null=False, on_delete=OnDelete.restrict)
    attribute_schema = JSON(default={})
    concessions = JSON(default=[])
    disclosure = JSON(default={})
    statutory_access = JSON(default={})
    active = Boolean(default=True)  # inactive: no new certificates; existing ones stay
    created_by = Varchar(length=64, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Certificate(Table, tablename="certificates_certificate"):
    """One certificate linked to a person, signed by the issuer key over its canonical form."""

    id = UUID(primary_key=True)
    type = ForeignKey(CertificateType, null=False, index=True, on_delete=OnDelete.restrict)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    issuer = ForeignKey(Agency, null=False, on_delete=OnDelete.restrict)
    attributes = JSON(default={})
    status = Varchar(length=16, default="active")  # active | suspended | revoked (expired is computed)
    # "<type id>:<person id>" until revoked: the unique constraint keeps one live certificate
    # of a type per person even when two issue requests race.
    live_key = Varchar(length=80, null=True, default=None, unique=True)
    version = Integer(default=1)
    reason = Varchar(length=500, default="")  # why it was last suspended, reinstated or revoked
    valid_from = Timestamptz()
    valid_until = Timestamptz(null=True, default=None)
    issued_at = Timestamptz()
    updated_at = Timestamptz()
    key_id = Varchar(length=8)  # the issuer key (trust list kid) that signed this version
    signature = Varchar(length=88)  # Ed25519, unpadded base64url
    signed_at = Timestamptz()
