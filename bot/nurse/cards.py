"""Flag cards and flag lists as the nurses see them (English; the rule also in Chinese).

A card says at a glance what fired and why: level, patient reference, day post-op, the
answer and its comparison (previous value, baseline value), then who acted and when.
Rendering is pure: buttons get their payloads from a ``payload(flag_id, action)`` callable.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Literal, TypeAlias
from zoneinfo import ZoneInfo

from bot.services.replies import Button, Keyboard
from storage.records import FlagRecord
from surveys.model import Question, Survey

__all__ = [
    "ACTIONS",
    "LEVEL_MARK",
    "OUTCOMES",
    "CardMode",
    "MakePayload",
    "age",
    "card_keyboard",
    "card_text",
    "flag_list_keyboard",
    "flag_list_text",
    "note_prompt_flag_id",
]

MakePayload: TypeAlias = Callable[[int, str], str]
"""(flag id, action) → signed callback payload."""

CardMode: TypeAlias = Literal["card", "outcomes", "note"]

LEVEL_MARK: Final = {"red": "🔴", "amber": "🟠", "info": "🔵"}
LEVEL_NAME: Final = {"red": "RED", "amber": "AMBER", "info": "INFO"}
OUTCOMES: Final = {
    "fine": "Called patient — fine",
    "ed": "Advised emergency department",
    "clinic": "Booked clinic review",
}
ACTIONS: Final = frozenset({"ack", "res", "note", "back", "open", *OUTCOMES})
NOTE_PROMPT: Final = "✍️ Reply to this message with a short note to resolve flag #{id}."
_NOTE_PROMPT = re.compile(r"short note to resolve flag #(\d+)\.")
MAX_VALUE_CHARS: Final = 600
LIST_LIMIT: Final = 30

QUESTION_NAMES: Final = {
    "leg_pain": "Leg pain",
    "back_pain": "Back pain",
    "numbness": "Numbness",
    "numbness_where": "Numbness where",
    "numbness_before": "Numbness before surgery",
    "walking": "Walking distance",
    "pgic": "Overall change since surgery",
    "red_flags": "Reported",
    "note": "Note from the patient",
}


def _when(at: dt.datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%d %b %H:%M")


def age(since: dt.datetime, now: dt.datetime) -> str:
    """``25 min``, ``3 h``, ``2 d``: how long a flag has waited."""
    minutes = max(int((now - since).total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def _question(survey: Survey, evidence: Mapping[str, Any]) -> Question | None:
    form, question = evidence.get("form"), evidence.get("question")
    if not isinstance(form, str) or not isinstance(question, str):
        return None
    try:
        return survey.form(form).question(question)
    except KeyError:
        return None


def _clip(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _value(survey: Survey, question: Question | None, value: Any) -> str:
    """An answer value in words: option labels, walking category, yes/no, the number."""
    if value is None:
        return "skipped"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping) and "category" in value:
        label = next((c.label.en for c in survey.distance_categories
                      if c.id == value["category"]), str(value["category"]))  # fmt: skip
        metres = value.get("metres")
        return f"{label} ({metres:g} m)" if isinstance(metres, int | float) else label
    if isinstance(value, list):
        return "; ".join(_value(survey, question, v) for v in value) or "none"
    if isinstance(value, str) and question is not None and question.options:
        option = question.option(value)
        return option.label.en if option else value
    if isinstance(value, str) and question is not None and question.type == "text":
        return f"“{_clip(value)}”"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _clip(str(value))


def _comparison(survey: Survey, question: Question | None, evidence: Mapping[str, Any]) -> str:
    parts = []
    for key in ("previous", "baseline"):
        if key in evidence:
            word = "previous" if key == "previous" else "before surgery"
            parts.append(f"{word} {_value(survey, question, evidence[key])}")
    change = evidence.get("change")
    if isinstance(change, int | float):
        unit = evidence.get("unit", "points")
        if unit == "categories":
            unit = "category" if abs(change) == 1 else "categories"
        elif abs(change) == 1:
            unit = "point"
        direction = "up" if change > 0 else "down"
        parts.append(f"{direction} {abs(change):g} {unit}")
    if "improvement" in evidence:
        needed = evidence.get("points"), evidence.get("needed")
        parts.append(f"improved {evidence['improvement']:g}, needed {needed[0]:g} points"
                     f" or {needed[1]:g} (30% of baseline)"
                     if all(isinstance(n, int | float) for n in needed)
                     else f"improved {evidence['improvement']:g}")  # fmt: skip
    return f" ({'; '.join(parts)})" if parts else ""


def _evidence_lines(survey: Survey, evidence: Mapping[str, Any]) -> list[str]:
    question = _question(survey, evidence)
    lines = []
    if "question" in evidence:
        name = QUESTION_NAMES.get(str(evidence["question"]), str(evidence["question"]))
        shown = evidence.get("matched", evidence.get("value"))
        lines.append(
            f"{name}: {_value(survey, question, shown)}{_comparison(survey, question, evidence)}"
        )
    missed = evidence.get("missed")
    if isinstance(missed, list):  # system flag: check-ins missed in a row
        days = [m.get("day_post_op") for m in missed if isinstance(m, Mapping)]
        names = ["before surgery" if d is None else f"day {d}" for d in days]
        lines.append(f"Missed check-ins: {', '.join(names)}")
    reason = evidence.get("reason")
    if isinstance(reason, str):  # system flag: the patient cannot be reached
        lines.append(f"Reason: {reason.replace('_', ' ')}")
    if evidence.get("answered_by") == "caregiver":
        lines.append("Answered by a family member or carer")
    return lines


def card_text(
    flag: FlagRecord,
    survey: Survey,
    zone: ZoneInfo,
    *,
    mode: CardMode = "card",
    escalate_after: float | None = None,
    mention: str = "",
) -> str:
    """The card: header, why, evidence, then its history (raised, escalated, acted on)."""
    evidence = flag.evidence
    day = evidence.get("day_post_op")
    head = [f"{LEVEL_MARK.get(flag.level, '•')} {LEVEL_NAME.get(flag.level, flag.level)}",
            f"flag #{flag.id}", f"patient {flag.patient_ref}"]  # fmt: skip
    if isinstance(day, int):
        head.append(f"day {day} post-op")
    lines = [" · ".join(head)]
    if mention:
        lines.insert(0, mention)
    why = evidence.get("why")
    if isinstance(why, Mapping):
        lines.append(str(why.get("en", flag.rule_id)))
        if why.get("zh-Hans"):
            lines.append(str(why["zh-Hans"]))
    else:
        lines.append(flag.rule_id.replace("_", " "))
    lines.extend(_evidence_lines(survey, evidence))
    lines.append("")
    lines.append(f"Raised {_when(flag.raised_at, zone)}")
    if flag.escalated_at is not None:
        after = f" (not acknowledged within {escalate_after:g} min)" if escalate_after else ""
        lines.append(f"⚠️ Escalated {_when(flag.escalated_at, zone)}{after}")
    if flag.acknowledged_at is not None:
        lines.append(
            f"✅ Acknowledged by {flag.acknowledged_by}, {_when(flag.acknowledged_at, zone)}"
        )
    if flag.resolved_at is not None:
        outcome = f": {_clip(flag.resolution_note)}" if flag.resolution_note else ""
        lines.append(f"☑️ Resolved by {flag.resolved_by}, {_when(flag.resolved_at, zone)}{outcome}")
    if flag.status != "resolved" and mode == "outcomes":
        lines.extend(["", "How was it resolved? Choose an outcome or write a note."])
    elif flag.status != "resolved" and mode == "note":
        lines.extend(["", NOTE_PROMPT.format(id=flag.id)])
    return "\n".join(lines)


def card_keyboard(flag: FlagRecord, payload: MakePayload, mode: CardMode = "card") -> Keyboard:
    """Buttons for the flag's state: Acknowledge/Resolve, the outcomes, or Back."""
    if flag.status == "resolved":
        return ()

    def button(label: str, action: str) -> Button:
        return Button(label, payload(flag.id, action))

    if mode == "outcomes":
        return (
            *((button(label, action),) for action, label in OUTCOMES.items()),
            (button("Write a note", "note"), button("Back", "back")),
        )
    if mode == "note":
        return ((button("Back", "back"),),)
    if flag.status == "open":
        return ((button("Acknowledge", "ack"), button("Resolve", "res")),)
    return ((button("Resolve", "res"),),)


def note_prompt_flag_id(text: str | None) -> int | None:
    """The flag a replied-to card asks a note for, if it is showing the note prompt."""
    found = _NOTE_PROMPT.search(text or "")
    return int(found.group(1)) if found else None


def _list_line(flag: FlagRecord, now: dt.datetime) -> str:
    why = flag.evidence.get("why")
    reason = str(why.get("en")) if isinstance(why, Mapping) else flag.rule_id.replace("_", " ")
    day = flag.evidence.get("day_post_op")
    where = f" day {day}" if isinstance(day, int) else ""
    state = f"acknowledged by {flag.acknowledged_by}" if flag.status == "acknowledged" else (
        flag.status)  # fmt: skip
    return (f"{LEVEL_MARK.get(flag.level, '•')} #{flag.id} {flag.patient_ref}{where}: {reason}"
            f" — {state}, {age(flag.raised_at, now)}")  # fmt: skip


def flag_list_text(title: str, flags: Sequence[FlagRecord], now: dt.datetime) -> str:
    """A heading with counts by level, then one line per flag (red first, then oldest)."""
    counts = " · ".join(
        f"{mark} {sum(1 for f in flags if f.level == level)}" for level, mark in LEVEL_MARK.items()
    )
    if not flags:
        return f"{title}\nNo open flags."
    lines = [f"{title}: {counts}"]
    lines.extend(_list_line(flag, now) for flag in flags[:LIST_LIMIT])
    if len(flags) > LIST_LIMIT:
        lines.append(f"…and {len(flags) - LIST_LIMIT} more (followup flags lists them all)")
    lines.append("Tap a flag to open its card.")
    return "\n".join(lines)


def flag_list_keyboard(flags: Sequence[FlagRecord], payload: MakePayload) -> Keyboard:
    """One button per listed flag, two per row, opening its card."""
    buttons = [
        Button(f"{LEVEL_MARK.get(f.level, '•')} #{f.id} {f.patient_ref}", payload(f.id, "open"))
        for f in flags[:LIST_LIMIT]
    ]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
