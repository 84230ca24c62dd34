"""A throw-away conversation kind, for tests only (tests/test_seams.py): what a third kind (a
bot's, a website visitor's) registers, with no change to the message engine."""

from typing import Any

from django.http import Http404
from rest_framework.response import Response

from accounts.http import SignedInApiRequest
from accounts.models import User
from rooms import selectors
from rooms.api import ConversationMessagesApi
from rooms.kinds import ConversationKind, MessageAction
from rooms.models import Conversation, Message

NAME = "bot"
GROUP = "bot.watchers"


def _extras(message: Message, deleted: bool) -> dict[str, Any]:
    # Every message object gains the field, whatever its conversation (as ``ticket`` does).
    return {"bot_reply": None if deleted else {"id": message.pk, "number": message.seq}}


def _actions(user: User, conversation: Conversation) -> list[MessageAction]:
    return [
        {
            "name": "bot-teach",
            "label": "Teach the bot",
            "url": "/bot/teach/0/",
            "confirm": "Teach the bot this message?",
            "failed": "The bot did not learn it",
        }
    ]


BOT = ConversationKind(
    name=NAME,
    url=lambda conversation, user: None,  # shown on the engine's own chat page
    socket_groups=lambda user: [GROUP],
    message_extras=_extras,
    message_actions=_actions,
    message_links=[{"field": "bot_reply", "url": "/bot/{id}/", "label": "Bot {number}"}],
    list_events=("bot.said",),
)


class BotMessagesApi(ConversationMessagesApi):
    """The kind's own API door, as the desk has one for tickets."""

    def conversation(self, request: Any, object_id: int) -> Conversation:
        found = selectors.conversation_for_member(
            user=request.user, conversation_id=object_id, kind=NAME
        )
        if found is None:
            raise Http404
        return found

    def post(self, request: SignedInApiRequest, conversation_id: int) -> Response:
        return self.send(request, conversation_id)
