"""Card and list wording, and the /enroll answers: pure functions, no database."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.nurse.cards import (
    age,
    card_keyboard,
    card_text,
    flag_list_keyboard,
    flag_list_text,
    note_prompt_flag_id,
)
from bot.nurse.enrol_input import parse_surgery_date, parse_timezone, parse_yes_no
from bot.services.replies import Button
from surveys.loader import load_default_survey
from tests.bot.nurse.nurse_builders import SURGERY, flag

SURVEY = load_default_survey()
LONDON = ZoneInfo("Europe/London")
WHY = {"en": "Walking distance down 2 or more categories since the previous check-in",
       "zh-Hans": "行走距离比上次随访下降2档或以上"}  # fmt: skip


def _payload(flag_id: int, action: str) -> str:
    return f"{flag_id}/{action}"


@pytest.mark.parametrize(
    ("evidence", "line"),
    [
        ({"form": "early", "question": "walking", "value": {"metres": 30.0, "category": "under_50"},
          "previous": {"metres": 300.0, "category": "m100_500"}, "change": -2,
          "unit": "categories"},
         "Walking distance: Less than 50 m (30 m) (previous 100–500 m (300 m); down 2 categories)"),
        ({"form": "early", "question": "walking", "value": {"metres": None, "category": "m50_100"},
          "baseline": {"metres": None, "category": "m100_500"}, "change": -1,
          "unit": "categories"},
         "Walking distance: 50–100 m (before surgery 100–500 m; down 1 category)"),
        ({"form": "late", "question": "leg_pain", "value": 4, "baseline": 5, "improvement": 1,
          "needed": 1.5, "points": 2, "fraction": 0.3},
         "Leg pain: 4 (before surgery 5; improved 1, needed 2 points or 1.5 (30% of baseline))"),
        ({"form": "early", "question": "numbness_where", "value": ["left_leg", "saddle"],
          "matched": ["saddle"]},
         "Numbness where: Between the legs or around the bottom"),
        ({"form": "early", "question": "pgic", "value": "much_worse"},
         "Overall change since surgery: Much worse"),
        ({"missed": [{"day_post_op": 3}, {"day_post_op": 7}], "threshold": 2},
         "Missed check-ins: day 3, day 7"),
        ({"reason": "blocked", "checkin": 4}, "Reason: blocked"),
        ({"form": "early", "question": "note", "value": "x" * 700},
         "Note from the patient: “" + "x" * 599 + "…”"),
    ],
)  # fmt: skip
def test_card_says_what_fired_and_the_comparison(evidence: dict[str, Any], line: str) -> None:
    text = card_text(flag(evidence=evidence | {"why": WHY}), SURVEY, LONDON)
    assert text.split("\n")[3] == line


def test_card_history_and_keyboards_follow_the_state() -> None:
    acted = SURGERY + dt.timedelta(minutes=20)
    resolved = flag(
        status="resolved", escalated_at=SURGERY + dt.timedelta(minutes=15),
        acknowledged_by="Li Wei", acknowledged_at=acted, resolved_by="Anna Lee",
        resolved_at=acted + dt.timedelta(hours=1), resolution_note="Called patient — fine",
        evidence={"why": WHY, "day_post_op": 3},
    )  # fmt: skip
    assert card_text(resolved, SURVEY, LONDON, escalate_after=15) == (
        "🔴 RED · flag #12 · patient P-001 · day 3 post-op\n"
        f"{WHY['en']}\n{WHY['zh-Hans']}\n"
        "\n"
        "Raised 02 Mar 09:00\n"
        "⚠️ Escalated 02 Mar 09:15 (not acknowledged within 15 min)\n"
        "✅ Acknowledged by Li Wei, 02 Mar 09:20\n"
        "☑️ Resolved by Anna Lee, 02 Mar 10:20: Called patient — fine"
    )
    assert card_keyboard(resolved, _payload) == ()
    assert card_keyboard(flag(), _payload, "note") == ((Button("Back", "12/back"),),)
    acknowledged = flag(status="acknowledged")
    assert [[b.label for b in row] for row in card_keyboard(acknowledged, _payload)] == [
        ["Resolve"]
    ]
    assert [b.payload for row in card_keyboard(flag(), _payload, "outcomes") for b in row] == [
        "12/fine", "12/ed", "12/clinic", "12/note", "12/back",
    ]  # fmt: skip


def test_a_card_in_summer_shows_ward_time() -> None:
    summer = flag(raised_at=dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC))
    assert card_text(summer, SURVEY, LONDON).endswith("Raised 01 Jul 09:00")  # BST


@pytest.mark.parametrize(
    ("text", "flag_id"),
    [
        ("card…\n\n✍️ Reply to this message with a short note to resolve flag #42.", 42),
        ("card…\n\nHow was it resolved? Choose an outcome or write a note.", None),
        ("short note to resolve flag #x.", None),
        (None, None),
    ],
)
def test_only_a_card_asking_for_a_note_takes_one(text: str | None, flag_id: int | None) -> None:
    assert note_prompt_flag_id(text) == flag_id


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [(0, "0 min"), (59, "59 min"), (60, "1 h"), (47 * 60 + 59, "47 h"), (48 * 60, "2 d")],
)
def test_age(minutes: int, shown: str) -> None:
    assert age(SURGERY, SURGERY + dt.timedelta(minutes=minutes)) == shown


def test_a_long_list_is_cut_with_a_pointer_to_the_cli() -> None:
    flags = [flag(i, level="info", rule_id="info_note") for i in range(1, 36)]
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
