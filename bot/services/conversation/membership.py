"""The patient blocked or unblocked the bot."""

from __future__ import annotations

from bot.services.conversation._core import Chat, Core
from bot.services.flagging import raise_system_flag
from storage import patients as patient_store
from storage.audit import record_audit
from storage.flags import has_unresolved_flag


class Membership:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def changed(self, chat: Chat, *, blocked: bool) -> list[int]:
        """The patient blocked (or unblocked) the bot: mark them unreachable (or active).

        Blocking raises the same amber flag the dispatcher raises when a send is refused,
        so the nurses can phone the patient: one per episode, not another while it is open.
        """
        core = self.core
        async with core.sessions.begin() as session:
            if not await core.first_time(session, chat):
                return []
            now = core.clock.now()
            found = await patient_store.patient_with_enrolment_by_chat(session, chat.chat_id)
            if found is None or found[0].status in ("withdrawn", "paused"):
                return []
            patient, enrolment = found
            if not blocked:
                await core.context_for(session, chat, patient, enrolment, now)  # reachable again
                return []
            if patient.status == "unreachable":
                return []
            await patient_store.update_patient(session, patient.id, status="unreachable")
            await record_audit(
                session, at=now, actor=f"patient:{patient.ref}", action="patient.unreachable",
                entity="patient", entity_id=patient.id, detail={"reason": "blocked"},
            )  # fmt: skip
            if await has_unresolved_flag(session, patient.id, "unreachable"):
                return []  # the same episode: the nurses already have its card
            flag, _ = await raise_system_flag(
                session, patient=patient, rule_id="unreachable",
                level=core.survey.schedule.unreachable_flag_level,
                evidence={"reason": "blocked", "why": {
                    "en": "The patient blocked the bot or deleted the chat.",
                    "zh-Hans": "患者屏蔽了机器人或删除了对话。"}},
                dedupe_key=f"unreachable:{patient.id}:blocked:{now.isoformat()}", now=now,
            )  # fmt: skip
        return [flag.id]
