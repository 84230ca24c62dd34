/* The page's live presence: one PresenceWatch (presence.js) on the tab's socket (me.js). It
   watches the people of the page's presence dots (`.presence-dot[data-user-id]`: the sidebar's
   direct conversations, a direct conversation's header) and whoever another module shows
   (chat.js: the open conversation's members), and draws the dots. */
import { FRAME } from "./protocol.js";
import { me, onMe } from "./me.js";
import { PresenceWatch } from "./presence.js";

export const presence = new PresenceWatch((frame) => me.send(frame));

/** @param {number} userId @param {boolean} online */
function setDots(userId, online) {
  for (const dot of document.querySelectorAll(`.presence-dot[data-user-id="${Number(userId)}"]`)) {
    dot.classList.toggle("online", online);
    const label = dot.parentElement && dot.parentElement.querySelector(".presence-label");
    if (label) label.textContent = online ? "(online)" : "(offline)";
  }
}

/** The dots' people, again after the page redrew some (the sidebar's reload). */
export function watchDots() {
  const dots = document.querySelectorAll(".presence-dot[data-user-id]");
  presence.show("dots", [...dots].map((dot) => Number(/** @type {HTMLElement} */ (dot).dataset.userId)));
  /* A redrawn dot shows the server's rendering: what the socket said since wins. */
  for (const [id, online] of presence.online) setDots(id, online);
}

presence.onChange((changes) => { for (const [id, online] of changes) setDots(id, online); });
onMe({
  [FRAME.PRESENCE]: (f) => presence.apply(f),
  [FRAME.PRESENCE_STATE]: (f) => presence.apply(f),
});
document.addEventListener("uchat:me-open", () => presence.opened());
watchDots();
if (me.isOpen()) presence.opened();
