/* How the message list is laid out, as pure functions of two neighbouring messages: a message by
   the same person within 5 minutes of the one before (same day) is grouped under it (no name or
   avatar); a separator names each day (the viewer's time zone); the "New messages" line sits
   before the first message that arrived since the last visit (not one's own). */

import { dayLabel } from "./times.js";

export const GROUP_MS = 5 * 60 * 1000;

/** @typedef {{ id: number, senderId: number | null, at: string, deleted: boolean }} Item */

/** @param {string} iso @returns {string | null} "Today", "Yesterday", "Friday 4 December"; null for no date */
export function dayOf(iso) {
  return dayLabel(iso);
}

/**
 * @param {Item | null} previous the message drawn before (null: the first)
 * @param {Item} item
 * @param {number | null} firstUnreadId
 * @returns {{ separator: string | null, newLine: boolean, grouped: boolean }}
 */
export function decoration(previous, item, firstUnreadId) {
  const previousDay = previous ? dayOf(previous.at) : null;
  const day = dayOf(item.at) ?? previousDay;
  const newLine = firstUnreadId !== null && item.id === firstUnreadId;
  const grouped = previous !== null && day === previousDay && item.senderId !== null &&
    item.senderId === previous.senderId && !item.deleted && !previous.deleted &&
    new Date(item.at).getTime() - new Date(previous.at).getTime() < GROUP_MS && !newLine;
  return { separator: day && day !== previousDay ? day : null, newLine, grouped };
}

/**
 * The first message that arrived since the reader's last visit, not their own; null when they
 * never read here (everything is new) or read everything.
 * @param {import("./store.js").Message[]} messages @param {number} lastReadId @param {number} meId
 */
export function firstUnread(messages, lastReadId, meId) {
  const unread = messages.find((m) => m.id > lastReadId && !(m.sender && m.sender.id === meId));
  return unread && lastReadId ? unread.id : null;
}

/**
 * The reader's newest message they may edit (text, not deleted), for ↑ in an empty composer.
 * @param {Iterable<import("./store.js").Message>} newestFirst @param {number} meId
 * @returns {import("./store.js").Message | null}
 */
export function lastEditable(newestFirst, meId) {
  for (const m of newestFirst) {
    if (m.sender && m.sender.id === meId && !m.deleted && (!m.content || m.content.type === "text")) return m;
  }
  return null;
}
