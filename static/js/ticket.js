/* The ticket page: live status, agent and history; canned replies into the composer. */
import { FRAME } from "./protocol.js";
import { insertText } from "./composer.js";
import { onMe } from "./me.js";
import { fullTime, shortTime } from "./times.js";

/* The tab's socket (me.js) carries every conversation's events: this ticket's only. */
const chat = document.getElementById("chat-data");
const data = chat ? JSON.parse(chat.textContent || "{}") : null;
const conversation = data ? data.room.id : null;
const me = data ? data.me.id : null;
/* An agent the ticket is taken from hears its change twice at most (the conversation's group
   and their own): the history shows each event once. */
const seen = new Set();

/** @param {string | undefined} text */
function showNotice(text) {
  const notice = document.getElementById("ticket-notice");
  if (!notice || !text) return;
  notice.textContent = text;
  notice.hidden = false;
}

onMe({
  [FRAME.TICKET_UPDATED]: (frame) => {
    if (Number(frame.ticket.conversation) !== conversation) return;
    const { ticket, event: change } = frame;
    if (seen.has(change.id)) return;
    seen.add(change.id);
    const status = document.getElementById("ticket-status");
    if (status) {
      status.textContent = ticket.status_label;
      status.className = "badge status-" + ticket.status;
    }
    const agent = document.getElementById("ticket-agent");
    if (agent) agent.textContent = ticket.agent ? ticket.agent.name : "not assigned yet";
    /* Taken from this agent: what only the ticket's agent may do goes with it. */
    if (!ticket.agent || ticket.agent.id !== me) {
      for (const own of document.querySelectorAll("[data-agent-only]")) {
        if (own instanceof HTMLElement) own.hidden = true;
      }
    }
    const sla = document.getElementById("ticket-sla");
    if (sla) sla.hidden = !ticket.sla_breached;
    /* The customer's buttons follow the ticket: rate and reopen once it is resolved. */
    for (const action of document.querySelectorAll("[data-customer-may]")) {
      if (!(action instanceof HTMLElement)) continue;
      action.hidden = !(ticket.customer_may || {})[action.dataset.customerMay || ""];
    }
    const item = document.createElement("li");
    item.className = "list-group-item small";
    item.textContent = change.text;
    const when = document.createElement("time");
    when.className = "text-body-secondary";
    when.dateTime = change.created_at;
    when.textContent = shortTime(change.created_at);
    when.title = fullTime(change.created_at);
    item.append(document.createElement("br"), when);
    const history = document.getElementById("ticket-history");
    if (history) history.append(item);
  },
  [FRAME.MEMBER_REMOVED]: (frame) => {
    if (frame.room.id === conversation && frame.user_id === me) {
      showNotice(frame.notice || "You no longer take part in this ticket.");
    }
  },
});
document.querySelectorAll("[data-canned]").forEach((button) => {
  button.addEventListener("click", () => insertText(/** @type {HTMLElement} */ (button).dataset.canned || ""));
});
