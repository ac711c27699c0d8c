"""Reading a nurse's typed answers in the /enroll dialogue: date, timezone, yes/no.

The enrolment service validates everything again; these only turn words into values so
the dialogue can ask again at the step that was wrong.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

from bot.services.enrolment_input import parse_date

__all__ = ["parse_surgery_date", "parse_timezone", "parse_yes_no"]

_RELATIVE = {"today": 0, "今天": 0, "yesterday": 1, "昨天": 1, "tomorrow": -1, "明天": -1}
_YES = {"yes", "y", "是", "是的", "有", "对", "会", "要"}
_NO = {"no", "n", "否", "不", "没有", "不是", "不会", "不要"}


def parse_surgery_date(text: str, today: dt.date) -> dt.date | None:
    """``today`` / ``yesterday`` (今天 / 昨天), else any form :func:`parse_date` reads."""
    cleaned = text.strip().casefold()
    if cleaned in _RELATIVE:
        return today - dt.timedelta(days=_RELATIVE[cleaned])
    return parse_date(cleaned, today)


@functools.cache
def _zones() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def parse_timezone(text: str) -> str | None:
    """An IANA zone name in any letter case (``asia/shanghai`` → ``Asia/Shanghai``)."""
    return _zones().get(text.strip().casefold().replace(" ", "_"))


def parse_yes_no(text: str) -> bool | None:
    cleaned = text.strip().casefold().rstrip(".!")
    return True if cleaned in _YES else False if cleaned in _NO else None
