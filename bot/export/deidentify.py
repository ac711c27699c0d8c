"""De-identification shared by every export: shifted dates and pseudonymous staff.

No export ever contains a Telegram id, a username or a name: patients appear by their
reference code, nurses by a stable pseudonym (``staff-`` and 8 hex digits of an HMAC of
their name).

``--shift-dates`` moves every date and time of one patient by the same whole number of days,
between ``-MAX_SHIFT_DAYS`` and ``+MAX_SHIFT_DAYS`` and never 0, kept in local wall-clock time
so that days after surgery (and times of day) stay exact. The shift is an HMAC-SHA256 of the
patient's reference keyed with the export salt (``FOLLOWUP_EXPORT_SALT``): the same salt gives
the same shift on every run, so repeated exports line up; without the salt nobody can undo it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
from collections.abc import Callable
from typing import Any, Final
from zoneinfo import ZoneInfo

__all__ = ["MAX_SHIFT_DAYS", "Deidentifier", "shift_days"]

MAX_SHIFT_DAYS: Final = 182


def shift_days(salt: bytes, patient_ref: str) -> int:
    """The patient's date shift: a keyed hash of the reference, in ±1..MAX_SHIFT_DAYS days."""
    digest = hmac.new(salt, b"shift:" + patient_ref.encode(), hashlib.sha256).digest()
    magnitude = int.from_bytes(digest[:4], "big") % MAX_SHIFT_DAYS + 1
    return magnitude if digest[4] & 1 else -magnitude


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class Deidentifier:
    """Applies one export's de-identification to dates, times and staff names."""

    def __init__(self, salt: bytes, *, shift: bool) -> None:
        self._salt = salt
        self._shift = shift
        self._shifts: dict[str, int] = {}

    @property
    def shifts_dates(self) -> bool:
        return self._shift

    def days(self, patient_ref: str) -> int:
        """Days this patient's dates move (0 unless dates are shifted)."""
        if not self._shift:
            return 0
        days = self._shifts.get(patient_ref)
        if days is None:
            if len(self._shifts) > 10_000:  # streams of many patients: keep memory flat
                self._shifts.clear()
            days = self._shifts[patient_ref] = shift_days(self._salt, patient_ref)
        return days

    def date(self, patient_ref: str, value: dt.date) -> dt.date:
        return value + dt.timedelta(days=self.days(patient_ref))

    def local(self, patient_ref: str, value: dt.datetime, timezone: str) -> dt.datetime:
        """``value`` in the patient's local time, shifted by whole days of wall-clock time."""
        zone = _zone(timezone)
        local = value.astimezone(zone)
        days = self.days(patient_ref)
        if not days:
            return local
        moved = local.replace(tzinfo=None) + dt.timedelta(days=days)
        return moved.replace(tzinfo=zone)

    def localiser(self, patient_ref: str, timezone: str) -> Callable[[dt.datetime], dt.datetime]:
        """:meth:`local` for one patient, with their zone and shift looked up once."""
        return self.clock(_zone(timezone), self.days(patient_ref))

    @staticmethod
    def clock(zone: ZoneInfo, days: int) -> Callable[[dt.datetime], dt.datetime]:
        """Times in ``zone`` moved by ``days`` of wall-clock time (see :meth:`local`)."""
        if not days:
            return lambda value: value.astimezone(zone)
        shift = dt.timedelta(days=days)

        def local(value: dt.datetime) -> dt.datetime:
            return (value.astimezone(zone).replace(tzinfo=None) + shift).replace(tzinfo=zone)

        return local

    def staff(self, name: str | None) -> str | None:
        """A stable pseudonym for a nurse's name (``system`` stays as it is)."""
        if name is None or name == "system":
            return name
        digest = hmac.new(self._salt, b"staff:" + name.encode(), hashlib.sha256).hexdigest()
        return f"staff-{digest[:8]}"

    def evidence(self, patient_ref: str, evidence: dict[str, Any], timezone: str) -> Any:
        """Flag evidence with its timestamps (``*_at`` keys) shifted like every other date."""
        if not self._shift:
            return evidence
        return self._walk(patient_ref, evidence, timezone)

    def _walk(self, patient_ref: str, value: Any, timezone: str) -> Any:
        if isinstance(value, dict):
            return {
                k: self._time(patient_ref, v, timezone)
                if k.endswith("_at") and isinstance(v, str)
                else self._walk(patient_ref, v, timezone)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self._walk(patient_ref, v, timezone) for v in value]
        return value

    def _time(self, patient_ref: str, value: str, timezone: str) -> str:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return self.local(patient_ref, moment, timezone).isoformat()
