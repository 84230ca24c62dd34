/* A thread in a side pane right of the message list, as Slack draws it (on a phone, < 768 px:
   the whole screen, with a back button): the root at the top, "N replies", the replies (live),
   "… is typing", and its own composer (composer.js, sending into the thread) with "Also send to
   the room". Follow/Unfollow in its header; Escape, × or back closes it. The thread is marked
   read (POST /api/messages/<root>/thread/read) when its newest reply is on screen. The page's
   address carries ?thread=<root id> while it is open. chat.js gives it the frames. */
import { Composer } from "./composer.js";
import { attachMentions } from "./mentions.js";
import { attachMessageActions } from "./message_actions.js";
import { MessagesView } from "./messages_view.js";
import { ConversationStore } from "./store.js";
import { repliesText, shouldMarkRead, typingIn, withCounts, withThread } from "./threads.js";

/**
 * @typedef {import("./store.js").Message} Message
 * @typedef {{ root: Message, replies: Message[], has_more: boolean, following: boolean, unread: number }} ThreadPage
 */

/** The CSRF token of the page's form. */
function csrf() {
  const field = /** @type {HTMLInputElement | null} */ (document.querySelector("[name=csrfmiddlewaretoken]"));
  return field ? field.value : "";
}

/** @param {string} url @param {string} [method] @param {unknown} [body] */
async function api(url, method = "GET", body = undefined) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  if (method !== "GET") { headers["X-CSRFToken"] = csrf(); headers["Content-Type"] = "application/json"; }
  const response = await fetch(url, { method, credentials: "same-origin", headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw new Error(String(response.status));
  return response.json();
}

export class ThreadPane {
  /**
   * @param {object} options
   * @param {HTMLElement} options.element the pane (#thread-pane)
   * @param {HTMLElement} options.shell the page's columns (#app-shell)
   * @param {import("./store.js").Person} options.me
   * @param {import("./composer.js").FrameSender} options.socket
   * @param {number} options.maxLength
   * @param {() => import("./store.js").Person[]} options.people who can be mentioned
   * @param {() => Omit<import("./message_render.js").MessageView, "reactions">} options.context
   * @param {import("./message_render.js").MessageAction[]} options.actions
   * @param {(rootId: number | null) => void} options.changed the pane opened on a thread or closed
   */
  constructor({ element, shell, me, socket, maxLength, people, context, actions, changed }) {
    this.element = element;
    this.shell = shell;
    this.me = me;
    this.changed = changed;
    /** @type {number | null} */
    this.rootId = null;
    this.following = false;
    this.marked = 0;
    this.hasMore = false;
    /** @param {string} id */
    const $ = (id) => /** @type {HTMLElement} */ (element.querySelector("#" + id));
    this.list = $("thread-messages");
    this.scroller = $("thread-scroll");
    this.typingLine = $("thread-typing");
    this.followButton = /** @type {HTMLButtonElement} */ ($("thread-follow"));
    this.older = /** @type {HTMLButtonElement} */ ($("thread-older"));
    this.also = /** @type {HTMLInputElement} */ ($("thread-also"));
    this.error = $("thread-error");
    this.input = /** @type {HTMLTextAreaElement} */ ($("thread-input"));
    this.store = new ConversationStore(me.id);
    this.view = new MessagesView(this.list, this.store, () => ({ ...context(), inThread: true, threads: false }), null);
    const mentions = attachMentions(this.input, $("thread-mention-list"), people, me.id);
    this.composer = new Composer({
      form: /** @type {HTMLFormElement} */ ($("thread-composer")), input: this.input, store: this.store, view: this.view,
      socket, me, maxLength, mentions, sent: () => { this.also.checked = false; this.toBottom(); },  /* as Slack: once */
      replyBar: $("thread-reply-bar"), emoji: $("thread-emoji"),
      target: () => ({ thread: this.rootId, alsoToRoom: this.also.checked }),
      notice: (text) => { this.error.textContent = text || ""; },
    });
    this.composer.editLast = attachMessageActions({ list: this.list, store: this.store, socket, composer: this.composer, actions, maxLength }).editLast;

    for (const button of element.querySelectorAll("[data-thread-close]")) button.addEventListener("click", () => this.close());
    element.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !event.defaultPrevented) { event.preventDefault(); this.close(); }
    });
    this.followButton.addEventListener("click", () => this.toggleFollow());
    this.older.addEventListener("click", () => this.loadOlder());
    this.scroller.addEventListener("scroll", () => this.markRead(), { passive: true });
    document.addEventListener("visibilitychange", () => this.markRead());
    setInterval(() => { if (this.rootId) this.typingLine.textContent = this.store.typingText(Date.now()); }, 1000);
  }

  get isOpen() { return this.rootId !== null; }

  atBottom() { return this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 40; }
  toBottom() { this.scroller.scrollTop = this.scroller.scrollHeight; }

  /** Empties the pane for another thread (the same store and view: the actions hold them). */
  reset() {
    Object.assign(this.store, new ConversationStore(this.me.id));
    this.view.elements.clear();
    this.view.pendingElements.clear();
    this.list.replaceChildren();
    this.typingLine.textContent = "";
    this.error.textContent = "";
    this.also.checked = false;
    this.composer.setReply(null);
    this.marked = 0;
  }

  /**
   * Opens a thread: what the page already has of its root at once, then the thread itself.
   * @param {number} rootId the root, or any reply (the server answers with the root)
   * @param {Message} [known] the root as the page has it
   * @param {number | null} [highlight] a reply to show (a search hit)
   */
  async open(rootId, known, highlight = null) {
    if (this.rootId === rootId) { this.input.focus(); return; }
    this.reset();
    this.rootId = rootId;
    this.element.hidden = false;
    this.shell.classList.add("thread-open");
    if (known) this.put(known);
    this.changed(rootId);
    this.input.focus({ preventScroll: true });
    let page;
    try {
      page = /** @type {ThreadPage} */ (await api(`/api/messages/${rootId}/thread`));
    } catch {
      if (this.rootId === rootId) this.error.textContent = "This thread could not be opened.";
      return;
    }
    if (this.rootId !== rootId) return;  /* another was opened meanwhile */
    this.rootId = page.root.id;
    this.put(page.root);
    page.replies.forEach((m) => this.put(m));
    this.setFollowing(page.following);
    this.setHasMore(page.has_more);
    const hit = highlight && this.view.element(highlight);
    if (hit) { hit.classList.add("target"); hit.scrollIntoView({ block: "center" }); }
    else this.toBottom();
    this.markRead();
  }

  close() {
    if (!this.isOpen) return;
    const root = this.rootId;
    this.rootId = null;
    this.element.hidden = true;
    this.shell.classList.remove("thread-open");
    this.changed(null);
    const back = document.getElementById("message-" + root) || document.getElementById("message-input");
    back?.focus({ preventScroll: true });
  }

  /** Draws a message of this thread (the root or a reply); the "N replies" line follows the root.
      @param {Message} message */
  put(message) {
    this.view.put(message);
    if (message.id === this.rootId) this.drawDivider(message);
  }

  /** @param {Message} root */
  drawDivider(root) {
    const li = this.view.element(root.id);
    if (!li) return;
    let divider = /** @type {HTMLElement | null} */ (this.list.querySelector("li.thread-divider"));
    if (!divider) {
      /* "message" makes MessagesView pass over it (as over a desk's notes) and keep it. */
      divider = document.createElement("li");
      divider.className = "message thread-divider";
    }
    if (li.nextElementSibling !== divider) li.after(divider);
    divider.textContent = repliesText(root.reply_count || 0);
  }

  /** A message frame (created, updated, deleted, or acknowledged): drawn when it is this thread's.
      @param {Message} message @returns {boolean} whether it was */
  take(message) {
    if (!this.rootId || (message.id !== this.rootId && message.thread !== this.rootId)) return false;
    const stick = this.atBottom();
    if (message.sender && message.id !== this.rootId) this.store.stopTyping(message.sender.id);
    /* Replying follows the thread (the server's rule), even after an unfollow. */
    if (message.sender && message.sender.id === this.me.id && message.thread === this.rootId) this.setFollowing(true);
    this.put(message);
    if (stick) this.toBottom();
    this.markRead();
    return true;
  }

  /** @param {import("./threads.js").ThreadUpdate} frame */
  updated(frame) {
    const root = this.rootId === frame.message ? this.store.get(frame.message) : undefined;
    if (root) this.put(withCounts(root, frame));
  }

  /** @param {import("./store.js").ReactionFrame} frame */
  reaction(frame) {
    if (!this.store.get(frame.message)) return;
    this.store.applyReaction(frame);
    this.view.redrawReactions(frame.message);
  }

  /** A typing frame; false when it is not about this thread. @param {any} frame */
  typing(frame) {
    if (!this.rootId || !typingIn(frame, this.rootId)) return false;
    this.store.startTyping(frame.user, Date.now());
    this.typingLine.textContent = this.store.typingText(Date.now());
    return true;
  }

  /** After a reconnection: what was sent meanwhile, and what was not acknowledged. */
  async catchUp() {
    this.composer.resend();
    const root = this.rootId;
    if (!root) return;
    const newest = this.store.newestId;
    try {
      const page = /** @type {ThreadPage} */ (await api(`/api/messages/${root}/thread?after=${newest}`));
      if (this.rootId !== root) return;
      this.put(page.root);
      page.replies.forEach((m) => this.take(m));
    } catch { /* the next frame or reconnection tries again */ }
  }

  async loadOlder() {
    const root = this.rootId;
    const oldest = this.store.order.find((id) => id !== root);
    if (!root || !oldest) return;
    this.older.disabled = true;
    try {
      const page = /** @type {ThreadPage} */ (await api(`/api/messages/${root}/thread?before=${oldest}`));
      if (this.rootId !== root) return;
      const from = this.scroller.scrollHeight - this.scroller.scrollTop;
      page.replies.forEach((m) => this.put(m));
      this.scroller.scrollTop = this.scroller.scrollHeight - from;
      this.setHasMore(page.has_more);
    } catch {
      this.error.textContent = "Could not load older replies.";
    } finally {
      this.older.disabled = false;
    }
  }

  /** @param {boolean} hasMore */
  setHasMore(hasMore) {
    this.hasMore = hasMore;
    this.older.hidden = !hasMore;
  }

  /** @param {boolean} following */
  setFollowing(following) {
    this.following = following;
    this.followButton.textContent = following ? "Following" : "Follow";
    this.followButton.setAttribute("aria-pressed", String(following));
    this.followButton.title = following ? "Stop following: no more notifications of its replies" : "Follow: be notified of new replies";
  }

  async toggleFollow() {
    const root = this.rootId;
    if (!root) return;
    this.followButton.disabled = true;
    try {
      const answer = await api(`/api/messages/${root}/follow`, this.following ? "DELETE" : "POST");
      if (this.rootId === root) this.setFollowing(Boolean(answer.following));
    } catch {
      this.error.textContent = "Could not change following. Try again.";
    } finally {
      this.followButton.disabled = false;
    }
  }

  /** Marks the thread read up to its newest reply, once that reply is on screen. */
  markRead() {
    const root = this.rootId;
    if (!root) return;
    const newest = this.store.newestId === root ? 0 : this.store.newestId;
    if (!shouldMarkRead({ newestReply: newest, marked: this.marked, atBottom: this.atBottom(), visible: document.visibilityState === "visible" })) return;
    this.marked = newest;
    api(`/api/messages/${root}/thread/read`, "POST", { message: newest }).catch(() => { if (this.marked === newest) this.marked = 0; });
  }
}

/** The page's address with the open thread in it (or without). @param {number | null} rootId */
export function rememberThread(rootId) {
  const url = window.location.pathname + withThread(window.location.search, rootId) + window.location.hash;
  window.history.replaceState(window.history.state, "", url);
}
