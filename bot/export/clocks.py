"""Local, de-identified clocks as lookup tables, so the database can format times itself.

A *clock* is one time zone with one date shift (a patient's). For a stored UTC time ``t`` the
export writes ``Deidentifier.localiser(ref, zone)(t)``: the local wall-clock time, moved by the
patient's whole days, with the UTC offset that wall-clock time has. Over a span of years that
is a step function of ``t``: :meth:`ClockBook.intervals` lists its steps as ``(clock, since,
seconds, offset)``: from ``since`` (UTC) on, the written time is ``t + seconds`` followed by
``offset`` (``+08:00``). Each step is evaluated with the localiser itself, so the database's
formatting agrees with the Python export to the second, through daylight-saving changes and
date shifts that land in a gap or a repeated hour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

from bot.export.deidentify import MAX_SHIFT_DAYS, Deidentifier

__all__ = ["ClockBook", "ClockInterval"]

ClockInterval = tuple[int, dt.datetime, int, str]
"""(clock, since: aware UTC, seconds to add to the UTC time, offset text)."""

EARLIEST = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
"""The first step of every clock starts here (a time before the probed span takes it)."""

PROBE = dt.timedelta(hours=6)
"""Offsets are probed this often and bisected to the second where they change (no zone
changes its offset twice within six hours)."""

_MARGIN = dt.timedelta(days=MAX_SHIFT_DAYS + 2)


class ClockBook:
    """The clocks of one export: one per (zone, shift) met among the exported patients."""

    def __init__(self, deidentify: Deidentifier) -> None:
        self._deidentify = deidentify
        self._clocks: dict[tuple[str, int], int] = {}

    def clock_of(self, patient_ref: str, zone: str) -> tuple[int, int]:
        """(clock id, shift in days) of a patient."""
        shift = self._deidentify.days(patient_ref)
        key = (zone, shift)
        clock = self._clocks.get(key)
        if clock is None:
            ZoneInfo(zone)  # an unknown zone fails here, as the Python export would
            clock = self._clocks[key] = len(self._clocks) + 1
        return clock, shift

    def intervals(self, start: dt.datetime, end: dt.datetime) -> Iterator[ClockInterval]:
        """Every clock's steps, exact for times from ``start`` to ``end`` (aware UTC); the
        first step of each clock reaches back to :data:`EARLIEST`, the last one onwards."""
        start = (start - _MARGIN).replace(microsecond=0)
        end = end + _MARGIN
        zones: dict[str, _Zone] = {}
        for (name, shift), clock in self._clocks.items():
            zone = zones.get(name)
            if zone is None:
                zone = zones[name] = _Zone(name, start, end)
            for since, seconds, offset in zone.steps(shift):
                yield clock, since, seconds, offset

    def __len__(self) -> int:
        return len(self._clocks)


class _Zone:
    """Where one zone's offsets change between ``start`` and ``end``, found once."""

    def __init__(self, name: str, start: dt.datetime, end: dt.datetime) -> None:
        self.zone = zone = ZoneInfo(name)
        self.start, self.end = start, end
        reach = dt.timedelta(days=MAX_SHIFT_DAYS + 1)

        def utc_offset(t: dt.datetime) -> dt.timedelta | None:
            return t.astimezone(zone).utcoffset()

        def wall_offset(t: dt.datetime) -> dt.timedelta | None:  # t read as wall-clock time
            return t.replace(tzinfo=zone).utcoffset()

        self.utc_changes = _changes(utc_offset, start, end)
        self.wall_changes = _changes(wall_offset, start - reach, end + reach)
        offsets = {utc_offset(start), *(utc_offset(t) for t in self.utc_changes)}
        self.offsets = [o for o in offsets if o is not None]

    def steps(self, shift: int) -> list[tuple[dt.datetime, int, str]]:
        # The written time changes only where the UTC offset changes, or where the shifted
        # wall-clock time crosses a point where the zone's offset for wall-clock times changes.
        start, end = self.start, self.end
        candidates = set(self.utc_changes)
        if shift:
            moved = dt.timedelta(days=shift)
            candidates.update(wall - moved - offset
                              for wall in self.wall_changes for offset in self.offsets)  # fmt: skip
        local = Deidentifier.clock(self.zone, shift)
        steps: list[tuple[dt.datetime, int, str]] = []
        for since in [start, *sorted(c for c in candidates if start < c < end)]:
            written = local(since)
            seconds = (written.replace(tzinfo=None) - since.replace(tzinfo=None)).total_seconds()
            step = (since, int(seconds), written.isoformat(timespec="seconds")[19:])
            if not steps or steps[-1][1:] != step[1:]:
                steps.append(step)
        steps[0] = (EARLIEST, *steps[0][1:])
        return steps


def _changes(
    offset: Callable[[dt.datetime], dt.timedelta | None], start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    """The instants (to the second) in ``start..end`` where ``offset`` changes."""
    changes: list[dt.datetime] = []
    before, at = offset(start), start
    while at < end:
        step = min(at + PROBE, end)
        now = offset(step)
        if now != before:
            low, high = at, step  # offset(low) == before != offset(high)
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) // 2
                middle = middle.replace(microsecond=0)
                if offset(middle) == before:
                    low = middle
                else:
                    high = middle
            changes.append(high)
            before = now
        at = step
    return changes
