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
import heapq
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.scheduling import MISSED_RULE, UNREACHABLE_RULE
from bot.web.figures import MIN_BAND_PATIENTS, Band
from bot.web.i18n import Translate
from storage.records import FlagRecord
from storage.worklist import CallCandidate, PatientContext, PatientPain
from surveys.model import Survey

__all__ = [
    "CALL_RULES",
    "CATEGORIES",
    "Entries",
    "PainLimits",
    "Ranked",
    "Row",
    "Signal",
    "background_signals",
    "build_rows",
    "pain_limits",
    "rank",
    "rank_patients",
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
        extra = t("raised_ago", ago=_ago(t, flag.raised_at, now)) + t("comma") + state
        return Signal("red_open", t("aside", text=text, extra=extra), flag.raised_at, flag.id)
    ack = t("ack_by", name=flag.acknowledged_by or "?")
    return Signal("red_ack", t("aside", text=text, extra=ack), flag.raised_at, flag.id)


FAR = dt.datetime.max.replace(tzinfo=dt.UTC)

Entries = dict[int, tuple[str, list[Signal]]]
"""Per patient id: the reference code and the reasons."""

Ranked = tuple[tuple[int, dt.datetime, str], int, str, list[Signal]]
"""(rank key, patient id, reference, reasons): the key sorts the most urgent first."""


def background_signals(
    to_call: Iterable[CallCandidate],
    watch: Mapping[int, list[Signal]],
    refs: Mapping[int, str],
    t: Translate,
) -> Entries:
    """The reasons that change slowly (patients to call, watch signals), per patient."""
    entries: Entries = {}
    words = {"unreachable": "unreachable", "declined": "declined"}
    for candidate in to_call:
        key = words.get(candidate.status, "" if candidate.linked else "never_opened")
        if key:
            entries.setdefault(candidate.patient_id, (candidate.ref, []))[1].append(
                Signal("call", t(key))
            )
    for patient_id, found in watch.items():
        entries.setdefault(patient_id, (refs.get(patient_id, "?"), []))[1].extend(found)
    return entries


def rank(entries: Entries) -> list[Ranked]:
    """Most urgent first: by the most urgent reason, then the oldest, then the reference."""
    ranked = []
    for patient_id, (ref, signals) in entries.items():
        signals.sort(key=lambda s: CATEGORIES.index(s.category))
        oldest = min((s.since for s in signals if s.since), default=None)
        key = (CATEGORIES.index(signals[0].category), oldest or FAR, ref)
        ranked.append((key, patient_id, ref, signals))
    ranked.sort(key=lambda item: item[0])
    return ranked


def rank_patients(
    *,
    flags: Iterable[FlagRecord],
    background: Entries,
    background_ranked: Sequence[Ranked],
    t: Translate,
    language: str,
    now: dt.datetime,
    limit: int,
) -> tuple[list[tuple[int, str, list[Signal]]], int]:
    """The ``limit`` most urgent patients (id, ref, reasons) and how many need attention.

    Flags are merged with the slowly changing reasons (already ranked), so a request costs
    the unresolved flags, not the whole list of patients to call.
    """
    flagged: Entries = {}
    for flag in flags:
        if flag.level == "info" and flag.rule_id not in CALL_RULES:
            continue  # info flags wait in the digest and on the patient's page
        signal = _flag_signal(flag, t, language, now)
        flagged.setdefault(flag.patient_id, (flag.patient_ref, []))[1].append(signal)
    for patient_id, (_, signals) in flagged.items():
        if patient_id in background:
            signals.extend(background[patient_id][1])
    others = (item for item in background_ranked if item[1] not in flagged)
    merged = heapq.merge(rank(flagged), others, key=lambda item: item[0])
    top = [(patient_id, ref, signals) for _, patient_id, ref, signals in
           itertools.islice(merged, limit)]  # fmt: skip
    both = sum(1 for patient_id in flagged if patient_id in background)
    return top, len(flagged) + len(background) - both


def build_rows(
    ranked: Iterable[tuple[int, str, list[Signal]]],
    contexts: Mapping[int, PatientContext],
    t: Translate,
    now: dt.datetime,
) -> list[Row]:
    """Worklist rows of ranked patients, with the day after surgery and the last answer."""
    rows = []
    for patient_id, ref, signals in ranked:
        context = contexts.get(patient_id)
        day = None
        last = None
        if context is not None:
            last = context.last_answer_at
            if context.surgery_date is not None:
                zone = ZoneInfo(context.patient.timezone)
                day = (now.astimezone(zone).date() - context.surgery_date).days
        oldest = min((s.since for s in signals if s.since), default=None)
        rows.append(Row(ref, signals[0].category, signals, day, _ago(t, last, now), oldest))
    return rows
