"""What the dispatcher sends: a check-in's opening or reminder, and the question's message id."""

from __future__ import annotations

from bot.services.conversation._core import Chat, Context, Core
from bot.services.conversation.flow import Flow
from bot.services.replies import Reply
from bot.texts import T
from storage import checkins as checkin_store
from storage.db import retrying


class Delivery:
    def __init__(self, core: Core, flow: Flow) -> None:
        self.core = core
        self.flow = flow

    async def question_sent(self, checkin_id: int, message_id: int) -> None:
        """Remember which message shows the current question, to edit it once answered
        (retried through a database outage: the id proves Telegram has the question)."""

        async def record() -> None:
            async with self.core.sessions.begin() as session:
                await checkin_store.set_message_id(session, checkin_id, message_id)

        await retrying(record)

    async def opening(self, checkin_id: int, *, reminder: bool = False) -> tuple[int, Reply] | None:
        """What to send when a check-in is delivered (or a reminder): intro + current question.

        Used by the dispatcher, which owns the check-in's status; this only renders.
        """
        core = self.core
        async with core.sessions.begin() as session:
            found = await checkin_store.checkin_with_patient(session, checkin_id)
            now = core.clock.now()
            if found is None:
                return None
            checkin, enrolment, patient = found
            if checkin.closes_at <= now:
                return None
            wanted = checkin_store.OPEN_STATUSES if reminder else ("sending",)
            if checkin.status not in wanted:  # answered, closed or sent meanwhile
                return None
            if patient.chat_id is None:
                return None
            ctx = Context(session, Chat(patient.chat_id), patient, enrolment, now)
            reply = Reply()
            if reminder:
                reply.say(T.reminder.get(ctx.language))
            else:
                reply.say(self.flow.intro(ctx, checkin))
            await self.flow.ask_current(ctx, reply, checkin)
            return patient.chat_id, reply
