"""Which timezones are in quiet hours right now, so the database can skip their patients."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict

from surveys.model import Schedule
from surveys.schedule import in_quiet_hours

__all__ = ["QuietZones"]


class QuietZones:
    """The IANA zones where it is quiet hours now, recomputed once a minute.

    Quiet hours start and end on whole minutes and every zone's offset is a whole number
    of minutes, so the answer holds for the whole minute. Zones are grouped by their
    current UTC offset, so the survey's rule runs once per offset, not once per zone.
    """

    def __init__(self, schedule: Schedule, zones: frozenset[str] | None = None) -> None:
        self._schedule = schedule
        self._zones = {
            name: zoneinfo.ZoneInfo(name)
            for name in sorted(zones if zones is not None else zoneinfo.available_timezones())
        }
        self._minute: dt.datetime | None = None
        self._quiet: frozenset[str] = frozenset()

    def at(self, now: dt.datetime) -> frozenset[str]:
        minute = now.astimezone(dt.UTC).replace(second=0, microsecond=0)
        if minute != self._minute:
            self._quiet = self._compute(minute)
            self._minute = minute
        return self._quiet

    def _compute(self, minute: dt.datetime) -> frozenset[str]:
        by_offset: dict[dt.timedelta | None, list[str]] = defaultdict(list)
        for name, zone in self._zones.items():
            by_offset[minute.astimezone(zone).utcoffset()].append(name)
        quiet: set[str] = set()
        for names in by_offset.values():
            if in_quiet_hours(minute, names[0], self._schedule):
                quiet.update(names)
        return frozenset(quiet)
