"""What the bot says when an answer cannot be used: stable reason codes and re-prompts.

Messages are short and plain (many readers are in their seventies) and always say what to
send instead, with an example where that helps.
"""

from __future__ import annotations

from enum import StrEnum

from surveys.model import Text

__all__ = [
    "CHOOSE_ONE",
    "CHOOSE_SOME",
    "DISTANCE_OUT_OF_RANGE",
    "DISTANCE_UNKNOWN",
    "TEXT_EMPTY",
    "YES_NO",
    "Reason",
    "distance_unit",
    "exclusive_conflict",
    "number_range",
    "scale_range",
    "scale_whole",
    "text_too_long",
    "which_number",
    "which_option",
]


class Reason(StrEnum):
    """Stable codes for ``Rejected.reason`` (stored and counted, so never renamed)."""

    EMPTY = "empty"
    NOT_A_NUMBER = "not_a_number"
    NOT_WHOLE = "not_a_whole_number"
    OUT_OF_RANGE = "out_of_range"
    UNKNOWN_OPTION = "unknown_option"
    EXCLUSIVE_CONFLICT = "exclusive_conflict"
    NOT_YES_NO = "not_yes_no"
    TOO_LONG = "too_long"
    NOT_A_DISTANCE = "not_a_distance"
    AMBIGUOUS = "ambiguous"
    NO_UNIT = "no_unit"


def _num(value: float) -> str:
    return f"{value:g}"


def scale_range(low: float, high: float) -> Text:
    lo, hi = _num(low), _num(high)
    return Text(
        en=f"Please send a number from {lo} to {hi}.",
        zh_hans=f"请发送{lo}到{hi}之间的数字。",
    )


def scale_whole(low: float, high: float) -> Text:
    lo, hi = _num(low), _num(high)
    return Text(
        en=f"Please send a whole number from {lo} to {hi}, without decimals.",
        zh_hans=f"请发送{lo}到{hi}之间的整数，不要带小数。",
    )


# Hints name only what the patient sees: Telegram's buttons show labels, not numbers.
CHOOSE_ONE = Text(
    en="Please tap the button that fits best, or type its words.",
    zh_hans="请点一下最符合的按钮，或输入按钮上的字。",
)
CHOOSE_SOME = Text(
    en="Please tap the buttons that apply, then “Done”. You can also type their words.",
    zh_hans="请点选符合的按钮，再点“完成”。也可以输入按钮上的字。",
)


def which_option(labels: list[Text]) -> Text:
    """Several options fit what was typed ("worse"): name them and ask for one."""
    en = ", ".join(f"“{label.en}”" for label in labels)
    zh = "、".join(f"“{label.zh_hans}”" for label in labels)
    return Text(
        en=f"Which one do you mean: {en}? Please tap it.",
        zh_hans=f"您是指哪一个：{zh}？请点一下。",
    )


def which_number(choices: list[float], low: float, high: float) -> Text:
    """Two numbers in one answer ("3-4"): ask for one of them."""
    named = [_num(c) for c in choices[:4]]
    en = ", ".join(named[:-1]) + f" or {named[-1]}"
    zh = "、".join(named[:-1]) + f"还是{named[-1]}"
    return Text(
        en=f"Is it {en}? Please send one number from {_num(low)} to {_num(high)}.",
        zh_hans=f"是{zh}？请只发送一个{_num(low)}到{_num(high)}之间的数字。",
    )


def distance_unit(metres: float) -> Text:
    """A bare small number at walking distance: ask for the unit rather than guess."""
    n = _num(metres)
    return Text(
        en=f"{n} what? Metres? Please add the unit, e.g. “{n} km” or “{n}00 m”.",
        zh_hans=f"{n}是什么单位？米吗？请加上单位，例如：“{n}公里”或“{n}00米”。",
    )


def exclusive_conflict(label: Text) -> Text:
    return Text(
        en=f'You chose "{label.en}" and other answers too. '
        f'Please send either "{label.en}" or the others.',
        zh_hans=f"您选了“{label.zh_hans}”，又选了其他选项。"
        f"请只选“{label.zh_hans}”，或只选其他选项。",
    )


YES_NO = Text(en="Please answer yes or no.", zh_hans="请回答“是”或“否”。")


def number_range(low: float | None, high: float | None, unit: str | None) -> Text:
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        lo, hi = _num(low), _num(high)
        return Text(
            en=f"Please send a number from {lo} to {hi}{suffix}.",
            zh_hans=f"请发送{lo}到{hi}{suffix}之间的数字。",
        )
    if low is not None:
        return Text(
            en=f"Please send a number of at least {_num(low)}{suffix}.",
            zh_hans=f"请发送不小于{_num(low)}{suffix}的数字。",
        )
    if high is not None:
        return Text(
            en=f"Please send a number of at most {_num(high)}{suffix}.",
            zh_hans=f"请发送不大于{_num(high)}{suffix}的数字。",
        )
    return Text(en="Please send a number.", zh_hans="请发送一个数字。")


TEXT_EMPTY = Text(en="Please type your answer.", zh_hans="请输入您的回答。")


def text_too_long(limit: int) -> Text:
    return Text(
        en=f"That is too long. Please use {limit} characters or fewer.",
        zh_hans=f"内容太长了，请控制在{limit}字以内。",
    )


DISTANCE_UNKNOWN = Text(
    en='Please send how far you can walk, e.g. "200 m", "1 km", "half a mile" or "can\'t walk".',
    zh_hans="请告诉我们您能走多远，例如：“200米”、“1公里”、“半公里”或“不能走”。",
)

DISTANCE_OUT_OF_RANGE = Text(
    en='That distance does not look right. Please send how far you can walk, e.g. "200 m" '
    'or "1 km".',
    zh_hans="这个距离好像不对。请告诉我们您能走多远，例如：“200米”或“1公里”。",
)
