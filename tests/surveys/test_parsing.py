"""``parse_answer`` for scale, choice, yes/no, number and text questions."""

from __future__ import annotations

import pytest

from surveys.model import Option, Question, Text
from surveys.parsing import MAX_TEXT_LENGTH, Parsed, Rejected, parse_answer


def _value(result: Parsed | Rejected) -> object:
    assert isinstance(result, Parsed), result
    return result.value


def _reason(result: Parsed | Rejected) -> str:
    assert isinstance(result, Rejected), result
    return result.reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        ("7/10", 7),
        (" 7 ", 7),
        ("７", 7),
        ("七", 7),
        ("0", 0),
        ("10", 10),
        ("十", 10),
        ("零", 0),
        ("7分", 7),
        ("７分", 7),
        ("7 out of 10", 7),
        ("seven", 7),
        ("7.", 7),
        ("7.0", 7),
    ],
)
def test_scale_accepts(leg_pain: Question, raw: str, expected: int) -> None:
    assert parse_answer(leg_pain, raw) == Parsed(expected, raw)


def test_scale_value_is_an_int(leg_pain: Question) -> None:
    assert type(_value(parse_answer(leg_pain, "7.0"))) is int


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("11", "out_of_range"),
        ("-1", "out_of_range"),
        ("十一", "out_of_range"),
        ("7.5", "not_a_whole_number"),
        ("10.5", "out_of_range"),
        ("9" * 400, "out_of_range"),
        ("a lot", "not_a_number"),
        ("很痛", "not_a_number"),
        ("7/5", "ambiguous"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_scale_rejects(leg_pain: Question, raw: str, reason: str) -> None:
    assert _reason(parse_answer(leg_pain, raw)) == reason


def test_scale_reprompt_names_the_range(leg_pain: Question) -> None:
    result = parse_answer(leg_pain, "11")
    assert result == Rejected(
        "out_of_range", Text("Please send a number from 0 to 10.", "请发送0到10之间的数字。")
    )


def test_scale_uses_the_question_range() -> None:
    question = Question("q", "scale", Text("", ""), minimum=1, maximum=5)
    assert _value(parse_answer(question, "5/5")) == 5
    result = parse_answer(question, "0")
    assert isinstance(result, Rejected)
    assert result.message.get("en") == "Please send a number from 1 to 5."
    assert result.message.get("zh-Hans") == "请发送1到5之间的数字。"


def test_scale_defaults_to_zero_to_ten() -> None:
    question = Question("q", "scale", Text("", ""))
    assert _value(parse_answer(question, "10")) == 10
    assert _reason(parse_answer(question, "11")) == "out_of_range"


def test_scale_asks_for_a_whole_number(leg_pain: Question) -> None:
    result = parse_answer(leg_pain, "7.5")
    assert isinstance(result, Rejected)
    assert result.message.en == "Please send a whole number from 0 to 10, without decimals."
    assert result.message.zh_hans == "请发送0到10之间的整数，不要带小数。"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("better", "better"),  # button payload
        ("2", "better"),
        ("２", "better"),
        ("二", "better"),
        ("Better than before surgery", "better"),
        ("  better than before SURGERY!! ", "better"),
        ("比手术前好", "better"),
        ("比手术前好。", "better"),
        ("Worse", "worse"),
        ("worse.", "worse"),
        ("更严重", "worse"),
        ("the same", "same"),
        ("same as before", "same"),
        ("和手术前一样", "same"),
        ("no numbness", "none"),
        ("None", "none"),
        ("没有麻木", "none"),
    ],
)
def test_single_choice_accepts(numbness: Question, raw: str, expected: str) -> None:
    assert parse_answer(numbness, raw) == Parsed(expected, raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("5", "unknown_option"), ("0", "unknown_option"), ("maybe", "unknown_option"),
     ("", "empty"), ("  ", "empty")],
)  # fmt: skip
def test_single_choice_rejects(numbness: Question, raw: str, reason: str) -> None:
    assert _reason(parse_answer(numbness, raw)) == reason


def test_single_choice_reprompt(numbness: Question) -> None:
    assert parse_answer(numbness, "maybe") == Rejected(
        "unknown_option",
        Text(
            "Please tap the button that fits best, or type its words.",
            "请点一下最符合的按钮，或输入按钮上的字。",
        ),
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("left_leg", ["left_leg"]),  # button payload
        ("right_leg,left_leg", ["left_leg", "right_leg"]),
        ("right leg, left leg", ["left_leg", "right_leg"]),
        ("Right leg left leg", ["left_leg", "right_leg"]),
        ("right leg and left leg", ["left_leg", "right_leg"]),
        ("2 1", ["left_leg", "right_leg"]),
        ("2,1", ["left_leg", "right_leg"]),
        ("1;4", ["left_leg", "saddle"]),
        ("1, 1, 1", ["left_leg"]),
        ("both", ["both_legs"]),
        ("Between the legs or around the bottom", ["saddle"]),
        ("left leg, between the legs or around the bottom", ["left_leg", "saddle"]),
        ("右腿、左腿", ["left_leg", "right_leg"]),
        ("右腿，左腿", ["left_leg", "right_leg"]),
        ("右腿左腿", ["left_leg", "right_leg"]),
        ("右腿和左腿", ["left_leg", "right_leg"]),
        ("２、１", ["left_leg", "right_leg"]),
        ("两腿之间或肛门周围", ["saddle"]),
        ("none of these", ["none"]),
        ("以上都没有", ["none"]),
        ("5", ["none"]),
    ],
)
def test_multi_choice_accepts(numbness_where: Question, raw: str, expected: list[str]) -> None:
    assert parse_answer(numbness_where, raw) == Parsed(expected, raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Wound red, hot, swollen, calf pain", ["wound", "calf"]),
        ("calf pain, wound red, hot, swollen", ["wound", "calf"]),
        ("小腿疼痛、伤口发红，发热，肿胀", ["wound", "calf"]),
        ("wound red", None),
    ],
)
def test_multi_choice_labels_may_contain_commas(raw: str, expected: list[str] | None) -> None:
    question = Question(
        "red_flags",
        "multi_choice",
        Text("", ""),
        options=(
            Option("wound", Text("Wound red, hot, swollen", "伤口发红，发热，肿胀")),
            Option("calf", Text("Calf pain", "小腿疼痛")),
        ),
    )
    result = parse_answer(question, raw)
    if expected is None:
        assert _reason(result) == "unknown_option"
    else:
        assert result == Parsed(expected, raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("none of these, left leg", "exclusive_conflict"),
        ("以上都没有、左腿", "exclusive_conflict"),
        ("5 1", "exclusive_conflict"),
        ("left leg, knee", "unknown_option"),
        ("1, 9", "unknown_option"),
        ("膝盖", "unknown_option"),
        ("", "empty"),
        (" , ; ", "empty"),
    ],
)
def test_multi_choice_rejects(numbness_where: Question, raw: str, reason: str) -> None:
    assert _reason(parse_answer(numbness_where, raw)) == reason


def test_multi_choice_explains_the_exclusive_conflict(numbness_where: Question) -> None:
    result = parse_answer(numbness_where, "none of these, left leg")
    assert isinstance(result, Rejected)
    assert result.message.en == (
        'You chose "None of these" and other answers too. '
        'Please send either "None of these" or the others.'
    )
    assert result.message.zh_hans == (
        "您选了“以上都没有”，又选了其他选项。请只选“以上都没有”，或只选其他选项。"
    )


@pytest.mark.parametrize(
    "raw",
    ["yes", "YES", "y", "yeah", "ok", "OK!", "true", "1",
     "是", "是的", "有", "对", "对。", " yes "],
)  # fmt: skip
def test_yes(urine: Question, raw: str) -> None:
    assert parse_answer(urine, raw) == Parsed(True, raw)


@pytest.mark.parametrize(
    "raw", ["no", "No.", "n", "nope", "false", "0", "否", "不", "没有", "不是", "没有。"]
)
def test_no(urine: Question, raw: str) -> None:
    assert parse_answer(urine, raw) == Parsed(False, raw)


@pytest.mark.parametrize(("raw", "reason"), [("maybe", "not_yes_no"), ("也许", "not_yes_no"),
                                             ("", "empty")])  # fmt: skip
def test_yes_no_rejects(urine: Question, raw: str, reason: str) -> None:
    assert parse_answer(urine, raw) == Rejected(
        reason, Text("Please answer yes or no.", "请回答“是”或“否”。")
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("38.5", 38.5),
        ("38,5 °C", 38.5),
        ("38.5C", 38.5),
        ("38.5 c", 38.5),
        ("38.5°", 38.5),
        ("38.5℃", 38.5),
        ("３８．５", 38.5),
        ("38.5度", 38.5),
        ("三十八点五", 38.5),
        ("37", 37.0),
        ("35", 35.0),
        ("42", 42.0),
    ],
)
def test_number_accepts(fever: Question, raw: str, expected: float) -> None:
    assert parse_answer(fever, raw) == Parsed(expected, raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("43", "out_of_range"),
        ("34.9", "out_of_range"),
        ("-38", "out_of_range"),
        ("38.5 kg", "not_a_number"),
        ("hot", "not_a_number"),
        ("发烧", "not_a_number"),
        ("38.5.1", "not_a_number"),
        ("", "empty"),
    ],
)
def test_number_rejects(fever: Question, raw: str, reason: str) -> None:
    assert _reason(parse_answer(fever, raw)) == reason


def test_number_reprompt_names_range_and_unit(fever: Question) -> None:
    assert parse_answer(fever, "hot") == Rejected(
        "not_a_number",
        Text("Please send a number from 35 to 42 °C.", "请发送35到42 °C之间的数字。"),
    )


def test_number_without_bounds_or_unit() -> None:
    question = Question("q", "number", Text("", ""))
    assert _value(parse_answer(question, "-3,25")) == -3.25
    assert parse_answer(question, "x") == Rejected(
        "not_a_number", Text("Please send a number.", "请发送一个数字。")
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  My wound itches.  ", "My wound itches."),
        ("伤口有点痒", "伤口有点痒"),
        ("x" * MAX_TEXT_LENGTH, "x" * MAX_TEXT_LENGTH),
        ("\n line one\nline two \n", "line one\nline two"),
    ],
)
def test_text_is_stripped(note: Question, raw: str, expected: str) -> None:
    assert parse_answer(note, raw) == Parsed(expected, raw)


def test_text_too_long(note: Question) -> None:
    assert parse_answer(note, "x" * (MAX_TEXT_LENGTH + 1)) == Rejected(
        "too_long",
        Text(
            "That is too long. Please use 1000 characters or fewer.",
            "内容太长了，请控制在1000字以内。",
        ),
    )


@pytest.mark.parametrize("raw", ["", "  ", "\n\t"])
def test_text_empty(note: Question, raw: str) -> None:
    assert parse_answer(note, raw) == Rejected(
        "empty", Text("Please type your answer.", "请输入您的回答。")
    )
