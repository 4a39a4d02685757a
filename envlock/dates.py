"""The one reader of cut-off dates (`exclude_newer` in a recipe, `--exclude-newer`)."""

from __future__ import annotations

import datetime as dt
import re

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class NoTimeZoneError(ValueError):
    """A timestamp without a time zone: ambiguous, so refused."""


def to_utc(value: dt.date | dt.datetime) -> dt.datetime:
    """A date (midnight UTC) or an aware datetime → aware UTC datetime.

    Raises NoTimeZoneError for a naive datetime.
    """
    if not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    if value.tzinfo is None or value.utcoffset() is None:
        raise NoTimeZoneError(str(value))
    return value.astimezone(dt.timezone.utc)


def parse_cutoff(text: str) -> dt.datetime:
    """`2023-03-01` (midnight UTC) or an ISO timestamp with a time zone (`Z` allowed)
    → aware UTC datetime. Raises ValueError when it is not a date, NoTimeZoneError (a
    ValueError) when a timestamp lacks its zone."""
    value = text.strip()
    if _DAY.fullmatch(value):
        return to_utc(dt.date.fromisoformat(value))
    return to_utc(dt.datetime.fromisoformat(re.sub(r"[Zz]$", "+00:00", value)))
