"""Which of the patients' timezones are outside quiet hours now, so the database can skip
the patients who are asleep."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection

from surveys.model import Schedule
from surveys.schedule import in_quiet_hours

__all__ = ["AwakeZones"]

log = logging.getLogger(__name__)


class AwakeZones:
    """The zones patients live in that are outside quiet hours, recomputed once a minute.

    Only the zones in use are loaded, read with the first question of each minute: a ward
    has patients in a few of the ~600 IANA zones, and loading them all held 1.6 MiB. The
    dispatcher asks for patients *in* these zones, so a zone that appears between two
    readings waits for the next minute rather than being messaged in its quiet hours.
    Quiet hours start and end on whole minutes and every zone's offset is a whole number of
    minutes, so the answer holds for the whole minute. Zones are grouped by their current
    UTC offset: the survey's rule runs once per offset, not once per zone.
    """

    def __init__(self, schedule: Schedule) -> None:
        self._schedule = schedule
        self._minute: dt.datetime | None = None
        self._awake: frozenset[str] = frozenset()
        self._unknown: set[str] = set()  # names no zone answers to, reported once

    async def at(
        self, now: dt.datetime, zones_in_use: Callable[[], Awaitable[Collection[str]]]
    ) -> frozenset[str]:
        """The awake zones at ``now``; ``zones_in_use`` is read once a minute."""
        minute = now.astimezone(dt.UTC).replace(second=0, microsecond=0)
        if minute != self._minute:
            self._awake = self._compute(minute, await zones_in_use())
            self._minute = minute
        return self._awake

    def _compute(self, minute: dt.datetime, names: Collection[str]) -> frozenset[str]:
        by_offset: dict[dt.timedelta | None, list[str]] = defaultdict(list)
        for name in names:
            try:
                zone = zoneinfo.ZoneInfo(name)  # zoneinfo keeps the zones it loaded
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                if name not in self._unknown:
                    self._unknown.add(name)
                    log.warning("no timezone %r: its patients are not messaged", name)
                continue
            by_offset[minute.astimezone(zone).utcoffset()].append(name)
        awake: set[str] = set()
        for group in by_offset.values():
            if not in_quiet_hours(minute, group[0], self._schedule):
                awake.update(group)
        return frozenset(awake)
