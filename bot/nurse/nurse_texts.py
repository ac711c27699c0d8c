"""The words of nurse cards and digests in English and Simplified Chinese.

A phrase is looked up by its English form (or a short key such as ``q.leg_pain``); the
language is the ward's (setting ``nurse_language``).
"""

from __future__ import annotations

from typing import Final, Literal, TypeAlias

__all__ = ["NurseLanguage", "nurse_language", "t"]

NurseLanguage: TypeAlias = Literal["en", "zh-Hans"]

_EN: Final[dict[str, str]] = {
    "q.leg_pain": "Leg pain",
    "q.back_pain": "Back pain",
    "q.numbness": "Numbness",
    "q.numbness_where": "Numbness where",
    "q.numbness_before": "Numbness before surgery",
    "q.walking": "Walking distance",
    "q.pgic": "Overall change since surgery",
    "q.red_flags": "Red-flag symptoms",
    "q.note": "Note from the patient",
    "outcome.fine": "Called patient — fine",
    "outcome.ed": "Advised emergency department",
    "outcome.clinic": "Booked clinic review",
    "outcome.recovered": "Answer has recovered",
}

_ZH: Final[dict[str, str]] = {
    "q.leg_pain": "腿痛",
    "q.back_pain": "腰痛",
    "q.numbness": "麻木",
    "q.numbness_where": "麻木部位",
    "q.numbness_before": "术前麻木",
    "q.walking": "行走距离",
    "q.pgic": "术后总体变化",
    "q.red_flags": "危险症状",
    "q.note": "患者留言",
    "outcome.fine": "已致电患者——无碍",
    "outcome.ed": "已建议去急诊",
    "outcome.clinic": "已预约门诊复查",
    "outcome.recovered": "回答已恢复",
    "RED": "红色",
    "AMBER": "橙色",
    "INFO": "提示",
    "card #{id}": "卡片 #{id}",
    "patient {ref}": "患者 {ref}",
    "day {day} post-op": "术后第{day}天",
    "day {day}": "第{day}天",
    "on day {day}": "第{day}天",
    "before surgery": "术前",
    "same as {when}": "与{when}相同",
    "up {n} from {before} {when}": "比{when}的{before}升高{n}",
    "down {n} from {before} {when}": "比{when}的{before}降低{n}",
    "better than {when}": "好于{when}",
    "worse than {when}": "差于{when}",
    "skipped": "跳过",
    "yes": "是",
    "no": "否",
    "none": "无",
    "withdrawn": "已撤回",
    "In their words": "患者原话",
    "The patient unticked this afterwards.": "患者之后取消了这一项。",
    "The patient changed this answer afterwards.": "患者之后修改了这个回答。",
    "Missed check-ins": "错过的随访",
    "Reason": "原因",
    "Answers": "回答",
    "Answered by a family member or carer": "由家属或照护者代答",
    "Raised {when}": "提出于 {when}",
    "Escalated {when}": "已升级 {when}",
    "(not acknowledged within {n} min)": "（{n}分钟内未确认）",
    "Acknowledged by {who}, {when}": "{who} 已确认，{when}",
    "Resolved by {who}, {when}": "{who} 已处理，{when}",
    "How was it resolved? Choose an outcome or write a note.": "处理结果如何？请选择或写备注。",
    "Reply to this message with a short note to resolve it.": "回复这条消息写一句备注即可处理。",
    "Acknowledge": "确认",
    "Resolve": "处理",
    "Write a note": "写备注",
    "Back": "返回",
    "acknowledged by {who}": "{who} 已确认",
    "open": "未处理",
    "acknowledged": "已确认",
    "resolved": "已处理",
    "No open flags.": "没有未处理的警报。",
    "…and {n} more (followup flags lists them all)": "……还有{n}条（followup flags 可列出全部）",
    "Tap a flag to open its card.": "点击警报打开卡片。",
    "Daily digest, {date}": "每日汇总，{date}",
    "{n} patients": "{n}位患者",
    "{n} patient": "{n}位患者",
    "since {when}": "自{when}起",
    "recovered": "已恢复",
    "{what} {value} since {when}": "{what}自{when}起为{value}",
    "(+{n} more)": "（另有{n}项）",
    "now": "现在",
    "☑️ Resolve {n} recovered": "☑️ 处理{n}条已恢复的警报",
    "unresolved flags": "条未处理警报",
    "Escalated: see the newer card below.": "已升级：请看下面较新的卡片。",
}


def t(key: str, lang: NurseLanguage, *, default: str | None = None, **values: object) -> str:
    """The phrase ``key`` in ``lang`` (English when there is no translation)."""
    table = _ZH if lang == "zh-Hans" else _EN
    text = table.get(key) or _EN.get(key) or (default if default is not None else key)
    return text.format(**values) if values else text


def nurse_language(value: str | None) -> NurseLanguage:
    """``zh-Hans`` for any Chinese language tag, else English."""
    return "zh-Hans" if value and value.lower().startswith("zh") else "en"
