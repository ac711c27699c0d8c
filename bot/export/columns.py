"""The fixed columns of the CSV files, each with its description in both languages."""

from __future__ import annotations

from typing import Final

from surveys.model import Text

__all__ = ["FLAGS", "LONG", "WIDE_HEAD", "Column"]

Column = tuple[str, str, Text]
"""(name, type, description)."""

_REF: Final[Column] = (
    "patient_ref",
    "text",
    Text("Patient reference code (pseudonymous)", "患者编号（化名）"),
)
_POINT: Final[Column] = (
    "time_point",
    "code",
    Text("Scheduled time point of the check-in", "随访时间点"),
)
_FORM: Final[Column] = ("form", "code", Text("Questionnaire form", "问卷表单"))
_DAY: Final[Column] = (
    "day_after_surgery",
    "integer",
    Text(
        "Planned day after surgery of the time point (blank: before surgery, at enrolment)",
        "该时间点计划的术后天数（空白：手术前，入组时）",
    ),
)
_SURGERY: Final[Column] = (
    "surgery_date",
    "date",
    Text("Date of surgery (shifted with --shift-dates)", "手术日期（使用 --shift-dates 时已平移）"),
)
_PLANNED: Final[Column] = (
    "planned_at",
    "datetime",
    Text(
        "When the check-in was planned, local time with UTC offset (ISO 8601)",
        "计划发送随访的时间，当地时间，含UTC时差（ISO 8601）",
    ),
)
_BY: Final[Column] = (
    "answered_by",
    "code",
    Text(
        "Who answered: the patient or a family member or carer", "回答者：患者本人或家属、护理人员"
    ),
)
_SURVEY: Final[Column] = ("survey_id", "text", Text("Survey definition id", "问卷定义编号"))
_VERSION: Final[Column] = (
    "survey_version",
    "text",
    Text("Survey version the answers were given under", "回答时使用的问卷版本"),
)
_RECALLED: Final[Column] = (
    "recalled_baseline",
    "code",
    Text(
        "Baseline answered after surgery, so recalled (1) or given before surgery (0)",
        "基线在手术后填写、凭回忆（1），或在手术前填写（0）",
    ),
)

LONG: Final[tuple[Column, ...]] = (
    _REF, _POINT, _FORM, _DAY, _PLANNED,
    ("answered_at", "datetime", Text("When this answer was given, local time with UTC offset",
                                     "给出该回答的时间，当地时间，含UTC时差")),
    ("answered_day", "integer", Text("Day after surgery the answer was given (local date)",
                                     "回答当天是术后第几天（当地日期）")),
    ("question_id", "code", Text("Question", "问题")),
    ("value", "code", Text(
        "Answer: a score, an option code (several joined with ;), 1/0 for yes/no, metres for "
        "a distance, or text",
        "回答：分数、选项代码（多选以;分隔）、是/否为1/0、距离为米数或文字")),
    ("unit", "text", Text("Unit of the value (m for metres)", "数值单位（m 为米）")),
    ("category", "code", Text("Walking-distance category of a distance answer",
                              "距离回答所属的行走距离类别")),
    ("own_words", "text", Text("What the patient typed, when they typed the answer",
                               "患者输入的原话（若为输入的回答）")),
    _BY, _SURVEY, _VERSION, _RECALLED,
)  # fmt: skip

WIDE_HEAD: Final[tuple[Column, ...]] = (
    _REF, _POINT, _FORM, _DAY, _SURGERY, _PLANNED,
    ("status", "code", Text("Outcome of the check-in", "随访结果")),
    ("completed_at", "datetime", Text("When the check-in was completed, local time with UTC "
                                      "offset", "完成随访的时间，当地时间，含UTC时差")),
    _BY, _SURVEY, _VERSION, _RECALLED,
)  # fmt: skip

FLAGS: Final[tuple[Column, ...]] = (
    ("flag_id", "integer", Text("Flag number", "警报编号")),
    _REF, _POINT, _DAY,
    ("rule_id", "code", Text("Rule that raised the flag", "触发警报的规则")),
    ("level", "code", Text("Flag level", "警报级别")),
    ("evidence", "json", Text("The answers and comparisons that raised the flag (JSON)",
                              "触发警报的回答与比较（JSON）")),
    ("status", "code", Text("Flag status now", "警报当前状态")),
    ("raised_at", "datetime", Text("When the flag was raised, local time with UTC offset",
                                   "警报产生时间，当地时间，含UTC时差")),
    ("acknowledged_by", "text", Text("Nurse who acknowledged it (pseudonym)",
                                     "确认警报的护士（化名）")),
    ("acknowledged_at", "datetime", Text("When it was acknowledged", "确认时间")),
    ("resolved_by", "text", Text("Nurse who resolved it (pseudonym)", "处理完毕的护士（化名）")),
    ("resolved_at", "datetime", Text("When it was resolved", "处理完毕时间")),
    ("outcome", "text", Text("Outcome and note recorded by the nurse", "护士记录的结果与备注")),
)  # fmt: skip
