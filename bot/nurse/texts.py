"""Everything the nurse side says, in English and Simplified Chinese.

The nurse's language is their own choice (``/language`` in the nurse group, stored per
nurse), else their Telegram app's language, else the ward's ``FOLLOWUP_NURSE_LANGUAGE``:
see :func:`pick_language`. Placeholders are filled with ``Text.format``.

Two forms live here: :class:`NT`, named sentences of the nurse commands and dialogues, and the
phrase table read with :func:`t`, looked up by its English form or a short key such as
``q.leg_pain``, for the pieces cards and digests are assembled from.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from surveys.model import Language, Text

__all__ = ["NT", "language_of_code", "long_date", "nurse_language", "pick_language", "t"]


def language_of_code(code: str | None) -> Language | None:
    """A Telegram ``language_code`` (``zh-hans``, ``zh``, ``en-GB``) as ours; None if other."""
    if not code:
        return None
    code = code.strip().casefold()
    if code.startswith("zh"):
        return "zh-Hans"
    if code.startswith("en"):
        return "en"
    return None


def nurse_language(value: str | None) -> Language:
    """``zh-Hans`` for any Chinese language tag, else English."""
    return language_of_code(value) or "en"


def pick_language(chosen: str | None, telegram_code: str | None, ward: Language) -> Language:
    """The nurse's own choice, else their app's language if we speak it, else the ward's."""
    return language_of_code(chosen) or language_of_code(telegram_code) or ward


class NT:
    """The nurse-side catalogue."""

    refused = Text("Only ward nurses can do this.", "只有病房护士可以使用这个功能。")
    membership_unknown = Text(
        "Could not check that you are a ward nurse; try again.",
        "暂时无法确认您是病房护士，请再试一次。",
    )

    # /language
    language_usage = Text(
        "Send /language en or /language zh to choose the language the bot uses with you.",
        "发送 /language zh 或 /language en，选择机器人对您使用的语言。",
    )
    language_set = Text(
        "OK, {name}: I will write to you in English.", "好的，{name}：我会用中文回复您。"
    )

    # /flags
    open_flags = Text("Open flags", "未处理的提醒")

    # /patient
    patient_usage = Text(
        "Usage: /patient CODE (the patient's reference code)",
        "用法：/patient 编号（患者的研究编号）",
    )
    patient_unknown = Text("No patient with reference {ref!r}.", "没有编号为 {ref} 的患者。")
    chart_caption = Text(
        "Leg pain, back pain and walking by day after surgery; dashed lines: before surgery.",
        "术后各天的腿痛、腰痛和步行距离；虚线：手术前。",
    )

    # /checkin
    checkin_usage = Text(
        "Usage: /checkin CODE (the patient's reference code)",
        "用法：/checkin 编号（患者的研究编号）",
    )
    checkin_unknown = Text(
        "No enrolled patient with reference {ref!r}.", "没有编号为 {ref} 的在随访患者。"
    )
    checkin_not_linked = Text(
        "{ref} has not opened the invite link yet.", "{ref} 还没有打开邀请链接。"
    )
    checkin_not_active = Text("{ref}'s check-ins are {status}.", "{ref} 的随访状态：{status}。")
    checkin_open = Text(
        "{ref} has a check-in open already ({point}).", "{ref} 已经有一次未完成的随访（{point}）。"
    )
    checkin_none_left = Text("{ref} has no check-ins left to send.", "{ref} 没有待发送的随访了。")
    checkin_sent = Text(
        "The {point} check-in goes to {ref} now (unless it is night-time for the patient).",
        "{point}的随访现在发给 {ref}（患者当地夜间除外）。",
    )

    # acknowledge / resolve (dashboard, followup flag ack|resolve)
    flag_missing = Text("There is no flag #{id}.", "没有警报 #{id}。")
    flag_acknowledged = Text("Acknowledged flag #{id}.", "已确认警报 #{id}。")
    flag_resolved = Text("Resolved flag #{id}.", "已处理警报 #{id}。")
    flag_already_acknowledged = Text(
        "Flag #{id} was already acknowledged by {who}.", "警报 #{id} 已由 {who} 确认。"
    )
    flag_already_resolved = Text(
        "Flag #{id} was already resolved by {who}.", "警报 #{id} 已由 {who} 处理。"
    )
    resolve_unknown_outcome = Text(
        "Unknown outcome {outcome!r} (use {choices}).",
        "未知的处理结果 {outcome}（可用：{choices}）。",
    )
    resolve_needs_words = Text(
        "Say how the flag was resolved: an outcome or a note.",
        "请说明警报如何处理：选择处理结果或写备注。",
    )
    note_too_long = Text(
        "The note is too long (at most {n} characters).", "备注太长（最多 {n} 个字符）。"
    )
    card_missing = Text("There is no card #{id}.", "没有卡片 #{id}。")
    card_resolved = Text("Card #{id} is resolved.", "卡片 #{id} 已处理。")
    card_reply_with_note = Text(
        "Reply to the card with a short note.", "请回复这张卡片，写一句备注。"
    )
    none_recovered = Text("No flag has a recovered answer.", "没有回答已恢复的警报。")
    recovered_resolved_one = Text(
        "Resolved 1 flag whose answer has recovered.", "已处理 1 条回答已恢复的警报。"
    )
    recovered_resolved = Text(
        "Resolved {n} flags whose answer has recovered.", "已处理 {n} 条回答已恢复的警报。"
    )

    # pause / resume (dashboard, followup patient pause|resume)
    paused = Text(
        "{ref}'s check-ins are paused: no check-ins and no reminders until resumed.",
        "{ref} 的随访已暂停：恢复前不发送随访和提醒。",
    )
    resumed = Text(
        "{ref}'s check-ins are on again; the current one (if its window is still open) "
        "goes at the next round, missed ones stay missed.",
        "{ref} 的随访已恢复；当前一次（若仍在回答期内）将在下一轮发送，已错过的不再补发。",
    )
    not_pausable = Text(
        "{ref}'s check-ins cannot be paused ({status}).", "{ref} 的随访无法暂停（{status}）。"
    )
    not_paused = Text("{ref}'s check-ins are not paused.", "{ref} 的随访未暂停。")

    # time points and statuses
    before_surgery = Text("Before surgery", "术前")
    day = Text("Day {day}", "术后第{day}天")
    status_paused = Text("paused", "已暂停")
    status_withdrawn = Text("withdrawn", "已退出")
    status_active = Text("active", "随访中")
    status_unreachable = Text("unreachable", "无法联系")

    # what became of a check-in, and how old a value is (report, patients, /patient)
    point_missed = Text("missed", "未回答")
    point_invite_not_opened = Text("invite not opened", "邀请未打开")
    point_not_started = Text("not started (consent not given)", "未开始（未同意）")
    point_not_delivered = Text("not delivered", "未送达")
    point_waiting = Text("waiting for answers", "等待回答")
    point_answering = Text("being answered", "正在回答")
    ago_today = Text("today", "今天")
    ago_yesterday = Text("yesterday", "昨天")
    ago_days = Text("{n} days ago", "{n}天前")
    ago_weeks = Text("{n} weeks ago", "{n}周前")
    ago_months = Text("{n} months ago", "{n}个月前")
    ago_year = Text("a year ago", "1年前")
    ago_years = Text("{n} years ago", "{n}年前")

    # a patient's recovery (/patient, followup report)
    patient = Text("Patient {ref}", "患者 {ref}")
    surgery_on = Text("surgery {date}", "手术日期 {date}")
    day_post_op = Text("day {day} post-op", "术后第{day}天")
    linked = Text("linked to Telegram", "已绑定Telegram")
    not_linked = Text("invite not opened", "邀请未打开")
    family_helps = Text("a family member helps", "家属协助")
    answered_of_due = Text(
        "Check-ins answered: {answered} of {due} due", "已回答随访：{answered}/{due}"
    )
    leg = Text("leg", "腿痛")
    back = Text("back", "腰痛")
    walking = Text("walking", "步行")
    numbness = Text("numbness", "麻木")
    no_scores = Text("no scores", "无评分")
    recalled = Text("recalled", "回忆")
    by_family = Text("answered by family", "家属代答")
    open_flag_counts = Text("Open flags: {counts}", "未处理提醒：{counts}")
    leg_now = Text(
        "Leg pain now {value} ({point}, {ago}; before surgery {baseline}, {change}): {verdict} "
        "({points:g} points or {fraction:.0%}).",
        "目前腿痛 {value}（{point}，{ago}；术前 {baseline}，{change}）：{verdict}"
        "（{points:g}分或{fraction:.0%}）。",
    )
    mic_reached = Text("minimal important change reached", "达到最小临床重要变化")
    mic_not_reached = Text("minimal important change not reached", "未达到最小临床重要变化")
    mic_none = Text("no pain before surgery to improve on", "术前无疼痛，无需改善")

    # /enroll
    enrol_group = Text(
        "Please use /enroll in a private chat with me: the invite link is for the patient only.",
        "请在与我的私聊中使用 /enroll：邀请链接只给患者本人。",
    )
    enrol_start = Text(
        "New enrolment. Send /cancel to stop at any time.\n"
        "1/5 The patient's reference code (a study code, never a name):",
        "新患者登记。随时发送 /cancel 可以停止。\n1/5 患者的研究编号（只用编号，不要写姓名）：",
    )
    enrol_bad_ref = Text(
        "A reference code is 1–64 letters, digits, '-' or '_', with no spaces "
        "(a study code, never a name). Please send the reference code again.",
        "研究编号只能是1–64个字母、数字、“-”或“_”，不能有空格（只用编号，不要写姓名）。"
        "请重新发送编号。",
    )
    enrol_ref_taken = Text(
        "Patient {ref} is already enrolled. Send another code.",
        "患者 {ref} 已经登记过了。请发送另一个编号。",
    )
    enrol_ask_date = Text(
        "2/5 Date of surgery (e.g. 2026-03-10, 2026/3/10, or today / yesterday):",
        "2/5 手术日期（例如 2026年3月10日、2026/3/10、3月10日，或 今天 / 昨天）：",
    )
    enrol_bad_date = Text(
        "Please send a date like {example}, or today / yesterday.",
        "请发送日期，例如 {example_zh}，或 今天 / 昨天。",
    )
    enrol_date_range = Text(
        "The date of surgery must be within the last {before} days or the next {after}. "
        "Please send it again.",
        "手术日期必须在过去{before}天或未来{after}天之内。请重新发送。",
    )
    enrol_ask_language = Text("3/5 The patient's language:", "3/5 患者使用的语言：")
    enrol_bad_language = Text("Please choose English or 中文.", "请选择 English 或 中文。")
    enrol_ask_timezone = Text(
        "4/5 The patient's timezone (Area/City, e.g. {zone}):",
        "4/5 患者所在时区（地区/城市，例如 {zone}）：",
    )
    enrol_bad_timezone = Text(
        "Unknown timezone {text!r}. Use Area/City, e.g. Asia/Shanghai.",
        "不认识的时区“{text}”。请用“地区/城市”，例如 Asia/Shanghai。",
    )
    enrol_ask_caregiver = Text(
        "5/5 Will a family member or carer help with the check-ins?",
        "5/5 会有家属或护工帮忙回答随访吗？",
    )
    enrol_bad_yes_no = Text("Please answer Yes or No.", "请回答“是”或“否”。")
    yes = Text("Yes", "是")
    no = Text("No", "否")
    today = Text("today", "今天")
    yesterday = Text("yesterday", "昨天")
    enrol_failed = Text(
        "Not enrolled: {reason}. Send /enroll to start again.",
        "未登记：{reason}。发送 /enroll 重新开始。",
    )
    enrol_done = Text(
        "Enrolled {ref}: {checkins} check-ins planned.",
        "已登记 {ref}：已安排{checkins}次随访。",
    )
    enrol_recalled = Text(
        "The baseline answers will be marked as recalled.", "术前基线回答将标记为“回忆”。"
    )
    enrol_link = Text(
        "Invite link (works once, until {expires}):\n{link}",
        "邀请链接（只能用一次，有效期到{expires}）：\n{link}",
    )
    enrol_qr = Text(
        "Invite QR code for {ref}: print it or show it at discharge. "
        "The patient scans it with the phone camera to open the bot.",
        "{ref} 的邀请二维码：可打印，或出院时给患者看。患者用手机相机扫码即可打开机器人。",
    )
    enrol_cancelled = Text(
        "Enrolment cancelled. Nothing was saved.", "已取消登记，没有保存任何内容。"
    )

    # the chart
    chart_title = Text("Patient {ref}: recovery since surgery", "患者 {ref}：术后恢复情况")
    chart_leg = Text("Leg pain", "腿痛")
    chart_back = Text("Back pain", "腰痛")
    chart_walking = Text("Walking", "步行")
    chart_before = Text("{series} before surgery", "{series}（术前）")
    chart_days = Text("Day after surgery", "术后天数")
    chart_pain = Text("Pain (0 = none, 10 = worst)", "疼痛（0 = 不痛，10 = 最痛）")
    chart_walk_axis = Text("Walking before having to stop", "需要停下前能走的距离")
    chart_empty = Text("No check-ins answered yet", "还没有回答过随访")


def long_date(when: dt.date, language: Language) -> str:
    """``01 Apr 2026`` or ``2026年4月1日``."""
    if language == "zh-Hans":
        return f"{when.year}年{when.month}月{when.day}日"
    return when.strftime("%d %b %Y")


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


def t(key: str, lang: Language, *, default: str | None = None, **values: object) -> str:
    """The phrase ``key`` in ``lang`` (English when there is no translation)."""
    table = _ZH if lang == "zh-Hans" else _EN
    text = table.get(key) or _EN.get(key) or (default if default is not None else key)
    return text.format(**values) if values else text
