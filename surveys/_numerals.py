"""Read numbers written with digits, Chinese numerals or English number words.

Input is expected already folded (see ``surveys._normalize.fold``): ASCII digits, lower case.
"""

from __future__ import annotations

import re

__all__ = ["chinese_number", "decimal", "english_number", "read_number"]

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]+)?|[.,][0-9]+)")
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")

_ZH_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_MYRIAD = 10_000

_EN_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_EN_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_EN_SCALES = {"hundred": 100, "thousand": 1000}


def decimal(text: str) -> float | None:
    """``"38.5"``, ``"38,5"`` (decimal comma) or ``"1,500"`` (thousands) as a float."""
    if _THOUSANDS.fullmatch(text):
        return float(text.replace(",", ""))
    if _DECIMAL.fullmatch(text):
        return float(text.replace(",", "."))
    return None


def _chinese_below_myriad(text: str) -> int | None:
    """``"三百"``, ``"十五"``, ``"一百零五"``, colloquial ``"两百五"`` (= 250)."""
    if text and all(c in _ZH_DIGITS for c in text):
        return int("".join(str(_ZH_DIGITS[c]) for c in text))
    total, digit, last_unit, after_unit = 0, None, 0, False
    for char in text:
        if char in _ZH_DIGITS:
            if digit is not None:
                return None
            value = _ZH_DIGITS[char]
            digit = None if char in "零〇" else value
            after_unit = after_unit and char not in "零〇"
        elif char in _ZH_UNITS:
            unit = _ZH_UNITS[char]
            if last_unit and unit >= last_unit:
                return None
            total += (1 if digit is None else digit) * unit
            digit, last_unit, after_unit = None, unit, True
        else:
            return None
    if digit is not None:
        total += digit * (last_unit // 10 if after_unit and last_unit >= 100 else 1)
    return total


def _chinese_integer(text: str) -> int | None:
    if not text:
        return None
    high, sep, low = text.partition("万")
    if not sep:
        return _chinese_below_myriad(text)
    high_value = _chinese_below_myriad(high) if high else 1
    low_value = _chinese_below_myriad(low) if low else 0
    if high_value is None or low_value is None:
        return None
    return high_value * _ZH_MYRIAD + low_value


def chinese_number(text: str) -> float | None:
    """``"七"``, ``"两百"``, ``"一千五百"``, ``"三点五"``; ``None`` if not a Chinese numeral."""
    whole, sep, fraction = text.partition("点")
    integer = _chinese_integer(whole)
    if integer is None:
        return None
    if not sep:
        return float(integer)
    if not fraction or not all(c in _ZH_DIGITS and c not in "两俩" for c in fraction):
        return None
    return float(f"{integer}.{''.join(str(_ZH_DIGITS[c]) for c in fraction)}")


def english_number(text: str) -> int | None:
    """``"seven"``, ``"two hundred"``, ``"fifty-five"``; ``None`` otherwise."""
    words = [w for w in re.split(r"[\s-]+", text) if w and w != "and"]
    if not words:
        return None
    if words[0] in ("a", "an") and len(words) > 1 and words[1] in _EN_SCALES:
        words[0] = "one"  # "a hundred", never a bare "a"
    total, current = 0, 0
    for word in words:
        if word in _EN_SMALL:
            current += _EN_SMALL[word]
        elif word in _EN_TENS:
            current += _EN_TENS[word]
        elif word in _EN_SCALES:
            current = max(current, 1) * _EN_SCALES[word]
            if word == "thousand":
                total, current = total + current, 0
        else:
            return None
    return total + current


_MAX_NUMERAL = 40  # characters; longer "numbers" are not something a patient means


def read_number(text: str) -> float | None:
    """Any of the above; ``text`` is one folded token such as ``"7"``, ``"七"`` or ``"seven"``.

    Absurdly long Chinese or English numerals (a 310-character 一…, "hundred" 160 times)
    are not numbers; long digit strings are read (and refused as out of range by callers).
    """
    for reader in (decimal, chinese_number, english_number):
        if reader is not decimal and len(text) > _MAX_NUMERAL:
            return None
        try:
            value = reader(text)
            if value is not None:
                return float(value)
        except (OverflowError, ValueError):
            return None
    return None
