"""Daily and weekly windows (``hh:mm-hh:mm``, ``ddd:hh:mm-ddd:hh:mm``, UTC) as minutes: how
long they last and whether they overlap, for the Args rules of RDS and ElastiCache (RDS: a
backup window of at least 30 minutes that does not overlap the maintenance window;
ElastiCache: snapshot and maintenance windows of at least 60 minutes). A window whose end is
not after its start runs past midnight (or past Sunday night). Inputs are well-formed (the
fields' patterns are checked first)."""

from __future__ import annotations

DAY = 24 * 60
WEEK = 7 * DAY
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minute_of_day(hh_mm: str) -> int:
    hours, minutes = hh_mm.split(":")
    return int(hours) * 60 + int(minutes)


def _minute_of_week(ddd_hh_mm: str) -> int:
    day, time = ddd_hh_mm.split(":", 1)
    return WEEKDAYS.index(day) * DAY + _minute_of_day(time)


def _span(start: int, end: int, period: int) -> tuple[int, int]:
    return start, end if end > start else end + period


def daily_span(window: str) -> tuple[int, int]:
    """``(start, end)`` minutes after midnight; ``end`` past 1440 when it runs over midnight."""
    start, end = window.split("-")
    return _span(_minute_of_day(start), _minute_of_day(end), DAY)


def weekly_span(window: str) -> tuple[int, int]:
    """``(start, end)`` minutes after Monday 00:00; ``end`` past a week when it runs over Sunday night."""
    start, end = window.split("-")
    return _span(_minute_of_week(start), _minute_of_week(end), WEEK)


def daily_minutes(window: str) -> int:
    """Length of a daily window in minutes."""
    start, end = daily_span(window)
    return end - start


def weekly_minutes(window: str) -> int:
    """Length of a weekly window in minutes."""
    start, end = weekly_span(window)
    return end - start


def daily_overlaps_weekly(daily: str, weekly: str) -> bool:
    """Whether any day's run of ``daily`` shares a minute with ``weekly`` (touching ends do not)."""
    start, end = daily_span(daily)
    week_start, week_end = weekly_span(weekly)
    runs = [(day * DAY + start, day * DAY + end) for day in range(-1, 8)]
    return any(a < week_end + shift and week_start + shift < b
               for a, b in runs for shift in (-WEEK, 0, WEEK))
