"""Bots after they are made (accounts.services.bot_create makes them): who sees and changes
them, their tokens, and what happens to them when their owner leaves."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from accounts import names, services
from accounts.models import ApiToken, BotAvatar, User
from accounts.payloads import person_payload
from accounts.tokens import bot_manages


def bots_for(*, viewer: User) -> QuerySet[User]:
    """The bots a person manages: their own; staff: every bot."""
    bots = User.objects.filter(is_bot=True).select_related("bot_owner")
    return bots if viewer.is_staff else bots.filter(bot_owner=viewer)


def bot_for_manager(*, viewer: User, bot_id: int) -> User | None:
    """The bot, when ``viewer`` manages it (None otherwise: a 404, nothing learnt)."""
    return bots_for(viewer=viewer).filter(pk=bot_id).first()


def bot_tokens(*, bot: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=bot)


def bot_payload(bot: User) -> dict:
    """The person payload, the owner's and the picture (a Lucide icon name)."""
    owner = bot.bot_owner
    return {
        **person_payload(bot),
        "avatar": bot.bot_avatar or BotAvatar.BOT,
        "owner": person_payload(owner) if owner is not None else None,
        "is_active": bot.is_active,
    }


@transaction.atomic
def bot_update(
    *, bot: User, actor: User, name: str | None = None, avatar: str | None = None
) -> User:
    """Rename a bot or change its picture (its owner, or staff)."""
    if not bot_manages(actor, bot):
        raise PermissionDenied("You may not change this bot.")
    fields = []
    if name is not None:
        display = names.display_name_clean(name, user=bot)
        if not display:
            raise ValidationError("A bot needs a name.", code="bot_name_required")
        bot.display_name = display
        fields.append("display_name")
    if avatar is not None:
        if avatar not in BotAvatar.values:
            raise ValidationError("Pick one of the bot pictures.", code="bot_avatar_invalid")
        bot.bot_avatar = avatar
        fields.append("bot_avatar")
    if fields:
        bot.full_clean()
        bot.save(update_fields=fields)
    return bot


@transaction.atomic
def bot_deactivate(*, bot: User, actor: User) -> User:
    """Switch a bot off (its owner, or staff): its tokens end and its sockets close
    (user_active_set revokes its access). Its messages stay."""
    if not bot_manages(actor, bot):
        raise PermissionDenied("You may not change this bot.")
    return services.user_active_set(user=bot, active=False)


def bots_of_owner_end(*, user: User) -> None:
    """accounts.hooks.before_user_delete, and after_access_revoke for a deactivation: an owner
    who leaves takes their bots with them (deactivated, tokens ended; staff may switch one on
    again and give it to someone). On a password change the bots stay on with their tokens
    ended (accounts.tokens.api_tokens_end): every token ends on a password change."""
    for bot in User.objects.filter(bot_owner=user, is_bot=True, is_active=True):
        services.user_active_set(user=bot, active=False)


def bots_of_deactivated_owner_end(*, user: User) -> None:
    if not user.is_active:
        bots_of_owner_end(user=user)
