/* Presence by watching (docs/websocket.md, "Presence"): the people this page shows, the one
   `presence.watch` frame that asks the server for them, and what it says of them. Data only,
   no DOM (tests/js/presence.test.js); presence_ui.js wires it to the tab's socket and draws. */
import { FRAME } from "./protocol.js";

/** The server's UCHAT_PRESENCE_WATCH_MAX default: past it a watch is refused (too_many). */
export const WATCH_MAX = 500;
/** The server takes one presence.watch a second per socket (rate_limited otherwise), in ms. */
export const WATCH_GAP = 1100;

/**
 * @typedef {(changes: Array<[number, boolean]>) => void} PresenceListener
 * @typedef {object} WatchOptions
 * @property {number} [delay] ms to gather changes of the page's people before one watch
 * @property {() => number} [now]
 * @property {(run: () => void, ms: number) => unknown} [later]
 * @property {(timer: unknown) => void} [cancel]
 */

export class PresenceWatch {
  /** @param {(frame: { type: string, users: number[] }) => boolean} send false: not sent (no socket) @param {WatchOptions} [options] */
  constructor(send, options = {}) {
    this.send = send;
    this.delay = options.delay ?? 250;
    this.now = options.now || (() => Date.now());
    this.later = options.later || ((run, ms) => setTimeout(run, ms));
    this.cancel = options.cancel || ((timer) => clearTimeout(/** @type {any} */ (timer)));
    /** @type {Map<string, Set<number>>} who each part of the page shows */
    this.sources = new Map();
    /** @type {Map<number, boolean>} what the server said of each */
    this.online = new Map();
    /** @type {PresenceListener[]} */
    this.listeners = [];
    /** @type {string | null} the watched set the socket holds (null: none sent on it yet) */
    this.sentKey = null;
    this.sentAt = -Infinity;
    /** @type {number[]} the last watch sent: a presence.state speaks of these people (a refused
        watch gets no state, so states are not matched to watches one by one; one that answers
        an earlier watch is corrected by the next, a second later) */
    this.asked = [];
    /** @type {unknown} */
    this.timer = null;
  }

  /** The people one part of the page shows now (replacing what it showed). @param {string} source @param {Iterable<number>} userIds */
  show(source, userIds) {
    this.sources.set(source, new Set(userIds));
    this.schedule();
  }

  /** Everyone the page shows, in id order, valid ids only, at most WATCH_MAX. @returns {number[]} */
  users() {
    const all = new Set();
    for (const ids of this.sources.values()) for (const id of ids) if (Number.isInteger(id) && id > 0) all.add(id);
    return [...all].sort((a, b) => a - b).slice(0, WATCH_MAX);
  }

  /** @param {PresenceListener} listener called with the people whose state changed */
  onChange(listener) { this.listeners.push(listener); }

  /** The socket (re)opened: a new socket watches nobody, so the set is sent at once. */
  opened() {
    this.sentKey = null;
    this.sentAt = -Infinity;
    this.asked = [];
    if (this.timer !== null) this.cancel(this.timer);
    this.timer = null;
    this.flush();
  }

  /** One watch for a burst of changes, and never two within WATCH_GAP. */
  schedule() {
    if (this.timer !== null) return;
    const wait = Math.max(this.delay, this.sentAt + WATCH_GAP - this.now());
    this.timer = this.later(() => { this.timer = null; this.flush(); }, wait);
  }

  /** Send the page's set if it differs from the socket's. */
  flush() {
    const users = this.users();
    const key = users.join(",");
    if (key === this.sentKey || (this.sentKey === null && !users.length)) return;
    if (!this.send({ type: FRAME.PRESENCE_WATCH, users })) return;  /* sent on the next open */
    this.sentKey = key;
    this.sentAt = this.now();
    this.asked = users;
  }

  /** A presence.state (the answer to a watch) or a presence frame. @param {{ type: string, [key: string]: any }} frame */
  apply(frame) {
    /** @type {Array<[number, boolean]>} */
    const changes = [];
    const put = (/** @type {number} */ id, /** @type {boolean} */ online) => {
      if (this.online.get(id) === online) return;
      this.online.set(id, online);
      changes.push([id, online]);
    };
    if (frame.type === FRAME.PRESENCE_STATE) {
      const online = new Set(frame.online);
      for (const id of this.asked) put(id, online.has(id));
    } else if (frame.type === FRAME.PRESENCE) {
      put(Number(frame.user_id), Boolean(frame.online));
    }
    if (changes.length) for (const listener of this.listeners) listener(changes);
  }
}
