"""The dashboard's words in English and Simplified Chinese, chosen per nurse.

Patient-facing wording lives in the survey definition; these are the nurses' screens only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

__all__ = ["LANGUAGES", "Translate", "language_of", "translator"]

LANGUAGES: Final = ("en", "zh")

Translate = Callable[..., str]

WORDS: Final[dict[str, tuple[str, str]]] = {
    "app": ("Spine follow-up", "脊柱术后随访"),
    "worklist": ("Worklist", "待办"),
    "ward": ("Ward", "病区"),
    "enrol": ("Enrol", "入组"),
    "sign_out": ("Sign out", "退出"),
    "sign_in": ("Sign in", "登录"),
    "name": ("Name", "姓名"),
    "password": ("Password", "密码"),
    "skip": ("Skip to content", "跳到内容"),
    "bad_sign_in": ("Wrong name or password.", "姓名或密码错误。"),
    "too_many": (
        "Too many attempts. Wait 15 minutes and try again.",
        "尝试次数过多。请15分钟后再试。",
    ),
    "link_refused": (
        "This sign-in link has expired or was used already. Ask the bot for a new one with /web.",
        "此登录链接已过期或已使用。请在机器人中发送 /web 获取新链接。",
    ),
    "csrf": ("The form was out of date. Please try again.", "表单已过期，请重试。"),
    "signed_in_as": ("Signed in as {name}", "当前用户：{name}"),
    "language": ("中文", "English"),
    "more_rows": (
        "The {shown} most urgent of {count} patients are shown.",
        "显示 {count} 位患者中最紧急的 {shown} 位。",
    ),
    "nothing": ("Nobody needs attention now.", "目前没有需要处理的患者。"),
    "patient": ("Patient", "患者"),
    "why": ("Why", "原因"),
    "day": ("Day", "术后天数"),
    "last_answer": ("Last answer", "最近回答"),
    "never": ("never", "从未"),
    "cat_red_open": ("Red, not acknowledged", "红色，未确认"),
    "cat_red_ack": ("Red, acknowledged", "红色，已确认"),
    "cat_amber": ("Amber", "黄色"),
    "cat_call": ("Needs a call", "需要电话联系"),
    "cat_watch": ("Watch", "关注"),
    "cat_red": ("Red", "红色"),
    "info": ("Info", "提示"),
    "raised_ago": ("raised {ago}", "{ago}发出"),
    "aside": ("{text} ({extra})", "{text}（{extra}）"),
    "comma": (", ", "，"),
    "escalated": ("escalated", "已升级提醒"),
    "not_escalated": ("not escalated yet", "尚未升级"),
    "ack_by": ("acknowledged by {name}", "{name} 已确认"),
    "ago_minutes": ("{n} min ago", "{n} 分钟前"),
    "ago_hours": ("{n} h ago", "{n} 小时前"),
    "ago_days": ("{n} days ago", "{n} 天前"),
    "day_n": ("day {n}", "第 {n} 天"),
    "before_surgery": ("before surgery", "术前"),
    "never_opened": ("invite never opened", "从未打开邀请链接"),
    "unreachable": ("cannot be reached", "无法联系"),
    "declined": ("declined consent", "拒绝同意"),
    "paused": ("paused the check-ins", "已暂停随访"),
    "pain_rising": (
        "{what} rising over the last two check-ins ({values})",
        "{what}在最近两次随访中持续上升（{values}）",
    ),
    "below_band": (
        "leg pain {value} at {point}: worse than 3 in 4 of the ward's patients (≥ {q3})",
        "{point}腿痛 {value}：高于病区四分之三的患者（≥ {q3}）",
    ),
    "leg_pain": ("Leg pain", "腿痛"),
    "back_pain": ("Back pain", "腰背痛"),
    "walking": ("Walking", "步行"),
    "numbness": ("Numbness", "麻木"),
    "pgic": ("Overall change", "总体变化"),
    "red_flags": ("Warning signs", "危险信号"),
    "answered_by": ("Answered by", "回答者"),
    "reference": ("Reference", "编号"),
    "surgery_date": ("Surgery date", "手术日期"),
    "day_after": ("Day after surgery", "术后天数"),
    "answers_lang": ("Language", "语言"),
    "who_answers": ("Who answers", "回答者"),
    "patient_self": ("the patient", "患者本人"),
    "caregiver": ("a relative helps", "家属协助"),
    "status": ("Status", "状态"),
    "chart_alt": (
        "Chart of leg pain and walking by time point, with the ward's median and "
        "middle half behind the patient's line.",
        "按时间点的腿痛和步行图，背景为病区中位数和中间一半范围。",
    ),
    "checkins": ("Check-ins", "随访记录"),
    "time_point": ("Time point", "时间点"),
    "answered_at": ("Answered", "回答时间"),
    "values": ("Values", "数值"),
    "own_words": ("Patient's words", "患者原话"),
    "flags": ("Flags", "警报"),
    "no_flags": ("No flags.", "没有警报。"),
    "acknowledge": ("Acknowledge", "确认"),
    "resolve": ("Resolve", "处理完毕"),
    "outcome": ("Outcome", "结果"),
    "note": ("Note", "备注"),
    "actions": ("Actions", "操作"),
    "send_now": ("Send the next check-in now", "立即发送下一次随访"),
    "pause": ("Pause check-ins", "暂停随访"),
    "resume": ("Resume check-ins", "恢复随访"),
    "new_invite": ("New invite card", "新的邀请卡"),
    "reschedule": ("Move surgery date", "更改手术日期"),
    "no_patient": ("No patient with that reference.", "没有该编号的患者。"),
    "enrol_title": ("Enrol a patient", "患者入组"),
    "ref_label": ("Reference code", "患者编号"),
    "patient_language": ("Patient's language", "患者语言"),
    "timezone": ("Timezone", "时区"),
    "caregiver_helps": ("A relative will answer or help", "家属将代为回答或协助"),
    "create": ("Enrol and make the invite card", "入组并生成邀请卡"),
    "print": ("Print", "打印"),
    "response_rate": ("Response rate", "回复率"),
    "median_iqr": ("median and middle half", "中位数及中间一半范围"),
    "mic_share": ("Reached the minimal important change in leg pain", "腿痛达到最小重要改善"),
    "flag_burden": ("Flags per 100 check-ins", "每100次随访的警报数"),
    "time_to_ack": ("Time to acknowledge red flags", "红色警报确认用时"),
    "median": ("median", "中位数"),
    "p90": ("90th percentile", "第90百分位"),
    "minutes": ("{n} min", "{n} 分钟"),
    "too_few": ("Not enough data yet.", "数据尚不足。"),
    "done": ("Done.", "完成。"),
    "bad_date": ("Give the surgery date as YYYY-MM-DD.", "请按 年-月-日 格式填写手术日期。"),
    "err_invalid_ref": ("", "编号只能包含字母、数字、- 和 _。"),
    "err_duplicate_ref": ("", "该编号已被使用。"),
    "err_invalid_timezone": ("", "时区无效（例如 Asia/Shanghai）。"),
    "err_surgery_date_too_early": ("", "手术日期太早。"),
    "err_surgery_date_too_late": ("", "手术日期太晚。"),
    "err_unknown_ref": ("", "没有这个编号的患者。"),
    "err_not_enrolled": ("", "该患者没有进行中的随访。"),
    "err_invalid_language": ("", "语言无效。"),
    "err_invalid_send_at": ("", "发送时间无效（例如 09:00）。"),
    "err_too_long": ("", "输入太长。"),
    "chart_leg_title": ("Leg pain (0 = none, 10 = worst)", "腿痛（0 = 不痛，10 = 最痛）"),
    "chart_walk_title": ("Walking before having to stop", "需要停下前能走的距离"),
    "chart_ward_band": ("Ward: middle half", "病区：中间一半"),
    "chart_ward_median": ("Ward: median", "病区：中位数"),
    "chart_patient": ("Patient", "患者"),
    "chart_before": ("Before surgery", "术前"),
    "chart_missed": ("Missed", "未回答"),
    "new_date_format": (
        "Give the new surgery date as YYYY-MM-DD.",
        "请按 年-月-日 格式填写新的手术日期。",
    ),
    "date_moved": (
        "Surgery date is now {date}; {n} check-ins moved.",
        "手术日期已改为 {date}；{n} 次随访已调整。",
    ),
    "date_format": ("%d %b %Y", "%Y-%m-%d"),
    "time_format": ("%d %b %H:%M", "%m-%d %H:%M"),
    "patient_en": ("English", "英文"),
    "patient_zh": ("Chinese", "中文"),
    "level_red": ("RED", "红色"),
    "level_amber": ("AMBER", "黄色"),
    "level_info": ("INFO", "提示"),
    "flag_open": ("open", "未确认"),
    "flag_acknowledged": ("acknowledged", "已确认"),
    "flag_resolved": ("resolved", "已处理"),
    "expires": ("Link valid until", "链接有效期至"),
    "not_found": ("Page not found.", "页面不存在。"),
    "sign_in_first": ("Please sign in.", "请先登录。"),
    "pre_op": ("pre-op", "术前"),
    "missed": ("missed", "未回答"),
    "scheduled": ("planned", "计划中"),
    "completed": ("answered", "已回答"),
    "in_progress": ("being answered", "回答中"),
    "sent": ("sent", "已发送"),
    "sending": ("sending", "发送中"),
    "cancelled": ("cancelled", "已取消"),
    "numbness_before": ("Numbness before", "术前麻木"),
    "as_of": (
        "Flags are live; patients to call and pain trends as of {reasons} (every 5 minutes), "
        "the ward's quartiles as of {bands} (hourly).",
        "警报为实时；需致电的患者和疼痛趋势更新于 {reasons}（每5分钟），"
        "病区四分位数更新于 {bands}（每小时）。",
    ),
}


def language_of(value: str | None) -> str:
    return "zh" if value and value.startswith("zh") else "en"


def translator(language: str) -> Translate:
    index = 1 if language == "zh" else 0

    def t(key: str, **values: object) -> str:
        pair = WORDS.get(key)
        text = pair[index] if pair else key
        return text.format(**values) if values else text

    return t
