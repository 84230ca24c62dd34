/* The Threads page (/threads/): each followed thread's unread count kept live from
   `thread.unread`; a thread the page does not list yet (or a reconnection) reloads the list
   from the page itself. */
import { onMe } from "./me.js";
import { FRAME } from "./protocol.js";
import { badgeText } from "./threads.js";
import { localize } from "./times.js";

/** Colours each author's initials as the conversation page does. @param {ParentNode} root */
function paint(root) {
  for (const avatar of root.querySelectorAll(".avatar[data-hue]")) {
    /** @type {HTMLElement} */ (avatar).style.setProperty("--hue", String((Number(/** @type {HTMLElement} */ (avatar).dataset.hue) * 47) % 360));
  }
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
function reload() {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    const response = await fetch(window.location.pathname, { credentials: "same-origin" }).catch(() => null);
    if (!response || !response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");  /* our own server's page */
    const fresh = page.getElementById("threads-body");
    const body = document.getElementById("threads-body");
    if (!fresh || !body) return;
    body.replaceChildren(...fresh.childNodes);
    paint(body);
    localize(body);
  }, 300);
}

/** @param {{ message: number, unread: number }} frame */
function update(frame) {
  const row = /** @type {HTMLElement | null} */ (document.querySelector(`.threads-item[data-thread="${Number(frame.message)}"]`));
  if (!row) { if (frame.unread) reload(); return; }
  row.classList.toggle("unread", frame.unread > 0);
  const badge = /** @type {HTMLElement | null} */ (row.querySelector(".threads-badge"));
  if (!badge) return;
  badge.dataset.count = String(frame.unread);
  badge.classList.toggle("d-none", !frame.unread);
  const count = badge.querySelector(".count");
  if (count) count.textContent = badgeText(frame.unread);
  if (frame.unread) reload();  /* a new reply: the order and the counts change */
}

paint(document);
onMe({ [FRAME.THREAD_UNREAD]: update });
document.addEventListener("uchat:me-reconnected", reload);
