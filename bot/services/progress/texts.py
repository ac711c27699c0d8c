"""What the patient reads about their own progress, in English and Simplified Chinese.

Plain words and short sentences: no scores' names, no "PGIC", "MCID" or "category".
When something is worse, no cheer and no alarm: the team will look at it.
"""

from __future__ import annotations

from surveys.model import Text

__all__ = ["P"]


class P:
    """The progress catalogue. Placeholders are filled with ``Text.format``."""

    compare_heading = Text("Compared with before surgery:", "和手术前比：")
    compare_latest_heading = Text(
        "Your last check-in (day {day}) compared with before surgery:",
        "最近一次随访（术后第{day}天）和手术前比：",
    )
    leg_today = Text(
        "Leg pain{when} {value} — before surgery {baseline}.",
        "腿痛：{when}{value}分，手术前{baseline}分。",
    )
    back_today = Text(
        "Back pain{when} {value} — before surgery {baseline}.",
        "腰背痛：{when}{value}分，手术前{baseline}分。",
    )
    walking_today = Text(
        "Walking{when} {value} — before surgery {baseline}.",
        "走路：{when}{value}，手术前{baseline}。",
    )
    better = Text("That is better than before surgery.", "比手术前好。")
    worse = Text(
        "Some answers are worse than before surgery. The team will look at them.",
        "有的情况比手术前差。团队会查看。",
    )
    slow_start = Text(
        "Recovery is often slow at first. Most people get better over the next months.",
        "刚开始恢复常常比较慢。大多数人在以后几个月会慢慢好转。",
    )

    summary_heading = Text("Your answers so far:", "您到现在的回答：")
    before_row = Text("Before surgery: {measures}.", "手术前：{measures}。")
    day_row = Text("Day {day}: {measures}.", "术后第{day}天：{measures}。")
    leg_part = Text("leg pain {value}", "腿痛{value}分")
    back_part = Text("back pain {value}", "腰背痛{value}分")
    walking_part = Text("walking {value}", "走路{value}")
    pain_scale = Text("Pain: 0 = no pain, 10 = worst pain.", "疼痛：0分是不痛，10分是最痛。")
    nothing_yet = Text(
        "You have not finished a check-in since surgery yet. "
        "Your progress will show here after your first one.",
        "手术后您还没有完成随访。完成第一次随访后，这里会显示您的恢复情况。",
    )
    chart_caption = Text(
        "Your recovery: pain and walking at each check-in.",
        "您的恢复：每次随访的疼痛和走路情况。",
    )

    milestone = Text(
        "It is {time} since your operation. Here is how you are doing.",
        "手术已经{time}了。这是您的恢复情况。",
    )
    six_weeks = Text("6 weeks", "6周")
    three_months = Text("3 months", "3个月")
    one_year = Text("1 year", "1年")

    closing = Text(
        "This was your last check-in. Here is your year since the operation.",
        "这是最后一次随访。这是您手术后这一年的情况。",
    )
    thank_you = Text(
        "Thank you for answering all year. It helps you and other patients.\n"
        "The spine ward team wishes you well.\n"
        "The follow-up has now ended. You will get no more check-ins.\n"
        "If you have a problem with your back or legs, please call the ward: {phone}.",
        "谢谢您这一年的回答。这对您和其他患者都有帮助。\n"
        "脊柱外科团队祝您健康。\n"
        "随访到此结束，以后不会再发问卷。\n"
        "如果腰或腿有问题，请打电话给病房：{phone}。",
    )
    ended = Text(
        "Your follow-up has ended. There are no more check-ins.\n"
        "If you have a problem with your back or legs, please call the ward: {phone}.\n"
        "Send /progress to see your recovery.",
        "您的随访已经结束，不会再有问卷。\n"
        "如果腰或腿有问题，请打电话给病房：{phone}。\n"
        "发送 /progress 可以查看您的恢复情况。",
    )

    # The chart's words: large, few, in the patient's language.
    chart_title = Text("Your recovery", "您的恢复")
    chart_pain = Text("Pain (0 = none, 10 = worst)", "疼痛（0不痛，10最痛）")
    chart_leg = Text("Leg pain", "腿痛")
    chart_back = Text("Back pain", "腰背痛")
    chart_walking = Text("How far you can walk", "能走多远")
    chart_before = Text("Before", "术前")
    chart_days = Text("Days after surgery", "术后天数")
    chart_operation = Text("Operation", "手术")
