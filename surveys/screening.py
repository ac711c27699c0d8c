"""The red-flag screen over free text: does what a patient wrote name a red-flag symptom?

Phrases per red-flag item, negations and the words that only look like negations are data
in the survey definition (``screening``). A phrase counts unless a negation comes shortly
before it in the same clause: "no fever" and 没有发烧 raise nothing, "no pain but I fell"
does. English phrases match whole words; Chinese ones match inside the text. A phrase may
combine words that must share a clause: ``"wound|scar + red|swollen|pus"`` (``+`` joins
parts, ``|`` separates alternatives within a part). An item may also be named by a reading:
a number in its range in a sentence that names what was measured ("temperature 38.4",
体温三十八度五), so that 37.2 is not a fever however it is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from surveys._normalize import fold, key
from surveys._numerals import read_number
from surveys.model import Reading, Screening, ScreenItem

__all__ = ["ScreenHit", "screen_text"]

_CLAUSE_BREAKS = re.compile(r"[.;!?。；！？\n,，:：]|\bbut\b|\bhowever\b|但是|可是|不过|但")
_HAN = re.compile(r"[\u3400-\u9fff]")
# a reading's sentence ends at a full stop that is not a decimal point
_SENTENCE_BREAKS = re.compile(r"[;!?。；！？\n]|(?<!\d)\.|\.(?!\d)")
# 38.4, 38,4, 三十八点五, and a tenth after 度: 38度5, 三十八度五
_READING_NUMBER = re.compile(
    r"(\d+(?:[.,]\d+)?|[零〇一二两三四五六七八九十]+(?:点[零〇一二三四五六七八九]+)?)"
    r"(?:\s*度\s*([0-9一二三四五六七八九])(?![0-9零〇一二三四五六七八九十]))?"
)
_AFTER_DIGIT = re.compile(r"(?<=\d)(?=[^\d\s.,])")
_TENTHS = {c: n for n, c in enumerate("零一二三四五六七八九")} | {str(n): n for n in range(10)}
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


def _found(clause: str, phrase: str, screening: Screening, *, negatable: bool = True) -> bool:
    """Whether ``phrase`` occurs in ``clause`` (both keyed), unless ``negatable`` and a
    negation comes shortly before it."""
    if _is_han(phrase):
        starts = []
        start = clause.find(phrase)
        while start >= 0:
            starts.append(start)
            start = clause.find(phrase, start + 1)
    else:
        pattern = rf"(?<![\w]){re.escape(phrase)}(?![\w])"
        starts = [match.start() for match in re.finditer(pattern, clause)]
    return any(
        not negatable
        or not (
            _chinese_negated(clause[:start], screening)
            or _english_negated(clause[:start], screening)
        )
        for start in starts
    )


def _combination_found(clause: str, phrase: str, screening: Screening) -> bool:
    """``"wound|scar + red|swollen"``: every ``+`` part (one of its ``|`` words) in the clause.

    Only the last part, the symptom, can be negated: "no calf swelling" and "my calf is not
    swollen" deny, "I could not get to the toilet in time and had an accident" does not.
    """
    parts = [[w.strip() for w in part.split("|") if w.strip()] for part in phrase.split("+")]
    parts = [part for part in parts if part]
    last = len(parts) - 1
    return all(
        any(_found(clause, word, screening, negatable=i == last) for word in part)
        for i, part in enumerate(parts)
    )


def _number_negated(before: str, screening: Screening) -> bool:
    """ "not 38", 不到38度, 没超过38: a negation just before the number, not one earlier in
    the sentence ("no fever yesterday, today 38.5 degrees" is a fever)."""
    words = f" {' '.join(before.split()[-2:])} "
    if any(f" {negation} " in words for negation in screening.negations.en):
        return True
    tail = before.replace(" ", "")[-3:]
    return any(negation in tail for negation in screening.negations.zh_hans)


def _reading_found(sentence: str, reading: Reading, screening: Screening) -> str | None:
    """The number in ``reading``'s range in a sentence naming what was measured, if any."""
    probe = key(_AFTER_DIGIT.sub(" ", sentence))  # "38.4°c" names "°c"
    if not any(_found(probe, w, screening, negatable=False) for w in reading.words.all()):
        return None
    for match in _READING_NUMBER.finditer(sentence):
        value = read_number(match.group(1).replace(",", "."))
        if value is None:
            continue
        if match.group(2):
            value += _TENTHS[match.group(2)] / 10
        if _number_negated(sentence[: match.start()], screening):
            continue
        if reading.at_least <= value <= reading.at_most:
            return match.group(0)
    return None


def _item_hit(
    clauses: list[str], sentences: list[str], item: ScreenItem, screening: Screening
) -> str | None:
    # Plain phrases first (longest first): the hit names the words the patient used.
    for phrase in sorted(item.phrases.all(), key=lambda p: ("+" in p, -len(p))):
        if any(_combination_found(clause, phrase, screening) for clause in clauses):
            return phrase
    if item.reading is not None:
        for sentence in sentences:
            found = _reading_found(sentence, item.reading, screening)
            if found is not None:
                return found
    return None


def screen_text(screening: Screening | None, text: str) -> list[ScreenHit]:
    """The red-flag items ``text`` names, in definition order (none for ``None``)."""
    if screening is None or not text.strip():
        return []
    folded = fold(text[:_MAX_TEXT])
    clauses = [c for c in (key(c) for c in _CLAUSE_BREAKS.split(folded)) if c]
    sentences = [s for s in _SENTENCE_BREAKS.split(folded) if s.strip()]
    hits = []
    for item in screening.items:
        phrase = _item_hit(clauses, sentences, item, screening)
        if phrase is not None:
            hits.append(ScreenHit(item.option, item.rule, phrase))
    return hits
