"""The worklist: one row per patient who needs attention, most urgent first.

Urgency, in order: a red flag not acknowledged, a red flag acknowledged but not resolved,
an amber flag, a patient who needs a call (two missed check-ins, cannot be reached, invite
never opened, consent declined), then "watch" signals the flag rules do not raise: pain
rising over the last two check-ins while staying under the amber thresholds, and leg pain
worse than three in four of the ward's patients at that time point. Thresholds are read
from the survey's own rules, never repeated here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.scheduling import MISSED_RULE, UNREACHABLE_RULE
from bot.web.figures import MIN_BAND_PATIENTS, Band
from bot.web.i18n import Translate
from storage.records import FlagRecord
from storage.worklist import PatientContext, PatientPain
from surveys.model import Survey

__all__ = [
    "CALL_RULES",
    "CATEGORIES",
    "PainLimits",
    "Row",
    "Signal",
    "build_rows",
    "pain_limits",
    "watch_signals",
]

CALL_RULES = frozenset({MISSED_RULE, UNREACHABLE_RULE})
CATEGORIES = ("red_open", "red_ack", "amber", "call", "watch")


@dataclass(frozen=True)
class Signal:
    """One reason a patient is on the list, already in the nurse's words."""

    category: str
    text: str
    since: dt.datetime | None = None
    flag_id: int | None = None


@dataclass
class Row:
    ref: str
    category: str
    signals: list[Signal] = field(default_factory=list)
    day: int | None = None
    last_answer: str = ""
    oldest: dt.datetime | None = None

    @property
    def rank(self) -> int:
        return CATEGORIES.index(self.category)


@dataclass(frozen=True)
class PainLimits:
    """From the survey's amber rules: pain at or above ``high`` and a rise of ``rise``."""

    high: dict[str, int]
    rise: dict[str, int]


def pain_limits(survey: Survey) -> PainLimits:
    high: dict[str, int] = {}
    rise: dict[str, int] = {}
    for rule in survey.rules:
        if rule.level not in ("red", "amber"):
            continue
        for check in rule.any_of:
            if check.question not in ("leg_pain", "back_pain"):
                continue
            if check.kind == "at_least" and check.threshold is not None:
                high[check.question] = min(high.get(check.question, 99), int(check.threshold))
            if check.kind == "change_from_previous" and check.at_least is not None:
                rise[check.question] = min(rise.get(check.question, 99), int(check.at_least))
    return PainLimits(high, rise)


def _rising(values: Sequence[int | None], high: int, rise: int) -> tuple[int, int, int] | None:
    last = [v for v in values if v is not None][-3:]
    if len(last) < 3:
        return None
    a, b, c = last
    if a < b < c < high and b - a < rise and c - b < rise:
        return a, b, c
    return None


def watch_signals(
    pains: Iterable[PatientPain],
    limits: PainLimits,
    bands: Mapping[str, Band],
    t: Translate,
    point_label: Mapping[str, str],
) -> dict[int, list[Signal]]:
    """Per patient id, the watch signals of their recent pain answers."""
    found: dict[int, list[Signal]] = {}
    for pain in pains:
        signals = []
        for question, values in (("leg_pain", pain.leg), ("back_pain", pain.back)):
            rising = _rising(values, limits.high.get(question, 7), limits.rise.get(question, 3))
            if rising:
                shown = " → ".join(str(v) for v in rising)
                signals.append(Signal("watch", t("pain_rising", what=t(question), values=shown)))
        if pain.spec_ids and pain.leg and pain.leg[-1] is not None:
            band = bands.get(pain.spec_ids[-1])
            value = pain.leg[-1]
            high = limits.high.get("leg_pain", 7)
            if band and band.count >= MIN_BAND_PATIENTS and band.q3 < value < high:
                point = point_label.get(pain.spec_ids[-1], pain.spec_ids[-1])
                signals.append(
                    Signal("watch", t("below_band", value=value, point=point, q3=f"{band.q3:g}"))
                )
        if signals:
            found[pain.patient_id] = signals
    return found


def _ago(t: Translate, since: dt.datetime | None, now: dt.datetime) -> str:
    if since is None:
        return t("never")
    minutes = max(int((now - since).total_seconds() // 60), 0)
    if minutes < 120:
        return t("ago_minutes", n=minutes)
    if minutes < 48 * 60:
        return t("ago_hours", n=minutes // 60)
    return t("ago_days", n=minutes // (24 * 60))


def _flag_signal(flag: FlagRecord, t: Translate, language: str, now: dt.datetime) -> Signal:
    why = flag.evidence.get("why")
    text = flag.rule_id
    if isinstance(why, dict):
        text = str(why.get("zh-Hans" if language == "zh" else "en") or why.get("en") or text)
    if flag.rule_id in CALL_RULES:
        return Signal("call", text, flag.raised_at, flag.id)
    if flag.level != "red":
        return Signal("amber", text, flag.raised_at, flag.id)
    if flag.status == "open":
        state = t("escalated") if flag.escalated_at else t("not_escalated")
        extra = f"{t('raised_ago', ago=_ago(t, flag.raised_at, now))}, {state}"
        return Signal("red_open", f"{text} ({extra})", flag.raised_at, flag.id)
    ack = t("ack_by", name=flag.acknowledged_by or "?")
    return Signal("red_ack", f"{text} ({ack})", flag.raised_at, flag.id)


def build_rows(
    *,
    flags: Iterable[FlagRecord],
    to_call: Iterable[int],
    watch: Mapping[int, list[Signal]],
    contexts: Mapping[int, PatientContext],
    t: Translate,
    language: str,
    now: dt.datetime,
) -> list[Row]:
    """Merge every reason per patient; the most urgent reason sets the row's place."""
    signals: dict[int, list[Signal]] = {}
    for flag in flags:
        if flag.level == "info" and flag.rule_id not in CALL_RULES:
            continue  # info flags wait in the digest and on the patient's page
        signals.setdefault(flag.patient_id, []).append(_flag_signal(flag, t, language, now))
    for patient_id in to_call:
        context = contexts.get(patient_id)
        if context is None:
            continue
        status = context.patient.status
        words = {"unreachable": "unreachable", "declined": "declined", "paused": "paused"}
        key = words.get(status, "never_opened" if context.patient.chat_id is None else "")
        if key:
            signals.setdefault(patient_id, []).append(Signal("call", t(key)))
    for patient_id, found in watch.items():
        signals.setdefault(patient_id, []).extend(found)
    rows = []
    for patient_id, found in signals.items():
        context = contexts.get(patient_id)
        if context is None:
            continue
        found.sort(key=lambda s: CATEGORIES.index(s.category))
        zone = ZoneInfo(context.patient.timezone)
        day = None
        if context.surgery_date is not None:
            day = (now.astimezone(zone).date() - context.surgery_date).days
        oldest = min((s.since for s in found if s.since), default=None)
        rows.append(
            Row(
                context.patient.ref,
                found[0].category,
                found,
                day,
                _ago(t, context.last_answer_at, now),
                oldest,
            )
        )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    rows.sort(key=lambda r: (r.rank, r.oldest or far, r.ref))
    return rows
