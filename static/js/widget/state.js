/* The widget frame's data, apart from drawing (tests/js/widget.test.js): the conversation's
   messages in seq order with the visitor's pending sends, who is typing, the pre-chat form's
   checks and the "we're back at" line. No DOM here. */

/**
 * @typedef {{id: number, seq: number, body: string, sender: {id: number, name: string} | null,
 *   created_at: string, client_id?: string | null, deleted?: boolean}} ChatMessage
 */

export class ChatLog {
  constructor() {
    /** @type {Map<number, ChatMessage>} */
    this.byId = new Map();
    /** @type {Map<string, string>} client_id → text, sent but not yet stored */
    this.pending = new Map();
  }

  /** @param {ChatMessage} message @returns {boolean} whether it was new */
  add(message) {
    if (message.client_id) this.pending.delete(message.client_id);
    const known = this.byId.has(message.id);
    this.byId.set(message.id, message);
    return !known;
  }

  /** @param {ChatMessage[]} messages */
  addMany(messages) {
    for (const message of messages) this.add(message);
  }

  /** @param {string} clientId @param {string} text */
  send(clientId, text) {
    this.pending.set(clientId, text);
  }

  /** @returns {ChatMessage[]} stored messages, oldest first, deleted ones left out */
  ordered() {
    return [...this.byId.values()].filter((m) => !m.deleted).sort((a, b) => a.seq - b.seq);
  }

  /** The last stored seq (what a sync asks after). */
  lastSeq() {
    let last = 0;
    for (const m of this.byId.values()) last = Math.max(last, m.seq);
    return last;
  }
}

/** Who types, by person id, until when (ms). */
export class Typing {
  constructor(ttl = 6000) {
    this.ttl = ttl;
    /** @type {Map<number, {name: string, until: number}>} */
    this.people = new Map();
  }

  /** @param {{id: number, name: string}} person @param {number} now */
  saw(person, now) {
    this.people.set(person.id, { name: person.name, until: now + this.ttl });
  }

  /** @param {number} id */
  stop(id) {
    return this.people.delete(id);
  }

  /** @param {number} now @returns {string} */
  label(now) {
    const names = [...this.people.values()].filter((p) => p.until > now).map((p) => p.name);
    if (names.length === 0) return "";
    if (names.length === 1) return `${names[0]} is typing…`;
    return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]} are typing…`;
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The pre-chat form's checks (the server checks again).
 * @param {{name: string, email: string}} form
 * @returns {{name?: string, email?: string}}
 */
export function prechatErrors(form) {
  /** @type {{name?: string, email?: string}} */
  const errors = {};
  if (!form.name.trim()) errors.name = "Your name, please.";
  if (!EMAIL.test(form.email.trim())) errors.email = "An e-mail address where we can answer you.";
  return errors;
}

/**
 * "We're back at 09:00 Monday" (in the visitor's time zone), or "" while the team is in.
 * @param {string | null} iso when the desk opens again
 * @param {Date} now
 * @param {string} [timeZone]
 * @param {boolean} [away] the team is away with no opening ahead
 */
export function backAtText(iso, now, timeZone, away = false) {
  if (!iso) return away ? "We're away right now: leave a message and we'll answer when we're back." : "";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime()) || at <= now) return "";
  const time = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone }).format(at);
  const day = new Intl.DateTimeFormat("en-GB", { weekday: "long", timeZone });
  const sameDay = day.format(at) === day.format(now) && at.getTime() - now.getTime() < 86400000;
  const when = sameDay ? `${time} today` : `${time} ${day.format(at)}`;
  return `We're away right now. We're back at ${when}: leave a message and we'll answer then.`;
}

/** The localStorage key of a widget's visitor token. @param {string} key */
export function tokenKey(key) {
  return `uchat-widget:${key}`;
}
