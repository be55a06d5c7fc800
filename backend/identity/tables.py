"""The person table (one row per human) and their identity documents (one row per document)."""

from piccolo.columns import UUID, Bytea, Date, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class Person(Table, tablename="identity_person"):
    """A resident (mainland, Hong Kong, Macao, Taiwan or foreign) known to the service.

    The identity number is stored only encrypted (`id_cipher`, AES-GCM) and as a keyed hash
    (`id_blind`) that serves lookup and uniqueness without decrypting. These columns hold the
    person's first (primary) document; every document of the person, this one included, is a
    PersonDocument row, which is what look-ups by document search.

    A record found to be the same human as another is kept, with `merged_into` pointing at the
    surviving record (backend/persons): nothing of its history is deleted.
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
    merged_into = UUID(null=True, default=None, index=True)  # the surviving person after a merge
    merged_at = Timestamptz(null=True, default=None)


class PersonDocument(Table, tablename="identity_person_document"):
    """One identity document of a person. A person may hold several (a resident card and a
    passport, a residence permit and the travel permit it prints); a document belongs to one
    person only (`id_blind` is unique), so any of them finds the same person."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, null=False, index=True, on_delete=OnDelete.restrict)
    doc_type = Varchar(length=32)
    id_cipher = Bytea()  # AES-GCM, as Person.id_cipher
    id_blind = Varchar(length=64, unique=True)  # keyed hash of doc_type|number (a passport's number includes its nationality)
    name = Varchar(length=128)  # the name as given with this document (its script may differ: docs/persons.md)
    region = Varchar(length=8, null=True, default=None)  # HK/MO/TW, nationality, or the mainland region prefix
    permit_cipher = Bytea(null=True, default=None)  # a foreign passport's work permit number, encrypted
    how = Varchar(length=16, default="registered")  # registered | linked (by staff) | migrated
    added_at = Timestamptz()
    added_by = Varchar(length=64, default="")  # the staff member who linked it, else empty (the holder, or the migration)
    added_office = UUID(null=True, default=None)  # the office of that staff member
    merged_from = UUID(null=True, default=None)  # the person record it belonged to before a merge
