"""Properties of ``parse_answer`` that must hold for any input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.distance import categorize
from surveys.model import DistanceCategory, Question, Text
from surveys.parsing import MAX_TEXT_LENGTH, MAX_WALKING_METRES, Parsed, Rejected, parse_answer

# Properties, not timings: a loaded machine must not fail an example for being slow.
settings.register_profile("properties", deadline=None)
settings.load_profile("properties")

Bands = tuple[DistanceCategory, ...]
QUESTIONS = ["leg_pain", "numbness", "numbness_where", "urine", "fever", "note", "walking"]

# Characters the parsers care about, so random input reaches their inner branches.
_INTERESTING = (
    "0123456789０１２３.,，、;；/-−<> °℃kmKMiley半两一二三五十百千万点零公里米码"
    "abcdefhnostuwy'’!。 \t\n"
)
answers = st.one_of(
    st.text(),
    st.text(alphabet=_INTERESTING, max_size=30),
    st.sampled_from(["half a mile", "a quarter of a mile", "no limit", "can't walk", "1 and"]),
)


@pytest.fixture(scope="session", params=QUESTIONS)
def any_question(request: pytest.FixtureRequest) -> Question:
    question: Question = request.getfixturevalue(request.param)
    return question


@given(raw=answers)
def test_never_raises_and_is_deterministic(
    any_question: Question, walking_categories: Bands, raw: str
) -> None:
    first = parse_answer(any_question, raw, walking_categories)
    assert isinstance(first, Parsed | Rejected)
    assert parse_answer(any_question, raw, walking_categories) == first
    if isinstance(first, Parsed):
        assert first.raw == raw
    else:
        assert first.reason
        assert first.message.en
        assert first.message.zh_hans


@pytest.mark.parametrize(
    "raw", ["左" * 5000, "1 " * 5000, "a " * 3000, "9" * 5000, "1," * 3000, "半" * 3000,
            "多" * 3000, "1多" * 100 + "米", "and a half " * 500, "-" * 3000]
)  # fmt: skip
def test_long_input_never_raises(
    any_question: Question, walking_categories: Bands, raw: str
) -> None:
    assert isinstance(parse_answer(any_question, raw, walking_categories), Parsed | Rejected)


@given(low=st.integers(-5, 5), span=st.integers(0, 20), raw=answers)
def test_accepted_scale_values_are_whole_and_in_range(low: int, span: int, raw: str) -> None:
    question = Question("q", "scale", Text("", ""), minimum=low, maximum=low + span)
    result = parse_answer(question, raw)
    if isinstance(result, Parsed):
        assert type(result.value) is int
        assert low <= result.value <= low + span


@given(data=st.data())
def test_every_scale_value_typed_is_accepted(data: st.DataObject) -> None:
    low = data.draw(st.integers(-5, 5))
    high = data.draw(st.integers(low, low + 20))
    value = data.draw(st.integers(low, high))
    question = Question("q", "scale", Text("", ""), minimum=low, maximum=high)
    assert parse_answer(question, f" {value} ") == Parsed(value, f" {value} ")


@given(
    metres=st.lists(st.floats(0, MAX_WALKING_METRES, allow_nan=False), min_size=2, max_size=2).map(
        sorted
    )
)
def test_categories_are_monotone_in_metres(walking_categories: Bands, metres: list[float]) -> None:
    shorter, longer = (categorize(m, walking_categories) for m in metres)
    assert walking_categories.index(shorter) <= walking_categories.index(longer)
    assert not shorter.unlimited
    assert not longer.unlimited


@given(metres=st.decimals(0, 50_000, places=1), unit=st.sampled_from(["", " m", "m", "米"]))
def test_typed_metres_are_kept_with_their_category(
    walking: Question, walking_categories: Bands, metres: object, unit: str
) -> None:
    value = float(str(metres))
    result = parse_answer(walking, f"{metres}{unit}", walking_categories)
    if not unit and 0 < value < 10:  # a bare "3": 3 metres? 3 km? asked again
        assert isinstance(result, Rejected) and result.reason == "no_unit"
        return
    expected = {"metres": value, "category": categorize(value, walking_categories).id}
    assert result == Parsed(expected, f"{metres}{unit}")


@given(raw=answers)
def test_accepted_distances_are_plausible(
    walking: Question, walking_categories: Bands, raw: str
) -> None:
    result = parse_answer(walking, raw, walking_categories)
    if isinstance(result, Parsed):
        assert isinstance(result.value, dict)
        assert result.value["category"] in {c.id for c in walking_categories}
        metres = result.value["metres"]
        assert metres is None or 0 <= metres <= MAX_WALKING_METRES


@given(data=st.data())
def test_multi_choice_returns_ids_in_definition_order(
    numbness_where: Question, data: st.DataObject
) -> None:
    regular = [o for o in numbness_where.options if not o.exclusive]
    picked = data.draw(st.lists(st.sampled_from(regular), min_size=1, max_size=6))
    words = [
        data.draw(st.sampled_from([o.id, o.label.en, o.label.zh_hans, str(1 + regular.index(o))]))
        for o in picked
    ]
    raw = data.draw(st.sampled_from([", ", "、", ";", "，"])).join(words)
    expected = [o.id for o in regular if o in picked]
    assert parse_answer(numbness_where, raw) == Parsed(expected, raw)


@given(raw=answers)
def test_accepted_text_is_stripped_and_bounded(note: Question, raw: str) -> None:
    result = parse_answer(note, raw)
    if isinstance(result, Parsed):
        assert isinstance(result.value, str)
        assert result.value == result.value.strip()
        assert 0 < len(result.value) <= MAX_TEXT_LENGTH
