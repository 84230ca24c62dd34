/* The dashboard's room list, kept live over /ws/me/. */
import { FRAME, NOTIFICATION } from "./protocol.js";
import { onMe } from "./me.js";

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const list = byId("room-list");
const empty = byId("no-rooms");
const me = Number(list.dataset.me);
const cap = Number(list.dataset.unreadCap);

/** @param {unknown} roomId @returns {HTMLAnchorElement | null} */
function item(roomId) {
  return document.querySelector(`[data-room-id="${roomId}"]`);
}

/** @param {HTMLElement} badge @param {number} count */
function setUnread(badge, count) {
  badge.dataset.count = String(count);
  badge.textContent = count >= cap ? `${cap - 1}+` : String(count);
  badge.classList.toggle("d-none", count === 0);
}

/** @param {{ id: number, name: string }} room */
function addRoom(room) {
  const known = item(room.id);
  if (known) return known;
  // The server's own row markup (templates/_conversation_rows.html), empty.
  const template = /** @type {HTMLTemplateElement} */ (byId("conversation-row"));
  const a = /** @type {HTMLAnchorElement} */ (/** @type {Element} */ (template.content.firstElementChild).cloneNode(true));
  a.href = `/rooms/${room.id}/`;
  a.dataset.roomId = String(room.id);
  /** @type {HTMLElement} */ (a.querySelector(".room-name")).textContent = room.name;
  list.prepend(a);
  empty.classList.add("d-none");
  return a;
}

/** @param {unknown} roomId */
function removeRoom(roomId) {
  const a = item(roomId);
  if (a) a.remove();
  empty.classList.toggle("d-none", list.children.length > 0);
}

/** @type {Record<string, (frame: any) => void>} */
const handlers = {
  [FRAME.MESSAGE_CREATED]: (m) => {
    const a = item(m.conversation);
    if (!a) return; // a ticket's conversation, or a direct one not listed yet (see below)
    const preview = /** @type {HTMLElement} */ (a.querySelector(".room-preview"));
    const text = m.content && m.content.type !== "text" ? `[${m.content.type}]` : m.body;
    preview.textContent = `${m.sender ? m.sender.name : "deleted user"}: ${text.length > 80 ? text.slice(0, 79) + "…" : text}`;
    if (!m.sender || m.sender.id !== me) {
      const badge = /** @type {HTMLElement} */ (a.querySelector(".unread"));
      setUnread(badge, Number(badge.dataset.count) + 1);
    }
    if (a.parentElement) a.parentElement.prepend(a);
  },
  [FRAME.NOTIFICATION_CREATED]: (n) => {
    // The first message of a new direct conversation: take the server's list.
    if (n.code === NOTIFICATION.NEW_MESSAGE && n.message && !item(n.message.conversation)) refresh();
  },
  [FRAME.MEMBER_ADDED]: (f) => { if (f.member.user.id === me && f.room.kind === "room") addRoom(f.room); },
  [FRAME.MEMBER_REMOVED]: (f) => { if (f.user_id === me) removeRoom(f.room.id); },
  [FRAME.ROOM_DELETED]: (f) => removeRoom(f.id),
  [FRAME.ROOM_UPDATED]: (f) => {
    const name = item(f.id)?.querySelector(".room-name");
    if (name) name.textContent = f.name;
  },
};

async function refresh() {
  // After a dropped connection, take the server's list: events may have been missed.
  const response = await fetch("/", { credentials: "same-origin" });
  if (!response.ok) return;
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const id of ["room-list", "direct-list"]) {
    const fresh = doc.getElementById(id);
    if (fresh) byId(id).replaceChildren(...fresh.children);
  }
  empty.classList.toggle("d-none", list.children.length > 0);
  const directs = byId("direct-list");
  byId("no-directs").classList.toggle("d-none", directs.children.length > 0);
}

onMe(handlers);
document.addEventListener("uchat:me-reconnected", refresh);
