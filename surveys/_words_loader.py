"""Loading what patients type, as data: option synonyms, score words, the survey's patient
words and the red-flag screen. Every clash (one word for two options, a stop word that is also
a skip word, a screened phrase for two items) is a definition error naming its place."""

from __future__ import annotations

from typing import Any, Final

from surveys._normalize import key as _key
from surveys._readers import _at, _fields, _id, _int, _Invalid, _list, _number, _str
from surveys.model import (
    LANGUAGES,
    FlagRule,
    Form,
    Option,
    PatientWords,
    Reading,
    Screening,
    ScreenItem,
    Words,
)

__all__ = ["_no_shared_words", "_patient_words", "_scale_words", "_screening", "_words"]


def _no_shared_words(options: list[Option], place: str) -> None:
    """A typed word must name one option only: "both" cannot mean two of them."""
    owner: dict[str, str] = {}
    for i, option in enumerate(options):
        for word in dict.fromkeys(_key(w) for w in option.words()):
            other = owner.setdefault(word, option.id) if word else option.id
            if other != option.id:
                raise _Invalid(
                    _at(_at(place, i), "synonyms"),
                    f"'{word}' would mean both option '{other}' and option '{option.id}'",
                )


def _words(data: object, place: str) -> Words:
    """``{en: [...], zh-Hans: [...]}`` (either may be missing), folded for matching."""
    if not isinstance(data, dict):
        raise _Invalid(place, "must map en and zh-Hans to lists of words")
    for language in data:
        if language not in LANGUAGES:
            raise _Invalid(_at(place, str(language)), "unknown language (expected en, zh-Hans)")
    found: dict[str, tuple[str, ...]] = {}
    for language in LANGUAGES:
        at = _at(place, language)
        items = _list(data.get(language, []), at, empty=True)
        found[language] = tuple(_key(_str(w, _at(at, i))) for i, w in enumerate(items))
    return Words(en=found["en"], zh_hans=found["zh-Hans"])


def _scale_words(
    fields: dict[str, Any], place: str, low: float | None, high: float | None
) -> tuple[tuple[int, Words], ...]:
    if "synonyms" not in fields:
        return ()
    at = _at(place, "synonyms")
    data = fields["synonyms"]
    if not isinstance(data, dict):
        raise _Invalid(at, "must map scores to words, e.g. 0: {en: [no pain]}")
    found: list[tuple[int, Words]] = []
    owner: dict[str, int] = {}
    for score, words in data.items():
        score_at = _at(at, str(score))
        value = _int(score, score_at, -1000)
        if low is not None and high is not None and not low <= value <= high:
            raise _Invalid(score_at, f"must be a score from {low:g} to {high:g}")
        read = _words(words, score_at)
        for word in read.all():
            if owner.setdefault(word, value) != value:
                raise _Invalid(score_at, f"'{word}' would mean both {owner[word]} and {value}")
        found.append((value, read))
    return tuple(found)


_WORD_LISTS: Final = tuple(f for f in PatientWords.__dataclass_fields__)


def _patient_words(data: object, place: str) -> PatientWords:
    fields = _fields(data, place, (), _WORD_LISTS)
    read = {name: _words(fields[name], _at(place, name)) for name in fields}
    words = PatientWords(**read)
    for group in (("skip", "stop", "done"), ("consent_yes", "consent_no")):
        owner: dict[str, str] = {}
        for name in group:
            for word in getattr(words, name).all():
                if owner.setdefault(word, name) != name:
                    raise _Invalid(_at(place, name), f"'{word}' is also in {owner[word]}")
    return words


def _screening(
    data: object, place: str, forms: tuple[Form, ...], rules: tuple[FlagRule, ...]
) -> Screening:
    fields = _fields(data, place, ("question", "items"), ("negations", "not_negations", "window"))
    question_id = _id(fields["question"], _at(place, "question"))
    questions = [q for f in forms for q in f.questions if q.id == question_id]
    if not questions or any(q.type != "multi_choice" for q in questions):
        raise _Invalid(_at(place, "question"), f"'{question_id}' must be a multi_choice question")
    red_rules = {r.id for r in rules if r.level == "red"}
    items = []
    seen: dict[str, str] = {}
    items_at = _at(place, "items")
    for i, item in enumerate(_list(fields["items"], items_at)):
        at = _at(items_at, i)
        item_fields = _fields(item, at, ("option", "rule", "phrases"), ("reading",))
        option = _id(item_fields["option"], _at(at, "option"))
        if any(q.option(option) is None for q in questions):
            raise _Invalid(_at(at, "option"), f"refers to missing option '{option}'")
        rule = _id(item_fields["rule"], _at(at, "rule"))
        if rule not in red_rules:
            raise _Invalid(_at(at, "rule"), f"'{rule}' must be a red rule")
        phrases = _words(item_fields["phrases"], _at(at, "phrases"))
        if not phrases.en or not phrases.zh_hans:
            raise _Invalid(_at(at, "phrases"), "needs phrases in en and zh-Hans")
        for phrase in phrases.all():
            if seen.setdefault(phrase, option) != option:
                raise _Invalid(
                    _at(at, "phrases"), f"'{phrase}' is also a phrase of '{seen[phrase]}'"
                )
        reading = (
            _reading(item_fields["reading"], _at(at, "reading"))
            if "reading" in item_fields
            else None
        )
        items.append(ScreenItem(option=option, rule=rule, phrases=phrases, reading=reading))
    negations = _words(fields.get("negations", {}), _at(place, "negations"))
    window = _int(fields.get("window", 3), _at(place, "window"), 1)
    return Screening(
        question=question_id,
        items=tuple(items),
        negations=negations,
        window=window,
        not_negations=_words(fields.get("not_negations", {}), _at(place, "not_negations")),
    )


def _reading(data: object, place: str) -> Reading:
    fields = _fields(data, place, ("at_least", "at_most", "words"))
    at_least = _number(fields["at_least"], _at(place, "at_least"))
    at_most = _number(fields["at_most"], _at(place, "at_most"))
    if not at_least < at_most:
        raise _Invalid(_at(place, "at_most"), f"must be more than at_least ({at_least:g})")
    words = _words(fields["words"], _at(place, "words"))
    if not words.en or not words.zh_hans:
        raise _Invalid(_at(place, "words"), "needs words in en and zh-Hans")
    return Reading(at_least=at_least, at_most=at_most, words=words)
