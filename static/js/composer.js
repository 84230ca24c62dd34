/* The composer: Enter sends (Shift+Enter: a new line), over the socket, with a client_id; the
   message shows at once as pending and is replaced by the server's when it is acknowledged. A
   refusal puts the text back in the box; what was never acknowledged is sent again on
   reconnection. Replying: the bar above the box says to what; Escape or × cancels. ↑ in the
   empty box edits the reader's last message. The same class drives a thread pane's composer:
   it is given its own box, bar and notice line, and the thread its messages go to. A line
   that starts with "/" is a slash command (commands.js): run through the API, its text kept
   in the box when refused; "//text" sends "/text". */
import { FRAME } from "./protocol.js";
import { showError } from "./notice.js";
import { newClientId } from "./socket.js";
import { attachComposerEmoji } from "./emoji_picker.js";
import { attachCommands, commandsConfig, isCommandLine, showPrivateReply, unescapeSlash } from "./commands.js";

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

/**
 * The message.send frame: in a thread (`thread`, and `also_to_room` when it goes to the room
 * too), or in the room.
 * @param {string} body @param {string} clientId @param {number | null} replyId
 * @param {import("./store.js").Target} [target]
 */
export function sendFrame(body, clientId, replyId, target = {}) {
  /** @type {{ type: string, body: string, client_id: string, reply_to?: number, thread?: number, also_to_room?: boolean }} */
  const frame = { type: FRAME.MESSAGE_SEND, body, client_id: clientId };
  if (replyId) frame.reply_to = replyId;
  if (target.thread) {
    frame.thread = target.thread;
    if (target.alsoToRoom) frame.also_to_room = true;
  }
  return frame;
}

/** The typing frame, about a thread when there is one. @param {number | null | undefined} thread */
export function typingFrame(thread) {
  return thread ? { type: FRAME.TYPING, thread } : { type: FRAME.TYPING };
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
   * @param {HTMLElement | null} [options.replyBar] default: #reply-bar
   * @param {HTMLElement | null} [options.emoji] its emoji button; default: #composer-emoji
   * @param {() => import("./store.js").Target} [options.target] where a message goes (a thread
   *   pane's); default: the room
   * @param {(text: string) => void} [options.notice] its notice line; default: #composer-error
   */
  constructor({ form, input, store, view, socket, me, maxLength, mentions, sent, replyBar, emoji, target, notice }) {
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
    this.replyBar = replyBar === undefined ? document.getElementById("reply-bar") : replyBar;
    /** @type {() => import("./store.js").Target} */
    this.target = target || (() => ({}));
    this.notice = notice || showError;
    /** @type {string | null} */
    this.closedNotice = null;
    /** A message waits for the connection (its notice shows until it goes). */
    this.offline = false;
    /** ↑ in the empty box: edits the reader's last message (message_actions.js); false: none. */
    this.editLast = () => false;
    let lastTypingSent = 0;
    /* Slash commands, where the page has them (its box has a .command-list). */
    const commandList = /** @type {HTMLElement | null} */ (form.querySelector(".command-list"));
    this.commands = commandsConfig.url && commandList ? attachCommands(input, commandList) : null;
    this.running = false;

    attachComposerEmoji(emoji === undefined ? document.getElementById("composer-emoji") : emoji, input);
    this.replyBar?.querySelector("button")?.addEventListener("click", () => { this.setReply(null); input.focus(); });
    input.addEventListener("keydown", (event) => {
      if (mentions.handleKey(event)) return;
      if (this.commands && this.commands.handleKey(event)) return;
      if (event.key === "Escape" && this.replyTo) { event.preventDefault(); this.setReply(null); return; }
      const plain = !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey;
      if (event.key === "ArrowUp" && plain && !input.value && this.editLast()) { event.preventDefault(); return; }
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); this.submit(); }
    });
    input.addEventListener("input", () => {
      const now = Date.now();
      if (input.value && now - lastTypingSent > 2500) { lastTypingSent = now; socket.send(typingFrame(this.target().thread)); }
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
    if (this.commands && isCommandLine(this.input.value)) { this.command(this.input.value); return; }
    const body = unescapeSlash(this.input.value);
    if (!body.trim()) { this.notice("Type a message first."); return; }
    if (body.length > this.maxLength) { this.notice(`The message is too long (at most ${this.maxLength} characters).`); return; }
    const target = this.target();
    const clientId = newClientId();
    const reply = this.replyTo;
    const replyId = reply ? reply.id : null;
    const createdAt = new Date().toISOString();
    this.view.addPending(clientId, {
      id: 0, seq: 0, sender: this.me, body: body.trim(), created_at: createdAt, deleted: false,
      reply_to: reply ? { id: reply.id, sender: { name: reply.name }, text: reply.text } : null,
      thread: target.thread || null, also_to_room: Boolean(target.alsoToRoom),
    });
    this.store.addPending(clientId, { body, replyId, reply, createdAt, target });
    const sentNow = this.socket.send(sendFrame(body, clientId, replyId, target));
    this.setReply(null);
    this.input.value = "";
    /* Offline: it waits, shown as pending, and goes when the connection is back (resend). */
    this.notice(sentNow ? "" : OFFLINE);
    this.offline = !sentNow;
    this.sent();
  }

  /** Runs a command line; its private reply shows in the list. A refusal keeps the text in
      the box and says why (nothing lost). @param {string} text */
  async command(text) {
    if (!this.commands || this.running) return;
    this.running = true;
    try {
      const answer = await this.commands.run(text, this.target().thread);
      if (this.input.value === text) this.input.value = "";
      this.notice("");
      if (answer.reply) showPrivateReply(this.view.list, answer.reply);
      this.sent();
    } catch (refusal) {
      this.notice(/** @type {Error} */ (refusal).message);
    } finally {
      this.running = false;
    }
  }

  /** Sends again what was never acknowledged (after a reconnection). */
  resend() {
    for (const [clientId, entry] of this.store.pending) this.socket.send(sendFrame(entry.body, clientId, entry.replyId, entry.target));
    if (this.offline && this.socket.isOpen()) { this.offline = false; if (!this.closedNotice) this.notice(""); }
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
    this.form.querySelectorAll("textarea, button, input").forEach((el) => { /** @type {HTMLButtonElement} */ (el).disabled = true; });
    this.closedNotice = this.closedNotice || notice;
    this.notice(this.closedNotice);
  }
}
