/* What the message toolbar's buttons do (message_toolbar.js draws them): reply, edit (own text,
   in place: Enter saves, Shift+Enter a new line, Escape cancels), delete (own; room admins:
   any), the reactions' (reactions.js), and the "More" menu's: the conversation kinds' actions
   (a POST to their URL, then to the page it answers with) and "Copy link". One listener on the
   list for all of them. Focus goes back to where the action was (the message, or the composer
   for ↑), never to the top of the page. */
import { lastEditable } from "./layout.js";
import { attachToolbars } from "./message_toolbar.js";
import { FRAME } from "./protocol.js";
import { showError } from "./notice.js";
import { reactionClick } from "./reactions.js";
import { copyText } from "./toast.js";

/**
 * @param {object} options
 * @param {HTMLElement} options.list
 * @param {import("./store.js").ConversationStore} options.store
 * @param {import("./composer.js").FrameSender} options.socket
 * @param {import("./composer.js").Composer} options.composer
 * @param {import("./message_render.js").MessageAction[]} options.actions
 * @param {number} options.maxLength
 * @param {(rootId: number) => void} [options.openThread] "Reply in thread" and a reply line
 * @returns {{ editLast: () => boolean }} ↑ in an empty composer
 */
export function attachMessageActions({ list, store, socket, composer, actions, maxLength, openThread }) {
  attachToolbars(list);
  list.addEventListener("click", (event) => {
    const button = /** @type {HTMLButtonElement | null} */ (/** @type {Element} */ (event.target).closest("button[data-action]"));
    if (!button) return;
    const li = /** @type {HTMLElement | null} */ (button.closest("li[data-id]"));
    if (!li) return;
    const id = Number(li.dataset.id);
    const message = store.get(id);
    if (!message) return;
    const action = button.dataset.action;
    if (reactionClick(button, li, id, socket)) return;
    if (action === "thread" && openThread) {
      /* A reply's thread is its root's: a reply to a reply joins the same thread. */
      openThread(Number(button.dataset.thread) || message.thread || id);
      return;
    }
    if (action === "reply") {
      composer.setReply({ id, name: message.sender ? message.sender.name : "them", text: message.body || "[attachment]" });
      return;
    }
    if (action === "delete") {
      if (window.confirm("Delete this message for everyone?")) socket.send({ type: FRAME.MESSAGE_DELETE, id });
      li.focus();  /* the message, drawn again as deleted, keeps the focus (MessagesView.put) */
      return;
    }
    if (action === "kind") {
      kindAction(button, id, actions);
      return;
    }
    if (action === "copy-link") {
      copyLink(id);
      /** @type {HTMLElement | null} */ (li.querySelector("[data-bs-toggle=dropdown]"))?.focus();
      return;
    }
    if (action === "edit") edit(li, id, message.body, socket, maxLength, li);
  });
  return {
    editLast() {
      const message = lastEditable([...store.order].reverse().map((id) => /** @type {import("./store.js").Message} */ (store.get(id))), store.meId);
      const li = message && /** @type {HTMLElement | null} */ (list.querySelector(`li[data-id="${message.id}"]`));
      if (!message || !li || li.classList.contains("editing")) return false;
      li.scrollIntoView({ block: "nearest" });
      edit(li, message.id, message.body, socket, maxLength, /** @type {HTMLElement} */ (document.getElementById("message-input")));
      return true;
    },
  };
}

/** The message's address: the conversation page opened at it. @param {number} id */
export function messageLink(id) {
  return `${window.location.origin}${window.location.pathname}?around=${id}#message-${id}`;
}

/** @param {number} id */
function copyLink(id) {
  copyText(messageLink(id), "Link copied");
}

/** @param {HTMLButtonElement} button @param {number} id @param {import("./message_render.js").MessageAction[]} actions */
function kindAction(button, id, actions) {
  const action = actions.find((a) => a.name === button.dataset.kindAction);
  if (!action || !window.confirm(action.confirm)) return;
  button.disabled = true;
  fetch(action.url.replace("/0/", "/" + id + "/"), {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": /** @type {HTMLInputElement} */ (document.querySelector("[name=csrfmiddlewaretoken]")).value },
  }).then(async (response) => {
    const answer = await response.json().catch(() => ({}));
    if (response.ok) window.location.assign(answer.url);
    else {
      button.disabled = false;
      showError(answer.error || action.failed + ". Try again.");
    }
  }, () => {
    button.disabled = false;
    showError(action.failed + ": you seem to be offline.");
  });
}

/**
 * Edits a message in place; focus then goes back to `returnTo`.
 * @param {HTMLElement} li @param {number} id @param {string} text
 * @param {import("./composer.js").FrameSender} socket @param {number} maxLength
 * @param {HTMLElement} returnTo
 */
function edit(li, id, text, socket, maxLength, returnTo) {
  const body = /** @type {HTMLElement} */ (li.querySelector(".body"));
  const editor = document.createElement("form");
  editor.className = "message-editor";
  editor.innerHTML = '<textarea class="form-control form-control-sm" rows="2" aria-label="Edit message"></textarea>' +
    '<div class="d-flex align-items-center gap-2 mt-1"><span class="editor-hint">Enter to save · Shift+Enter for a new line · Esc to cancel</span>' +
    '<button class="btn btn-sm btn-primary ms-auto" type="submit">Save</button><button class="btn btn-sm btn-outline-secondary" type="button">Cancel</button></div>';
  const area = /** @type {HTMLTextAreaElement} */ (editor.querySelector("textarea"));
  area.maxLength = maxLength;
  area.value = text;
  area.rows = Math.min(8, Math.max(2, text.split("\n").length));
  body.replaceWith(editor);
  li.classList.add("editing");
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
  const close = () => {
    editor.replaceWith(body);
    li.classList.remove("editing");
    returnTo.focus({ preventScroll: true });
  };
  const save = () => {
    if (!area.value.trim()) { showError("A message cannot be empty. Delete it instead."); return; }
    if (area.value !== text) socket.send({ type: FRAME.MESSAGE_EDIT, id, body: area.value });
    close();
  };
  /** @type {HTMLElement} */ (editor.querySelector("button[type=button]")).addEventListener("click", close);
  area.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); close(); }
    else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); save(); }
  });
  editor.addEventListener("submit", (event) => { event.preventDefault(); save(); });
}
