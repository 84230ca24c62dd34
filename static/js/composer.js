/* The composer: Enter sends (Shift+Enter: a new line), over the socket, with a client_id; the
   message shows at once as pending and is replaced by the server's when it is acknowledged. A
   refusal puts the text back in the box; what was never acknowledged is sent again on
   reconnection. Replying: the bar above the box says to what; Escape or × cancels. ↑ in the
   empty box edits the reader's last message. */
import { FRAME } from "./protocol.js";
import { showError } from "./notice.js";
import { newClientId } from "./socket.js";
import { attachComposerEmoji } from "./emoji_picker.js";

/**
 * @typedef {import("./store.js").ReplyTarget} ReplyTarget
 * @typedef {{ send: (frame: import("./socket.js").Frame) => boolean, isOpen: () => boolean }} FrameSender
 */

/** Adds text to the box (canned replies). @param {string} text */
export function insertText(text) {
  const input = /** @type {HTMLTextAreaElement | null} */ (document.getElementById("message-input"));
  if (!input) return;
  input.value = input.value ? input.value + "\n" + text : text;
  input.focus();
}

/** The message.send frame. @param {string} body @param {string} clientId @param {number | null} replyId */
export function sendFrame(body, clientId, replyId) {
  /** @type {{ type: string, body: string, client_id: string, reply_to?: number }} */
  const frame = { type: FRAME.MESSAGE_SEND, body, client_id: clientId };
  if (replyId) frame.reply_to = replyId;
  return frame;
}

/** What the composer says while a message waits for the connection. */
export const OFFLINE = "Not connected. Your message will be sent when the connection is back.";

export class Composer {
  /**
   * @param {object} options
   * @param {HTMLFormElement} options.form
   * @param {HTMLTextAreaElement} options.input
   * @param {import("./store.js").ConversationStore} options.store
   * @param {import("./messages_view.js").MessagesView} options.view
   * @param {FrameSender} options.socket
   * @param {import("./store.js").Person} options.me
   * @param {number} options.maxLength
   * @param {{ handleKey: (event: KeyboardEvent) => boolean }} options.mentions
   * @param {() => void} options.sent after a message is shown as pending
   */
  constructor({ form, input, store, view, socket, me, maxLength, mentions, sent }) {
    this.form = form;
    this.input = input;
    this.store = store;
    this.view = view;
    this.socket = socket;
    this.me = me;
    this.maxLength = maxLength;
    this.sent = sent;
    /** @type {ReplyTarget | null} */
    this.replyTo = null;
    this.replyBar = document.getElementById("reply-bar");
    /** @type {string | null} */
    this.closedNotice = null;
    /** A message waits for the connection (its notice shows until it goes). */
    this.offline = false;
    /** ↑ in the empty box: edits the reader's last message (message_actions.js); false: none. */
    this.editLast = () => false;
    let lastTypingSent = 0;

    attachComposerEmoji(document.getElementById("composer-emoji"), input);
    this.replyBar?.querySelector("button")?.addEventListener("click", () => { this.setReply(null); input.focus(); });
    input.addEventListener("keydown", (event) => {
      if (mentions.handleKey(event)) return;
      if (event.key === "Escape" && this.replyTo) { event.preventDefault(); this.setReply(null); return; }
      const plain = !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey;
      if (event.key === "ArrowUp" && plain && !input.value && this.editLast()) { event.preventDefault(); return; }
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); this.submit(); }
    });
    input.addEventListener("input", () => {
      const now = Date.now();
      if (input.value && now - lastTypingSent > 2500) { lastTypingSent = now; socket.send({ type: FRAME.TYPING }); }
    });
    form.addEventListener("submit", (event) => { event.preventDefault(); this.submit(); });
  }

  /** @param {ReplyTarget | null} target */
  setReply(target) {
    this.replyTo = target;
    if (!this.replyBar) return;
    this.replyBar.hidden = !target;
    if (target) {
      const what = this.replyBar.querySelector(".reply-what");
      if (what) what.textContent = `Replying to ${target.name}: ${target.text.slice(0, 80)}`;
      this.input.focus();
    }
  }

  submit() {
    const body = this.input.value;
    if (!body.trim()) { showError("Type a message first."); return; }
    if (body.length > this.maxLength) { showError(`The message is too long (at most ${this.maxLength} characters).`); return; }
    const clientId = newClientId();
    const reply = this.replyTo;
    const replyId = reply ? reply.id : null;
    const createdAt = new Date().toISOString();
    this.view.addPending(clientId, {
      id: 0, seq: 0, sender: this.me, body: body.trim(), created_at: createdAt, deleted: false,
      reply_to: reply ? { id: reply.id, sender: { name: reply.name }, text: reply.text } : null,
    });
    this.store.addPending(clientId, { body, replyId, reply, createdAt });
    const sentNow = this.socket.send(sendFrame(body, clientId, replyId));
    this.setReply(null);
    this.input.value = "";
    /* Offline: it waits, shown as pending, and goes when the connection is back (resend). */
    showError(sentNow ? "" : OFFLINE);
    this.offline = !sentNow;
    this.sent();
  }

  /** Sends again what was never acknowledged (after a reconnection). */
  resend() {
    for (const [clientId, entry] of this.store.pending) this.socket.send(sendFrame(entry.body, clientId, entry.replyId));
    if (this.offline && this.socket.isOpen()) { this.offline = false; if (!this.closedNotice) showError(""); }
  }

  /** A refused send: nothing is lost, the text goes back into the box (and what it answered).
      @param {string} clientId */
  refused(clientId) {
    const entry = this.store.takePending(clientId);
    if (!entry) return;
    this.view.removePending(clientId);
    this.input.value = this.input.value ? entry.body + "\n" + this.input.value : entry.body;
    if (entry.reply && !this.replyTo) this.setReply(entry.reply);
  }

  /** The conversation can no longer be written to; the first, most specific reason stays.
      @param {string} notice */
  disable(notice) {
    this.form.querySelectorAll("textarea, button").forEach((el) => { /** @type {HTMLButtonElement} */ (el).disabled = true; });
    this.closedNotice = this.closedNotice || notice;
    showError(this.closedNotice);
  }
}
