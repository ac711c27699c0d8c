"""A synthetic cohort: seeded recoveries, answered through the sandbox like people would.

Each patient follows a recovery profile (how much of the way from their pre-op baseline to
their eventual state they have come by a given day). The mix has good responders, slow
improvers, one who does not improve, red-flag cases (new bladder trouble on day 3), amber
cases (a jump in leg pain on day 7) and people who stop answering after day 14. Everything
a patient does is a pure function of (seed, patient number, day), so a run is repeatable
whatever order the patients act in.

Patients act only through the sandbox: they read the newest bot message, press its buttons
by label or type an answer (a pain score, "300 m", "两公里", a note for the nurse).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from bot.demo.session import DemoError, DemoPatient, DemoSession
from bot.sandbox import SentMessage
from bot.texts import T
from storage.records import CheckinRecord
from surveys.model import Language, Option, Question, Survey

__all__ = [
    "COHORT_PATTERN",
    "Baseline",
    "CohortDriver",
    "Profile",
    "SyntheticPatient",
    "make_cohort",
]

Profile = Literal["good", "slow", "non_improver", "red_flag", "amber", "dropout"]

COHORT_PATTERN: Final[tuple[Profile, ...]] = (
    "good", "red_flag", "slow", "dropout", "amber", "good", "good", "slow", "non_improver",
    "good", "dropout", "slow", "good", "red_flag", "good", "slow", "amber", "good", "slow",
    "good",
)  # fmt: skip
"""Profiles in enrolment order, repeated for larger cohorts; the first four (good, red flag,
slow, stops answering) make even a small run show each kind of course."""

# Share of the way from baseline to the final state, by day after surgery.
_COURSES: Final[dict[str, tuple[tuple[int, float], ...]]] = {
    "fast": ((0, 0.0), (1, 0.5), (3, 0.6), (7, 0.7), (14, 0.8), (28, 0.85), (42, 0.9),
             (90, 0.95), (180, 1.0)),
    "slow": ((0, 0.0), (1, 0.2), (3, 0.25), (7, 0.3), (14, 0.35), (28, 0.45), (42, 0.55),
             (90, 0.7), (180, 0.8), (365, 0.85)),
    "flat": ((0, 0.0), (1, 0.1), (14, 0.15), (90, 0.15), (365, 0.1)),
}  # fmt: skip
_COURSE_OF: Final[dict[Profile, str]] = {
    "good": "fast", "red_flag": "fast", "amber": "fast",
    "slow": "slow", "dropout": "slow", "non_improver": "flat",
}  # fmt: skip
_FINAL_LEG: Final[dict[str, int]] = {"fast": 1, "slow": 3, "flat": 6}
_FINAL_WALK_GAIN: Final[dict[str, int]] = {"fast": 4, "slow": 3, "flat": 0}
_NOISE: Final = (-1, 0, 0, 0, 0, 1)
"""Day-to-day wobble of a pain score, in NRS points."""
_PAIN_CAP: Final = 6
"""Follow-up pain stays below the amber threshold (7) unless the profile says otherwise."""
_PLACES: Final = (("both_legs",), ("left_leg",), ("right_leg",), ("left_leg", "right_leg"))
_TYPED_DISTANCE: Final[dict[Language, dict[int, str]]] = {
    "en": {1: "30 m", 2: "80 m", 3: "300 m", 4: "800 m", 5: "2 km"},
    "zh-Hans": {1: "30米", 2: "80米", 3: "300米", 4: "800米", 5: "两公里"},
}
_NOTES: Final[dict[Language, tuple[str, ...]]] = {
    "en": ("When can I drive again?", "Is it normal that my leg still tingles at night?",
           "Can I take a shower yet?"),
    "zh-Hans": ("什么时候可以开车？", "晚上腿还有点麻，正常吗？", "现在可以洗澡了吗？"),
}  # fmt: skip
MAX_PROMPTS_PER_CHECKIN: Final = 40
CHAT_ID_BASE: Final = 20_000


@dataclass(frozen=True)
class Baseline:
    """How the patient was before the operation."""

    leg_pain: int
    back_pain: int
    numbness_where: tuple[str, ...]
    walking_rank: int


@dataclass(frozen=True)
class SyntheticPatient:
    number: int
    seed: int
    profile: Profile
    language: Language
    surgery_offset_days: int
    caregiver_helps: bool
    baseline: Baseline

    @property
    def ref(self) -> str:
        return f"DEMO-{self.number:03d}"

    @property
    def chat_id(self) -> int:
        return CHAT_ID_BASE + self.number

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, self.number, *parts)))

    def answers(self, day: int | None, attempt: int) -> bool:
        """Whether the patient answers this check-in now (``attempt`` 0: when it arrives,
        1 and more: after a reminder)."""
        if day is None:
            return True
        if self.profile == "dropout" and day > 14:
            return False
        roll = self._rng("answers", day).random()
        if roll < 0.04:
            return False  # this one is missed
        if roll < 0.14:
            return attempt >= 1  # answered after the first reminder
        return True

    def types(self, day: int | None, question_id: str) -> bool:
        """Whether the patient types this answer instead of tapping a button."""
        return self._rng("types", day, question_id).random() < 0.25

    def progress(self, day: int) -> float:
        points = _COURSES[_COURSE_OF[self.profile]]
        earlier = [share for start, share in points if start <= day]
        return earlier[-1] if earlier else 0.0

    def visit(self, day: int | None, walking_ranks: int) -> dict[str, Any]:
        """Answers by question id: the baseline form for ``day`` None, else a follow-up."""
        base = self.baseline
        if day is None:
            return {
                "leg_pain": base.leg_pain,
                "back_pain": base.back_pain,
                "numbness_before": bool(base.numbness_where),
                "numbness_where": base.numbness_where,
                "walking": base.walking_rank,
            }
        rng = self._rng("visit", day)
        course = _COURSE_OF[self.profile]
        share = self.progress(day)
        leg = round(base.leg_pain - (base.leg_pain - _FINAL_LEG[course]) * share)
        back = round(base.back_pain - (base.back_pain - 1) * share) + (1 if day <= 3 else 0)
        leg = min(_PAIN_CAP, max(0, leg + rng.choice(_NOISE)))
        back = min(_PAIN_CAP, max(0, back + rng.choice(_NOISE)))
        if self.profile == "amber" and day == 7:
            leg = max(7, leg + 4)
        walking = base.walking_rank + round(_FINAL_WALK_GAIN[course] * share)
        numbness = "none"
        if base.numbness_where:
            numbness = "none" if share >= 0.8 else "better" if share >= 0.3 else "same"
        note = None
        if rng.random() < 0.05 or (self.profile == "slow" and day == 14):
            note = rng.choice(_NOTES[self.language])
        return {
            "leg_pain": leg,
            "back_pain": back,
            "numbness": numbness,
            "numbness_where": base.numbness_where,
            "walking": min(walking, walking_ranks - 1),
            "pgic": _pgic(share),
            "red_flags": ("bladder_bowel",) if self.profile == "red_flag" and day == 3 else (),
            "note": note,
        }


def _pgic(share: float) -> str:
    if share >= 0.85:
        return "very_much_improved"
    if share >= 0.6:
        return "much_improved"
    if share >= 0.3:
        return "a_little_improved"
    return "no_change"


def make_cohort(size: int, seed: int) -> tuple[SyntheticPatient, ...]:
    """``size`` patients with profiles from :data:`COHORT_PATTERN`, the rest seeded."""
    patients = []
    for index in range(size):
        number = index + 1
        rng = random.Random(f"{seed}:{number}:patient")
        numb = rng.random() < 0.8
        patients.append(
            SyntheticPatient(
                number=number,
                seed=seed,
                profile=COHORT_PATTERN[index % len(COHORT_PATTERN)],
                language="zh-Hans" if rng.random() < 0.6 else "en",
                surgery_offset_days=index % 3,
                caregiver_helps=number % 7 == 3,
                baseline=Baseline(
                    leg_pain=rng.randint(6, 9),
                    back_pain=rng.randint(3, 6),
                    numbness_where=rng.choice(_PLACES) if numb else (),
                    walking_rank=rng.choice((1, 1, 2)),
                ),
            )
        )
    return tuple(patients)


@dataclass
class _Actor:
    patient: SyntheticPatient
    demo_patient: DemoPatient
    questions: dict[str, Question]
    last_prompt: int | None = None
    attempts: Counter[str] = field(default_factory=Counter)


class CohortDriver:
    """Enrols the synthetic patients and lets each answer whatever the bot sends them."""

    def __init__(self, demo: DemoSession, cohort: Sequence[SyntheticPatient]) -> None:
        self._demo = demo
        self._cohort = tuple(cohort)
        self._survey: Survey = demo.services.survey
        self._actors: list[_Actor] = []

    async def enrol(self) -> None:
        """Enrol everyone now (their operations are today and the next two days)."""
        today = self._demo.local_today()
        for patient in self._cohort:
            demo_patient = await self._demo.enrol_patient(
                patient.ref, chat_id=patient.chat_id, name=f"Patient {patient.number}",
                surgery_date=today + dt.timedelta(days=patient.surgery_offset_days),
                language=patient.language, caregiver_helps=patient.caregiver_helps,
            )  # fmt: skip
            self._actors.append(
                _Actor(patient, demo_patient, _questions_by_text(self._survey, patient.language))
            )

    def planned_times(self) -> set[dt.datetime]:
        """Every planned send, reminder and closing time of the cohort."""
        times: set[dt.datetime] = set()
        for actor in self._actors:
            for checkin in actor.demo_patient.enrolment.checkins:
                times.update((checkin.due_at, checkin.closes_at, *checkin.reminder_times))
        return times

    async def respond_all(self) -> None:
        """Every patient looks at their phone once and acts on anything new."""
        await asyncio.gather(*(self._respond(actor) for actor in self._actors))

    async def _respond(self, actor: _Actor) -> None:
        chat_id = actor.patient.chat_id
        last = self._demo.last_message(chat_id)
        if last is None or not last.buttons or last.message_id == actor.last_prompt:
            return
        actor.last_prompt = last.message_id
        checkin = _open_at(actor.demo_patient.enrolment.checkins, self._demo.clock.now())
        if checkin is None:
            return
        attempt = actor.attempts[checkin.spec_id]
        actor.attempts[checkin.spec_id] += 1
        if not actor.patient.answers(checkin.day, attempt):
            return
        visit = actor.patient.visit(checkin.day, len(self._survey.distance_categories))
        typed: set[str] = set()
        for _ in range(MAX_PROMPTS_PER_CHECKIN):
            last = self._demo.last_message(chat_id)
            if last is None or not last.buttons:
                actor.last_prompt = last.message_id if last else None
                return
            await self._answer(actor, last, checkin.day, visit, typed)
        raise DemoError(f"{actor.patient.ref}: check-in {checkin.spec_id} did not finish")

    async def _answer(
        self,
        actor: _Actor,
        message: SentMessage,
        day: int | None,
        visit: dict[str, Any],
        typed: set[str],
    ) -> None:
        patient, chat_id = actor.patient, actor.patient.chat_id
        language = patient.language
        labels = message.button_labels

        async def press(label: str) -> None:
            await self._demo.press(chat_id, label, message_id=message.message_id)

        if T.consent_button.get(language) in labels:
            await press(T.consent_button.get(language))
            return
        if "English" in labels and "中文" in labels:
            await press("中文" if language == "zh-Hans" else "English")
            return
        if T.who_caregiver.get(language) in labels:
            await press(T.who_caregiver.get(language))
            return
        question = _question_of(message, actor.questions)
        if question is None:
            raise DemoError(f"{patient.ref}: unexpected message {message.text!r}")
        value = visit.get(question.id)
        type_it = question.id not in typed and patient.types(day, question.id)
        if question.type == "scale":
            score = str(value if isinstance(value, int) else 5)
            if type_it:
                typed.add(question.id)
                await self._demo.say(chat_id, score)
            else:
                await press(score)
        elif question.type == "yes_no":
            await press((T.yes if value else T.no).get(language))
        elif question.type == "single_choice":
            option = question.option(str(value)) or question.options[0]
            await press(option.label.get(language))
        elif question.type == "multi_choice":
            chosen = _chosen_options(question, value)
            if type_it:
                typed.add(question.id)
                names = [o.label.get(language) for o in chosen]
                await self._demo.say(chat_id, ("、" if language == "zh-Hans" else ", ").join(names))
            else:
                await self._choose(actor, message, chosen)
        elif question.type == "distance":
            rank = value if isinstance(value, int) else 0
            text = _TYPED_DISTANCE[language].get(rank)
            if type_it and text is not None:
                typed.add(question.id)
                await self._demo.say(chat_id, text)
            else:
                await press(self._survey.distance_categories[rank].label.get(language))
        elif isinstance(value, str) and value:
            await self._demo.say(chat_id, value)
        elif not question.required:
            await press(T.skip_button.get(language))
        else:
            await self._demo.say(chat_id, "1")

    async def _choose(self, actor: _Actor, message: SentMessage, chosen: Sequence[Option]) -> None:
        """Tick each chosen option, then press Done."""
        chat_id, language = actor.patient.chat_id, actor.patient.language
        for option in chosen:
            label = option.label.get(language)
            current = self._current(chat_id, message.message_id)
            button = next(
                (b for b in current if b.endswith(label) and not b.startswith("✅")), None
            )
            if button is not None:
                await self._demo.press(chat_id, button, message_id=message.message_id)
        await self._demo.press(chat_id, T.done_button.get(language), message_id=message.message_id)

    def _current(self, chat_id: int, message_id: int) -> tuple[str, ...]:
        for message in self._demo.messages(chat_id):
            if message.message_id == message_id:
                return message.button_labels
        return ()


def _chosen_options(question: Question, value: Any) -> list[Option]:
    """The options to choose: ``value``'s ids, else the exclusive "none of these"."""
    wanted = [question.option(str(v)) for v in value] if isinstance(value, list | tuple) else []
    chosen = [option for option in wanted if option is not None]
    return chosen or [o for o in question.options if o.exclusive][:1] or [question.options[0]]


def _questions_by_text(survey: Survey, language: Language) -> dict[str, Question]:
    return {q.text.get(language): q for form in survey.forms for q in form.questions}


def _question_of(message: SentMessage, questions: dict[str, Question]) -> Question | None:
    """The question a message asks: its text has ``n/total`` then the question's text."""
    for line in (message.text or "").splitlines():
        if line in questions:
            return questions[line]
    return None


def _open_at(checkins: Iterable[CheckinRecord], now: dt.datetime) -> CheckinRecord | None:
    """The planned check-in whose window contains ``now`` (the latest due, if several)."""
    open_now = [c for c in checkins if c.due_at <= now < c.closes_at]
    return max(open_now, key=lambda c: c.due_at, default=None)
