"""Small readers for survey definition files: each checks one value and names its place.

A mistake raises ``_Invalid(place, reason)``; ``surveys.loader`` adds the file name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from typing import Any

from surveys.model import LANGUAGES, Text

__all__ = [
    "_ID",
    "_TIME",
    "_Invalid",
    "_at",
    "_bool",
    "_fields",
    "_id",
    "_int",
    "_list",
    "_number",
    "_one_of",
    "_optional_text",
    "_str",
    "_text",
    "_time",
    "_unique",
]

_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


class _Invalid(Exception):
    def __init__(self, place: str, reason: str) -> None:
        super().__init__(place, reason)
        self.place = place or "top level"
        self.reason = reason


def _at(place: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{place}[{key}]"
    return f"{place}.{key}" if place else key


def _fields(
    data: object, place: str, required: Sequence[str], optional: Sequence[str] = ()
) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _Invalid(place, "must be a mapping of keys to values")
    allowed = (*required, *optional)
    for key in data:
        if key not in allowed:
            raise _Invalid(_at(place, str(key)), f"unknown key (expected {', '.join(allowed)})")
    for key in required:
        if key not in data:
            raise _Invalid(_at(place, key), "missing")
    return data


def _list(data: object, place: str, *, empty: bool = False) -> list[Any]:
    if not isinstance(data, list):
        raise _Invalid(place, "must be a list")
    if not data and not empty:
        raise _Invalid(place, "must not be empty")
    return data


def _str(data: object, place: str) -> str:
    if not isinstance(data, str) or not data.strip():
        raise _Invalid(place, "must be non-empty text")
    return data


def _id(data: object, place: str) -> str:
    if not isinstance(data, str) or not _ID.fullmatch(data):
        raise _Invalid(place, f"must be an id of lower-case letters, digits and '_' (got {data!r})")
    return data


def _bool(data: object, place: str) -> bool:
    if not isinstance(data, bool):
        raise _Invalid(place, "must be true or false")
    return data


def _int(data: object, place: str, minimum: int = 0) -> int:
    if isinstance(data, bool) or not isinstance(data, int):
        raise _Invalid(place, "must be a whole number")
    if data < minimum:
        raise _Invalid(place, f"must be at least {minimum}")
    return data


def _number(data: object, place: str) -> float:
    if isinstance(data, bool) or not isinstance(data, int | float) or not math.isfinite(data):
        raise _Invalid(place, "must be a number")
    return float(data)


def _time(data: object, place: str) -> str:
    if not isinstance(data, str) or not _TIME.fullmatch(data):
        raise _Invalid(place, f'must be a time like "09:00" (got {data!r})')
    return data


def _text(data: object, place: str) -> Text:
    if not isinstance(data, dict):
        raise _Invalid(place, "must give the text in en and zh-Hans")
    for key in data:
        if key not in LANGUAGES:
            raise _Invalid(_at(place, str(key)), "unknown language (expected en, zh-Hans)")
    for language in LANGUAGES:
        if language not in data:
            raise _Invalid(place, f"missing translation '{language}'")
    texts = {language: _str(data[language], _at(place, language)) for language in LANGUAGES}
    return Text(en=texts["en"], zh_hans=texts["zh-Hans"])


def _optional_text(data: dict[str, Any], key: str, place: str) -> Text | None:
    return _text(data[key], _at(place, key)) if key in data else None


def _unique(ids: Iterator[tuple[str, str]]) -> None:
    seen: set[str] = set()
    for place, value in ids:
        if value in seen:
            raise _Invalid(place, f"duplicate id '{value}'")
        seen.add(value)


def _one_of(data: object, place: str, allowed: Sequence[str], what: str) -> str:
    if not isinstance(data, str) or data not in allowed:
        raise _Invalid(place, f"unknown {what} {data!r} (expected one of: {', '.join(allowed)})")
    return data


def _ids(data: object, place: str) -> tuple[str, ...]:
    return tuple(_id(v, _at(place, i)) for i, v in enumerate(_list(data, place)))
