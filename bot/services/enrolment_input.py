"""What an enrolment is made of, read and checked: reference code, dates as people write
them, language, time zone, send time, surgery date within range.

Mistakes raise :class:`EnrolmentError`, whose ``str()`` is one short sentence for the person
enrolling and whose ``code`` lets a caller translate it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import Final, Literal, TypeAlias

from bot.clock import Clock
from surveys.model import Language, Survey

__all__ = [
    "DEFAULT_PROCEDURE",
    "MAX_DAYS_SINCE_SURGERY",
    "MAX_DAYS_UNTIL_SURGERY",
    "EnrolmentError",
    "check_length",
    "check_surgery_date",
    "local_today",
    "normalise_language",
    "parse_date",
    "read_send_at",
    "read_timezone",
    "validate_ref",
]

DEFAULT_PROCEDURE: Final = "microscope-assisted channel decompression"
MAX_DAYS_SINCE_SURGERY: Final = 365
MAX_DAYS_UNTIL_SURGERY: Final = 90

ErrorCode: TypeAlias = Literal[
    "invalid_ref",
    "duplicate_ref",
    "unknown_ref",
    "not_enrolled",
    "invalid_language",
    "invalid_timezone",
    "invalid_send_at",
    "surgery_date_too_early",
    "surgery_date_too_late",
    "too_long",
]

_REF = re.compile(r"[A-Za-z0-9_-]{1,64}")
_YMD = re.compile(r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*[日号]?")
_MD = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_DMY = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")
_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_LANGUAGES: Final[dict[str, Language]] = {
    "en": "en",
    "en-gb": "en",
    "en-us": "en",
    "english": "en",
    "zh-hans": "zh-Hans",
    "zh": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-hans-cn": "zh-Hans",
    "cn": "zh-Hans",
    "chinese": "zh-Hans",
    "中文": "zh-Hans",
    "简体中文": "zh-Hans",
    "汉语": "zh-Hans",
}


class EnrolmentError(ValueError):
    """Input the enrolment services refuse; ``str()`` says why in one line."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ErrorCode = code


# --- dates ----------------------------------------------------------------------------------


def parse_date(text: str, today: dt.date) -> dt.date | None:
    """A calendar date as people write it, or None.

    Year first: ``2025-03-10``, ``2025/3/10``, ``2025.3.10``, ``2025年3月10日`` (or 号);
    ``3月10日`` is that day of ``today``'s year; day first with a four-digit year at the
    end: ``10.3.2025``, ``10/03/2025``. Full-width digits are read as digits.
    """
    cleaned = text.strip()
    for pattern, order in ((_YMD, "ymd"), (_DMY, "dmy"), (_MD, "md")):
        found = pattern.fullmatch(cleaned)
        if found is None:
            continue
        numbers = dict(zip(order, (int(part) for part in found.groups()), strict=True))
        try:
            return dt.date(numbers.get("y", today.year), numbers["m"], numbers["d"])
        except ValueError:
            return None
    return None


# --- validation -----------------------------------------------------------------------------


def validate_ref(ref: str) -> str:
    """Return the reference code without surrounding blanks, or refuse it.

    A pseudonymous study code only: ASCII letters, digits, ``-`` and ``_``, so a name
    ("Wang Li", "王丽") cannot slip in as a reference.
    """
    cleaned = ref.strip()
    if not _REF.fullmatch(cleaned):
        raise EnrolmentError(
            "invalid_ref",
            "reference code must be 1–64 letters, digits, '-' or '_', "
            "with no spaces (a study code, never a name)",
        )
    return cleaned


def normalise_language(language: str) -> Language:
    """Map ``en``/``zh-Hans`` and forgiving aliases (``zh``, ``zh-CN``, ``cn``, ``中文``)."""
    found = _LANGUAGES.get(language.strip().casefold().replace("_", "-"))
    if found is None:
        raise EnrolmentError(
            "invalid_language", f"unsupported language {language!r} (use en or zh-Hans)"
        )
    return found


@functools.cache
def _zones() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def read_timezone(name: str) -> str:
    found = _zones().get(name.strip().casefold())
    if found is None:
        raise EnrolmentError(
            "invalid_timezone", f"unknown timezone {name!r} (use Area/City, e.g. Asia/Shanghai)"
        )
    return found


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def read_send_at(value: str | None, survey: Survey) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not _HHMM.fullmatch(value):
        raise EnrolmentError("invalid_send_at", f"send time {value!r} is not a time like 09:00")
    start, end = survey.schedule.quiet_start, survey.schedule.quiet_end
    at, quiet_start, quiet_end = _minutes(value), _minutes(start), _minutes(end)
    quiet = (
        quiet_start <= at < quiet_end
        if quiet_start <= quiet_end
        else at >= quiet_start or at < quiet_end
    )
    if quiet:
        raise EnrolmentError(
            "invalid_send_at", f"send time {value} falls in the quiet hours {start}–{end}"
        )
    return value


def local_today(clock: Clock, timezone: str) -> dt.date:
    return clock.now().astimezone(zoneinfo.ZoneInfo(timezone)).date()


def check_surgery_date(surgery_date: dt.date, today: dt.date) -> None:
    if surgery_date < today - dt.timedelta(days=MAX_DAYS_SINCE_SURGERY):
        raise EnrolmentError(
            "surgery_date_too_early", f"surgery date {surgery_date} is more than a year ago"
        )
    if surgery_date > today + dt.timedelta(days=MAX_DAYS_UNTIL_SURGERY):
        raise EnrolmentError(
            "surgery_date_too_late",
            f"surgery date {surgery_date} is more than {MAX_DAYS_UNTIL_SURGERY} days ahead",
        )


def check_length(name: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise EnrolmentError("too_long", f"{name} must be at most {limit} characters")
