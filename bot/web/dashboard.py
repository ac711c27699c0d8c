"""What each page shows, read from storage and the nurse service; no HTTP here.

The ward's percentiles, the "watch" signals and the patients to call (never opened the
invite, unreachable, declined) read many rows and change slowly, so they are kept in snapshots
(:class:`~bot.web.snapshot.Snapshot`) refreshed in the background and shared by every
request: the patients to call and the watch signals every ``REFRESH``, the percentiles
every ``BANDS_REFRESH`` (the worklist says how fresh both are). Flags are read afresh on
every page, so a red or amber answer shows at the page's next refresh.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.nurse._loading import PatientRecovery, load_patient
from bot.nurse.recovery import mic_of, mic_reached
from bot.web.figures import Band, band_of, percentile_of_values
from bot.web.i18n import LANGUAGES, Translate, language_of, translator
from bot.web.snapshot import Fresh, Snapshot
from bot.web.worklist import (
    Entries,
    Ranked,
    Row,
    background_signals,
    build_rows,
    pain_limits,
    rank,
    rank_patients,
    watch_signals,
)
from storage.checkins import checkins_for_enrolment
from storage.records import CheckinRecord, FlagRecord
from storage.worklist import (
    CallCandidate,
    GivenAnswer,
    PatientPain,
    answer_histograms,
    answers_of_enrolment,
    checkin_outcomes,
    flag_counts,
    flags_of_patient,
    paired_leg_pain,
    patient_contexts,
    patients_to_call,
    recent_pain,
    red_acknowledge_minutes,
    unresolved_flags,
    without_parallel_workers,
)
from surveys.model import Survey

__all__ = [
    "AsOf",
    "Dashboard",
    "PatientPage",
    "PointFigures",
    "SharedFigures",
    "WardBands",
    "WardPage",
]

REFRESH = dt.timedelta(minutes=5)
BANDS_REFRESH = dt.timedelta(hours=1)
"""The ward's quartiles read every answer ever given and move slowly: refreshed hourly."""
CALL_STATUSES = ("unreachable", "declined")
NEVER_OPENED_AFTER = dt.timedelta(days=2)
WATCH_DAYS = 14
SHOWN = 200
"""Rows the worklist shows at most (the most urgent); the title counts every patient."""


@dataclass(frozen=True)
class WardBands:
    """Leg pain and walking-rank quartiles per check-in spec."""

    leg: dict[str, Band]
    walking: dict[str, Band]


@dataclass(frozen=True)
class AsOf:
    """When the worklist's shared figures were computed (flags are always live)."""

    reasons: dt.datetime
    """Patients to call and pain trends."""
    bands: dt.datetime
    """The ward's quartiles, behind the "worse than three in four" watch signal."""


@dataclass(frozen=True)
class SharedFigures:
    """The slowly changing figures every worklist request shares: the ward's bands and,
    per language, the slowly changing reasons (patients to call, watch signals) per patient
    and those patients already ranked, so a request only merges in the live flags."""

    bands: Fresh[WardBands]
    reasons: dict[str, tuple[Entries, list[Ranked]]]


@dataclass(frozen=True)
class PointFigures:
    spec_id: str
    label: str
    due: int
    answered: int
    leg: Band | None
    walking: Band | None


@dataclass(frozen=True)
class WardPage:
    points: tuple[PointFigures, ...]
    mic: dict[str, tuple[int, int]]
    """At day 90 and 365: (patients reaching the MIC in leg pain, patients assessed)."""
    burden: dict[str, float]
    completed: int
    ack_median: float | None
    ack_p90: float | None
    walking_labels: tuple[str, ...]


@dataclass(frozen=True)
class PatientPage:
    recovery: PatientRecovery
    checkins: tuple[CheckinRecord, ...]
    answers: dict[int, list[GivenAnswer]]
    flags: tuple[FlagRecord, ...]
    day: int | None


class Dashboard:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        survey: Survey,
        clock: Clock,
        refresh: dt.timedelta = REFRESH,
    ) -> None:
        self._sessions = sessions
        self._survey = survey
        self._clock = clock
        self._limits = pain_limits(survey)
        self.ward_bands = Snapshot(self._load_bands, clock, max(refresh, BANDS_REFRESH))
        self.shared = Snapshot(self._load_shared, clock, refresh)

    def point_labels(self, t: Translate) -> dict[str, str]:
        return {
            spec.id: t("pre_op") if spec.day is None else t("day_n", n=spec.day)
            for spec in self._survey.schedule.checkins
        }

    # ---- worklist ---------------------------------------------------------------------

    async def _load_shared(self) -> SharedFigures:
        now = self._clock.now()
        bands = await self.ward_bands.fresh()
        async with self._sessions() as session:
            await without_parallel_workers(session)
            pains = await recent_pain(session, since=now - dt.timedelta(days=WATCH_DAYS))
            to_call = await patients_to_call(
                session, invited_before=now - NEVER_OPENED_AFTER, statuses=CALL_STATUSES
            )
        # pure computation over every recent patient: in a thread, so the event loop goes on
        # serving pages (Python hands the interpreter over every few milliseconds)
        reasons = await asyncio.to_thread(self._reasons, pains, to_call, bands.value)
        return SharedFigures(bands, reasons)

    def _reasons(
        self, pains: list[PatientPain], to_call: list[CallCandidate], bands: WardBands
    ) -> dict[str, tuple[Entries, list[Ranked]]]:
        """Per language: the slowly changing reasons per patient, and those patients ranked."""
        refs = {pain.patient_id: pain.ref for pain in pains}
        reasons = {}
        for language in LANGUAGES:
            t = translator(language)
            watch = watch_signals(pains, self._limits, bands.leg, t, self.point_labels(t))
            entries = background_signals(to_call, watch, refs, t)
            reasons[language] = (entries, rank(entries))
        return reasons

    async def _load_bands(self) -> WardBands:
        ranks = {c.id: i for i, c in enumerate(self._survey.distance_categories)}
        async with self._sessions() as session:
            await without_parallel_workers(session)
            found = await answer_histograms(session, {"leg_pain": None, "walking": "category"})
        legs, walks = found["leg_pain"], found["walking"]
        leg = {}
        for spec, counts in legs.by_spec.items():
            numeric = _numeric(counts)
            band = band_of(numeric)
            if band is not None:
                leg[spec] = band
        walking = {}
        for spec, counts in walks.by_spec.items():
            ranked: dict[float, int] = {}
            for category, count in counts.items():
                if category in ranks:
                    ranked[ranks[category]] = ranked.get(ranks[category], 0) + count
            band = band_of(ranked)
            if band is not None:
                walking[spec] = band
        return WardBands(leg, walking)

    async def bands(self) -> WardBands:
        return (await self.ward_bands.get()).value

    async def worklist(
        self, t: Translate, language: str, limit: int = SHOWN
    ) -> tuple[list[Row], int]:
        """The ``limit`` most urgent rows, and how many patients need attention in all."""
        rows, count, _ = await self.worklist_as_of(t, language, limit)
        return rows, count

    async def worklist_as_of(
        self, t: Translate, language: str, limit: int = SHOWN
    ) -> tuple[list[Row], int, AsOf]:
        """:meth:`worklist`, and how fresh the shared figures behind it are."""
        now = self._clock.now()
        fresh: Fresh[SharedFigures] = await self.shared.get()
        background, background_ranked = fresh.value.reasons[language_of(language)]
        async with self._sessions() as session:
            flags = await unresolved_flags(session)
            shown, count = rank_patients(
                flags=flags, background=background, background_ranked=background_ranked, t=t,
                language=language, now=now, limit=limit,
            )  # fmt: skip
            contexts = await patient_contexts(session, [patient_id for patient_id, _, _ in shown])
        as_of = AsOf(fresh.as_of, fresh.value.bands.as_of)
        return build_rows(shown, contexts, t, now), count, as_of

    # ---- patient ----------------------------------------------------------------------

    async def patient(self, ref: str) -> PatientPage | None:
        async with self._sessions() as session:
            found = await load_patient(session, self._survey, ref)
            if found is None:
                return None
            enrolment = found.enrolment
            checkins = await checkins_for_enrolment(session, enrolment.id) if enrolment else []
            given = await answers_of_enrolment(session, enrolment.id) if enrolment else []
            flags = await flags_of_patient(session, found.patient.id)
        answers: dict[int, list[GivenAnswer]] = {}
        for answer in given:
            answers.setdefault(answer.checkin_id, []).append(answer)
        day = None
        if enrolment is not None:
            today = self._clock.now().astimezone(ZoneInfo(found.patient.timezone)).date()
            day = (today - enrolment.surgery_date).days
        ordered = sorted(checkins, key=lambda c: (c.day is not None, c.day or 0, c.id))
        return PatientPage(found, tuple(ordered), answers, tuple(flags), day)

    # ---- ward -------------------------------------------------------------------------

    async def ward(self, t: Translate, language: str = "en") -> WardPage:
        bands = await self.bands()
        labels = self.point_labels(t)
        async with self._sessions() as session:
            outcomes = await checkin_outcomes(session)
            counts = await flag_counts(session)
            minutes = await red_acknowledge_minutes(session)
            mic = await self._mic(session)
        due: dict[str, int] = {}
        answered: dict[str, int] = {}
        for outcome in outcomes:
            if outcome.status in ("completed", "missed"):
                due[outcome.spec_id] = due.get(outcome.spec_id, 0) + outcome.count
            if outcome.status == "completed":
                answered[outcome.spec_id] = answered.get(outcome.spec_id, 0) + outcome.count
        points = tuple(
            PointFigures(
                spec.id,
                labels[spec.id],
                due.get(spec.id, 0),
                answered.get(spec.id, 0),
                bands.leg.get(spec.id),
                bands.walking.get(spec.id),
            )
            for spec in self._survey.schedule.checkins
        )
        completed = sum(answered.values())
        burden = {
            level: (100 * counts.get(level, 0) / completed if completed else 0.0)
            for level in ("red", "amber", "info")
        }
        return WardPage(
            points,
            mic,
            burden,
            completed,
            percentile_of_values(minutes, 0.5),
            percentile_of_values(minutes, 0.9),
            tuple(
                c.label.get("zh-Hans" if language == "zh" else "en")
                for c in self._survey.distance_categories
            ),
        )

    async def _mic(self, session: AsyncSession) -> dict[str, tuple[int, int]]:
        """Patients reaching the MIC in leg pain at 3 and 12 months, from paired answers."""
        mic = mic_of(self._survey)
        found = {}
        for spec in self._survey.schedule.checkins:
            if spec.day not in (90, 365):
                continue
            pairs = await paired_leg_pain(session, spec.id)
            reached = [mic_reached(base, now, mic) for base, now in pairs]
            assessed = [r for r in reached if r is not None]
            found[spec.id] = (sum(1 for r in assessed if r), len(assessed))
        return found


def _numeric(counts: dict[str, int]) -> dict[float, int]:
    numeric: dict[float, int] = {}
    for text, count in counts.items():
        try:
            value = float(text)
        except ValueError:
            continue
        numeric[value] = numeric.get(value, 0) + count
    return numeric
