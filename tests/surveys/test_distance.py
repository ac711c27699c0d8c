"""Walking distance: typed text and buttons to metres and category."""

from __future__ import annotations

import pytest

from surveys.distance import DistanceReading, categorize, read_distance, unlimited_category
from surveys.model import DistanceCategory, Question, Text
from surveys.parsing import Parsed, Rejected, parse_answer

MILE = 1609.344
Bands = tuple[DistanceCategory, ...]


@pytest.mark.parametrize(
    ("raw", "metres", "category"),
    [
        ("200", 200.0, "m100_500"),
        ("200m", 200.0, "m100_500"),
        ("200 m", 200.0, "m100_500"),
        ("200 metres", 200.0, "m100_500"),
        ("200 meters", 200.0, "m100_500"),
        ("２００ｍ", 200.0, "m100_500"),
        ("0.5 km", 500.0, "m500_1000"),
        ("1,5 km", 1500.0, "over_1000"),
        ("1,500 m", 1500.0, "over_1000"),
        ("half a mile", 804.7, "m500_1000"),
        ("1/2 mile", 804.7, "m500_1000"),
        ("1 mile", 1609.3, "over_1000"),
        ("a mile and a half", 2414.0, "over_1000"),
        ("2 miles", 3218.7, "over_1000"),
        ("500 yards", 457.2, "m100_500"),
        ("a quarter mile", 402.3, "m100_500"),
        ("a quarter of a mile", 402.3, "m100_500"),
        ("a hundred metres", 100.0, "m100_500"),
        ("about 30 m", 30.0, "under_50"),
        ("49.9 m", 49.9, "under_50"),
        ("50 m", 50.0, "m50_100"),
        ("1 km", 1000.0, "over_1000"),
        ("can't walk", 0.0, "cannot_walk"),
        ("can’t walk", 0.0, "cannot_walk"),
        ("cannot walk", 0.0, "cannot_walk"),
        ("Cannot walk.", 0.0, "cannot_walk"),
        ("0", 0.0, "cannot_walk"),
        ("0 m", 0.0, "cannot_walk"),
        ("300米", 300.0, "m100_500"),
        ("两百米", 200.0, "m100_500"),
        ("三百米", 300.0, "m100_500"),
        ("两公里", 2000.0, "over_1000"),
        ("1公里", 1000.0, "over_1000"),
        ("一公里半", 1500.0, "over_1000"),
        ("半公里", 500.0, "m500_1000"),
        ("1.5千米", 1500.0, "over_1000"),
        ("五十米", 50.0, "m50_100"),
        ("一百米", 100.0, "m100_500"),
        ("两百多米", 200.0, "m100_500"),
        ("大约300米左右", 300.0, "m100_500"),
        ("三十米", 30.0, "under_50"),
        ("不能走", 0.0, "cannot_walk"),
        ("走不了", 0.0, "cannot_walk"),
    ],
)
def test_typed_distance(
    walking: Question, walking_categories: Bands, raw: str, metres: float, category: str
) -> None:
    result = parse_answer(walking, raw, walking_categories)
    assert isinstance(result, Parsed), result
    assert result.value == {"metres": pytest.approx(metres, abs=0.05), "category": category}


@pytest.mark.parametrize(
    ("raw", "category"),
    [
        ("unlimited", "no_limit"),
        ("no limit", "no_limit"),
        ("No limit!", "no_limit"),
        ("as far as I want", "no_limit"),
        ("没有限制", "no_limit"),
        ("不限", "no_limit"),
        ("no_limit", "no_limit"),  # buttons send the category id
        ("m100_500", "m100_500"),
        ("cannot_walk", "cannot_walk"),
        ("100–500 m", "m100_500"),  # labels typed back
        ("100-500m", "m100_500"),
        ("100 to 500 m", "m100_500"),
        ("100–500米", "m100_500"),
        ("500 m–1 km", "m500_1000"),
        ("500米–1公里", "m500_1000"),
        ("< 50 m", "under_50"),
        ("less than 50 m", "under_50"),
        ("不到50米", "under_50"),
        ("50米以内", "under_50"),
        ("> 1 km", "over_1000"),
        ("more than 1 km", "over_1000"),
        ("超过1公里", "over_1000"),
    ],
)
def test_distance_without_metres(
    walking: Question, walking_categories: Bands, raw: str, category: str
) -> None:
    assert parse_answer(walking, raw, walking_categories) == Parsed(
        {"metres": None, "category": category}, raw
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("-200 m", "out_of_range"),
        ("−1 km", "out_of_range"),
        ("51 km", "out_of_range"),
        ("100 miles", "out_of_range"),
        ("less than 0 m", "out_of_range"),
        ("far", "not_a_distance"),
        ("a bit", "not_a_distance"),
        ("a lot", "not_a_distance"),
        ("很远", "not_a_distance"),
        ("一点点", "not_a_distance"),
        ("m", "not_a_distance"),
        ("1/0 mile", "not_a_distance"),
        ("", "empty"),
        (" ", "empty"),
    ],
)
def test_distance_rejects(
    walking: Question, walking_categories: Bands, raw: str, reason: str
) -> None:
    result = parse_answer(walking, raw, walking_categories)
    assert isinstance(result, Rejected), result
    assert result.reason == reason


def test_distance_reprompt_gives_examples_in_both_languages(
    walking: Question, walking_categories: Bands
) -> None:
    result = parse_answer(walking, "far", walking_categories)
    assert isinstance(result, Rejected)
    assert result.message.get("en") == (
        'Please send how far you can walk, e.g. "200 m", "1 km", "half a mile" or "can\'t walk".'
    )
    assert result.message.get("zh-Hans") == (
        "请告诉我们您能走多远，例如：“200米”、“1公里”、“半公里”或“不能走”。"
    )


def test_distance_needs_categories(walking: Question) -> None:
    with pytest.raises(ValueError, match="walking categories"):
        parse_answer(walking, "200 m")


@pytest.mark.parametrize(
    ("metres", "category"),
    [
        (0.0, "cannot_walk"),
        (0.1, "under_50"),
        (49.99, "under_50"),
        (50.0, "m50_100"),
        (99.9, "m50_100"),
        (100.0, "m100_500"),
        (500.0, "m500_1000"),
        (999.0, "m500_1000"),
        (1000.0, "over_1000"),
        (50_000.0, "over_1000"),
        (float("inf"), "over_1000"),
    ],
)
def test_categorize(walking_categories: Bands, metres: float, category: str) -> None:
    assert categorize(metres, walking_categories).id == category


@pytest.mark.parametrize("metres", [-0.1, float("nan")])
def test_categorize_refuses_impossible_distances(walking_categories: Bands, metres: float) -> None:
    with pytest.raises(ValueError, match="at least 0 m"):
        categorize(metres, walking_categories)


def test_categorize_reports_a_gap_in_the_bands() -> None:
    bands = (DistanceCategory("short", Text("short", "短"), 0, 100),)
    with pytest.raises(ValueError, match="no walking category covers 150"):
        categorize(150.0, bands)


def test_zero_goes_to_the_lowest_band_without_a_cannot_walk_band() -> None:
    bands = (
        DistanceCategory("short", Text("short", "短"), 0, 100),
        DistanceCategory("long", Text("long", "长"), 100, None),
    )
    assert categorize(0.0, bands).id == "short"
    assert unlimited_category(bands).id == "long"


def test_unlimited_category(walking_categories: Bands) -> None:
    assert unlimited_category(walking_categories).id == "no_limit"


@pytest.mark.parametrize(
    ("raw", "reading"),
    [
        ("no limit", DistanceReading(None, unlimited=True)),
        ("less than 50 m", DistanceReading(50.0, bound="below")),
        ("至少1公里", DistanceReading(1000.0, bound="above")),
        ("-5", DistanceReading(-5.0, unitless=True)),
        ("far", None),
    ],
)
def test_read_distance(raw: str, reading: DistanceReading | None) -> None:
    assert read_distance(raw) == reading
