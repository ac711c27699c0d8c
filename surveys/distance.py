"""Walking distance: read what a patient typed and put it in a survey's category.

Patients answer in metres, kilometres, miles, yards, Chinese units or plain words, so the
reader is forgiving; the category, not the number, is what gets compared over time
(self-reported distances are imprecise).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from surveys._normalize import fold, strip_edges
from surveys._numerals import english_number, read_number
from surveys.model import DistanceCategory

__all__ = [
    "DistanceReading",
    "categorize",
    "match_category",
    "read_distance",
    "unlimited_category",
]

_METRES_PER_UNIT = {
    "m": 1.0, "meter": 1.0, "meters": 1.0, "metre": 1.0, "metres": 1.0, "mtr": 1.0,
    "米": 1.0, "公尺": 1.0,
    "km": 1000.0, "kms": 1000.0, "k": 1000.0, "kilometer": 1000.0, "kilometers": 1000.0,
    "kilometre": 1000.0, "kilometres": 1000.0, "公里": 1000.0, "千米": 1000.0,
    "mile": 1609.344, "miles": 1609.344, "mi": 1609.344, "英里": 1609.344,
    "yard": 0.9144, "yards": 0.9144, "yd": 0.9144, "yds": 0.9144, "码": 0.9144,
    "foot": 0.3048, "feet": 0.3048, "ft": 0.3048, "英尺": 0.3048,
    "里": 500.0,
}  # fmt: skip
_UNIT = "|".join(re.escape(u) for u in sorted(_METRES_PER_UNIT, key=len, reverse=True))
_QUANTITY = re.compile(rf"(?P<sign>-)?\s*(?P<number>.*?)\s*(?P<unit>{_UNIT})?")

_UNLIMITED = frozenset(
    {"unlimited", "no limit", "no limits", "without limit", "limitless", "any distance",
     "as far as i want", "as far as i like", "as far as i wish", "as far as i need",
     "没有限制", "没限制", "不限", "无限", "无限制", "不受限制", "想走多远走多远", "多远都行"}
)  # fmt: skip
_CANNOT = frozenset(
    {"can't walk", "cant walk", "cannot walk", "can not walk", "unable to walk",
     "not able to walk", "i can't walk", "i cannot walk", "can't", "cannot", "not at all",
     "不能走", "走不了", "走不动", "不能走路", "不能行走", "无法行走", "不能", "一步也走不了"}
)  # fmt: skip
_FILLERS = re.compile(
    r"^(?:about|around|approximately|approx|roughly|maybe|only|just|up to"
    r"|大约|大概|约|差不多|只能走|能走|可以走)\s*"
    r"|\s*(?:or so|max|maximum|左右|上下|路|远)$"
)
_BELOW = re.compile(
    r"^(?:less than|under|below|fewer than|<|不到|少于|不足|小于)\s*|\s*(?:以内|以下|之内)$"
)
_ABOVE = re.compile(
    r"^(?:more than|over|above|at least|>|超过|多于|大于|至少)\s*|\s*(?:or more|以上)$"
)
_BOUNDS: tuple[tuple[re.Pattern[str], Literal["below", "above"]], ...] = (
    (_BELOW, "below"),
    (_ABOVE, "above"),
)
_HALF_AFTER_UNIT = re.compile(r"(?:\s+and a half|半)$")
_FRACTIONS = {"half": 0.5, "a half": 0.5, "quarter": 0.25, "a quarter": 0.25,
              "three quarters": 0.75, "three quarter": 0.75, "半": 0.5}  # fmt: skip
_MAX_LENGTH = 60  # a distance is a few words; longer text is something else
_LABEL_NOISE = str.maketrans({"–": "-", "—": "-", "~": "-", "〜": "-", "至": "-", "到": "-"})


@dataclass(frozen=True)
class DistanceReading:
    """A distance a patient stated: ``metres`` (may be negative or absurd; callers check),
    or ``unlimited`` for "no limit" words (then ``metres`` is ``None``).

    ``bound`` is ``"below"`` for "less than 50 m" and ``"above"`` for "more than 1 km":
    enough to pick a category, not an exact distance.
    """

    metres: float | None
    unlimited: bool = False
    bound: Literal["exact", "below", "above"] = "exact"
    unitless: bool = False
    """A bare number ("3"): the caller decides whether metres are meant."""


def _quantity(text: str) -> float | None:
    """``"200"``, ``"1.5"``, ``"1/2"``, ``"half a"``, ``"one and a half"``, ``"两百"``."""
    text = re.sub(r"\s+(?:of\s+)?an?$|\s+of$", "", text).strip()
    if text in _FRACTIONS:
        return _FRACTIONS[text]
    if fraction := re.fullmatch(r"(?:(\d+)\s+)?(\d+)\s*[/⁄]\s*(\d+)", text):
        whole, top, bottom = fraction.groups()
        if int(bottom) == 0:
            return None
        return int(whole or 0) + int(top) / int(bottom)
    if mixed := re.fullmatch(r"(.+?)\s+and\s+a\s+half", text):
        base = _quantity(mixed[1])
        return None if base is None else base + 0.5
    if text.endswith("多") and len(text) > 1:  # "两百多" = "200-odd"
        return _quantity(text[:-1])
    if text.endswith("半") and len(text) > 1:  # "一个半" = 1.5
        base = _quantity(text.removesuffix("半").removesuffix("个"))
        return None if base is None else base + 0.5
    if text in ("a", "an"):
        return 1.0
    value = read_number(text) if text else None
    if value is None and text:
        spoken = english_number(text)
        value = None if spoken is None else float(spoken)
    return value


def read_distance(raw: str) -> DistanceReading | None:
    """What ``raw`` says about walking distance, or ``None`` if it is not a distance."""
    text = strip_edges(fold(raw), keep_sign=True)
    if len(text) > _MAX_LENGTH:
        return None
    text = _FILLERS.sub("", _FILLERS.sub("", text)).strip()
    if text in _UNLIMITED:
        return DistanceReading(None, unlimited=True)
    if text in _CANNOT:
        return DistanceReading(0.0)
    for pattern, bound in _BOUNDS:
        if pattern.search(text):
            inner = read_distance(pattern.sub("", text))
            if inner is None or inner.metres is None or inner.bound != "exact":
                return None
            return DistanceReading(inner.metres, bound=bound)
    extra_half = _HALF_AFTER_UNIT.search(text) is not None
    if extra_half:
        text = _HALF_AFTER_UNIT.sub("", text)
    match = _QUANTITY.fullmatch(text)
    if match is None or not match["number"]:
        return None
    unit = match["unit"]
    if extra_half and unit is None:
        return None
    quantity = _quantity(match["number"])
    if quantity is None or not math.isfinite(quantity):
        return None
    metres = (quantity + (0.5 if extra_half else 0.0)) * _METRES_PER_UNIT.get(unit or "m", 1.0)
    return DistanceReading(-metres if match["sign"] else metres, unitless=unit is None)


def categorize(metres: float, categories: tuple[DistanceCategory, ...]) -> DistanceCategory:
    """The band holding ``metres`` (see ``DistanceCategory``); never the "no limit" band.

    Raises ``ValueError`` for a negative distance or when no band covers it (a definition bug).
    """
    if math.isnan(metres) or metres < 0:
        raise ValueError(f"distance must be at least 0 m, got {metres}")
    bands = [c for c in categories if not c.unlimited]
    zero = [c for c in bands if c.min_metres == c.max_metres == 0]
    if metres == 0 and zero:
        return zero[0]
    for band in bands:
        if band in zero:
            continue
        if band.min_metres <= metres and (band.max_metres is None or metres < band.max_metres):
            return band
    raise ValueError(f"no walking category covers {metres} m")


def unlimited_category(categories: tuple[DistanceCategory, ...]) -> DistanceCategory:
    """The "no limit" band, or the open-ended top band when a survey has none."""
    for band in categories:
        if band.unlimited:
            return band
    for band in reversed(categories):
        if band.max_metres is None:
            return band
    raise ValueError("no walking category for an unlimited distance")


def _label_key(text: str) -> str:
    dashed = re.sub(r"\bto\b", "-", fold(text).translate(_LABEL_NOISE))
    return re.sub(r"\s+", "", dashed).strip(".,!")


def match_category(raw: str, categories: tuple[DistanceCategory, ...]) -> DistanceCategory | None:
    """The band whose id (button payload) or label (either language) ``raw`` is."""
    for band in categories:
        if band.id == raw:
            return band
    wanted = _label_key(raw)
    if not wanted:
        return None
    for band in categories:
        if wanted in (_label_key(band.label.en), _label_key(band.label.zh_hans)):
            return band
    return None
