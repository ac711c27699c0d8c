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
    "Question",
    "QuestionType",
    "RuleCheck",
    "Schedule",
    "Survey",
    "Text",
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
class Option:
    """One choice of a ``single_choice`` or ``multi_choice`` question.

    ``aliases`` are extra typed words accepted for this option (lower-case).
    ``exclusive`` marks "none of these": selecting it clears the others.
    """

    id: str
    label: Text
    exclusive: bool = False
    aliases: tuple[str, ...] = ()


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
class Survey:
    id: str
    version: str
    title: Text
    forms: tuple[Form, ...]
    schedule: Schedule
    distance_categories: tuple[DistanceCategory, ...] = ()
    rules: tuple[FlagRule, ...] = ()
    source: str = field(default="", compare=False)

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
