"""Loading survey definitions: every broken definition names the file, the place and why."""

from __future__ import annotations

from pathlib import Path

import pytest
from survey_builders import Edit, drop, option, put, text, write_definition

from surveys.loader import (
    DEFAULT_SURVEY_PATH,
    SurveyDefinitionError,
    load_default_survey,
    load_survey,
)
from surveys.model import Condition, RuleCheck

Q = "forms.followup.questions"

SCREEN = {
    "question": "flags",
    "items": [
        {"option": "fever", "rule": "red_fever", "phrases": {"en": ["fever"], "zh-Hans": ["发烧"]}}
    ],
}

BROKEN: list[tuple[str, tuple[Edit, ...], str]] = [
    (
        "synonym shared by two options",
        (
            put(f"{Q}[2].options[0].synonyms", {"en": ["both"]}),
            put(f"{Q}[2].options[1].synonyms", {"en": ["Both"], "zh-Hans": ["两边"]}),
        ),
        f"{Q}[2].options[1].synonyms: 'both' would mean both option 'left' and option 'right'",
    ),
    (
        "synonym that is another option's label",
        (put(f"{Q}[1].options[0].synonyms", {"en": ["worse"]}),),
        f"{Q}[1].options[2].synonyms: 'worse' would mean both option 'none' and option 'worse'",
    ),
    (
        "synonyms in an unknown language",
        (put(f"{Q}[1].options[0].synonyms", {"fr": ["rien"]}),),
        f"{Q}[1].options[0].synonyms.fr: unknown language (expected en, zh-Hans)",
    ),
    (
        "scale word for two scores",
        (put(f"{Q}[0].synonyms", {0: {"en": ["fine"]}, 1: {"en": ["fine"]}}),),
        f"{Q}[0].synonyms.1: 'fine' would mean both 0 and 1",
    ),
    (
        "scale word outside the scale",
        (put(f"{Q}[0].synonyms", {11: {"en": ["awful"]}}),),
        f"{Q}[0].synonyms.11: must be a score from 0 to 10",
    ),
    (
        "stop word that is also a skip word",
        (put("words", {"skip": {"en": ["stop"]}, "stop": {"en": ["stop"]}}),),
        "words.stop: 'stop' is also in skip",
    ),
    (
        "screening a missing option",
        (put("screening", {**SCREEN, "items": [{**SCREEN["items"][0], "option": "chills"}]}),),  # type: ignore[dict-item]
        "screening.items[0].option: refers to missing option 'chills'",
    ),
    (
        "screening an amber rule",
        (put("screening", {**SCREEN, "items": [{**SCREEN["items"][0], "rule": "amber_pain"}]}),),  # type: ignore[dict-item]
        "screening.items[0].rule: 'amber_pain' must be a red rule",
    ),
    (
        "screening phrases in one language only",
        (
            put(
                "screening",
                {**SCREEN, "items": [{**SCREEN["items"][0], "phrases": {"en": ["fever"]}}]},
            ),
        ),  # type: ignore[dict-item]
        "screening.items[0].phrases: needs phrases in en and zh-Hans",
    ),
    (
        "screening reading with an empty range",
        (
            put(
                "screening",
                {
                    **SCREEN,
                    "items": [
                        {
                            **SCREEN["items"][0],
                            "reading": {  # type: ignore[dict-item]
                                "at_least": 38,
                                "at_most": 38,
                                "words": {"en": ["temperature"], "zh-Hans": ["体温"]},
                            },
                        }
                    ],
                },
            ),
        ),
        "screening.items[0].reading.at_most: must be more than at_least (38)",
    ),
    (
        "screening reading named in one language only",
        (
            put(
                "screening",
                {
                    **SCREEN,
                    "items": [
                        {
                            **SCREEN["items"][0],
                            "reading": {  # type: ignore[dict-item]
                                "at_least": 38,
                                "at_most": 42,
                                "words": {"en": ["temperature"]},
                            },
                        }
                    ],
                },
            ),
        ),
        "screening.items[0].reading.words: needs words in en and zh-Hans",
    ),
    ("version missing", (drop("version"),), "version: missing"),
    ("version unquoted", (put("version", 1),), 'version: must be text in quotes, e.g. "1.0"'),
    (
        "unknown top-level key",
        (put("colour", "red"),),
        "colour: unknown key (expected id, version, title, forms, schedule, "
        "distance_categories, rules, words, screening)",
    ),
    (
        "survey id with spaces",
        (put("id", "Mini survey"),),
        "id: must be an id of lower-case letters, digits and '_' (got 'Mini survey')",
    ),
    ("no forms", (put("forms", {}),), "forms: must map form ids to forms"),
    (
        "form without questions",
        (put("forms.base.questions", []),),
        "forms.base.questions: must not be empty",
    ),
    (
        "unknown question type",
        (put(f"{Q}[0].type", "slider"),),
        f"{Q}[0].type: unknown question type 'slider' (expected one of: scale, single_choice, "
        "multi_choice, yes_no, distance, number, text)",
    ),
    ("question type missing", (drop(f"{Q}[0].type"),), f"{Q}[0].type: missing"),
    ("question text missing", (drop(f"{Q}[0].text"),), f"{Q}[0].text: missing"),
    (
        "unknown question key",
        (put(f"{Q}[0].colour", "red"),),
        f"{Q}[0].colour: unknown key (expected id, type, text, minimum, maximum, required, "
        "show_if, hint, low_anchor, high_anchor, synonyms)",
    ),
    (
        "options on a scale",
        (put(f"{Q}[0].options", [option("a"), option("b")]),),
        f"{Q}[0].options: unknown key (expected id, type, text, minimum, maximum, required, "
        "show_if, hint, low_anchor, high_anchor, synonyms)",
    ),
    ("duplicate question id", (put(f"{Q}[1].id", "pain"),), f"{Q}[1].id: duplicate id 'pain'"),
    (
        "duplicate option id",
        (put(f"{Q}[1].options[2].id", "none"),),
        f"{Q}[1].options[2].id: duplicate id 'none'",
    ),
    (
        "one option",
        (put(f"{Q}[1].options", [option("a")]),),
        f"{Q}[1].options: needs at least 2 options",
    ),
    (
        "exclusive single choice option",
        (put(f"{Q}[1].options[0].exclusive", True),),
        f"{Q}[1].options[0].exclusive: only multi_choice options can be exclusive",
    ),
    (
        "required not a boolean",
        (put(f"{Q}[5].required", "no"),),
        f"{Q}[5].required: must be true or false",
    ),
    # show_if
    (
        "show_if names a missing question",
        (put(f"{Q}[2].show_if[0].question", "numbess"),),
        f"{Q}[2].show_if: refers to missing question 'numbess'",
    ),
    (
        "show_if names a later question",
        (put(f"{Q}[2].show_if[0].question", "flags"),),
        f"{Q}[2].show_if: refers to question 'flags', which comes later",
    ),
    (
        "show_if names its own question",
        (put(f"{Q}[2].show_if[0].question", "where"),),
        f"{Q}[2].show_if: refers to its own question",
    ),
    (
        "show_if names a missing option",
        (put(f"{Q}[2].show_if[0].none_of", ["tingly"]),),
        f"{Q}[2].show_if: refers to missing option 'tingly' of question 'numbness'",
    ),
    (
        "show_if on a scale question",
        (put(f"{Q}[2].show_if", [{"question": "pain", "any_of": ["high"]}]),),
        f"{Q}[2].show_if: refers to 'pain', a scale question (use a choice or yes_no question)",
    ),
    (
        "show_if without a test",
        (put(f"{Q}[2].show_if", [{"question": "numbness"}]),),
        f"{Q}[2].show_if[0]: needs equals, any_of or none_of",
    ),
    (
        "show_if that can never hold",
        (put(f"{Q}[2].show_if[0].none_of", ["none", "same", "worse"]),),
        f"{Q}[2].show_if: can never hold given the options of 'numbness'",
    ),
    (
        "show_if with contradicting clauses",
        (
            put(
                f"{Q}[2].show_if",
                [
                    {"question": "numbness", "equals": "same"},
                    {"question": "numbness", "equals": "worse"},
                ],
            ),
        ),
        f"{Q}[2].show_if: can never hold given the options of 'numbness'",
    ),
    (
        "show_if on a question that is hidden whenever it would hold",
        (
            put(
                f"{Q}[3].show_if",
                [
                    {"question": "numbness", "equals": "none"},
                    {"question": "where", "any_of": ["left"]},
                ],
            ),
        ),
        f"{Q}[3].show_if: can never hold given the options of 'numbness', 'where'",
    ),
    (
        "show_if on a multi-choice question with equals",
        (put(f"{Q}[3].show_if", [{"question": "where", "equals": "left"}]),),
        f"{Q}[3].show_if: 'where' is a multi_choice question: use any_of or none_of",
    ),
    # translations
    (
        "missing Chinese translation",
        (drop(f"{Q}[0].text.zh-Hans"),),
        f"{Q}[0].text: missing translation 'zh-Hans'",
    ),
    (
        "missing English option label",
        (drop(f"{Q}[1].options[1].label.en"),),
        f"{Q}[1].options[1].label: missing translation 'en'",
    ),
    (
        "empty translation",
        (put(f"{Q}[0].low_anchor.en", " "),),
        f"{Q}[0].low_anchor.en: must be non-empty text",
    ),
    (
        "untranslated title",
        (put("title", "Mini"),),
        "title: must give the text in en and zh-Hans",
    ),
    (
        "unknown language",
        (put("title.fr", "Mini"),),
        "title.fr: unknown language (expected en, zh-Hans)",
    ),
    (
        "untranslated rule description",
        (drop("rules[0].description.zh-Hans"),),
        "rules[0].description: missing translation 'zh-Hans'",
    ),
    # bounds
    ("scale without maximum", (drop(f"{Q}[0].maximum"),), f"{Q}[0].maximum: missing"),
    (
        "scale upside down",
        (put(f"{Q}[0].maximum", 0),),
        f"{Q}[0].maximum: must be greater than minimum (0)",
    ),
    (
        "scale too wide",
        (put(f"{Q}[0].maximum", 1000),),
        f"{Q}[0].maximum: a scale can span at most 100 points",
    ),
    (
        "scale with fractions",
        (put(f"{Q}[0].minimum", 0.5),),
        f"{Q}[0].minimum: must be a whole number",
    ),
    (
        "number without minimum",
        (put(f"{Q}[0]", {"id": "temp", "type": "number", "text": text("Temp?"), "maximum": 42}),),
        f"{Q}[0].minimum: missing",
    ),
    (
        "number with a text bound",
        (
            put(
                f"{Q}[0]",
                {
                    "id": "temp",
                    "type": "number",
                    "text": text("Temp?"),
                    "minimum": "35",
                    "maximum": 42,
                },
            ),
        ),
        f"{Q}[0].minimum: must be a number",
    ),
    # walking categories
    (
        "distance question without categories",
        (drop("distance_categories"),),
        f"{Q}[3].type: distance questions need distance_categories",
    ),
    (
        "gap between walking categories",
        (put("distance_categories[2].min_metres", 150),),
        "distance_categories[2].min_metres: must be 100 to follow the previous category",
    ),
    (
        "unlimited category not last",
        (put("distance_categories[2].unlimited", True),),
        "distance_categories[2].unlimited: only the last category can be unlimited",
    ),
    # schedule
    (
        "check-in names a missing form",
        (put("schedule.checkins[1].form", "folowup"),),
        "schedule.checkins[1].form: refers to missing form 'folowup'",
    ),
    (
        "reminder after closing",
        (put("schedule.checkins[1].reminder_hours", [4, 48]),),
        "schedule.checkins[1].reminder_hours[1]: must be after 0 and before open_hours (48)",
    ),
    (
        "reminders out of order",
        (put("schedule.checkins[1].reminder_hours", [24, 4]),),
        "schedule.checkins[1].reminder_hours[1]: must be later than the reminder before it",
    ),
    (
        "duplicate check-in id",
        (put("schedule.checkins[1].id", "baseline"),),
        "schedule.checkins[1].id: duplicate id 'baseline'",
    ),
    (
        "negative day",
        (put("schedule.checkins[1].day", -1),),
        "schedule.checkins[1].day: must be at least 0",
    ),
    (
        "send time not HH:MM",
        (put("schedule.send_at", "9am"),),
        "schedule.send_at: must be a time like \"09:00\" (got '9am')",
    ),
    (
        "missed-check-in threshold zero",
        (put("schedule.consecutive_missed_flag", 0),),
        "schedule.consecutive_missed_flag: must be at least 1",
    ),
    # rules
    (
        "rule names a missing question",
        (put("rules[1].any_of[0].question", "pian"),),
        "rules[1].any_of[0].question: refers to missing question 'pian'",
    ),
    (
        "rule names a missing option",
        (put("rules[0].any_of[0].values", ["fevre"]),),
        "rules[0].any_of[0].values: refers to missing option 'fevre' of question 'flags'",
    ),
    (
        "rule names a missing walking category",
        (
            put(
                "rules[2].any_of[0]",
                {"kind": "answer_in", "question": "walking", "values": ["very_far"]},
            ),
        ),
        "rules[2].any_of[0].values: refers to missing walking category 'very_far' of "
        "question 'walking'",
    ),
    (
        "rule question missing from a listed form",
        (put("rules[0].forms", ["base", "followup"]),),
        "rules[0].any_of[0].question: refers to question 'flags', missing in form 'base'",
    ),
    (
        "rule names a missing form",
        (put("rules[0].forms", ["folowup"]),),
        "rules[0].forms[0]: refers to missing form 'folowup'",
    ),
    (
        "threshold on a text question",
        (put("rules[1].any_of[0].question", "note"),),
        "rules[1].any_of[0].kind: at_least cannot check 'note', a text question",
    ),
    (
        "unknown check kind",
        (put("rules[1].any_of[0].kind", "above"),),
        "rules[1].any_of[0].kind: unknown check kind 'above' (expected one of: answer_in, "
        "at_least, at_most, change_from_previous, change_from_baseline, mic_not_reached, "
        "answered)",
    ),
    (
        "threshold missing",
        (drop("rules[1].any_of[0].threshold"),),
        "rules[1].any_of[0].threshold: missing",
    ),
    (
        "change without direction",
        (drop("rules[2].any_of[0].at_most"),),
        "rules[2].any_of[0]: needs at_least or at_most",
    ),
    (
        "minimal important change fraction above 1",
        (
            put(
                "rules[1].any_of[0]",
                {"kind": "mic_not_reached", "question": "pain", "points": 2, "fraction": 30},
            ),
        ),
        "rules[1].any_of[0].fraction: must be more than 0 and at most 1",
    ),
    (
        "unknown flag level",
        (put("rules[0].level", "purple"),),
        "rules[0].level: unknown flag level 'purple' (expected one of: red, amber, info)",
    ),
    (
        "duplicate rule id",
        (put("rules[1].id", "red_fever"),),
        "rules[1].id: duplicate id 'red_fever'",
    ),
    (
        "day window upside down",
        (put("rules[1].from_day", 90), put("rules[1].until_day", 28)),
        "rules[1].until_day: must not be before from_day (90)",
    ),
    ("rule without checks", (put("rules[1].any_of", []),), "rules[1].any_of: must not be empty"),
]


@pytest.mark.parametrize(
    ("edits", "message"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN]
)
def test_load_survey_rejects_broken_definition(
    tmp_path: Path, edits: tuple[Edit, ...], message: str
) -> None:
    with pytest.raises(SurveyDefinitionError) as error:
        load_survey(write_definition(tmp_path, *edits))
    assert str(error.value) == f"mini.yaml: {message}"
    assert error.value.file == "mini.yaml"


def test_load_survey_reads_minimal_definition(tmp_path: Path) -> None:
    survey = load_survey(write_definition(tmp_path))

    assert survey.id == "mini"
    assert survey.version == "1"
    assert survey.source == str(tmp_path / "mini.yaml")
    where = survey.form("followup").question("where")
    assert where.show_if == (Condition("numbness", none_of=("none",)),)
    assert survey.form("followup").question("note").required is False
    assert survey.form("followup").question("flags").options[1].exclusive is True
    assert survey.rules[2].any_of == (RuleCheck("change_from_previous", "walking", at_most=-2.0),)
    assert survey.schedule.checkins[0].day is None
    assert survey.schedule.checkins[1].reminder_hours == (4.0, 24.0)
    assert [c.id for c in survey.distance_categories] == ["cannot_walk", "short", "far", "no_limit"]


def test_load_survey_accepts_yes_no_condition(tmp_path: Path) -> None:
    path = write_definition(
        tmp_path,
        put(f"{Q}[1]", {"id": "numbness", "type": "yes_no", "text": text("Numb?")}),
        put(f"{Q}[2].show_if", [{"question": "numbness", "equals": False}]),
    )
    assert load_survey(path).form("followup").question("where").show_if == (
        Condition("numbness", equals=False),
    )


def test_load_survey_rejects_yes_no_condition_with_option_ids(tmp_path: Path) -> None:
    path = write_definition(
        tmp_path,
        put(f"{Q}[1]", {"id": "numbness", "type": "yes_no", "text": text("Numb?")}),
    )
    with pytest.raises(SurveyDefinitionError) as error:
        load_survey(path)
    assert str(error.value) == (
        f"mini.yaml: {Q}[2].show_if: "
        "'numbness' is a yes_no question: use only equals: true or false"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "id: a\nid: b\n",
            "dup.yaml: line 2: duplicate key 'id'",
        ),
        (
            "forms:\n  early: {}\n  early: {}\n",
            "dup.yaml: line 3: duplicate key 'early'",
        ),
        (
            "id: [unclosed\n",
            "dup.yaml: line 2: invalid YAML: expected ',' or ']', but got '<stream end>'",
        ),
        ("- just\n- a list\n", "dup.yaml: top level: must be a mapping of keys to values"),
    ],
)
def test_load_survey_rejects_bad_yaml(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SurveyDefinitionError) as error:
        load_survey(path)
    assert str(error.value) == message


def test_load_survey_reports_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(SurveyDefinitionError) as error:
        load_survey(tmp_path / "absent.yaml")
    assert str(error.value) == "absent.yaml: file: cannot be read (No such file or directory)"


def test_load_survey_refuses_python_tags(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("id: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(SurveyDefinitionError) as error:
        load_survey(path)
    assert str(error.value).startswith("evil.yaml: line 1: invalid YAML: ")


def test_load_default_survey_is_loaded_once() -> None:
    assert load_default_survey() is load_default_survey()
    assert load_default_survey().source == str(DEFAULT_SURVEY_PATH)
