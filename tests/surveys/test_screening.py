"""The red-flag screen over free text: phrases, negation, doubt, combinations, clauses."""

from __future__ import annotations

import pytest

from surveys.loader import load_default_survey
from surveys.model import Screening, ScreenItem, Words
from surveys.screening import ScreenHit, screen_text

SURVEY = load_default_survey()


def found(text: str) -> list[str]:
    return [hit.option for hit in screen_text(SURVEY.screening, text)]


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("I have a fever", ["fever"]),
        ("no fever", []),
        ("I don't have a fever or chills", []),
        ("没有发烧", []),
        ("不发烧", []),
        ("我没发烧", []),
        ("no pain but I fell", ["leg_weakness"]),
        ("no fever. I fell", ["leg_weakness"]),
        ("我不知道是不是发烧", ["fever"]),  # a doubt is not a negation
        ("I'm not sure if I have a temperature", ["fever"]),
        ("the wound is red and swollen", ["wound"]),
        ("the wound is not red", []),
        ("伤口不红不肿", []),
        ("chest pain and I can't pee", ["bladder_bowel", "chest"]),
        ("", []),
    ],
)
def test_screen_reads_phrases_with_negation(text: str, items: list[str]) -> None:
    assert found(text) == items


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("my temperature was 38.4 this morning", ["fever"]),
        ("38°C last night", ["fever"]),
        ("体温38.5", ["fever"]),
        ("昨晚量体温三十八度五", ["fever"]),
        ("体温38度2", ["fever"]),
        ("no fever yesterday, today 38.5 degrees", ["fever"]),
        ("temperature 37.2 today", []),
        ("体温三十七度八，正常", []),
        ("no fever, temp 36.8", []),
        ("体温没超过38度", []),
        ("not 38 any more, temperature is fine", []),
        ("I walked 40 m today", []),  # a number in range without a temperature word
    ],
)
def test_a_temperature_counts_from_38_however_it_is_written(text: str, items: list[str]) -> None:
    """The clinical threshold is 38 °C: readings name a fever, 37.2 never does."""
    assert found(text) == items


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("I could not get to the toilet in time and had an accident", ["bladder_bowel"]),
        ("no calf swelling", []),
        ("my calf is not swollen", []),
        ("the bandage is not wet", []),
    ],
)
def test_only_the_symptom_of_a_combination_is_negated(text: str, items: list[str]) -> None:
    assert found(text) == items


def test_hit_names_the_rule_and_the_phrase() -> None:
    assert screen_text(SURVEY.screening, "小便困难") == [
        ScreenHit("bladder_bowel", "red_bladder_bowel", "小便困难")
    ]


def test_no_screening_finds_nothing() -> None:
    assert screen_text(None, "fever") == []


def test_very_long_text_is_screened_without_trouble() -> None:
    assert found("fine " * 100_000 + "fever") == []  # only the first part is read
    assert found("fever " + "x" * 100_000) == ["fever"]


def test_negation_window_is_data() -> None:
    narrow = Screening(
        question="red_flags",
        items=(ScreenItem("fever", "red_fever", Words(en=("fever",), zh_hans=("发烧",))),),
        negations=Words(en=("no",), zh_hans=("没有",)),
        window=1,
    )
    assert screen_text(narrow, "no high fever") != []
    assert screen_text(narrow, "no fever") == []
