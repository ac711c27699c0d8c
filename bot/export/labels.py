"""Labels of the codes the bot itself defines (not the survey): both languages, in one place."""

from __future__ import annotations

from typing import Final

from bot.scheduling import MISSED_RULE, UNREACHABLE_RULE
from bot.texts import T
from surveys.model import Survey, Text

__all__ = [
    "ANSWERED_BY",
    "CHECKIN_STATUS",
    "FLAG_LEVEL",
    "FLAG_STATUS",
    "YES_NO",
    "rule_labels",
]

CHECKIN_STATUS: Final[dict[str, Text]] = {
    "sent": Text("Sent, not answered yet (still open)", "已发送，尚未回答（仍开放）"),
    "in_progress": Text("Partly answered (still open)", "部分回答（仍开放）"),
    "completed": Text("Completed", "已完成"),
    "missed": Text("Missed: not answered while open", "错过：开放期间未回答"),
    "paused": Text("Not sent: the patient had paused the check-ins", "未发送：患者暂停了随访"),
}
ANSWERED_BY: Final[dict[str, Text]] = {"patient": T.who_patient, "caregiver": T.who_caregiver}
YES_NO: Final[dict[str, Text]] = {"1": T.yes, "0": T.no}
FLAG_LEVEL: Final[dict[str, Text]] = {
    "red": Text("Red: urgent, contact the patient now", "红色：紧急，立即联系患者"),
    "amber": Text("Amber: review within a working day", "黄色：一个工作日内查看"),
    "info": Text("Info: daily digest, no alert", "提示：每日汇总，不报警"),
}
FLAG_STATUS: Final[dict[str, Text]] = {
    "open": Text("Open", "未处理"),
    "acknowledged": Text("Acknowledged by a nurse", "护士已确认"),
    "resolved": Text("Resolved by a nurse", "护士已处理完毕"),
}
_SYSTEM_RULES: Final[dict[str, Text]] = {
    MISSED_RULE: Text("Check-ins missed in a row", "连续错过随访"),
    UNREACHABLE_RULE: Text(
        "The patient cannot be reached (blocked the bot or messages undeliverable)",
        "无法联系患者（屏蔽了机器人或消息无法送达）",
    ),
}


def rule_labels(survey: Survey) -> dict[str, Text]:
    """Every flag rule id: the survey's rules with their descriptions, then the scheduler's."""
    return {rule.id: rule.description for rule in survey.rules} | _SYSTEM_RULES
