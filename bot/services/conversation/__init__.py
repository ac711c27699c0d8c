"""The patient's conversation, independent of Telegram.

Split by concern: :mod:`.onboarding` (invite, consent, language), :mod:`.answering` (typed
answers and taps, flags and advice), :mod:`.commands` (/help, /stop, /resume, /language),
:mod:`.membership` (blocked/unblocked), :mod:`.delivery` (what the dispatcher sends), all
showing the patient's next step through :mod:`.flow`; :mod:`.service` routes to them.
:mod:`.progress` tells the patient their progress (after check-ins, /progress, the end).
"""

from __future__ import annotations

from bot.services.conversation._core import Chat, language_of
from bot.services.conversation.service import ConversationService

__all__ = ["Chat", "ConversationService", "language_of"]
