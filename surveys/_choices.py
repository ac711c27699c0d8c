"""Match typed words to the options of a choice question.

An option is found by its id (what a button sends), its 1-based number, its label in any
language or one of its aliases. Several options in one message are split on commas,
semicolons and ``、``, then on spaces (or, for Chinese without spaces, by longest label).
"""

from __future__ import annotations

from collections.abc import Sequence

from surveys._normalize import fold, key, strip_edges
from surveys._numerals import read_number
from surveys.model import Option

__all__ = ["match_many", "match_one", "near_options"]

_SEPARATORS = ("，", ";", "；", "、")
_FILLERS = frozenset({"and", "&", "+", "和", "及", "与", "以及", "还有", "跟"})
_MAX_PIECES = 8  # commas inside one label
_MAX_UNITS = 40  # longer runs are not a list of options; avoids quadratic work


class _Index:
    def __init__(self, options: Sequence[Option]) -> None:
        self.options = tuple(options)
        self.by_key: dict[str, Option] = {}
        for option in reversed(self.options):  # earlier options win on clashes
            for word in option.words():
                if k := key(word):
                    self.by_key[k] = option

    def find(self, raw: str) -> Option | None:
        for option in self.options:
            if option.id == raw:
                return option
        text = strip_edges(fold(raw), keep_sign=True)  # "-1" is not option 1
        number = read_number(text) if text else None
        if number is not None and number.is_integer() and 1 <= number <= len(self.options):
            return self.options[int(number) - 1]
        return self.by_key.get(key(raw))

    def segment(self, units: list[str], joiner: str) -> list[Option] | None:
        """Greedy longest match of consecutive ``units`` (words or characters)."""
        if len(units) > _MAX_UNITS:
            return None
        found: list[Option] = []
        start = 0
        while start < len(units):
            if units[start] in _FILLERS:
                start += 1
                continue
            for end in range(len(units), start, -1):
                option = self.find(joiner.join(units[start:end]))
                if option is not None:
                    found.append(option)
                    start = end
                    break
            else:
                return None
        return found

    def piece(self, piece: str) -> list[Option] | None:
        whole = self.find(piece)
        if whole is not None:
            return [whole]
        words = piece.split()
        if len(words) > 1:
            return self.segment(words, " ")
        if any("\u3400" <= c <= "\u9fff" for c in piece):
            return self.segment(list(piece), "")
        return None


def match_one(options: Sequence[Option], raw: str) -> Option | None:
    """The single option ``raw`` names, or ``None``."""
    return _Index(options).find(raw)


def match_many(options: Sequence[Option], raw: str) -> tuple[list[Option], list[str]]:
    """Options named in ``raw`` (definition order, no repeats) and the pieces not understood."""
    index = _Index(options)
    whole = index.find(raw)
    if whole is not None:
        return [whole], []
    text = fold(raw)
    for separator in _SEPARATORS:
        text = text.replace(separator, ",")
    pieces = [p.strip() for p in text.split(",") if strip_edges(p)]
    chosen: set[str] = set()
    unknown: list[str] = []
    start = 0
    while start < len(pieces):
        # Labels may hold commas themselves ("Wound red, hot, swollen"): longest run first.
        for end in range(min(len(pieces), start + _MAX_PIECES), start + 1, -1):
            option = index.find(", ".join(pieces[start:end]))
            if option is not None:
                chosen.add(option.id)
                start = end
                break
        else:
            matched = index.piece(pieces[start])
            if matched is None:
                unknown.append(pieces[start])
            else:
                chosen.update(o.id for o in matched)
            start += 1
    return [o for o in options if o.id in chosen], unknown


def near_options(options: Sequence[Option], raw: str) -> list[Option]:
    """Options whose label or synonyms contain what was typed ("worse" in "Much worse"):
    never taken as the answer, only named in the hint that asks again."""
    wanted = key(raw)
    if not wanted or wanted.isdigit():
        return []
    han = any("\u3400" <= c <= "\u9fff" for c in wanted)
    found = []
    for option in options:
        for word in option.words():
            text = key(word)
            inside = wanted in text if han else f" {wanted} " in f" {text} "
            if inside and wanted != text:
                found.append(option)
                break
    return found
