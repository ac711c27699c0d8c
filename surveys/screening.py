"""The red-flag screen over free text: does what a patient wrote name a red-flag symptom?

Phrases per red-flag item, negations and the words that only look like negations are data
in the survey definition (``screening``). A phrase counts unless a negation comes shortly
before it in the same clause: "no fever" and 没有发烧 raise nothing, "no pain but I fell"
does. English phrases match whole words; Chinese ones match inside the text. A phrase may
combine words that must share a clause: ``"wound|scar + red|swollen|pus"`` (``+`` joins
parts, ``|`` separates alternatives within a part).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from surveys._normalize import fold, key
from surveys.model import Screening, ScreenItem

__all__ = ["ScreenHit", "screen_text"]

_CLAUSE_BREAKS = re.compile(r"[.;!?。；！？\n,，:：]|\bbut\b|\bhowever\b|但是|可是|不过|但")
_HAN = re.compile(r"[\u3400-\u9fff]")
_MAX_TEXT = 4000  # longer messages are screened on their first part only


@dataclass(frozen=True)
class ScreenHit:
    """A red-flag item named in the text: its option, rule and the phrase that matched."""

    option: str
    rule: str
    phrase: str


def _is_han(text: str) -> bool:
    return bool(_HAN.search(text))


def _english_negated(before: str, screening: Screening) -> bool:
    words = before.split()[-screening.window :]
    window = f" {' '.join(words)} "
    for doubt in screening.not_negations.en:
        window = window.replace(f" {doubt} ", " ? ")
    return any(f" {negation} " in window for negation in screening.negations.en)


def _chinese_negated(before: str, screening: Screening) -> bool:
    window = before.replace(" ", "")[-screening.window :]
    for doubt in screening.not_negations.zh_hans:
        window = window.replace(doubt, "？")
    return any(negation in window for negation in screening.negations.zh_hans)


def _found(clause: str, phrase: str, screening: Screening) -> bool:
    """Whether ``phrase`` occurs in ``clause`` (both keyed) without a negation before it."""
    if _is_han(phrase):
        start = clause.find(phrase)
        while start >= 0:
            before = clause[:start]
            if not _chinese_negated(before, screening) and not _english_negated(before, screening):
                return True
            start = clause.find(phrase, start + 1)
        return False
    for match in re.finditer(rf"(?<![\w]){re.escape(phrase)}(?![\w])", clause):
        before = clause[: match.start()]
        if not _english_negated(before, screening) and not _chinese_negated(before, screening):
            return True
    return False


def _combination_found(clause: str, phrase: str, screening: Screening) -> bool:
    """``"wound|scar + red|swollen"``: every ``+`` part (one of its ``|`` words) in the clause."""
    parts = [[w.strip() for w in part.split("|") if w.strip()] for part in phrase.split("+")]
    return all(any(_found(clause, word, screening) for word in part) for part in parts if part)


def _item_hit(clauses: list[str], item: ScreenItem, screening: Screening) -> str | None:
    # Plain phrases first (longest first): the hit names the words the patient used.
    for phrase in sorted(item.phrases.all(), key=lambda p: ("+" in p, -len(p))):
        if any(_combination_found(clause, phrase, screening) for clause in clauses):
            return phrase
    return None


def screen_text(screening: Screening | None, text: str) -> list[ScreenHit]:
    """The red-flag items ``text`` names, in definition order (none for ``None``)."""
    if screening is None or not text.strip():
        return []
    clauses = [key(c) for c in _CLAUSE_BREAKS.split(fold(text[:_MAX_TEXT]))]
    clauses = [c for c in clauses if c]
    hits = []
    for item in screening.items:
        phrase = _item_hit(clauses, item, screening)
        if phrase is not None:
            hits.append(ScreenHit(item.option, item.rule, phrase))
    return hits
