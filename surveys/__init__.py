"""Pure survey domain: definitions as data, answer parsing, the engine, flag rules, schedules.

Imports only the standard library and PyYAML; ``storage`` and ``bot`` build on it.
"""

from __future__ import annotations

from surveys.engine import (
    NOT_CURRENT,
    REQUIRED,
    Accepted,
    Ask,
    Completed,
    advance,
    current_step,
    previous_question,
    visible_questions,
)
from surveys.loader import (
    DEFAULT_SURVEY_PATH,
    SurveyDefinitionError,
    load_default_survey,
    load_survey,
)
from surveys.model import (
    LANGUAGES,
    AnswerValue,
    CheckinSpec,
    Condition,
    DistanceCategory,
    FlagLevel,
    FlagRule,
    Form,
    Language,
    Option,
    Question,
    QuestionType,
    RuleCheck,
    Schedule,
    Survey,
    Text,
)
from surveys.parsing import Parsed, Rejected, parse_answer
from surveys.rules import FlagHit, RuleContext, evaluate_rules
from surveys.schedule import (
    PlannedCheckin,
    in_quiet_hours,
    load_timezone,
    next_send_time,
    plan_checkins,
)

__all__ = [
    "DEFAULT_SURVEY_PATH",
    "LANGUAGES",
    "NOT_CURRENT",
    "REQUIRED",
    "Accepted",
    "AnswerValue",
    "Ask",
    "CheckinSpec",
    "Completed",
    "Condition",
    "DistanceCategory",
    "FlagHit",
    "FlagLevel",
    "FlagRule",
    "Form",
    "Language",
    "Option",
    "Parsed",
    "PlannedCheckin",
    "Question",
    "QuestionType",
    "Rejected",
    "RuleCheck",
    "RuleContext",
    "Schedule",
    "Survey",
    "SurveyDefinitionError",
    "Text",
    "advance",
    "current_step",
    "evaluate_rules",
    "in_quiet_hours",
    "load_default_survey",
    "load_survey",
    "load_timezone",
    "next_send_time",
    "parse_answer",
    "plan_checkins",
    "previous_question",
    "visible_questions",
]
