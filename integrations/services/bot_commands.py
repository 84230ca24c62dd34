"""Bots' slash commands: a bot's owner (or staff) registers ``/name`` with a URL; in every
conversation the bot is a member of, its members can run it. Running it POSTs, signed as
outgoing webhooks are, ``{"command", "text", "user", "conversation", "thread"}`` and the
answer ``{"text", "response_type": "in_channel" | "ephemeral"}`` (Slack's words) is posted
as the bot, or shown only to the person who ran it."""

import json
import logging
import re
import uuid
from functools import partial

import requests
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import tokens
from accounts.models import User
from accounts.payloads import person_payload
from core import outbound
from core.cache import rate_take
from integrations.models import BotCommand
from integrations.services import signing
from integrations.services.delivery import signed_post
from rooms import commands
from rooms import services as engine
from rooms.commands import Command, Invocation, Outcome
from rooms.models import Conversation, Membership

logger = logging.getLogger(__name__)

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
INVALID_COMMAND = "invalid_bot_command"  # ValidationError code (API subcode 4083)
TIMEOUT = 3.0  # seconds: a person waits for the answer
EVENT = "command"


def require_bot_manager(*, user: User, bot: User) -> None:
    if not bot.is_bot:
        raise PermissionDenied("That is not a bot.")
    # The bots' own rule (their owner, or staff), as for their tokens.
    if tokens.bot_manages(user, bot) and (user.is_staff or not user.is_guest):
        return
    raise PermissionDenied("Only the bot's owner and staff manage its commands.")


@transaction.atomic
def bot_command_create(
    *, bot: User, actor: User, name: str, description: str, url: str
) -> tuple[BotCommand, str]:
    """A command and its signing secret (shown once)."""
    require_bot_manager(user=actor, bot=bot)
    name = name.strip().lstrip("/").lower()
    if not NAME_RE.match(name):
        raise ValidationError(
            "A command's name is 1 to 32 lower-case letters, digits and dashes.",
            code=INVALID_COMMAND,
        )
    if name in commands.commands:
        raise ValidationError(f"/{name} is a built-in command.", code=INVALID_COMMAND)
    if BotCommand.objects.filter(bot=bot, name=name).exists():
        raise ValidationError(f"This bot has a /{name} already.", code=INVALID_COMMAND)
    if BotCommand.objects.filter(bot=bot).count() >= settings.UCHAT_WEBHOOKS_PER_OWNER:
        raise ValidationError("This bot has too many commands.", code=INVALID_COMMAND)
    command = BotCommand(
        bot=bot,
        name=name,
        description=description.strip(),
        url=signing.url_check(url),
        secret_salt=signing.salt_new(),
    )
    command.full_clean()
    command.save()
    return command, signing.secret_for(command.secret_salt)


@transaction.atomic
def bot_command_delete(*, command: BotCommand, actor: User) -> None:
    require_bot_manager(user=actor, bot=command.bot)
    command.delete()


def commands_provider(user: User, conversation: Conversation) -> list[Command]:
    """rooms.commands.providers: the commands of the active bots that are members here, each
    saying whose it is. A name two bots here answer runs neither: whichever won, another
    member's bot could take over a command people trust (and read what they type to it)."""
    bots = Membership.objects.filter(
        conversation=conversation, user__is_bot=True, user__is_active=True
    ).values("user_id")
    by_name: dict[str, list[BotCommand]] = {}
    for c in BotCommand.objects.filter(bot_id__in=bots).select_related("bot").order_by("pk"):
        by_name.setdefault(c.name, []).append(c)
    found = []
    for name, same in sorted(by_name.items()):
        if len(same) == 1:
            [c] = same
            found.append(
                Command(
                    name=name,
                    description=f"{c.description or 'Ask the bot'} (by {c.bot.name})",
                    usage=f"/{name} <text>",
                    run=partial(bot_command_run, c.pk),
                )
            )
            continue
        bot_names = ", ".join(c.bot.name for c in same)
        refusal = (
            f"{_count(len(same))} bots here answer /{name} ({bot_names}): "
            "ask a room admin to remove one."
        )
        found.append(
            Command(
                name=name,
                description=f"{_count(len(same))} bots answer this here ({bot_names})",
                usage=f"/{name} <text>",
                run=partial(_ambiguous, refusal),
            )
        )
    return found


def _count(n: int) -> str:
    return {2: "Two", 3: "Three", 4: "Four"}.get(n, str(n))


def _ambiguous(refusal: str, invocation: Invocation) -> Outcome:
    """A name several bots here answer: said privately, no bot is asked."""
    return Outcome(reply=refusal)


def bot_command_run(command_id: int, invocation: Invocation) -> Outcome:
    """Ask the bot's server; a failing or slow server gives a private error, never a 500."""
    command = BotCommand.objects.select_related("bot").filter(pk=command_id).first()
    if command is None or not command.bot.is_active:
        return Outcome(reply="That command is gone.")
    rate_take(
        scope="bot-commands",
        who=invocation.user.pk,
        limit=settings.UCHAT_BOT_COMMANDS_PER_MINUTE,
        window=60,
        message="You have run many bot commands in the last minute. Wait a moment.",
    )
    conversation = invocation.conversation
    body = json.dumps(
        {
            "command": command.name,
            "text": invocation.args,
            "user": person_payload(invocation.user),
            "conversation": {"id": conversation.pk, "name": conversation.name},
            "thread": invocation.thread.pk if invocation.thread is not None else None,
        },
        separators=(",", ":"),
    ).encode()
    bot = command.bot
    try:
        response = signed_post(
            url=command.url,
            secret=signing.secret_for(command.secret_salt),
            event=EVENT,
            delivery_id=str(uuid.uuid4()),
            body=body,
            timeout=TIMEOUT,
        )
    except outbound.OutboundRefused:
        return Outcome(reply=f"{bot.name} cannot be reached at the address it gave.")
    except requests.Timeout:
        return Outcome(reply=f"{bot.name} did not answer in time. Try again later.")
    except requests.RequestException as exc:
        logger.info("bot command %s failed: %r", command.pk, exc)
        return Outcome(reply=f"{bot.name} could not be reached. Try again later.")
    if not 200 <= response.status_code < 300:
        return Outcome(reply=f"{bot.name} failed to answer (HTTP {response.status_code}).")
    try:
        answer = json.loads(response.content) if response.content.strip() else {}
    except ValueError:
        return Outcome(reply=f"{bot.name} gave an answer that is not JSON.")
    text = answer.get("text") if isinstance(answer, dict) else None
    if not isinstance(text, str) or not text.strip():
        return Outcome(reply=None)  # done, nothing to say
    if answer.get("response_type") != "in_channel":
        return Outcome(reply=text[: settings.UCHAT_MESSAGE_MAX_LENGTH])
    try:
        message, _ = engine.message_create(
            conversation=conversation,
            sender=bot,
            body=text,
            thread=invocation.thread.pk if invocation.thread is not None else None,
        )
    except (ValidationError, PermissionDenied) as exc:
        detail = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        return Outcome(reply=f"{bot.name}'s answer could not be posted: {detail}")
    return Outcome(message=message)
