"""Tables for cities, offices, cooperating banks and agencies."""

from piccolo.columns import UUID, Boolean, Bytea, ForeignKey, Timestamptz, Varchar
from piccolo.table import Table


class City(Table, tablename="org_city"):
    """A prefecture-level city (or the province itself, code 440000) that issues cards."""

    code = Varchar(length=6, unique=True)  # administrative region code, e.g. 440100
    name = Varchar(length=64)
    name_en = Varchar(length=64, default="")


class Office(Table, tablename="org_office"):
    """An HR and social security office or service point where staff act."""

    id = UUID(primary_key=True)
    city = ForeignKey(City, null=False)
    name = Varchar(length=128)
    kind = Varchar(length=32, default="office")  # office | service_point | terminal


class Bank(Table, tablename="org_bank"):
    """A cooperating bank (合作金融机构) carrying the card's financial account."""

    id = UUID(primary_key=True)
    code = Varchar(length=16, unique=True)
    name = Varchar(length=128)
    # active | suspended (no new cards) | ended (cooperation over; holders moved)
    status = Varchar(length=16, default="active")
    keeps_account_on_replacement = Boolean(default=True)
    updated_at = Timestamptz()


class Agency(Table, tablename="org_agency"):
    """A government agency that issues certificates or queries cards (public security, civil affairs...)."""

    id = UUID(primary_key=True)
    code = Varchar(length=32, unique=True)
    name = Varchar(length=128)
    kind = Varchar(
        length=32
    )  # hrss | public_security | civil_affairs | veterans | disabled_federation | medical_insurance | finance


class Employer(Table, tablename="org_employer"):
    """An enterprise or other employing unit (用人单位), known by its unified social credit code.
    It writes employment records and signs labour contracts through its client credential and
    its registered signing key (backend/employers)."""

    id = UUID(primary_key=True)
    uscc = Varchar(length=18, unique=True)  # 统一社会信用代码, GB 32100-2015 (check character verified)
    name = Varchar(length=128)
    city = Varchar(length=6, default="440000")  # region code of its registration
    status = Varchar(length=16, default="active")  # active | suspended
    created_at = Timestamptz()


class EmployerKey(Table, tablename="org_employer_key"):
    """An employer's Ed25519 public key for signing labour contracts, registered by a provincial
    operator. Kept after it is retired: contracts it signed must still verify."""

    id = UUID(primary_key=True)
    employer = ForeignKey(Employer, null=False, index=True)
    key_id = Varchar(length=16, unique=True)  # sha256(public_key)[:8] hex
    public_key = Bytea()
    status = Varchar(length=16, default="active")  # active | retired
    registered_at = Timestamptz()
    retired_at = Timestamptz(null=True, default=None)
