"""The shipped survey implements the clinical specification."""

from __future__ import annotations

import pytest

from surveys.model import LANGUAGES, Form, Question, Survey, Text

POSTOP_FORMS = ("early", "late")
RED_FLAG_ITEMS = (
    "bladder_bowel",
    "saddle_numbness",
    "leg_weakness",
    "fever",
    "wound",
    "headache",
    "calf",
    "chest",
)


def _texts(survey: Survey) -> list[Text]:
    found = [survey.title, *(c.label for c in survey.distance_categories)]
    found += [r.description for r in survey.rules]
    for form in survey.forms:
        found.append(form.title)
        for q in form.questions:
            found += [q.text, *(o.label for o in q.options)]
            found += [t for t in (q.low_anchor, q.high_anchor, q.hint) if t is not None]
    return found


def test_default_survey_has_version_and_forms(survey: Survey) -> None:
    assert survey.id == "lumbar_decompression"
    assert survey.version == "1.0.0"
    assert [f.id for f in survey.forms] == ["baseline", "early", "late"]


def test_default_survey_texts_are_translated(survey: Survey) -> None:
    for text in _texts(survey):
        for language in LANGUAGES:
            assert text.get(language).strip()
        assert text.en != text.zh_hans


def test_baseline_asks_about_before_the_operation(survey: Survey) -> None:
    baseline = survey.form("baseline")
    assert [q.id for q in baseline.questions] == [
        "leg_pain",
        "back_pain",
        "numbness_before",
        "numbness_where",
        "walking",
    ]
    for question_id in ("leg_pain", "back_pain", "walking"):
        assert baseline.question(question_id).text.en.startswith("Before your operation")
        assert baseline.question(question_id).text.zh_hans.startswith("手术前")
    assert baseline.question("numbness_before").type == "yes_no"


@pytest.mark.parametrize(
    ("form_id", "leg_pain_en", "leg_pain_zh"),
    [
        (
            "early",
            "Leg or buttock pain in the last 24 hours?",
            "过去24小时，腿或臀部疼痛有多重？",
        ),
        (
            "late",
            "Leg or buttock pain in the last week?",
            "过去一周，腿或臀部疼痛有多重？",
        ),
    ],
)
def test_followup_forms_ask_the_measures(
    survey: Survey, form_id: str, leg_pain_en: str, leg_pain_zh: str
) -> None:
    form = survey.form(form_id)
    assert [q.id for q in form.questions] == [
        "leg_pain",
        "back_pain",
        "numbness",
        "numbness_where",
        "walking",
        "pgic",
        "red_flags",
        "note",
    ]
    leg_pain = form.question("leg_pain")
    assert leg_pain.text == Text(leg_pain_en, leg_pain_zh)
    assert (leg_pain.minimum, leg_pain.maximum) == (0, 10)
    assert leg_pain.low_anchor == Text("No pain", "不痛")
    assert leg_pain.high_anchor == Text("Worst pain imaginable", "能想象的最痛")
    assert _option_ids(form.question("numbness")) == ["none", "better", "same", "worse"]
    assert _option_ids(form.question("numbness_where")) == [
        "left_leg",
        "right_leg",
        "both_legs",
        "saddle",
    ]
    saddle = form.question("numbness_where").option("saddle")
    assert saddle is not None
    assert saddle.label == Text("Between the legs or around the bottom", "两腿之间或肛门周围")
    assert _option_ids(form.question("pgic")) == [
        "very_much_improved",
        "much_improved",
        "a_little_improved",
        "no_change",
        "a_little_worse",
        "much_worse",
        "very_much_worse",
    ]
    red_flags = form.question("red_flags")
    assert _option_ids(red_flags) == [*RED_FLAG_ITEMS, "none"]
    assert [o.id for o in red_flags.options if o.exclusive] == ["none"]
    assert form.question("note").required is False
    assert all(q.required for q in form.questions if q.id != "note")


def _option_ids(question: Question) -> list[str]:
    return [o.id for o in question.options]


def test_late_red_flags_are_shorter(survey: Survey) -> None:
    early, late = (survey.form(f).question("red_flags") for f in POSTOP_FORMS)
    for short, full in zip(late.options, early.options, strict=True):
        assert len(short.label.en) <= len(full.label.en)
    assert sum(len(o.label.en) for o in late.options) < sum(len(o.label.en) for o in early.options)


def test_distance_categories_run_worst_to_best(survey: Survey) -> None:
    assert [c.id for c in survey.distance_categories] == [
        "cannot_walk",
        "under_50",
        "m50_100",
        "m100_500",
        "m500_1000",
        "over_1000",
        "no_limit",
    ]
    assert survey.category_rank("cannot_walk") == 0
    assert survey.category_rank("no_limit") == 6


def test_schedule_follows_clinical_spec(survey: Survey) -> None:
    schedule = survey.schedule
    assert (schedule.send_at, schedule.quiet_start, schedule.quiet_end) == (
        "09:00",
        "21:00",
        "08:00",
    )
    assert schedule.consecutive_missed_flag == 2
    assert [(c.id, c.form, c.day, c.open_hours, c.reminder_hours) for c in schedule.checkins] == [
        ("baseline", "baseline", None, 48, (4, 24)),
        ("day_1", "early", 1, 48, (4, 24)),
        ("day_3", "early", 3, 48, (4, 24)),
        ("day_7", "early", 7, 48, (4, 24)),
        ("day_14", "early", 14, 48, (4, 24)),
        ("day_28", "early", 28, 168, (48, 120)),
        ("day_42", "early", 42, 168, (48, 120)),
        ("day_90", "late", 90, 168, (48, 120)),
        ("day_180", "late", 180, 168, (48, 120)),
        ("day_365", "late", 365, 168, (48, 120)),
    ]


def test_every_red_flag_item_has_its_own_red_rule(survey: Survey) -> None:
    red = {r.id: r for r in survey.rules if r.level == "red"}
    assert sorted(red) == sorted(f"red_{item}" for item in RED_FLAG_ITEMS)
    for item in RED_FLAG_ITEMS:
        assert any(
            c.question == "red_flags" and c.values == (item,) for c in red[f"red_{item}"].any_of
        )
    saddle_checks = {(c.question, c.values) for c in red["red_saddle_numbness"].any_of}
    assert ("numbness_where", ("saddle",)) in saddle_checks


def test_rules_apply_to_postop_forms_only(survey: Survey) -> None:
    assert {r.forms for r in survey.rules} == {POSTOP_FORMS}


@pytest.mark.parametrize(
    ("rule_id", "level", "from_day"),
    [
        ("amber_leg_pain_high", "amber", None),
        ("amber_back_pain_high", "amber", None),
        ("amber_leg_pain_rise", "amber", None),
        ("amber_back_pain_rise", "amber", None),
        ("amber_numbness_worse", "amber", None),
        ("amber_walking_drop", "amber", None),
        ("amber_walking_below_baseline", "amber", 28),
        ("amber_pgic_worse", "amber", None),
        ("info_note", "info", None),
        ("info_leg_pain_mic_not_reached", "info", 90),
        ("info_pgic_not_improved", "info", 90),
    ],
)
def test_amber_and_info_rules(
    survey: Survey, rule_id: str, level: str, from_day: int | None
) -> None:
    rule = next(r for r in survey.rules if r.id == rule_id)
    assert (rule.level, rule.from_day, rule.until_day) == (level, from_day, None)


def test_forms_share_question_ids_for_comparisons(survey: Survey) -> None:
    def ids(form: Form) -> set[str]:
        return {q.id for q in form.questions}

    assert {"leg_pain", "back_pain", "walking"} <= ids(survey.form("baseline"))
    assert ids(survey.form("early")) == ids(survey.form("late"))
