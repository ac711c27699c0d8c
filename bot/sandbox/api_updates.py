"""Bot API methods for receiving updates: getUpdates and the webhook trio."""

from __future__ import annotations

from bot.sandbox.context import ApiContext, Described
from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.params import Params
from bot.sandbox.validation import check_secret_token
from bot.sandbox.webhook import WebhookConfig, check_webhook_url

__all__ = ["delete_webhook", "get_updates", "get_webhook_info", "set_webhook"]


def _allowed_updates(ctx: ApiContext, params: Params) -> None:
    allowed = params.optional_json("allowed_updates", "can't parse allowed_updates JSON object")
    if allowed is None:
        return
    if not isinstance(allowed, list) or not all(isinstance(kind, str) for kind in allowed):
        raise bad_request("can't parse allowed_updates JSON object")
    ctx.updates.set_allowed_updates(allowed)


async def get_updates(ctx: ApiContext, params: Params) -> object:
    if ctx.webhook.active:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    _allowed_updates(ctx, params)
    timeout = params.optional_int("timeout") or 0
    return await ctx.updates.poll(
        params.optional_int("offset"), params.optional_int("limit"), float(max(timeout, 0))
    )


async def set_webhook(ctx: ApiContext, params: Params) -> object:
    url = params.optional_str("url") or ""
    if not url:
        return await delete_webhook(ctx, params)
    check_webhook_url(url)
    secret = params.optional_str("secret_token")
    check_secret_token(secret)
    max_connections = params.optional_int("max_connections") or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    _allowed_updates(ctx, params)
    if params.flag("drop_pending_updates"):
        ctx.updates.drop_pending()
    config = WebhookConfig(url, secret or None, max_connections, params.optional_str("ip_address"))
    if ctx.webhook.config == config:
        return Described(True, "Webhook is already set")
    await ctx.webhook.set(config)
    return Described(True, "Webhook was set")


async def delete_webhook(ctx: ApiContext, params: Params) -> object:
    if params.flag("drop_pending_updates"):
        ctx.updates.drop_pending()
    if not ctx.webhook.active:
        return Described(True, "Webhook is already deleted")
    await ctx.webhook.delete()
    return Described(True, "Webhook was deleted")


async def get_webhook_info(ctx: ApiContext, params: Params) -> object:
    return ctx.webhook.info()
