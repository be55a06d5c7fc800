"""Card use per catalog item, city and venue type over time: aggregate counts only, never anyone."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from backend.catalog import compiled
from backend.catalog.vocab import CST
from backend.lib import db
from backend.lib.errors import ApiError
from backend.venues.schemas import UsageRow
from backend.venues.tables import Verification

MAX_DAYS = 366

# One row per local day (China Standard Time), scenario, city, venue type and accepted-or-not.
# Retries are the same use asked again, so they are not counted twice.
_SQL = """
SELECT {day} AS day, v.scenario AS scenario, c.code AS city_code, ve.venue_type AS venue_type,
       CASE WHEN v.result = 'valid' THEN 1 ELSE 0 END AS accepted, COUNT(*) AS n
FROM venues_verification v
JOIN venues_venue ve ON ve.id = v.venue
JOIN org_city c ON c.id = ve.city
WHERE v.at >= {{}} AND v.at < {{}} AND v.retry = {{}} {filters}
GROUP BY 1, 2, 3, 4, 5
"""
_DAY_PG = "to_char(v.at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')"
_DAY_SQLITE = "date(v.at, '+8 hours')"


def period_of(day: str, bucket: str) -> str:
    if bucket == "day":
        return day
    if bucket == "month":
        return day[:7]
    year, week, _ = dt.date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    if end < start:
        raise ApiError(422, "report.bad_range", "`to` is before `from`.")
    if (end - start).days + 1 > MAX_DAYS:
        raise ApiError(422, "report.range_too_long", f"A report covers at most {MAX_DAYS} days.", max_days=MAX_DAYS)
    lo = dt.datetime.combine(start, dt.time(), CST).astimezone(dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), CST).astimezone(dt.UTC)
    return lo, hi


async def usage(
    *, start: dt.date, end: dt.date, bucket: str, city_code: str | None, venue_type: str | None, item: str | None
) -> list[UsageRow]:
    """Counts per period, item, city and venue type, oldest period first."""
    lo, hi = _bounds(start, end)
    filters, args = "", [lo, hi, False]
    if city_code:
        filters += " AND c.code = {}"
        args.append(city_code)
    if venue_type:
        filters += " AND ve.venue_type = {}"
        args.append(venue_type)
    sql = _SQL.format(day=_DAY_SQLITE if db.is_sqlite() else _DAY_PG, filters=filters)
    rows = await Verification.raw(sql, *args).run()
    catalog = await compiled.current()
    totals: dict[tuple[str, str | None, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        # Scenarios outside the catalog (a scanner asking for a made-up one) have no item.
        code = catalog.owner(r["scenario"])
        if item and code != item:
            continue
        key = (period_of(str(r["day"]), bucket), code, r["city_code"], r["venue_type"])
        totals[key][0 if int(r["accepted"]) else 1] += int(r["n"])
    return [
        UsageRow(period=k[0], item_code=k[1], city_code=k[2], venue_type=k[3], uses=v[0], refused=v[1])
        for k, v in sorted(totals.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2], kv[0][3]))
    ]
