/* Collision on a ticket (the ticket page and the inbox's conversation), for agents and admins:
   this page tells the server it shows the ticket ("ticket.view": on every socket open, every
   20 s, and at most every 3 s while its reply box is typed in), and draws who else has it open
   ("X is viewing") or is typing a reply ("X is replying") from "ticket.viewers". A customer's
   page has no #ticket-viewers line, and the server never sends them the frame. */
import { FRAME } from "./protocol.js";
import { icon } from "./icons.js";
import { me, onMe } from "./me.js";

const HEARTBEAT_MS = 20000;
const TYPING_EVERY_MS = 3000;

const line = document.getElementById("ticket-viewers");
const ticket = line ? Number(line.dataset.ticket) : 0;
const self = line ? Number(line.dataset.me) : 0;
const replyingMs = line ? Number(line.dataset.replyingSeconds || 6) * 1000 : 6000;

/** @typedef {{ id: number, name: string, username: string }} Person */
/** @typedef {{ ticket: number, viewing: Person[], replying: Person[] }} Viewers */

/** "Ann", "Ann and Bo", "Ann, Bo and Cy". @param {Person[]} people */
export function names(people) {
  const all = people.map((p) => p.name);
  return all.length < 2 ? all.join("") : `${all.slice(0, -1).join(", ")} and ${all.at(-1)}`;
}

/** What the line says, without this person: [replying, viewing] sentences ("" when nobody).
    @param {Viewers} frame @param {number} viewer @param {boolean} replyingStale */
export function sentences(frame, viewer, replyingStale = false) {
  const others = (/** @type {Person[]} */ list) => list.filter((p) => p.id !== viewer);
  const replying = replyingStale ? [] : others(frame.replying);
  const typing = new Set(replying.map((p) => p.id));
  const viewing = others(frame.viewing).filter((p) => !typing.has(p.id));
  const verb = (/** @type {Person[]} */ list, /** @type {string} */ what) =>
    list.length ? `${names(list)} ${list.length === 1 ? "is" : "are"} ${what}` : "";
  return [verb(replying, "replying"), verb(viewing, "viewing")];
}

/** @type {Viewers | null} */
let last = null;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let fade;

/** @param {boolean} stale */
function draw(stale) {
  if (!line || !last) return;
  const [replying, viewing] = sentences(last, self, stale);
  line.replaceChildren();
  if (replying) {
    const part = document.createElement("span");
    part.className = "ticket-replying";
    part.append(icon("pencil", 14), " ", replying);
    line.append(part);
  }
  if (viewing) {
    const part = document.createElement("span");
    part.className = "ticket-viewing";
    part.append(icon("eye", 14), " ", viewing);
    line.append(part);
  }
  line.hidden = !replying && !viewing;
}

let typedAt = 0;

/** @param {boolean} replying */
function tell(replying) {
  me.send({ type: FRAME.TICKET_VIEW, ticket, replying });
}

if (line && ticket) {
  onMe({
    [FRAME.TICKET_VIEWERS]: (/** @type {Viewers} */ frame) => {
      if (Number(frame.ticket) !== ticket) return;
      last = frame;
      draw(false);
      /* Nobody says "stopped typing": "replying" fades unless a newer frame renews it. */
      clearTimeout(fade);
      if (frame.replying.some((p) => p.id !== self)) fade = setTimeout(() => draw(true), replyingMs);
    },
  });
  const typing = () => Date.now() - typedAt < TYPING_EVERY_MS;
  document.addEventListener("uchat:me-open", () => tell(typing()));
  tell(false);
  setInterval(() => tell(typing()), HEARTBEAT_MS);
  document.getElementById("message-input")?.addEventListener("input", () => {
    const now = Date.now();
    if (now - typedAt < TYPING_EVERY_MS) return;
    typedAt = now;
    tell(true);
  });
}
