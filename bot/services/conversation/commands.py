"""The patient's commands: /help, /stop (with its confirmation), /resume, /language, and the
short answers to messages the bot cannot use (stickers, edits, unknown commands)."""

from __future__ import annotations

from bot.services.conversation._core import PAUSE, Chat, Context, Core
from bot.services.conversation.flow import Flow
from bot.services.pausing import set_checkins_paused
from bot.services.replies import Edit, Reply
from bot.texts import T
from surveys.model import Text


def _actor(ctx: Context) -> str:
    return f"patient:{ctx.patient.ref}"  # as Core.audit records the patient's own actions


class Commands:
    def __init__(self, core: Core, flow: Flow) -> None:
        self.core = core
        self.flow = flow

    async def help(self, chat: Chat) -> Reply:
        async def show(ctx: Context, reply: Reply) -> None:
            reply.say(T.help.format(ctx.language, emergency=self.core.settings.emergency_number))

        return await self.core.with_patient(chat, show, allow_paused=True)

    async def stop(self, chat: Chat) -> Reply:
        async def confirm(ctx: Context, reply: Reply) -> None:
            self.ask_to_stop(ctx, reply)

        return await self.core.with_patient(chat, confirm, allow_paused=True)

    def ask_to_stop(self, ctx: Context, reply: Reply) -> None:
        """The confirmation /stop shows: pause the check-ins, or carry on."""
        core = self.core
        reply.say(
            T.stop_confirm.get(ctx.language),
            ((core.button(ctx, T.stop_yes, PAUSE, "y"),
              core.button(ctx, T.stop_no, PAUSE, "n")),),
        )  # fmt: skip

    async def resume(self, chat: Chat) -> Reply:
        core = self.core

        async def resume(ctx: Context, reply: Reply) -> None:
            if not await set_checkins_paused(
                ctx.session, ctx.patient, paused=False, actor=_actor(ctx), at=ctx.now
            ):
                reply.say(T.not_paused.get(ctx.language))
                await self.flow.show(ctx, reply, quiet=True)
                return
            ctx.patient = await core.reload(ctx)
            reply.say(T.resumed.get(ctx.language))
            await self.flow.show(ctx, reply)

        return await core.with_patient(chat, resume, allow_paused=True)

    async def choose_language(self, chat: Chat) -> Reply:
        async def ask(ctx: Context, reply: Reply) -> None:
            reply.say(T.choose_language.get(ctx.language), self.core.language_keyboard(ctx))

        return await self.core.with_patient(chat, ask, allow_paused=True)

    async def nudge(self, chat: Chat, text: Text) -> Reply:
        """Answer a message the bot cannot use with a short hint."""

        async def say(ctx: Context, reply: Reply) -> None:
            reply.say(text.get(ctx.language))

        return await self.core.with_patient(chat, say, allow_paused=True)

    async def pause(
        self, ctx: Context, reply: Reply, confirmed: bool, message_id: int | None
    ) -> None:
        """The answer to /stop's confirmation."""
        core = self.core
        if message_id is not None:
            reply.edits.append(Edit(message_id, T.stop_confirm.get(ctx.language)))
        if not confirmed:
            reply.say(T.not_stopped.get(ctx.language))
            await self.flow.show(ctx, reply, quiet=True)
            return
        await set_checkins_paused(
            ctx.session, ctx.patient, paused=True, actor=_actor(ctx), at=ctx.now
        )
        reply.say(T.stopped.format(ctx.language, phone=core.phone(ctx.language)))
