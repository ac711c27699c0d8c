"""Bot API methods about the bot itself: identity, command menus, session shutdown."""

from __future__ import annotations

from bot.sandbox.context import ApiContext
from bot.sandbox.errors import bad_request
from bot.sandbox.params import Params
from bot.sandbox.validation import check_commands, command_scope_key

__all__ = ["close", "delete_my_commands", "get_me", "get_my_commands", "log_out", "set_my_commands"]


def _command_key(params: Params) -> tuple[str, str]:
    scope = params.optional_json("scope", "can't parse BotCommandScope JSON object")
    language = params.optional_str("language_code") or ""
    if language and not (len(language) == 2 and language.isalpha() and language.islower()):
        raise bad_request("invalid language code specified")
    return command_scope_key(scope), language


async def get_me(ctx: ApiContext, params: Params) -> object:
    return ctx.state.bot.get_me()


async def set_my_commands(ctx: ApiContext, params: Params) -> object:
    commands = check_commands(params.optional_json("commands", "can't parse commands JSON object"))
    key = _command_key(params)
    if commands:
        ctx.state.commands[key] = commands
    else:
        ctx.state.commands.pop(key, None)
    return True


async def get_my_commands(ctx: ApiContext, params: Params) -> object:
    return list(ctx.state.commands.get(_command_key(params), []))


async def delete_my_commands(ctx: ApiContext, params: Params) -> object:
    ctx.state.commands.pop(_command_key(params), None)
    return True


async def close(ctx: ApiContext, params: Params) -> object:
    return True


async def log_out(ctx: ApiContext, params: Params) -> object:
    return True
