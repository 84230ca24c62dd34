/* The ticket page: live status, agent and history; canned replies into the composer. */
import { FRAME } from "./protocol.js";
import { insertText } from "./composer.js";
import { icon } from "./icons.js";
import { onMe } from "./me.js";
import { showError } from "./notice.js";
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

/* Internal notes in the inbox's conversation: "Reply | Private note" above the composer, as in
   Chatwoot. In note mode the box posts to the ticket's notes (tickets:note, as JSON) instead of
   sending a message: nothing reaches the socket, so the customer never sees it (not even as
   typing). Notes sit in the timeline among the messages, by time, tinted, with a lock. */
const modes = document.getElementById("composer-modes");
const composerForm = document.getElementById("composer");
const box = /** @type {HTMLTextAreaElement | null} */ (document.getElementById("message-input"));
const messages = document.getElementById("messages");
const noteUrl = document.getElementById("note-url")?.dataset.url || "";
let noteMode = false;

/** @typedef {{ id: number, author: string, body: string, created_at: string }} Note */

/** @param {Note} note */
function noteElement(note) {
  const li = document.createElement("li");
  li.className = "message note";
  li.dataset.noteId = String(note.id);
  li.dataset.at = note.created_at;
  const head = document.createElement("div");
  head.className = "note-head";
  const who = document.createElement("strong");
  who.textContent = note.author;
  const when = document.createElement("time");
  when.className = "time";
  when.dateTime = note.created_at;
  when.textContent = shortTime(note.created_at);
  when.title = fullTime(note.created_at);
  head.append(icon("lock"), who, "Private note", when);
  const body = document.createElement("div");
  body.className = "body";
  body.textContent = note.body;
  li.append(head, body);
  return li;
}

/** The note's place: before the first message written after it (and that one's separator). @param {Note} note */
function placeNote(note) {
  if (!messages || messages.querySelector(`li[data-note-id="${Number(note.id)}"]`)) return;
  const li = noteElement(note);
  const at = new Date(note.created_at).getTime();
  const later = [...messages.querySelectorAll(":scope > li.message[data-id]")].find((m) => {
    const when = /** @type {HTMLElement} */ (m).dataset.at || m.querySelector("time")?.getAttribute("datetime") || "";
    return new Date(when).getTime() > at;
  });
  let before = later || messages.querySelector(":scope > li.pending");
  while (before && before.previousElementSibling && !before.previousElementSibling.classList.contains("message")) before = before.previousElementSibling;
  messages.insertBefore(li, before || null);
}

/** @param {boolean} on */
function setNoteMode(on) {
  noteMode = on;
  composerForm?.classList.toggle("note-mode", on);
  modes?.querySelectorAll("button[data-mode]").forEach((button) => {
    const mine = (/** @type {HTMLElement} */ (button).dataset.mode === "note") === on;
    button.classList.toggle("active", mine);
    button.setAttribute("aria-pressed", mine ? "true" : "false");
  });
  const send = composerForm?.querySelector("button[type=submit]");
  if (send) {
    /* An icon-only button keeps its icon and changes its label. */
    if (send.querySelector("svg")) send.setAttribute("aria-label", on ? "Add note" : "Send");
    else send.textContent = on ? "Add note" : "Send";
    send.classList.toggle("btn-warning", on);
    send.classList.toggle("btn-primary", !on);
  }
  if (box) {
    box.placeholder = on ? "Write a private note: only agents and admins see it" : box.dataset.replyPlaceholder || "";
    box.focus();
  }
}

async function submitNote() {
  if (!box || !composerForm) return;
  const text = box.value.trim();
  if (!text) { showError("Type a note first."); return; }
  const fields = new FormData();
  fields.append("body", text);
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  fields.append("csrfmiddlewaretoken", token instanceof HTMLInputElement ? token.value : "");
  try {
    const response = await fetch(noteUrl, { method: "POST", body: fields, credentials: "same-origin", headers: { Accept: "application/json" } });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) { showError(answer.error || "The note was not saved. Try again."); return; }
    box.value = "";
    showError("");
    placeNote(answer);
    const scroller = document.getElementById("scroll");
    if (scroller) scroller.scrollTop = scroller.scrollHeight;
  } catch {
    showError("Not connected. The note was not saved; it is still in the box.");
  }
}

if (modes && composerForm && box && messages) {
  box.dataset.replyPlaceholder = box.placeholder;
  composerForm.prepend(modes);
  modes.hidden = false;
  modes.querySelectorAll("button[data-mode]").forEach((button) => {
    button.addEventListener("click", () => setNoteMode(/** @type {HTMLElement} */ (button).dataset.mode === "note"));
  });
  /* Caught on the way down, before the composer's own handlers see them. */
  composerForm.addEventListener("submit", (event) => {
    if (!noteMode) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    submitNote();
  }, true);
  composerForm.addEventListener("keydown", (event) => {
    if (!noteMode || event.target !== box) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      event.stopPropagation();
      submitNote();
    } else if (event.key !== "Escape") event.stopPropagation();
  }, true);
  composerForm.addEventListener("input", (event) => { if (noteMode) event.stopPropagation(); }, true);
  /* A note added in another window (or by another agent): the desk's ping names the ticket. */
  const ticketId = Number(noteUrl.split("/").filter(Boolean).at(-2));
  onMe({
    [FRAME.DESK_TICKET]: async (frame) => {
      if (Number(frame.ticket) !== ticketId) return;
      try {
        const response = await fetch(noteUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!response.ok) return;
        const scroller = document.getElementById("scroll");
        const stick = scroller && scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
        /** @type {{ notes: Note[] }} */ (await response.json()).notes.forEach(placeNote);
        if (scroller && stick) scroller.scrollTop = scroller.scrollHeight;
      } catch { /* offline: the next ping fetches them */ }
    },
  });
  const notesData = document.getElementById("notes-data");
  const scroller = document.getElementById("scroll");
  const atBottom = scroller && scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  /** @type {Note[]} */ (JSON.parse(notesData?.textContent || "[]")).forEach(placeNote);
  if (scroller && atBottom) scroller.scrollTop = scroller.scrollHeight;
}
