/* The person's own socket, on every page: the notification badge, and the dashboard's list.
   Other scripts listen to "uchat:me" events (detail: the frame), or import `me`. */
import { FRAME, NOTIFICATION } from "./protocol.js";
import { isMuted } from "./notify_state.js";
import { Socket } from "./socket.js";

const badge = document.getElementById("notif-badge");
const onDashboard = Boolean(document.getElementById("room-list"));

/** @param {number} count */
function setBadge(count) {
  if (!badge) return;
  badge.textContent = count >= 100 ? "99+" : String(count);
  badge.classList.toggle("d-none", count === 0);
}

/* Browser notifications (opt-in, from the user menu): a direct message or a mention
   while this tab is hidden, when the server says the notification alerts (``alert``: false
   under do not disturb or quiet hours). The unread count also shows in the tab's title. */
const BROWSER_CODES = new Set([NOTIFICATION.NEW_MESSAGE, NOTIFICATION.MENTION, NOTIFICATION.NEW_TICKET_MESSAGE, NOTIFICATION.THREAD_REPLY]);
const baseTitle = document.title;
let unseen = 0;
function showUnseen() {
  document.title = unseen ? `(${unseen > 99 ? "99+" : unseen}) ${baseTitle}` : baseTitle;
}
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") { unseen = 0; showUnseen(); }
});
document.addEventListener("uchat:unseen", () => {
  /* A muted conversation's messages never count, ring or pop in its open tab. */
  if (document.visibilityState !== "visible" && !isMuted()) { unseen += 1; showUnseen(); }
});
/** @param {import("./socket.js").Frame} frame */
function notifyBrowser(frame) {
  if (!frame.alert || !BROWSER_CODES.has(frame.code) || document.visibilityState === "visible") return;
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  if (localStorage.getItem("uchat-notify") !== "on") return;
  const message = frame.message || {};
  const thread = message.thread ? `?thread=${Number(message.thread)}&around=${Number(message.id)}` : "";
  const where = message.conversation ? `/conversations/${Number(message.conversation)}/${thread}` : "/notifications/";
  const shown = new Notification(frame.title, { body: String(message.text || "").slice(0, 140), tag: "uchat-" + frame.id });
  shown.onclick = () => { window.focus(); window.location.assign(where); };
}
const toggle = document.getElementById("notify-toggle");
function toggleLabel() {
  if (!toggle) return;
  const on = "Notification" in window && Notification.permission === "granted" && localStorage.getItem("uchat-notify") === "on";
  toggle.textContent = on ? "Turn off desktop notifications" : "Turn on desktop notifications";
  toggle.setAttribute("aria-pressed", on ? "true" : "false");
}
if (toggle) {
  const item = toggle.closest("li");
  if (!("Notification" in window) && item) item.hidden = true;
  toggle.addEventListener("click", async () => {
    if (localStorage.getItem("uchat-notify") === "on") localStorage.setItem("uchat-notify", "off");
    else if ((await Notification.requestPermission()) === "granted") localStorage.setItem("uchat-notify", "on");
    toggleLabel();
  });
  toggleLabel();
}

/** The tab's socket, with the one conversation it is subscribed to. */
class MeSocket extends Socket {
  /** @type {number | null} */
  subscription = null;

  /* The conversation this tab shows: sent now if the socket is open, and again on every
     reconnection (before "uchat:me-open" is dispatched). */
  /** @param {number} conversationId */
  subscribe(conversationId) {
    this.subscription = conversationId;
    this.send({ type: FRAME.SUBSCRIBE, conversation: conversationId });
  }
}

/* The tab's one socket. Pages with a conversation list (the dashboard, the sidebar) hear
   every conversation; a conversation page subscribes to the one it shows (chat.js). */
const lists = Boolean(onDashboard || document.getElementById("sidebar"));
export const me = new MeSocket(lists ? "/ws/me/" : "/ws/me/?rooms=0", {
  indicator: document.getElementById("connection") ? "connection" : null,
  onOpen: (reconnected) => {
    if (me.subscription) me.send({ type: FRAME.SUBSCRIBE, conversation: me.subscription });
    /* "uchat:me-open" on every open: pages that render a list catch what changed between
       their rendering and this socket's first frame. */
    document.dispatchEvent(new CustomEvent("uchat:me-open", { detail: { reconnected } }));
    if (reconnected) document.dispatchEvent(new CustomEvent("uchat:me-reconnected"));
  },
  onFrame: (frame) => {
    if (frame.type === FRAME.NOTIFICATION_CREATED || frame.type === FRAME.NOTIFICATION_READ) setBadge(frame.unread);
    if (frame.type === FRAME.NOTIFICATION_CREATED) notifyBrowser(frame);
    document.dispatchEvent(new CustomEvent("uchat:me", { detail: frame }));
  },
  onClosedForGood: () => document.dispatchEvent(new CustomEvent("uchat:me-closed")),
});

/** Calls handlers[frame.type] for each frame the tab's socket hears. @param {Record<string, (frame: any) => void>} handlers */
export function onMe(handlers) {
  document.addEventListener("uchat:me", (event) => {
    const frame = /** @type {CustomEvent} */ (event).detail;
    const handle = handlers[frame.type];
    if (handle) handle(frame);
  });
}
