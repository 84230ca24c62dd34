"""Every write of the message engine. Views, the API, consumers, the admin, management
commands and the desk call these; none of them saves a Conversation, Membership or Message
itself.

Order inside each write: check permission and rules -> validate -> save -> (commit) ->
broadcast. The modules:

- ``conversations``: the only code that creates a conversation and its memberships (rooms,
  direct conversations and ticket conversations alike), adds and removes members, and moves
  read markers;
- ``rooms``: what room admins (and staff) do to a room;
- ``messages``: store (in batches: rooms/writer.py batches the sockets'), edit, delete and
  purge messages;
- ``threads``: following threads, their read markers, and what a thread reply sets off;
- ``notify``: who is told about a new message or member (handlers of rooms.domain_events);
- ``presence``: open sockets, and who is online.
"""

from rooms.services.conversations import (
    conversation_create,
    conversation_mark_read,
    direct_conversation_get_or_create,
    member_remove,
    members_add,
)
from rooms.services.messages import (
    Draft,
    message_annotate,
    message_broadcast,
    message_create,
    message_delete,
    message_delete_as_staff,
    message_draft,
    message_edit,
    messages_purge,
    messages_store,
)
from rooms.services.notify_settings import membership_notify_set
from rooms.services.presence import (
    Refused,
    SocketOpened,
    dead_processes,
    presence_connect,
    presence_disconnect,
    presence_event,
    presence_heartbeat,
    presence_online,
    presence_sweep,
    presence_watchable,
    process_alive,
    process_presence_sweep,
    socket_close,
    socket_name,
    socket_open,
    socket_subscribe,
)
from rooms.services.reactions import reaction_set
from rooms.services.rooms import (
    memberships_release,
    room_create,
    room_delete,
    room_details_set,
    room_join,
    room_leave,
    room_update,
)
from rooms.services.threads import thread_follow_set, thread_kind_check, thread_mark_read

__all__ = [
    "Draft",
    "Refused",
    "SocketOpened",
    "conversation_create",
    "conversation_mark_read",
    "dead_processes",
    "direct_conversation_get_or_create",
    "member_remove",
    "members_add",
    "membership_notify_set",
    "memberships_release",
    "message_annotate",
    "message_broadcast",
    "message_create",
    "message_delete",
    "message_delete_as_staff",
    "message_draft",
    "message_edit",
    "messages_purge",
    "messages_store",
    "presence_connect",
    "presence_disconnect",
    "presence_event",
    "presence_heartbeat",
    "presence_online",
    "presence_sweep",
    "presence_watchable",
    "process_alive",
    "process_presence_sweep",
    "reaction_set",
    "room_create",
    "room_delete",
    "room_details_set",
    "room_join",
    "room_leave",
    "room_update",
    "socket_close",
    "socket_name",
    "socket_open",
    "socket_subscribe",
    "thread_follow_set",
    "thread_kind_check",
    "thread_mark_read",
]
