"""Nurse cards and flag lists as the nurses see them, in the ward's language.

One card per check-in (see :mod:`storage.cards`): red items on top, then amber reasons and
info notes, then every answer of the check-in with the patient's own words and what it is
compared with, then who acted and when. Rendering is pure: buttons get their payloads from
a ``payload(card_id, action)`` callable, so a tap is bound to its card, never to text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Literal, TypeAlias
from zoneinfo import ZoneInfo

from bot.nurse.card_view import AnswerView, CardView
from bot.nurse.texts import t
from bot.services.replies import Button, Keyboard
from storage.records import FlagRecord
from surveys.model import Language, Question, Survey

__all__ = [
    "ACTIONS",
    "LEVEL_MARK",
    "OUTCOMES",
    "CardMode",
    "MakePayload",
    "age",
    "answer_line",
    "card_keyboard",
    "card_text",
    "flag_list_keyboard",
    "flag_list_text",
    "flag_reason",
    "question_name",
    "value_words",
]

MakePayload: TypeAlias = Callable[[int, str], str]
"""(card id, action) → signed callback payload."""

CardMode: TypeAlias = Literal["card", "outcomes", "note"]

LEVEL_MARK: Final = {"red": "🔴", "amber": "🟠", "info": "🔵"}
LEVEL_RANK: Final = {"red": 0, "amber": 1, "info": 2}
OUTCOMES: Final = ("fine", "ed", "clinic")
ACTIONS: Final = frozenset({"ack", "res", "note", "back", "open", "recov", *OUTCOMES})
MAX_NOTE_CHARS: Final = 3000
"""A patient's note is shown in full up to this (a Telegram message holds 4,096)."""
LIST_LIMIT: Final = 30


def _when(at: dt.datetime, zone: ZoneInfo, lang: Language = "en") -> str:
    local = at.astimezone(zone)
    if lang == "zh-Hans":
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return local.strftime("%d %b %H:%M")


def _colon(lang: Language) -> str:
    return "：" if lang == "zh-Hans" else ": "


def age(since: dt.datetime, now: dt.datetime) -> str:
    """``25 min``, ``3 h``, ``2 d``: how long a flag has waited."""
    minutes = max(int((now - since).total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def _clip(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def value_words(survey: Survey, question: Question | None, value: Any, lang: Language) -> str:
    """An answer value in words: option labels, walking category, yes/no, the number."""
    if value is None:
        return t("skipped", lang)
    if isinstance(value, bool):
        return t("yes" if value else "no", lang)
    if isinstance(value, Mapping) and "category" in value:
        return next((c.label.get(lang) for c in survey.distance_categories
                     if c.id == value["category"]), str(value["category"]))  # fmt: skip
    if isinstance(value, list):
        return "; ".join(value_words(survey, question, v, lang) for v in value) or t("none", lang)
    if isinstance(value, str) and question is not None and question.options:
        option = question.option(value)
        return option.label.get(lang) if option else value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _clip(str(value))


def question_name(question_id: str, lang: Language) -> str:
    return t(f"q.{question_id}", lang, default=question_id.replace("_", " "))


def _rank(survey: Survey, value: Any) -> int | None:
    if isinstance(value, Mapping) and isinstance(value.get("category"), str):
        try:
            return survey.category_rank(str(value["category"]))
        except KeyError:
            return None
    return None


def _when_day(day: int | None, lang: Language) -> str:
    return t("before surgery", lang) if day is None else t("on day {day}", lang, day=day)


def answer_line(
    survey: Survey, answer: AnswerView, lang: Language, words: int = MAX_NOTE_CHARS
) -> str:
    """One answer and what it is compared with, saying against what.

    ``Leg pain 6, up 3 from 3 on day 3; before surgery 7``;
    ``Walking distance Less than 50 m — before surgery 50–100 m (worse than before surgery)``.
    """
    question, name = answer.question, question_name(answer.question_id, lang)
    shown = value_words(survey, question, answer.value, lang)
    kind = question.type if question else None
    if kind == "text":
        if not isinstance(answer.value, str):
            return f"{name}{_colon(lang)}{shown}"
        return f"{name}{_colon(lang)}“{_clip(answer.value, words)}”"
    typed = ""
    if answer.raw and kind in ("scale", "distance") and answer.raw.strip() not in (
        shown, str(answer.value), str(getattr(answer.value, "get", lambda _: None)("category")),
    ):  # fmt: skip
        typed = f" (“{_clip(answer.raw.strip(), 120)}”)"
    if kind == "scale" and isinstance(answer.value, int | float):
        text = f"{name} {shown}{typed}"
        if answer.has_previous and isinstance(answer.previous, int | float):
            change = answer.value - answer.previous
            before = value_words(survey, question, answer.previous, lang)
            when = _when_day(answer.previous_day, lang)
            if change == 0:
                text += ", " + t("same as {when}", lang, when=when)
            else:
                key = (
                    "up {n} from {before} {when}" if change > 0 else "down {n} from {before} {when}"
                )
                text += ", " + t(key, lang, n=f"{abs(change):g}", before=before, when=when)
        if answer.has_baseline and isinstance(answer.baseline, int | float):
            text += (
                "; "
                + t("before surgery", lang)
                + " "
                + value_words(survey, question, answer.baseline, lang)
            )
        return text
    if kind == "distance":
        parts = []
        now_rank = _rank(survey, answer.value)
        for has, other, when in (
            (answer.has_baseline, answer.baseline, t("before surgery", lang)),
            (answer.has_previous, answer.previous, _when_day(answer.previous_day, lang)),
        ):
            if not has or other is None:
                continue
            other_rank = _rank(survey, other)
            compared = ""
            if now_rank is not None and other_rank is not None:
                word = (
                    "better than {when}" if now_rank > other_rank
                    else "worse than {when}" if now_rank < other_rank
                    else "same as {when}"
                )  # fmt: skip
                compared = f" ({t(word, lang, when=when)})"
            parts.append(f"{when} {value_words(survey, question, other, lang)}{compared}")
        return f"{name} {shown}{typed}" + (" — " + "; ".join(parts) if parts else "")
    return f"{name}{_colon(lang)}{shown}"


def flag_reason(flag: FlagRecord, lang: Language) -> str:
    why = flag.evidence.get("why")
    if isinstance(why, Mapping) and why.get(lang):
        return str(why[lang])
    if isinstance(why, Mapping) and why.get("en"):
        return str(why["en"])
    return t(f"rule.{flag.rule_id}", lang, default=flag.rule_id.replace("_", " "))


def _flag_lines(flag: FlagRecord, lang: Language, words: int) -> list[str]:
    evidence = flag.evidence
    line = f"{LEVEL_MARK.get(flag.level, '•')} {flag_reason(flag, lang)}"
    if flag.status == "resolved" and flag.resolved_by == "system":
        line += " — " + t("withdrawn", lang)
    lines = [line]
    if evidence.get("source") == "free_text" and isinstance(evidence.get("text"), str):
        lines.append(f"   {t('In their words', lang)}: “{_clip(evidence['text'], words)}”")
    if isinstance(evidence.get("unticked_at"), str):
        lines.append("   " + t("The patient unticked this afterwards.", lang))
    if evidence.get("answer_changed_by_patient"):
        lines.append("   " + t("The patient changed this answer afterwards.", lang))
    missed = evidence.get("missed")
    if isinstance(missed, list):
        days = [m.get("day_post_op") for m in missed if isinstance(m, Mapping)]
        lines.append("   " + t("Missed check-ins", lang) + ": "
                     + ", ".join(_when_day(d, lang) for d in days))  # fmt: skip
    reason = evidence.get("reason")
    if isinstance(reason, str):
        lines.append("   " + t("Reason", lang) + ": " + reason.replace("_", " "))
    return lines


MAX_CARD_CHARS: Final = 4096
"""Telegram's limit for one message: a longer card could never be posted."""


def card_text(
    view: CardView,
    survey: Survey,
    zone: ZoneInfo,
    lang: Language = "en",
    *,
    mode: CardMode = "card",
    escalate_after: float | None = None,
    mention: str = "",
) -> str:
    """The card: header, flags (red first), the check-in's answers, then its history.

    The patient's words are shown in full up to :data:`MAX_NOTE_CHARS`, and shortened
    further only when the whole card would not fit in one message.
    """
    for limit in (MAX_NOTE_CHARS, 600, 200):
        text = _card_text(view, survey, zone, lang, mode=mode, escalate_after=escalate_after,
                          mention=mention, words=limit)  # fmt: skip
        if len(text) <= MAX_CARD_CHARS:
            return text
    return text[: MAX_CARD_CHARS - 1] + "…"


def _card_text(
    view: CardView,
    survey: Survey,
    zone: ZoneInfo,
    lang: Language = "en",
    *,
    mode: CardMode = "card",
    escalate_after: float | None = None,
    mention: str = "",
    words: int = MAX_NOTE_CHARS,
) -> str:
    level = view.level
    head = [
        f"{LEVEL_MARK.get(level, '•')} {t(level.upper(), lang)}",
        t("card #{id}", lang, id=view.card.id),
        t("patient {ref}", lang, ref=view.patient_ref),
    ]
    if view.day is not None:
        head.append(t("day {day} post-op", lang, day=view.day))
    lines = [mention] if mention else []
    lines.append(" · ".join(head))
    for flag in sorted(view.flags, key=lambda f: (LEVEL_RANK.get(f.level, 9), f.raised_at, f.id)):
        lines.extend(_flag_lines(flag, lang, words))
    if view.answers:
        lines.append("")
        lines.append(t("Answers", lang) + _colon(lang).rstrip())
        lines.extend("• " + answer_line(survey, answer, lang, words) for answer in view.answers)
    if view.answered_by == "caregiver":
        lines.append(t("Answered by a family member or carer", lang))
    lines.append("")
    lines.append(t("Raised {when}", lang, when=_when(view.card.created_at, zone, lang)))
    if view.card.escalated_at is not None:
        after = (" " + t("(not acknowledged within {n} min)", lang, n=f"{escalate_after:g}")
                 if escalate_after else "")  # fmt: skip
        when = _when(view.card.escalated_at, zone, lang)
        lines.append("⚠️ " + t("Escalated {when}", lang, when=when) + after)
    acted = [f for f in view.flags if f.resolved_by != "system"]
    acks = {(f.acknowledged_by, f.acknowledged_at) for f in acted
            if f.acknowledged_by and f.acknowledged_at}  # fmt: skip
    for who, at in sorted(acks, key=lambda p: p[1]):
        lines.append(
            "✅ " + t("Acknowledged by {who}, {when}", lang, who=who, when=_when(at, zone, lang))
        )
    resolutions = {(f.resolved_by, f.resolved_at, f.resolution_note) for f in acted
                   if f.resolved_by and f.resolved_at}  # fmt: skip
    for who, at, note in sorted(resolutions, key=lambda p: p[1]):
        outcome = f"{_colon(lang)}{_clip(note)}" if note else ""
        when = _when(at, zone, lang)
        lines.append("☑️ " + t("Resolved by {who}, {when}", lang, who=who, when=when) + outcome)
    if view.status != "resolved" and mode == "outcomes":
        lines.extend(["", t("How was it resolved? Choose an outcome or write a note.", lang)])
    elif view.status != "resolved" and mode == "note":
        lines.extend(["", "✍️ " + t("Reply to this message with a short note to resolve it.", lang)])
    return "\n".join(lines)


def card_keyboard(
    view: CardView, payload: MakePayload, lang: Language = "en", mode: CardMode = "card"
) -> Keyboard:
    """Buttons for the card's state: Acknowledge/Resolve, the outcomes, or Back."""
    if view.status == "resolved":
        return ()

    def button(label: str, action: str) -> Button:
        return Button(t(label, lang), payload(view.card.id, action))

    if mode == "outcomes":
        return (
            *((button(f"outcome.{action}", action),) for action in OUTCOMES),
            (button("Write a note", "note"), button("Back", "back")),
        )
    if mode == "note":
        return ((button("Back", "back"),),)
    if view.status == "open":
        return ((button("Acknowledge", "ack"), button("Resolve", "res")),)
    return ((button("Resolve", "res"),),)


def _list_line(flag: FlagRecord, now: dt.datetime, lang: Language, recovered: str | None) -> str:
    day = flag.evidence.get("day_post_op")
    where = " " + t("day {day}", lang, day=day) if isinstance(day, int) else ""
    state = (t("acknowledged by {who}", lang, who=flag.acknowledged_by)
             if flag.status == "acknowledged" else t(flag.status, lang))  # fmt: skip
    line = (f"{LEVEL_MARK.get(flag.level, '•')} #{flag.id} {flag.patient_ref}{where}: "
            f"{flag_reason(flag, lang)} — {state}, {age(flag.raised_at, now)}")  # fmt: skip
    return line + (f" · ✔ {t('recovered', lang)}: {recovered}" if recovered else "")


def flag_list_text(
    title: str,
    flags: Sequence[FlagRecord],
    now: dt.datetime,
    lang: Language = "en",
    recovered: Mapping[int, str] | None = None,
) -> str:
    """A heading with counts by level, then one line per flag (red first, then oldest);
    ``recovered``: "Leg pain 2 since day 28" by flag id, for flags whose answer recovered."""
    if not flags:
        return f"{title}\n{t('No open flags.', lang)}"
    counts = " · ".join(
        f"{mark} {sum(1 for f in flags if f.level == level)}" for level, mark in LEVEL_MARK.items()
    )
    lines = [f"{title}: {counts}"]
    notes = recovered or {}
    lines.extend(_list_line(flag, now, lang, notes.get(flag.id)) for flag in flags[:LIST_LIMIT])
    if len(flags) > LIST_LIMIT:
        lines.append(t("…and {n} more (followup flags lists them all)", lang,
                       n=len(flags) - LIST_LIMIT))  # fmt: skip
    if any(f.card_id is not None for f in flags[:LIST_LIMIT]):
        lines.append(t("Tap a flag to open its card.", lang))
    return "\n".join(lines)


def flag_list_keyboard(flags: Sequence[FlagRecord], payload: MakePayload) -> Keyboard:
    """A button per listed flag that has a card, two per row, opening the card."""
    buttons = [
        Button(
            f"{LEVEL_MARK.get(f.level, '•')} #{f.id} {f.patient_ref}", payload(f.card_id, "open")
        )
        for f in flags[:LIST_LIMIT]
        if f.card_id is not None
    ]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
