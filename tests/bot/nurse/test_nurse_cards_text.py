"""Card and list wording, and the /enroll answers: pure functions, no database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.nurse.card_view import AnswerView
from bot.nurse.cards import (
    age,
    answer_line,
    card_keyboard,
    card_text,
    flag_list_keyboard,
    flag_list_text,
)
from bot.nurse.enrol_input import parse_surgery_date, parse_timezone, parse_yes_no
from bot.services.replies import Button
from surveys.loader import load_default_survey
from tests.bot.nurse.nurse_builders import SURGERY, answer, card, flag, walk

SURVEY = load_default_survey()
LONDON = ZoneInfo("Europe/London")
FEVER = {"en": "Red flag: fever of 38 °C or more, or chills",
         "zh-Hans": "红色警报：发烧38 °C或以上，或寒战"}  # fmt: skip
LEG_HIGH = {"en": "Leg pain 7 or more", "zh-Hans": "腿痛7分或以上"}


def _payload(card_id: int, action: str) -> str:
    return f"{card_id}/{action}"


@pytest.mark.parametrize(
    ("shown", "line"),
    [
        (answer("leg_pain", 6, previous=3, previous_day=3, baseline=7),
         "Leg pain 6, up 3 from 3 on day 3; before surgery 7"),
        (answer("back_pain", 2, previous=5, previous_day=1),
         "Back pain 2, down 3 from 5 on day 1"),
        (answer("leg_pain", 4, previous=4, previous_day=7),
         "Leg pain 4, same as on day 7"),
        (answer("leg_pain", 4, previous=6, previous_day=None),
         "Leg pain 4, down 2 from 6 before surgery"),
        (answer("leg_pain", 5), "Leg pain 5"),
        (answer("walking", walk("under_50", 30.0), baseline=walk("m50_100")),
         "Walking distance Less than 50 m — before surgery 50–100 m (worse than before surgery)"),
        (answer("walking", walk("m100_500", 300.0), raw="about 300 metres",
                baseline=walk("m50_100"), previous=walk("m100_500"), previous_day=14),
         "Walking distance 100–500 m (“about 300 metres”) — before surgery 50–100 m (better than"
         " before surgery); on day 14 100–500 m (same as on day 14)"),
        (answer("walking", walk("m50_100"), raw="m50_100"), "Walking distance 50–100 m"),
        (answer("numbness", "worse"), "Numbness: Worse"),
        (answer("red_flags", ["fever", "wound"]),
         "Red-flag symptoms: Fever of 38 °C or more, or chills; Wound red, hot, swollen, "
         "leaking or opening"),
        (answer("note", "The dressing is wet with yellow fluid since yesterday. " * 20),
         "Note from the patient: “"
         + ("The dressing is wet with yellow fluid since yesterday. " * 20) + "”"),
    ],
)  # fmt: skip
def test_each_answer_says_what_it_is_compared_with(shown: AnswerView, line: str) -> None:
    assert answer_line(SURVEY, shown, "en") == line


def test_red_items_come_first_then_amber_then_every_answer() -> None:
    amber = flag(1, level="amber", rule_id="amber_leg_pain_high",
                 evidence={"why": LEG_HIGH, "day_post_op": 3})  # fmt: skip
    red = flag(2, rule_id="red_fever", evidence={"why": FEVER, "day_post_op": 3})
    view = card(amber, red, answers=(
        answer("leg_pain", 8, previous=3, previous_day=1, baseline=7),
        answer("red_flags", ["fever"]),
        answer("note", "The dressing is wet with yellow fluid since yesterday"),
    ), answered_by="caregiver")  # fmt: skip
    assert card_text(view, SURVEY, LONDON) == (
        "🔴 RED · card #5 · patient P-001 · day 3 post-op\n"
        "🔴 Red flag: fever of 38 °C or more, or chills\n"
        "🟠 Leg pain 7 or more\n"
        "\n"
        "Answers:\n"
        "• Leg pain 8, up 5 from 3 on day 1; before surgery 7\n"
        "• Red-flag symptoms: Fever of 38 °C or more, or chills\n"
        "• Note from the patient: “The dressing is wet with yellow fluid since yesterday”\n"
        "Answered by a family member or carer\n"
        "\n"
        "Raised 02 Mar 09:00"
    )
    assert card_text(view, SURVEY, LONDON, "zh-Hans").split("\n")[:3] == [
        "🔴 红色 · 卡片 #5 · 患者 P-001 · 术后第3天",
        "🔴 红色警报：发烧38 °C或以上，或寒战",
        "🟠 腿痛7分或以上",
    ]


def test_free_text_quotes_and_unticked_items_are_shown() -> None:
    words = flag(3, rule_id="red_wound", evidence={
        "why": {"en": "Red flag: wound problem"}, "source": "free_text",
        "text": "my wound is leaking", "item": "wound",
    })  # fmt: skip
    unticked = flag(4, evidence={"why": FEVER, "unticked_at": "2026-03-02T09:05:00+00:00"})
    lines = card_text(card(words, unticked, day=None), SURVEY, LONDON).split("\n")
    assert lines[:5] == [
        "🔴 RED · card #5 · patient P-001",
        "🔴 Red flag: wound problem",
        "   In their words: “my wound is leaking”",
        "🔴 Red flag: fever of 38 °C or more, or chills",
        "   The patient unticked this afterwards.",
    ]


def test_card_history_and_keyboards_follow_the_state() -> None:
    acted = SURGERY + dt.timedelta(minutes=20)
    done = {"status": "resolved", "acknowledged_by": "Li Wei", "acknowledged_at": acted,
            "resolved_by": "Anna Lee", "resolved_at": acted + dt.timedelta(hours=1),
            "resolution_note": "Called patient — fine"}  # fmt: skip
    resolved = card(flag(1, evidence={"why": FEVER, "day_post_op": 3}, **done),
                    flag(2, level="amber", evidence={"why": LEG_HIGH}, **done),
                    escalated_at=SURGERY + dt.timedelta(minutes=15))  # fmt: skip
    assert card_text(resolved, SURVEY, LONDON, escalate_after=15) == (
        "🔴 RED · card #5 · patient P-001 · day 3 post-op\n"
        "🔴 Red flag: fever of 38 °C or more, or chills\n"
        "🟠 Leg pain 7 or more\n"
        "\n"
        "Raised 02 Mar 09:00\n"
        "⚠️ Escalated 02 Mar 09:15 (not acknowledged within 15 min)\n"
        "✅ Acknowledged by Li Wei, 02 Mar 09:20\n"
        "☑️ Resolved by Anna Lee, 02 Mar 10:20: Called patient — fine"
    )
    assert card_keyboard(resolved, _payload) == ()
    assert card_keyboard(card(), _payload, mode="note") == ((Button("Back", "5/back"),),)
    acknowledged = card(flag(status="acknowledged"))
    assert [[b.label for b in row] for row in card_keyboard(acknowledged, _payload)] == [
        ["Resolve"]
    ]
    assert [b.payload for row in card_keyboard(card(), _payload, mode="outcomes")
            for b in row] == ["5/fine", "5/ed", "5/clinic", "5/note", "5/back"]  # fmt: skip
    assert [b.label for row in card_keyboard(card(), _payload, "zh-Hans") for b in row] == [
        "确认", "处理",
    ]  # fmt: skip


def test_a_card_in_summer_shows_ward_time() -> None:
    summer = card(flag())
    summer = type(summer)(
        summer.card.__class__(**{**summer.card.__dict__,
                                 "created_at": dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)}),
        summer.patient_ref, summer.day, summer.flags,
    )  # fmt: skip
    assert card_text(summer, SURVEY, LONDON).endswith("Raised 01 Jul 09:00")  # BST


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [(0, "0 min"), (59, "59 min"), (60, "1 h"), (47 * 60 + 59, "47 h"), (48 * 60, "2 d")],
)
def test_age(minutes: int, shown: str) -> None:
    assert age(SURGERY, SURGERY + dt.timedelta(minutes=minutes)) == shown


def test_a_long_list_is_cut_with_a_pointer_to_the_cli() -> None:
    flags = [flag(i, level="info", rule_id="info_note", card_id=i) for i in range(1, 36)]
    text = flag_list_text("Open flags", flags, SURGERY)
    assert text.split("\n")[0] == "Open flags: 🔴 0 · 🟠 0 · 🔵 35"
    assert text.split("\n")[-2:] == [
        "…and 5 more (followup flags lists them all)", "Tap a flag to open its card.",
    ]  # fmt: skip
    keyboard = flag_list_keyboard(flags, _payload)
    assert len(keyboard) == 15 and all(len(row) == 2 for row in keyboard)


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2026-03-02", dt.date(2026, 3, 2)),
        (" today ", dt.date(2026, 3, 10)),
        ("Yesterday", dt.date(2026, 3, 9)),
        ("昨天", dt.date(2026, 3, 9)),
        ("tomorrow", dt.date(2026, 3, 11)),
        ("2.3.2026", dt.date(2026, 3, 2)),
        ("02/03/2026", dt.date(2026, 3, 2)),
        ("31/02/2026", None),
        ("March 2", None),
        ("", None),
    ],
)
def test_surgery_date(text: str, date: dt.date | None) -> None:
    assert parse_surgery_date(text, dt.date(2026, 3, 10)) == date


@pytest.mark.parametrize(
    ("text", "zone"),
    [("Asia/Shanghai", "Asia/Shanghai"), ("asia/shanghai", "Asia/Shanghai"),
     ("america/new york", "America/New_York"), ("Beijing", None), ("", None)],
)  # fmt: skip
def test_timezone(text: str, zone: str | None) -> None:
    assert parse_timezone(text) == zone


@pytest.mark.parametrize(
    ("text", "answer"),
    [("Yes", True), ("y", True), ("是", True), ("No.", False), ("没有", False), ("maybe", None)],
)
def test_yes_no(text: str, answer: bool | None) -> None:
    assert parse_yes_no(text) is answer


def test_a_card_always_fits_in_one_message() -> None:
    long = "The dressing is wet with yellow fluid since yesterday. " * 60  # 3,300 characters
    words = {"why": FEVER, "source": "free_text", "text": long}
    view = card(flag(1, evidence=words), flag(2, evidence=words),
                answers=(answer("note", long), answer("leg_pain", 8)))  # fmt: skip
    text = card_text(view, SURVEY, LONDON)
    assert len(text) <= 4096
    assert text.endswith("Raised 02 Mar 09:00")  # the history is never cut
    assert "• Leg pain 8" in text
    short = card(answers=(answer("note", long[:2900]),))
    assert long[:2900].strip() in card_text(short, SURVEY, LONDON)  # in full when it fits
