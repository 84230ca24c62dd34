/* The message list (#messages), drawn from the store: one <li> per message, found by id; a new
   message goes before the element of the one after it (the store says which), so nothing walks
   the list. Day separators, grouping and the "New messages" line are redrawn around what
   changed only (layout.js). Messages sent and not yet acknowledged sit at the end. */
import { decoration } from "./layout.js";
import { buildMessage } from "./message_render.js";
import { dayLabel } from "./times.js";

/**
 * @typedef {import("./store.js").Message} Message
 * @typedef {import("./layout.js").Item} Item
 */

/** The focused element when it is inside `element`. @param {Element} element @returns {HTMLElement | null} */
function focusedIn(element) {
  const active = /** @type {HTMLElement | null} */ (document.activeElement);
  return active && element.contains(active) ? active : null;
}

/* A message drawn again keeps the focus where it was (the same button, else the message):
   focus never falls back to the top of the page (after an edit, a delete or a reaction). */
/** @param {HTMLElement} li the message's element now @param {HTMLElement} was what had the focus */
function refocus(li, was) {
  const emoji = was.dataset.emoji ? `[data-emoji="${CSS.escape(was.dataset.emoji)}"]` : "";
  const same = was.dataset.action && li.querySelector(`[data-action="${was.dataset.action}"]${emoji}`);
  /** @type {HTMLElement} */ (same || li).focus({ preventScroll: true });
}

export class MessagesView {
  /**
   * @param {HTMLElement} list
   * @param {import("./store.js").ConversationStore} store
   * @param {() => Omit<import("./message_render.js").MessageView, "reactions">} context
   * @param {number | null} firstUnreadId
   */
  constructor(list, store, context, firstUnreadId) {
    this.list = list;
    this.store = store;
    this.context = context;
    this.firstUnreadId = firstUnreadId;
    /** @type {Map<number, HTMLElement>} */
    this.elements = new Map();
    /** @type {Map<string, HTMLElement>} client_id → the pending message's element */
    this.pendingElements = new Map();
    /** @type {WeakMap<Element, Item>} */
    this.items = new WeakMap();
  }

  /** The day separators' words again, for a new "today" (the page calls it at midnight). */
  relabelDays() {
    for (const separator of this.list.querySelectorAll(".day-separator")) {
      const at = /** @type {HTMLElement} */ (separator).dataset.at;
      if (at) separator.textContent = dayLabel(at);
    }
  }

  /** @param {Message} message @param {boolean} pending */
  build(message, pending) {
    const li = buildMessage(message, { ...this.context(), pending, reactions: pending ? [] : this.store.reactionsOf(message.id) });
    this.items.set(li, { id: message.id, senderId: message.sender ? message.sender.id : null, at: message.created_at, deleted: Boolean(message.deleted) });
    return li;
  }

  /** Adds or replaces a message (and drops the pending one it acknowledges). @param {Message} message */
  put(message) {
    const { next, acknowledged } = this.store.upsert(message);
    if (acknowledged) this.removePending(acknowledged);
    const li = this.build(message, false);
    const existing = this.elements.get(message.id);
    if (existing) {
      const focused = focusedIn(existing);
      existing.replaceWith(li);
      if (focused) refocus(li, focused);
    } else {
      const after = next === null ? this.pendingElements.values().next().value : this.elements.get(next);
      this.list.insertBefore(li, after ? this.leading(after) : null);
    }
    this.elements.set(message.id, li);
    this.decorate(li);
    this.decorateNext(li);
  }

  /** @param {string} clientId @param {Message} message */
  addPending(clientId, message) {
    const li = this.build(message, true);
    li.dataset.clientId = clientId;
    this.list.append(li);
    this.pendingElements.set(clientId, li);
    this.decorate(li);
  }

  /** @param {string} clientId */
  removePending(clientId) {
    const li = this.pendingElements.get(clientId);
    if (!li) return;
    this.pendingElements.delete(clientId);
    const next = this.nextMessage(li);
    this.undecorate(li);
    li.remove();
    if (next) this.decorate(next);
  }

  /** @param {number} id */
  redrawReactions(id) {
    const li = this.elements.get(id);
    const old = li && li.querySelector(".reactions");
    if (!old) return;
    const fresh = this.build(/** @type {Message} */ (this.store.get(id)), false).querySelector(".reactions");
    if (!fresh) return;
    const focused = focusedIn(old);
    old.replaceWith(fresh);
    if (focused && li) refocus(li, focused);
  }

  /** @param {number} id @returns {HTMLElement | undefined} */
  element(id) { return this.elements.get(id); }

  /** The first of an element's decorations (separator, line), or the element. @param {Element} li */
  leading(li) {
    let first = li;
    while (first.previousElementSibling && !first.previousElementSibling.classList.contains("message")) first = first.previousElementSibling;
    return first;
  }

  /** @param {Element} li */
  undecorate(li) {
    while (li.previousElementSibling && !li.previousElementSibling.classList.contains("message")) li.previousElementSibling.remove();
  }

  /** @param {Element} li @returns {Element | null} */
  nextMessage(li) {
    let next = li.nextElementSibling;
    while (next && !next.classList.contains("message")) next = next.nextElementSibling;
    return next;
  }

  /** @param {Element} li */
  decorateNext(li) {
    const next = this.nextMessage(li);
    if (next) this.decorate(next);
  }

  /** Separator, "New messages" line and grouping of one message, from the one before it. @param {Element} li */
  decorate(li) {
    this.undecorate(li);
    const item = this.items.get(li);
    if (!item) return;
    let before = li.previousElementSibling;
    /* Entries other modules put between messages (a desk's notes) are passed over, and end a group. */
    const skipped = Boolean(before && !this.items.has(before) && before.classList.contains("message"));
    while (before && !this.items.has(before) && before.classList.contains("message")) before = before.previousElementSibling;
    const previous = before ? this.items.get(before) || null : null;
    const { separator, newLine, grouped: joined } = decoration(previous, item, this.firstUnreadId);
    const grouped = joined && !skipped;
    if (separator) {
      const element = document.createElement("li");
      element.className = "day-separator";
      element.dataset.at = item.at;
      element.textContent = separator;
      li.before(element);
    }
    if (newLine) {
      const line = document.createElement("li");
      line.className = "new-line";
      line.textContent = "New messages";
      li.before(line);
    }
    li.classList.toggle("grouped", grouped);
  }
}
