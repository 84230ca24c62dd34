/* Threads without the DOM (docs/frontend.md): which messages the main list shows, the words of
   a root's reply line, the pane's address (?thread=<root id>), when to mark a thread read, and
   the Threads badge. The pane (thread_pane.js) and the list (chat.js, message_render.js) draw
   from these; tests/js/threads.test.js runs them under Node. */

/**
 * @typedef {import("./store.js").Message} Message
 * @typedef {import("./store.js").Person} Person
 * @typedef {{ conversation: number, message: number, reply_count: number, last_reply_at: string | null, thread_participants: number[] }} ThreadUpdate
 * @typedef {{ conversation: number, message: number, unread: number, total: number }} ThreadUnread
 */

/** At most this many faces on a root's reply line (the server keeps five). */
export const MAX_FACES = 5;

/** A reply in a thread shows in the main list only when it was also sent to the room.
    @param {Message} message */
export function inMainList(message) {
  return !message.thread || Boolean(message.also_to_room);
}

/** The thread a message belongs to (its root's id), or null: a root is its own thread only
    once it has replies. @param {Message} message */
export function threadOf(message) {
  return message.thread || null;
}

/** "1 reply", "3 replies". @param {number} count */
export function repliesText(count) {
  return count === 1 ? "1 reply" : `${count} replies`;
}

/** A message's text on one line, cut at `max` characters with "…" (a thread's root, quoted).
    @param {Message | undefined | null} message @param {number} [max] */
export function excerpt(message, max = 80) {
  if (!message) return "";
  if (message.deleted) return "This message was deleted.";
  const text = (message.body || "").replace(/\s+/g, " ").trim();
  if (!text) return message.content && message.content.type !== "text" ? "[attachment]" : "";
  return text.length > max ? text.slice(0, max - 1).trimEnd() + "…" : text;
}

/** The root's id from the page's query (`?thread=12`), or null. @param {string} search */
export function threadFromQuery(search) {
  const value = new URLSearchParams(search).get("thread");
  const id = Number(value);
  return value && Number.isInteger(id) && id > 0 ? id : null;
}

/** The query with `thread` set to the root (or taken out when null); the other parameters stay. @param {string} search @param {number | null} rootId */
export function withThread(search, rootId) {
  const params = new URLSearchParams(search);
  if (rootId) params.set("thread", String(rootId));
  else params.delete("thread");
  const query = params.toString();
  return query ? "?" + query : "";
}

/** The root after a `thread.updated` frame: its counts, nothing else. @param {Message} root
    @param {ThreadUpdate} frame @returns {Message} */
export function withCounts(root, frame) {
  return {
    ...root,
    reply_count: frame.reply_count,
    last_reply_at: frame.last_reply_at,
    thread_participants: frame.thread_participants,
  };
}

/**
 * The faces on a root's reply line: its participants (author first) as people, from what the
 * page knows (the members); someone it does not know is drawn as "?".
 * @param {number[] | undefined} ids @param {(id: number) => Person | null | undefined} lookup
 * @returns {Person[]}
 */
export function faces(ids, lookup) {
  return (ids || []).slice(0, MAX_FACES).map((id) => lookup(id) || { id, username: "", name: "?" });
}

/**
 * Whether the pane should mark its thread read: the newest reply is on screen, the tab is
 * visible, and it is newer than what was marked.
 * @param {{ newestReply: number, marked: number, atBottom: boolean, visible: boolean }} state
 */
export function shouldMarkRead({ newestReply, marked, atBottom, visible }) {
  return newestReply > 0 && newestReply > marked && atBottom && visible;
}

/** The badge's words: "" for none, "99+" from the cap on. @param {number} total @param {number} cap */
export function badgeText(total, cap = 100) {
  if (!total || total < 0) return "";
  return total >= cap ? `${cap - 1}+` : String(total);
}

/** A typing frame about this thread (its `thread` is the root), or about the room (no `thread`).
    @param {{ thread?: number | null }} frame @param {number | null} rootId */
export function typingIn(frame, rootId) {
  return rootId ? Number(frame.thread) === rootId : !frame.thread;
}

/**
 * What a page knows of the person's followed threads: the unread replies per thread, and the
 * total, from `thread.unread` frames (the server's total wins: it counts threads this page
 * never saw).
 */
export class ThreadUnreads {
  /** @param {number} total the count the page was rendered with */
  constructor(total = 0) {
    this.total = total;
    /** @type {Map<number, number>} root id → unread replies */
    this.unread = new Map();
  }

  /** @param {ThreadUnread} frame @returns {number} the new total */
  apply(frame) {
    this.unread.set(frame.message, frame.unread);
    this.total = Math.max(0, frame.total);
    return this.total;
  }

  /** @param {number} rootId */
  of(rootId) { return this.unread.get(rootId) || 0; }
}
