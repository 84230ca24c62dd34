/* The desk's inbox: the ticket list follows every change live. The person's own socket
   (me.js) gets a "desk.ticket" ping when any ticket changes; the list is then fetched again
   through the page, which shows each person only the tickets they may see. */
import { FRAME } from "./protocol.js";
import { onMe } from "./me.js";
import { localize } from "./times.js";

const wrap = document.getElementById("inbox-list-wrap");
const url = (wrap && wrap.dataset.listUrl) || "";
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
let busy = false;
let again = false;

async function reload() {
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  try {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (response.ok) {
      const holder = document.createElement("div");
      holder.innerHTML = await response.text();
      const fresh = holder.querySelector("#inbox-list");
      const old = document.getElementById("inbox-list");
      if (fresh && old) {
        old.replaceWith(fresh);
        localize(fresh);
        markOverdue();
      }
    }
  } catch (error) {
    /* Offline: the next ping or reconnect fetches it again. */
  } finally {
    busy = false;
    if (again) {
      again = false;
      soon();
    }
  }
}

function soon() {
  clearTimeout(timer);
  timer = setTimeout(reload, 200);
}

/* A due time passing shows as "SLA missed" at once, without waiting for the server. */
function markOverdue() {
  const now = Date.now();
  for (const el of document.querySelectorAll("[data-sla-due]")) {
    if (!(el instanceof HTMLElement)) continue;
    if (new Date(el.dataset.slaDue || "").getTime() < now && !el.querySelector(".sla-missed")) {
      const badge = document.createElement("span");
      badge.className = "badge text-bg-danger sla-missed";
      badge.textContent = "SLA missed";
      el.firstChild && el.firstChild.nodeType === Node.TEXT_NODE && (el.firstChild.textContent || "").trim() === "Due"
        ? el.firstChild.replaceWith(badge, " ")
        : el.prepend(badge, " ");
    }
  }
}

onMe({ [FRAME.DESK_TICKET]: soon });
/* Whatever changed before the socket was open (first open, or a reconnect) is fetched too. */
document.addEventListener("uchat:me-open", soon);
/* Filters apply as they are chosen (the Filter button does the same without JavaScript). */
const filters = document.getElementById("inbox-filters");
if (filters instanceof HTMLFormElement) {
  for (const select of filters.querySelectorAll("select")) {
    select.addEventListener("change", () => filters.requestSubmit());
  }
}
markOverdue();
setInterval(markOverdue, 15000);

/* Narrow windows show one pane at a time (desk.css): the back and details buttons switch. */
const shell = document.getElementById("inbox-shell");
document.querySelectorAll("[data-show-pane]").forEach((button) => {
  button.addEventListener("click", () => {
    if (shell) shell.dataset.pane = /** @type {HTMLElement} */ (button).dataset.showPane || "list";
  });
});
