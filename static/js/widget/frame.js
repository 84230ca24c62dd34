/* The widget's frame (/widget/<key>/frame/): the pre-chat form, the conversation over the
   visitor's socket, typing both ways, the agent's name, "we're back at …" and the rating at
   resolution. Its data lives in ./state.js; the visitor's token in this frame's own storage.
   The one call it cannot make itself (opening a session, which must come from the website's
   origin) goes through the loader on the host page (static/js/widget/loader.js). */
import { CLOSE, FRAME } from "../protocol.js";
import { ChatLog, Typing, backAtText, prechatErrors, tokenKey } from "./state.js";

const MSG = "uchat-widget:";
const config = JSON.parse(/** @type {HTMLElement} */ (document.getElementById("widget-config")).textContent || "{}");
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const prechat = /** @type {HTMLFormElement} */ ($("w-prechat"));
const composer = /** @type {HTMLFormElement} */ ($("w-composer"));
const text = /** @type {HTMLTextAreaElement} */ ($("w-text"));
const list = $("w-messages");
const log = new ChatLog();
const typing = new Typing();
const storageKey = tokenKey(config.key);

/** @type {{token: string, conversation: number, visitor: number} | null} */
let session = null;
/** @type {WebSocket | null} */
let socket = null;
let retries = 0;
let lastTyping = 0;

function stored() {
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null; // storage blocked: the chat lasts as long as the frame
  }
}

/** @param {string | null} token */
function store(token) {
  try {
    if (token) localStorage.setItem(storageKey, token);
    else localStorage.removeItem(storageKey);
  } catch {
    /* storage blocked */
  }
}

/** @param {string} message */
function showError(message) {
  $("w-error").textContent = message;
}

/** @param {string} token @param {RequestInit} [init] */
async function api(token, path = "state", init = {}) {
  const response = await fetch(`/api/widget/${encodeURIComponent(config.key)}/${path}`, {
    ...init,
    credentials: "omit",
    headers: { Authorization: `Widget ${token}`, "Content-Type": "application/json" },
  });
  const data = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, data };
}

/** @param {any} state */
function drawState(state) {
  const ticket = state.ticket;
  $("w-agent").textContent = ticket && ticket.agent ? `${ticket.agent} is here to help` : "We usually answer in a few minutes";
  const hours = $("w-hours");
  hours.textContent = backAtText(state.back_at, new Date(), undefined, state.away);
  hours.hidden = !hours.textContent;
  $("w-rating").hidden = !(ticket && ticket.rateable);
  $("w-thanks").hidden = !(ticket && ticket.rated);
}

/** @param {any} message */
function drawMessage(message) {
  const item = document.createElement("li");
  const mine = session !== null && message.sender && message.sender.id === session.visitor;
  item.className = mine ? "w-msg w-mine" : "w-msg";
  item.dataset.seq = String(message.seq);
  if (!mine) {
    const who = document.createElement("span");
    who.className = "w-who";
    who.textContent = message.sender ? message.sender.name : "deleted user";
    item.append(who);
  }
  const bubble = document.createElement("p");
  bubble.className = "w-bubble";
  bubble.textContent = message.body || "(an attachment: see the e-mail or the ticket)";
  item.append(bubble);
  // Messages arrive in seq order nearly always; an older one (a sync) goes in its place.
  const after = [...list.children].find((li) => Number(/** @type {HTMLElement} */ (li).dataset.seq) > message.seq);
  list.insertBefore(item, after || null);
  item.scrollIntoView({ block: "end" });
}

function drawTyping() {
  $("w-typing").textContent = typing.label(Date.now());
}

/** @param {any} frame */
function onFrame(frame) {
  switch (frame.type) {
    case FRAME.SYNC:
      for (const message of frame.messages || []) if (log.add(message)) drawMessage(message);
      break;
    case FRAME.MESSAGE_ACK:
      if (frame.message && log.add(frame.message)) drawMessage(frame.message);
      break;
    case FRAME.MESSAGE_CREATED:
      if (frame.sender && typing.stop(frame.sender.id)) drawTyping();
      if (log.add(frame)) drawMessage(frame);
      break;
    case FRAME.TYPING:
      if (session && frame.user && frame.user.id !== session.visitor) {
        typing.saw(frame.user, Date.now());
        drawTyping();
        setTimeout(drawTyping, typing.ttl + 50);
      }
      break;
    case FRAME.TICKET_UPDATED:
      refresh();
      break;
    case FRAME.ERROR:
      showError(frame.message || "That did not work.");
      break;
    case FRAME.ACCESS_REVOKED:
      end("This chat has ended.");
      break;
  }
}

/** @param {string} why */
function end(why) {
  store(null);
  session = null;
  if (socket) socket.close();
  socket = null;
  list.replaceChildren();
  log.byId.clear();
  composer.hidden = true;
  showError(why);
  startForm();
}

function connect() {
  if (!session) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}/ws/rooms/${session.conversation}/?widget=${encodeURIComponent(session.token)}`;
  const ws = new WebSocket(url);
  socket = ws;
  ws.addEventListener("open", () => {
    retries = 0;
    showError("");
    composer.hidden = false; // only now: a message sent before would have nowhere to go
    ws.send(JSON.stringify({ type: FRAME.SYNC, after_seq: log.lastSeq() }));
  });
  ws.addEventListener("message", (event) => onFrame(JSON.parse(event.data)));
  ws.addEventListener("close", (event) => {
    if (socket !== ws) return;
    socket = null;
    if (event.code === CLOSE.FORBIDDEN || event.code === CLOSE.REAUTHENTICATE) {
      end("This chat has ended. Start a new one.");
      return;
    }
    retries += 1;
    showError("Reconnecting…");
    setTimeout(connect, Math.min(30000, 1000 * 2 ** Math.min(retries, 5)));
  });
}

async function refresh() {
  if (!session) return;
  const answer = await api(session.token);
  if (answer.ok) drawState(answer.data);
}

/** @param {string} token */
async function resume(token) {
  const answer = await api(token);
  if (!answer.ok || !answer.data.ticket) {
    if (answer.status === 401 || answer.status === 403) end("");
    else showError("The chat could not load. Try again in a moment.");
    return;
  }
  session = { token, conversation: answer.data.ticket.conversation, visitor: answer.data.visitor.id };
  drawState(answer.data);
  prechat.hidden = true;
  connect();
}

function startForm() {
  prechat.hidden = false;
  for (const name of ["name", "email"]) {
    const input = /** @type {HTMLInputElement} */ (prechat.elements.namedItem(name));
    const label = /** @type {HTMLElement} */ (input.parentElement);
    label.hidden = !config.pre_chat_form;
  }
}

/** @param {{name: string, email: string, website: string}} form */
function sessionRequest(form) {
  window.parent.postMessage({ type: `${MSG}session-request`, ...form }, "*");
}

prechat.addEventListener("submit", (event) => {
  event.preventDefault();
  const field = (/** @type {string} */ name) => /** @type {HTMLInputElement} */ (prechat.elements.namedItem(name)).value;
  const form = { name: field("name"), email: field("email"), website: field("website") };
  const errors = config.pre_chat_form ? prechatErrors(form) : {};
  $("w-prechat-error").textContent = errors.name || errors.email || "";
  if (errors.name || errors.email) return;
  /** @type {HTMLButtonElement} */ (prechat.querySelector("button")).disabled = true;
  sessionRequest(form);
});

window.addEventListener("message", (event) => {
  // Only the embedding page speaks to the frame (the loader); its answer carries the token.
  if (event.source !== window.parent || !event.data || event.data.type !== `${MSG}session`) return;
  /** @type {HTMLButtonElement} */ (prechat.querySelector("button")).disabled = false;
  if (event.data.error || !event.data.token) {
    $("w-prechat-error").textContent = event.data.error || "The chat could not start.";
    return;
  }
  store(event.data.token);
  resume(event.data.token);
});

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const body = text.value.trim();
  if (!body || !socket || socket.readyState !== WebSocket.OPEN) return;
  const clientId = `w-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  log.send(clientId, body);
  socket.send(JSON.stringify({ type: FRAME.MESSAGE_SEND, body, client_id: clientId }));
  text.value = "";
});

text.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    composer.requestSubmit();
  }
});

text.addEventListener("input", () => {
  const now = Date.now();
  if (socket && socket.readyState === WebSocket.OPEN && now - lastTyping > 2500) {
    lastTyping = now;
    socket.send(JSON.stringify({ type: FRAME.TYPING }));
  }
});

$("w-rating").addEventListener("click", async (event) => {
  const star = /** @type {HTMLElement} */ (event.target).closest("[data-rating]");
  if (!star || !session) return;
  const answer = await api(session.token, "rating", {
    method: "POST",
    body: JSON.stringify({ rating: Number(/** @type {HTMLElement} */ (star).dataset.rating) }),
  });
  if (answer.ok) drawState(answer.data);
  else showError(answer.data.error || "The rating could not be sent.");
});

$("w-close").addEventListener("click", () => window.parent.postMessage({ type: `${MSG}close` }, "*"));

const saved = stored();
if (saved) resume(saved);
else startForm();
