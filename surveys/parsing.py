"""Turn what a patient typed or tapped into a normalised answer value.

``parse_answer`` never raises on patient input: anything unusable comes back as
``Rejected`` with a stable ``reason`` and a short re-prompt in both languages. It raises
only for definition bugs (a distance question without walking categories, or bands
that leave a distance uncovered).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from surveys import rejections
from surveys._choices import match_many, match_one, near_options
from surveys._normalize import fold, key, strip_edges
from surveys._numerals import read_number
from surveys.distance import categorize, match_category, read_distance, unlimited_category
from surveys.model import AnswerValue, DistanceCategory, PatientWords, Question, Text, Words
from surveys.rejections import Reason

__all__ = ["MAX_TEXT_LENGTH", "MAX_WALKING_METRES", "Parsed", "Rejected", "parse_answer"]

MAX_TEXT_LENGTH = 1000
MAX_WALKING_METRES = 50_000.0  # anything further is a typo, not a walking distance
UNITLESS_BELOW_METRES = 10.0  # a bare "3" at walking distance: 3 metres? 3 km? ask
_CLAUSES = re.compile(r"[,，;；]|\bbut\b|\band\b|但是|但|还有")
_NUMBER_TOKENS = re.compile(
    r"\d+(?:[.,]\d+)?|[零〇一二两三四五六七八九十百千万][零〇一二两三四五六七八九十百千万点]*"
    r"|\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten)\b"
)
_DEFAULT_SCALE = (0.0, 10.0)

_YES = frozenset(
    {"yes", "y", "yeah", "yep", "yes please", "ok", "okay", "sure", "true", "1",
     "是", "是的", "有", "有的", "对", "对的", "嗯", "好"}
)  # fmt: skip
_NO = frozenset(
    {"no", "n", "nope", "false", "0", "none",
     "否", "不", "没有", "没", "无", "不是", "不对"}
)  # fmt: skip


@dataclass(frozen=True)
class Parsed:
    value: AnswerValue
    raw: str


@dataclass(frozen=True)
class Rejected:
    """A patient mistake, not a bug: ``reason`` is a stable code, ``message`` what to tell them."""

    reason: str
    message: Text


def _scale_word(question: Question, raw: str) -> int | None:
    """The score a word stands for: an anchor ("No pain" = 0) or a synonym (不痛)."""
    wanted = key(raw)
    anchors = [
        (int(question.minimum or 0), question.low_anchor),
        (int(question.maximum if question.maximum is not None else 10), question.high_anchor),
    ]
    for score, anchor in anchors:
        if anchor is not None and wanted in (key(anchor.en), key(anchor.zh_hans)):
            return score
    for score, words in question.scale_words:
        if wanted in words.all():
            return score
    return None


def _without_hedges(text: str, hedges: Words) -> str:
    """``text`` with filler words around a number removed ("about 6", "8 i think", 五分吧)."""
    for hedge in sorted(hedges.en, key=len, reverse=True):
        text = re.sub(rf"(?<![\w]){re.escape(hedge)}(?![\w])", " ", text)
    for hedge in sorted(hedges.zh_hans, key=len, reverse=True):
        text = text.replace(hedge, " ")
    return strip_edges(" ".join(text.split()), keep_sign=True)


def _hedged_number(text: str, hedges: Words) -> float | None:
    inner = _without_hedges(key(text), hedges)
    return read_number(inner) if inner else None


def _scale(question: Question, raw: str, words: PatientWords | None = None) -> Parsed | Rejected:
    low = question.minimum if question.minimum is not None else _DEFAULT_SCALE[0]
    high = question.maximum if question.maximum is not None else _DEFAULT_SCALE[1]
    word = _scale_word(question, raw) if len(raw) <= MAX_TEXT_LENGTH else None
    if word is not None:
        return Parsed(word, raw)
    text = strip_edges(fold(raw), keep_sign=True)
    out_of = re.escape(f"{high:g}")
    text = re.sub(rf"\s*(?:/|out of|of)\s*{out_of}(?![\d.])", "", text)
    text = re.sub(r"\s*(?:分|points?|pts?)$", "", text)
    number = read_number(text) if text else None
    if number is None and text and len(text) <= 60:
        hedges = words.hedges if words else Words()
        number = _hedged_number(text, hedges)
        if number is None:  # "5 but I fell": the score first, then something else
            first, *rest = _CLAUSES.split(text)
            if rest and not any(_NUMBER_TOKENS.search(r) for r in rest):
                number = _hedged_number(first, hedges)
        if number is None:
            found = {read_number(t) for t in _NUMBER_TOKENS.findall(text)}
            choices = sorted(n for n in found if n is not None and low <= n <= high)
            if len(choices) > 1:
                return Rejected(Reason.AMBIGUOUS, rejections.which_number(choices, low, high))
    if number is None:
        reason = Reason.EMPTY if not text else Reason.NOT_A_NUMBER
        return Rejected(reason, rejections.scale_range(low, high))
    if not low <= number <= high:
        return Rejected(Reason.OUT_OF_RANGE, rejections.scale_range(low, high))
    if not number.is_integer():
        return Rejected(Reason.NOT_WHOLE, rejections.scale_whole(low, high))
    return Parsed(int(number), raw)


def _unit_pattern(unit: str | None) -> str:
    if not unit:
        return ""
    spellings = {fold(unit), fold(unit).replace("°", "").strip()}
    if "°" in unit:
        spellings |= {"°", "度", "摄氏度", "degrees", "degree"}
    alternatives = "|".join(re.escape(s) for s in sorted(spellings, key=len, reverse=True) if s)
    return rf"\s*(?:{alternatives})?"


def _number(question: Question, raw: str) -> Parsed | Rejected:
    low, high = question.minimum, question.maximum
    message = rejections.number_range(low, high, question.unit)
    text = strip_edges(fold(raw), keep_sign=True)
    if not text:
        return Rejected(Reason.EMPTY, message)
    match = re.fullmatch(rf"(?P<number>.+?){_unit_pattern(question.unit)}", text)
    number = read_number(match["number"].strip()) if match else None
    if number is None or not math.isfinite(number):
        return Rejected(Reason.NOT_A_NUMBER, message)
    if (low is not None and number < low) or (high is not None and number > high):
        return Rejected(Reason.OUT_OF_RANGE, message)
    return Parsed(number, raw)


def _yes_no(question: Question, raw: str) -> Parsed | Rejected:
    text = strip_edges(fold(raw))
    if text in _YES:
        return Parsed(True, raw)
    if text in _NO:
        return Parsed(False, raw)
    return Rejected(Reason.EMPTY if not text else Reason.NOT_YES_NO, rejections.YES_NO)


def _single_choice(question: Question, raw: str) -> Parsed | Rejected:
    option = match_one(question.options, raw)
    if option is not None:
        return Parsed(option.id, raw)
    if not strip_edges(fold(raw)):
        return Rejected(Reason.EMPTY, rejections.CHOOSE_ONE)
    near = near_options(question.options, raw) if len(raw) <= 60 else []
    if near:
        return Rejected(Reason.AMBIGUOUS, rejections.which_option([o.label for o in near]))
    return Rejected(Reason.UNKNOWN_OPTION, rejections.CHOOSE_ONE)


def _multi_choice(question: Question, raw: str) -> Parsed | Rejected:
    chosen, unknown = match_many(question.options, raw)
    if unknown or not chosen:
        reason = Reason.UNKNOWN_OPTION if unknown else Reason.EMPTY
        return Rejected(reason, rejections.CHOOSE_SOME)
    exclusive = next((o for o in chosen if o.exclusive), None)
    if exclusive is not None and len(chosen) > 1:
        return Rejected(Reason.EXCLUSIVE_CONFLICT, rejections.exclusive_conflict(exclusive.label))
    return Parsed([o.id for o in chosen], raw)


def _text(question: Question, raw: str) -> Parsed | Rejected:
    text = raw.strip()
    if not text:
        return Rejected(Reason.EMPTY, rejections.TEXT_EMPTY)
    if len(text) > MAX_TEXT_LENGTH:
        return Rejected(Reason.TOO_LONG, rejections.text_too_long(MAX_TEXT_LENGTH))
    return Parsed(text, raw)


_PARSERS: dict[str, Callable[[Question, str], Parsed | Rejected]] = {
    "scale": _scale,
    "number": _number,
    "yes_no": _yes_no,
    "single_choice": _single_choice,
    "multi_choice": _multi_choice,
    "text": _text,
}


def parse_answer(
    question: Question,
    raw: str,
    categories: tuple[DistanceCategory, ...] = (),
    words: PatientWords | None = None,
) -> Parsed | Rejected:
    """Parse ``raw`` (button payload or typed text) as an answer to ``question``.

    ``categories`` are the survey's walking-distance bands, needed for distance questions;
    ``words`` the survey's patient words (fillers around a score).
    """
    if question.type == "distance":
        return _distance(question, raw, categories)
    if question.type == "scale":
        return _scale(question, raw, words)
    return _PARSERS[question.type](question, raw)


def _walked(metres: float | None, band: DistanceCategory) -> dict[str, AnswerValue]:
    return {"metres": metres, "category": band.id}


def _distance(
    question: Question, raw: str, categories: tuple[DistanceCategory, ...]
) -> Parsed | Rejected:
    if not categories:
        raise ValueError(f"distance question {question.id!r} needs walking categories")
    tapped = next((band for band in categories if band.id == raw), None)
    if tapped is not None:
        return Parsed(_walked(None, tapped), raw)
    reading = read_distance(raw)
    if reading is None:
        labelled = match_category(raw, categories)
        if labelled is not None:
            return Parsed(_walked(None, labelled), raw)
        reason = Reason.EMPTY if not strip_edges(fold(raw)) else Reason.NOT_A_DISTANCE
        return Rejected(reason, rejections.DISTANCE_UNKNOWN)
    if reading.metres is None:
        return Parsed(_walked(None, unlimited_category(categories)), raw)
    metres = round(reading.metres, 1) + 0.0  # no "-0.0"
    if reading.unitless and reading.bound == "exact" and 0 < metres < UNITLESS_BELOW_METRES:
        return Rejected(Reason.NO_UNIT, rejections.distance_unit(metres))
    if not 0 <= metres <= MAX_WALKING_METRES or (reading.bound == "below" and metres <= 0):
        return Rejected(Reason.OUT_OF_RANGE, rejections.DISTANCE_OUT_OF_RANGE)
    if reading.bound == "below":
        return Parsed(_walked(None, categorize(math.nextafter(metres, 0), categories)), raw)
    if reading.bound == "above":
        return Parsed(_walked(None, categorize(metres, categories)), raw)
    return Parsed(_walked(metres, categorize(metres, categories)), raw)
