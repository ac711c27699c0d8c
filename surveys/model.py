"""Survey definitions as frozen data.

A definition is loaded from YAML (see ``surveys.loader``) into these types and never
mutated afterwards. Nothing here does I/O or knows about Telegram or the database.

Answer values are JSON-compatible so storage can keep them as they are:

=============== ==========================================================
question type   normalised value
=============== ==========================================================
scale           ``int`` within ``[min, max]``
single_choice   ``str`` option id
multi_choice    ``list[str]`` option ids in definition order
yes_no          ``bool``
distance        ``{"metres": float | None, "category": str}``
number          ``float``
text            ``str`` (stripped, non-empty)
=============== ==========================================================

A skipped optional question is stored with value ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

__all__ = [
    "LANGUAGES",
    "AnswerValue",
    "CheckinSpec",
    "Condition",
    "DistanceCategory",
    "FlagLevel",
    "FlagRule",
    "Form",
    "Language",
    "Option",
    "PatientWords",
    "Question",
    "QuestionType",
    "RuleCheck",
    "Schedule",
    "ScreenItem",
    "Screening",
    "Survey",
    "Text",
    "Words",
]

Language: TypeAlias = Literal["en", "zh-Hans"]
LANGUAGES: tuple[Language, ...] = ("en", "zh-Hans")

QuestionType: TypeAlias = Literal[
    "scale", "single_choice", "multi_choice", "yes_no", "distance", "number", "text"
]
FlagLevel: TypeAlias = Literal["red", "amber", "info"]

AnswerValue: TypeAlias = int | float | str | bool | list[str] | dict[str, Any] | None


@dataclass(frozen=True)
class Text:
    """A user-visible string in every supported language."""

    en: str
    zh_hans: str

    def get(self, language: Language) -> str:
        return self.zh_hans if language == "zh-Hans" else self.en

    def format(self, language: Language, **values: object) -> str:
        return self.get(language).format(**values)


@dataclass(frozen=True)
class Words:
    """Words or phrases patients type, per language (folded to lower case when loaded)."""

    en: tuple[str, ...] = ()
    zh_hans: tuple[str, ...] = ()

    def all(self) -> tuple[str, ...]:
        return self.en + self.zh_hans

    def __add__(self, other: Words) -> Words:
        return Words(self.en + other.en, self.zh_hans + other.zh_hans)


@dataclass(frozen=True)
class Option:
    """One choice of a ``single_choice`` or ``multi_choice`` question.

    ``aliases`` are extra typed words accepted for this option (lower-case); ``synonyms``
    the same per language ("both" for "Both legs", 好多了 for "Much better").
    ``exclusive`` marks "none of these": selecting it clears the others.
    """

    id: str
    label: Text
    exclusive: bool = False
    aliases: tuple[str, ...] = ()
    synonyms: Words = Words()

    def words(self) -> tuple[str, ...]:
        """Every typed form of this option: id, labels, aliases and synonyms."""
        return (self.id, self.label.en, self.label.zh_hans, *self.aliases, *self.synonyms.all())


@dataclass(frozen=True)
class Condition:
    """``show_if`` clause: the question is shown when the earlier answer matches.

    For multi-choice answers ``any_of`` matches when any selected id is listed.
    For yes/no answers use ``equals: true|false``.
    """

    question: str
    equals: str | bool | None = None
    any_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class DistanceCategory:
    """Walking-distance band, ordered worst to best in the survey.

    A measured distance falls in the band with ``min_metres <= m < max_metres``
    (``max_metres`` ``None`` = unbounded); the band with ``min_metres == max_metres == 0``
    holds exactly 0 m ("cannot walk"). ``unlimited`` marks "no limit", reached only by
    words ("no limit", "unlimited", "没有限制") or its button, never by a number.
    """

    id: str
    label: Text
    min_metres: float
    max_metres: float | None
    unlimited: bool = False


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    text: Text
    required: bool = True
    options: tuple[Option, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None
    low_anchor: Text | None = None
    high_anchor: Text | None = None
    show_if: tuple[Condition, ...] = ()
    hint: Text | None = None
    scale_words: tuple[tuple[int, Words], ...] = ()
    """Scale questions: words that mean a score ("no pain"/不痛 = 0), besides the anchors."""

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Form:
    id: str
    title: Text
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


@dataclass(frozen=True)
class RuleCheck:
    """One test inside a flag rule. Exactly the fields of its ``kind`` are set.

    kinds:
      ``answer_in``            the answer (or any selected id) is in ``values``
      ``at_least`` / ``at_most``  the numeric answer against ``threshold``
      ``change_from_previous`` current minus previous completed value, compared with
                               ``at_least`` / ``at_most`` (distance uses category order)
      ``change_from_baseline`` the same against the baseline value
      ``mic_not_reached``      improvement from baseline below both ``points`` and
                               ``fraction`` of baseline (minimal important change)
      ``answered``             a non-empty answer was given (e.g. a note for the nurse)
    """

    kind: Literal[
        "answer_in",
        "at_least",
        "at_most",
        "change_from_previous",
        "change_from_baseline",
        "mic_not_reached",
        "answered",
    ]
    question: str
    values: tuple[str, ...] = ()
    threshold: float | None = None
    points: float | None = None
    fraction: float | None = None
    at_least: float | None = None
    at_most: float | None = None


@dataclass(frozen=True)
class FlagRule:
    """A rule raises a flag when any of its checks holds within its day window."""

    id: str
    level: FlagLevel
    description: Text
    any_of: tuple[RuleCheck, ...]
    from_day: int | None = None
    until_day: int | None = None
    forms: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckinSpec:
    """One planned check-in. ``day`` is days after surgery; ``None`` means at enrolment."""

    id: str
    form: str
    day: int | None
    open_hours: float
    reminder_hours: tuple[float, ...]


@dataclass(frozen=True)
class Schedule:
    """When check-ins go out, plus the thresholds of the flags the scheduler raises.

    ``consecutive_missed_flag`` missed check-ins in a row raise a ``missed_flag_level`` flag;
    ``unreachable_flag_after`` failed deliveries in a row (e.g. the patient blocked the bot)
    raise an ``unreachable_flag_level`` flag. Times are local ``HH:MM``.
    """

    send_at: str = "09:00"
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"
    checkins: tuple[CheckinSpec, ...] = ()
    consecutive_missed_flag: int = 2
    missed_flag_level: FlagLevel = "amber"
    unreachable_flag_after: int = 1
    unreachable_flag_level: FlagLevel = "amber"


@dataclass(frozen=True)
class PatientWords:
    """What patients type besides answers, as data (matched whole, after folding).

    ``skip``: skips an optional question (and is never saved as a note); ``stop``: offers
    the /stop confirmation; ``done``: submits a typed multi-choice selection;
    ``consent_yes``/``consent_no``: at the consent step; ``patient``/``caregiver``: who is
    answering (a caregiver word also counts when it appears inside a sentence, 我是他女儿);
    ``hedges``: filler around a number ("about", "I think", 吧) that a scale answer may carry.
    """

    skip: Words = Words()
    stop: Words = Words()
    done: Words = Words()
    consent_yes: Words = Words()
    consent_no: Words = Words()
    patient: Words = Words()
    caregiver: Words = Words()
    hedges: Words = Words()


@dataclass(frozen=True)
class Reading:
    """A measured value that names a red-flag item: a number from ``at_least`` to
    ``at_most`` in a sentence with one of ``words`` ("temperature 38.4", 体温三十八度五)."""

    at_least: float
    at_most: float
    words: Words


@dataclass(frozen=True)
class ScreenItem:
    """A red-flag item the free-text screen looks for: the option of the screened
    question it stands for, the red rule it raises, the phrases that name it and,
    optionally, a reading that names it."""

    option: str
    rule: str
    phrases: Words
    reading: Reading | None = None


@dataclass(frozen=True)
class Screening:
    """The red-flag screen over free text: ``question`` is the red-flag multi-choice
    question whose options the items stand for; ``negations`` cancel a phrase they
    precede ("no fever", 没有发烧) within ``window`` words (English) or characters (Chinese)."""

    question: str
    items: tuple[ScreenItem, ...]
    negations: Words = Words()
    window: int = 3
    not_negations: Words = Words()
    """Look like negations but ask or doubt ("not sure if", 是不是, 有没有): ignored."""


@dataclass(frozen=True)
class Survey:
    id: str
    version: str
    title: Text
    forms: tuple[Form, ...]
    schedule: Schedule
    distance_categories: tuple[DistanceCategory, ...] = ()
    rules: tuple[FlagRule, ...] = ()
    words: PatientWords = PatientWords()
    screening: Screening | None = None
    source: str = field(default="", compare=False)

    def rule(self, rule_id: str) -> FlagRule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def form(self, form_id: str) -> Form:
        for f in self.forms:
            if f.id == form_id:
                return f
        raise KeyError(form_id)

    def category_rank(self, category_id: str) -> int:
        """Ordinal of a walking category (0 = cannot walk); used for comparisons."""
        for i, c in enumerate(self.distance_categories):
            if c.id == category_id:
                return i
        raise KeyError(category_id)
