/* What the server defines for its sockets, mirrored here once: the frame names (rooms/frames.py,
   accounts/frames.py, notifications/frames.py, tickets/frames.py), the socket's close codes
   (rooms/sockets/base.py), the codes of its error frames (rooms/sockets/), the notification codes
   (notifications/models.py) and the API's error subcodes (core/api_errors.py). Every other script
   imports them from here: tests/test_protocol_js.py fails when a name is missing here or spelled
   as a string anywhere else. Keys are the server's constant names. */

/** Frame types, both ways. */
export const FRAME = Object.freeze({
  // client → server
  PING: "ping",
  SUBSCRIBE: "subscribe",
  MESSAGE_SEND: "message.send",
  MESSAGE_EDIT: "message.edit",
  MESSAGE_DELETE: "message.delete",
  REACTION_ADD: "reaction.add",
  REACTION_REMOVE: "reaction.remove",
  SYNC: "sync",
  READ: "read",
  TYPING: "typing",
  TICKET_VIEW: "ticket.view",
  PRESENCE_WATCH: "presence.watch",
  // server → client
  MESSAGE_ACK: "message.ack",
  MESSAGE_CREATED: "message.created",
  MESSAGE_UPDATED: "message.updated",
  MESSAGE_DELETED: "message.deleted",
  SUBSCRIBED: "subscribed",
  REACTION_UPDATED: "reaction.updated",
  PRESENCE: "presence",
  PRESENCE_STATE: "presence.state",
  MEMBER_ADDED: "member.added",
  MEMBER_UPDATED: "member.updated",
  MEMBER_REMOVED: "member.removed",
  ROOM_UPDATED: "room.updated",
  ROOM_DELETED: "room.deleted",
  ERROR: "error",
  PONG: "pong",
  NOTIFICATION_CREATED: "notification.created",
  NOTIFICATION_READ: "notification.read",
  ACCESS_REVOKED: "access.revoked",
  TICKET_UPDATED: "ticket.updated",
  DESK_TICKET: "desk.ticket",
  THREAD_UPDATED: "thread.updated",
  THREAD_UNREAD: "thread.unread",
  AGENT_AVAILABILITY: "agent.availability",
  TICKET_VIEWERS: "ticket.viewers",
});

/** The server's close codes (rooms/sockets/base.py, CLOSE_*). */
export const CLOSE = Object.freeze({
  FORBIDDEN: 4403,
  RECONNECT: 4011,
  TRY_LATER: 4013,
  REAUTHENTICATE: 4401,
  IDLE: 4408,
  TOO_MANY: 4429,
});

/** The "code" of the socket's own error frames (a refused write may also carry the service's
    validation code, such as "too_long"). */
export const SOCKET_ERROR = Object.freeze({
  BAD_FRAME: "bad_frame",
  BAD_JSON: "bad_json",
  FORBIDDEN: "forbidden",
  INVALID_THREAD: "invalid_thread",
  NOT_MEMBER: "not_member",
  NOT_SUBSCRIBED: "not_subscribed",
  RATE_LIMITED: "rate_limited",
  SERVER_ERROR: "server_error",
  TOO_LARGE: "too_large",
  TOO_MANY: "too_many",
  UNKNOWN_TYPE: "unknown_type",
});

/** Notification codes (notifications.models.Code). */
export const NOTIFICATION = Object.freeze({
  NEW_MESSAGE: 10095,
  ADDED_TO_ROOM: 10096,
  MENTION: 10097,
  NEW_TICKET_MESSAGE: 10098,
  USER_CREATION: 10099,
  TICKET_UPDATE: 10100,
  THREAD_REPLY: 10101,
  WEBHOOK_DISABLED: 10102,
});

/** The API's error subcodes ({"code", "subcode", "error"}: core/api_errors.py). */
export const API_ERROR = Object.freeze({
  BAD_REQUEST: 4000,
  MISSING_AUTH: 4001,
  INVALID_TOKEN: 4002,
  INVALID_CREDENTIALS: 4003,
  USERNAME_TAKEN: 4004,
  FORBIDDEN: 4005,
  NOT_FOUND: 4006,
  METHOD_NOT_ALLOWED: 4007,
  THROTTLED: 4008,
  INVALID_PAGING: 4009,
  INVALID_TEXT: 4010,
  INVALID_IMAGE: 4011,
  INVALID_VIDEO: 4012,
  UNKNOWN_CONTENT_TYPE: 4013,
  UNKNOWN_RECIPIENT: 4014,
  UNKNOWN_USERS: 4015,
  EMAIL_TAKEN: 4016,
  UNSUPPORTED_MEDIA_TYPE: 4017,
  TWO_FACTOR_REQUIRED: 4018,
  TWO_FACTOR_SETUP_REQUIRED: 4019,
  INVALID_QUERY: 4020,
  INVALID_FILE: 4021,
  INVALID_REPLY: 4022,
  INVALID_THREAD: 4023,
  INVALID_SUBSCRIPTION: 4025,
  DIRECTORY_REFUSED: 4051,
  CANNOT_LEAVE_ROOM: 4052,
  TOO_MANY_TOKENS: 4061,
  TOO_MANY_BOTS: 4062,
  INVALID_GROUP_NAME: 4063,
  UNKNOWN_COMMAND: 4064,
  INVALID_COMMAND: 4065,
  INVALID_WEBHOOK_URL: 4080,
  INVALID_WEBHOOK_PAYLOAD: 4081,
  INVALID_WEBHOOK_EVENTS: 4082,
  INVALID_BOT_COMMAND: 4083,
  TOO_MANY_WEBHOOKS: 4084,
  API_TOKEN_REFUSED: 4090,
  SERVER_ERROR: 5000,
  DATABASE_UNAVAILABLE: 5003,
  SEARCH_TIMEOUT: 5004,
});
