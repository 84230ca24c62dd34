/* The sidebar beside conversation pages: unread counts, live over the tab's socket (me.js);
   its presence dots are watched and drawn by presence_ui.js. Lists are reloaded from /sidebar/ when something may have been missed. */
import { FRAME } from "./protocol.js";
import { onMe } from "./me.js";
import { watchDots } from "./presence_ui.js";
import { badgeText } from "./threads.js";

const sidebar = document.getElementById("sidebar") || document.createElement("nav");  /* none: nothing to keep live */
const me = Number(sidebar.dataset.me);
const cap = Number(sidebar.dataset.unreadCap);
const current = Number(sidebar.dataset.current || 0);

/** @param {unknown} conversationId @returns {HTMLElement | null} */
function link(conversationId) {
  return sidebar.querySelector(`.sidebar-link[data-conversation="${Number(conversationId)}"]`);
}

/* False when the conversation is not listed (the lists are then reloaded). */
/** @param {unknown} conversationId */
function bump(conversationId) {
  const item = link(conversationId);
  if (!item) return false;
  /** @type {HTMLElement | null} */
  const badge = item.querySelector(".unread");
  if (!badge) return true;  /* listed by its status, not counted */
  const count = Number(badge.dataset.count) + 1;
  badge.dataset.count = String(count);
  const shown = badge.querySelector(".count");
  if (shown) shown.textContent = count >= cap ? `${cap - 1}+` : String(count);
  badge.classList.remove("d-none");
  return true;
}

/** The "Threads" entry's badge: unread replies over the followed threads. @param {number} total */
function setThreadsBadge(total) {
  const badge = /** @type {HTMLElement | null} */ (sidebar.querySelector(".threads-unread"));
  if (!badge) return;
  badge.dataset.count = String(total);
  badge.classList.toggle("d-none", !total);
  const shown = badge.querySelector(".count");
  if (shown) shown.textContent = badgeText(total, cap);
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
function reload() {
  /* A burst of changes reloads once. */
  clearTimeout(timer);
  timer = setTimeout(async () => {
    const response = await fetch(`/sidebar/?current=${current || ""}`, { credentials: "same-origin" });
    if (!response.ok) return;
    const holder = document.getElementById("sidebar-lists");
    if (!holder) return;
    const active = document.activeElement;
    const focused = active && holder.contains(active) ? active.getAttribute("href") : null;
    holder.innerHTML = await response.text();  /* our own server's template */
    watchDots();  /* its direct conversations' people (presence_ui.js draws the dots) */
    if (focused) { const again = holder.querySelector(`[href="${CSS.escape(focused)}"]`); if (again instanceof HTMLElement) again.focus(); }
  }, 300);
}

/** @type {Record<string, (frame: any) => void>} */
const handlers = {
  [FRAME.MESSAGE_CREATED]: (m) => {
    if (Number(m.conversation) === current || (m.sender && m.sender.id === me)) return;
    if (m.thread && !m.also_to_room) return;  /* a thread's reply: counted by the Threads badge */
    if (!bump(m.conversation)) reload();  /* a conversation not listed yet (a new direct one) */
  },
  [FRAME.THREAD_UNREAD]: (f) => setThreadsBadge(f.total),
  [FRAME.MEMBER_ADDED]: (f) => { if (f.member.user.id === me) reload(); },
  [FRAME.MEMBER_REMOVED]: (f) => { if (f.user_id === me) reload(); },
  [FRAME.ROOM_UPDATED]: () => reload(),
  [FRAME.ROOM_DELETED]: () => reload(),
};
/* The conversation kinds' events that change the lists (rooms/kinds.py, from the page). */
for (const type of (sidebar.dataset.reloadOn || "").split(" ").filter(Boolean)) {
  handlers[type] = handlers[type] || (() => reload());
}
if (sidebar.isConnected) {
  onMe(handlers);
  document.addEventListener("uchat:me-reconnected", reload);
}

export { reload };
