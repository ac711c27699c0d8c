"""Bot API methods that look up chats, chat members and files."""

from __future__ import annotations

from bot.sandbox.context import ApiContext
from bot.sandbox.errors import bad_request
from bot.sandbox.params import Params
from bot.sandbox.types import ChatMemberStatus, JsonDict

__all__ = ["chat_member_json", "get_chat", "get_chat_member", "get_file"]

_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
}
_RESTRICTIONS = {
    "is_member": True,
    "can_send_messages": False,
    "can_send_audios": False,
    "can_send_documents": False,
    "can_send_photos": False,
    "can_send_videos": False,
    "can_send_video_notes": False,
    "can_send_voice_notes": False,
    "can_send_polls": False,
    "can_send_other_messages": False,
    "can_add_web_page_previews": False,
    "can_change_info": False,
    "can_invite_users": False,
    "can_pin_messages": False,
    "can_manage_topics": False,
    "can_edit_tag": False,
    "can_react_to_messages": False,
    "until_date": 0,
}


def chat_member_json(status: ChatMemberStatus, user: JsonDict) -> JsonDict:
    """A ``ChatMember`` object of the given status with the fields Telegram always sends."""
    member: JsonDict = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member |= _ADMIN_RIGHTS
    elif status == "restricted":
        member |= _RESTRICTIONS
    elif status == "kicked":
        member["until_date"] = 0
    return member


async def get_chat(ctx: ApiContext, params: Params) -> object:
    return ctx.chat(params).full_info()


async def get_chat_member(ctx: ApiContext, params: Params) -> object:
    chat = ctx.chat(params)
    user_id = params.require_int("user_id", "user_id is empty")
    if user_id == ctx.state.bot.user_id:
        return chat_member_json(chat.bot_status, ctx.state.bot.to_api())
    user = ctx.state.users.get(user_id)
    status = chat.member_status(user_id)
    if user is None or status is None:
        raise bad_request("user not found")
    return chat_member_json(status, user.to_api())


async def get_file(ctx: ApiContext, params: Params) -> object:
    file_id = params.require_str("file_id", "file_id is empty")
    stored = ctx.state.files.get(file_id)
    if stored is None or stored.content is None:
        raise bad_request("invalid file_id")
    return stored.get_file()
