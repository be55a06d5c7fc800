"""The person table: one row per human, identified by an encrypted identity document."""

from piccolo.columns import UUID, Bytea, Date, Timestamptz, Varchar
from piccolo.table import Table


class Person(Table, tablename="identity_person"):
    """A resident (mainland, Hong Kong, Macao, Taiwan or foreign) known to the service.

    The identity number is stored only encrypted (`id_cipher`, AES-GCM) and as a keyed hash
    (`id_blind`) that serves lookup and uniqueness without decrypting.
    """

    id = UUID(primary_key=True)
    doc_type = Varchar(length=32)
    id_cipher = Bytea()
    id_blind = Varchar(length=64, unique=True)
    name = Varchar(length=128)
    sex = Varchar(length=1, null=True, default=None)
    birth_date = Date(null=True, default=None)
    region = Varchar(length=8, null=True, default=None)  # birth region prefix, HK/MO/TW, or nationality
    created_at = Timestamptz()
