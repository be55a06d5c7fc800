"""Tables for cities, offices, cooperating banks and agencies."""

from piccolo.columns import UUID, Boolean, ForeignKey, Timestamptz, Varchar
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
