/* What threads add to a message in the main list, as Slack draws it: under a root, a line
   with the faces of who took part, "3 replies" and "Last reply 14:57", which opens the thread;
   above a reply also sent to the room, "replied to a thread: <the root's text>", which opens it
   too. Both are buttons with data-action="thread" (message_actions.js opens the pane). */
import { avatarFor } from "./message_render.js";
import { faces, repliesText } from "./threads.js";
import { clockTime, dayLabel, fullTime } from "./times.js";

/**
 * @typedef {import("./store.js").Message} Message
 * @typedef {import("./store.js").Person} Person
 */

/** "Last reply 14:57" today, "Last reply Yesterday 14:57", "Last reply Friday 4 December". @param {string} iso */
export function lastReplyText(iso) {
  const day = dayLabel(iso);
  if (!day) return "";
  if (day === "Today") return `Last reply ${clockTime(iso)}`;
  if (day === "Yesterday") return `Last reply yesterday ${clockTime(iso)}`;
  return `Last reply ${day}`;
}

/**
 * The root's reply line.
 * @param {Message} message @param {(id: number) => Person | null | undefined} lookup
 */
export function buildThreadSummary(message, lookup) {
  const line = document.createElement("button");
  line.type = "button";
  line.className = "thread-summary";
  line.dataset.action = "thread";
  line.dataset.thread = String(message.id);
  const people = document.createElement("span");
  people.className = "thread-faces";
  for (const person of faces(message.thread_participants, lookup)) {
    const face = avatarFor(person);
    face.classList.add("avatar-xs");
    face.title = person.name;
    people.append(face);
  }
  const count = document.createElement("span");
  count.className = "thread-count";
  count.textContent = repliesText(message.reply_count || 0);
  line.append(people, count);
  if (message.last_reply_at) {
    const last = document.createElement("time");
    last.className = "thread-last";
    last.dateTime = message.last_reply_at;
    last.title = fullTime(message.last_reply_at);
    last.textContent = lastReplyText(message.last_reply_at);
    line.append(last);
  }
  const open = document.createElement("span");
  open.className = "thread-open-hint";
  open.textContent = "View thread";
  line.append(open);
  return line;
}

/**
 * The line above a reply that was also sent to the room.
 * @param {Message} message @param {string} rootText the root's excerpt ("" when not on the page)
 */
export function buildThreadOrigin(message, rootText) {
  const line = document.createElement("button");
  line.type = "button";
  line.className = "thread-origin";
  line.dataset.action = "thread";
  line.dataset.thread = String(message.thread);
  line.append("replied to a thread");
  if (rootText) {
    const text = document.createElement("span");
    text.className = "thread-origin-text";
    text.textContent = rootText;
    line.append(": ", text);
  }
  return line;
}
