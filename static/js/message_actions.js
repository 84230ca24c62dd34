/* The buttons on a message: Reply, Edit (own text, in place: Save or Cancel), Delete (own; room
   admins: any), the reactions' (reactions.js) and what the conversation kinds add (a POST to
   their URL, then to the page it answers with). One listener on the list for all of them. */
import { FRAME } from "./protocol.js";
import { showError } from "./notice.js";
import { reactionClick } from "./reactions.js";

/**
 * @param {object} options
 * @param {HTMLElement} options.list
 * @param {import("./store.js").ConversationStore} options.store
 * @param {import("./composer.js").FrameSender} options.socket
 * @param {import("./composer.js").Composer} options.composer
 * @param {import("./message_render.js").MessageAction[]} options.actions
 * @param {number} options.maxLength
 */
export function attachMessageActions({ list, store, socket, composer, actions, maxLength }) {
  list.addEventListener("click", (event) => {
    const button = /** @type {HTMLButtonElement | null} */ (/** @type {Element} */ (event.target).closest("button[data-action]"));
    if (!button) return;
    const li = /** @type {HTMLElement} */ (button.closest("li[data-id]"));
    const id = Number(li.dataset.id);
    const message = store.get(id);
    if (!message) return;
    const action = button.dataset.action;
    if (reactionClick(button, li, id, socket)) return;
    if (action === "reply") {
      composer.setReply({ id, name: message.sender ? message.sender.name : "them", text: message.body || "[attachment]" });
      return;
    }
    if (action === "delete") {
      if (window.confirm("Delete this message for everyone?")) socket.send({ type: FRAME.MESSAGE_DELETE, id });
      return;
    }
    if (action === "kind") {
      kindAction(button, id, actions);
      return;
    }
    if (action === "edit") edit(li, id, message.body, socket, maxLength);
  });
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
 * @param {HTMLElement} li @param {number} id @param {string} text
 * @param {import("./composer.js").FrameSender} socket @param {number} maxLength
 */
function edit(li, id, text, socket, maxLength) {
  const body = /** @type {HTMLElement} */ (li.querySelector(".body"));
  const editor = document.createElement("form");
  editor.className = "d-flex gap-2 mt-1";
  editor.innerHTML = '<textarea class="form-control form-control-sm" rows="2" aria-label="Edit message"></textarea>' +
    '<button class="btn btn-sm btn-primary" type="submit">Save</button><button class="btn btn-sm btn-outline-secondary" type="button">Cancel</button>';
  const area = /** @type {HTMLTextAreaElement} */ (editor.querySelector("textarea"));
  area.maxLength = maxLength;
  area.value = text;
  body.replaceWith(editor);
  area.focus();
  /** @type {HTMLElement} */ (editor.querySelector("button[type=button]")).addEventListener("click", () => editor.replaceWith(body));
  editor.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!area.value.trim()) { showError("A message cannot be empty. Delete it instead."); return; }
    socket.send({ type: FRAME.MESSAGE_EDIT, id, body: area.value });
  });
}
