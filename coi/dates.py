"""Dates and times as people in England read them: "20 December 2015", "2:30pm", in UK time.

Stored times are UTC (SQLite hands them back without a zone: they are UTC too); a person reads them in
Europe/London, so a publication at 23:30 UTC on 30 June is shown on 1 July, 12:30am (BST). One format for every
date on the public and governance pages, so the same day never reads two ways. Templates use the filters
`uk_date`, `uk_time`, `uk_datetime` and `uk_month`.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def uk_moment(value: datetime) -> datetime:
    """A stored time in UK time (a time without a zone is UTC, as the service stores every time)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(UK)


def uk_date(value: date | datetime | None, empty: str = "") -> str:
    """20 December 2015 (a time is first moved to UK time, so its day is the UK day)."""
    if value is None or value == "":
        return empty
    if isinstance(value, str):  # a published snapshot keeps dates as ISO text
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = uk_moment(value)
    return f"{value.day} {value:%B %Y}"


def uk_time(value: datetime) -> str:
    """2:30pm, 9am, 12 noon: the NHS.UK style for times."""
    moment = uk_moment(value)
    if moment.hour == 12 and moment.minute == 0:
        return "12 noon"
    if moment.hour == 0 and moment.minute == 0:
        return "12 midnight"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


def uk_datetime(value: datetime | None, empty: str = "") -> str:
    """20 December 2015 at 2:30pm, in UK time."""
    if value is None:
        return empty
    return f"{uk_date(value)} at {uk_time(value)}"


def uk_month(value: date | None) -> str:
    """December 2015."""
    return "" if value is None else f"{value:%B %Y}"


def init_app(app) -> None:
    app.jinja_env.filters.update(uk_date=uk_date, uk_time=uk_time, uk_datetime=uk_datetime, uk_month=uk_month)
