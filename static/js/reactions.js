/* Reactions under a message: chips with counts (pressed when one is mine). The message
   toolbar's react button (data-action="palette") opens a quick row of six (the person's recent
   ones first) and "more" for the full emoji picker (emoji_picker.js): any emoji the server
   accepts. Sent over the socket; every open page updates from "reaction.updated" (the store
   keeps the counts). */
import { FRAME } from "./protocol.js";
import { icon } from "./icons.js";
import { quickRow } from "./emoji_search.js";
import { closeEmojiPicker, openEmojiPicker, placeBeside, recentEmoji, rememberEmoji } from "./emoji_picker.js";

/** @param {import("./store.js").Reaction[]} reactions */
export function buildReactions(reactions) {
  const box = document.createElement("div");
  box.className = "reactions d-flex flex-wrap gap-1 align-items-center";
  for (const r of reactions) {
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "btn btn-sm reaction" + (r.mine ? " mine" : "");
    chip.dataset.action = "react";
    chip.dataset.emoji = r.emoji;
    chip.setAttribute("aria-pressed", r.mine ? "true" : "false");
    chip.setAttribute("aria-label", `${r.emoji} ${r.count}, ${r.mine ? "take back yours" : "react too"}`);
    chip.textContent = `${r.emoji} ${r.count}`;
    box.append(chip);
  }
  return box;
}

/** @type {{ row: HTMLElement, anchor: HTMLElement } | null} */
let quick = null;

/** Closes the quick row; the focus goes back to its button unless `leaveFocus`. */
function closeQuick(leaveFocus = false) {
  if (!quick) return;
  const { row, anchor } = quick;
  quick = null;
  row.remove();
  document.removeEventListener("pointerdown", outsideQuick, true);
  anchor.setAttribute("aria-expanded", "false");
  if (!leaveFocus && anchor.isConnected) anchor.focus();
}

/** @param {Event} event */
function outsideQuick(event) {
  const target = /** @type {Node} */ (event.target);
  if (quick && !quick.row.contains(target) && !quick.anchor.contains(target)) closeQuick(true);
}

/**
 * Keeps the focus on a message's reactions when their row is drawn again (the server's
 * "reaction.updated" redraws it): on the button matching `selector` in the new row, else the
 * row's add button. Only when the focus was lost with the old row.
 * @param {HTMLElement} button the focused button, in the row that will be replaced @param {string} selector
 */
function keepFocus(button, selector) {
  const li = button.closest("li[data-id]");
  if (!li) return;
  const observer = new MutationObserver(() => {
    if (button.isConnected) return;
    observer.disconnect();
    if (document.activeElement && document.activeElement !== document.body) return;
    /** @type {HTMLElement | null} */
    const target = li.querySelector(selector) || li.querySelector('[data-action="palette"]');
    target?.focus();
  });
  observer.observe(li, { childList: true, subtree: true });
  setTimeout(() => observer.disconnect(), 5000);
}

/** The focus after a reaction: back on the button that opened the picker. @param {HTMLElement} anchor */
function refocus(anchor) {
  if (!anchor.isConnected) return;
  anchor.focus();
  keepFocus(anchor, '[data-action="palette"]');
}

/**
 * Opens the reaction picker beside `anchor` for a message: the quick row, whose last button
 * opens the full picker. Called by the reaction buttons and the message toolbar.
 * @param {HTMLElement} anchor @param {number} messageId
 * @param {import("./composer.js").FrameSender} socket
 */
export function openReactionPicker(anchor, messageId, socket) {
  if (quick && quick.anchor === anchor) { closeQuick(); return; }
  closeQuick(true);
  closeEmojiPicker(true);
  /** @param {string} emoji */
  const react = (emoji) => {
    rememberEmoji(emoji);
    socket.send({ type: FRAME.REACTION_ADD, id: messageId, emoji });
  };
  const row = document.createElement("div");
  row.className = "reaction-palette picker-pop shadow";
  row.setAttribute("role", "group");
  row.setAttribute("aria-label", "Choose a reaction");
  for (const emoji of quickRow(recentEmoji())) {
    const pick = document.createElement("button");
    pick.type = "button";
    pick.className = "btn btn-sm emoji-cell";
    pick.textContent = emoji;
    pick.addEventListener("click", () => { closeQuick(true); react(emoji); refocus(anchor); });
    row.append(pick);
  }
  const more = document.createElement("button");
  more.type = "button";
  more.className = "btn btn-sm emoji-more";
  more.setAttribute("aria-label", "More emoji");
  more.title = "More emoji";
  more.append(icon("ellipsis"));
  more.addEventListener("click", () => {
    closeQuick(true);
    openEmojiPicker({
      anchor, label: "Choose a reaction",
      onPick: (emoji) => { react(emoji); refocus(anchor); },
    });
  });
  row.append(more);
  row.addEventListener("keydown", (event) => {
    const buttons = [...row.querySelectorAll("button")];
    const index = buttons.indexOf(/** @type {HTMLButtonElement} */ (event.target));
    if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); closeQuick(); return; }
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    if (step !== undefined && index >= 0) {
      event.preventDefault();
      buttons[(index + step + buttons.length) % buttons.length].focus();
    }
  });
  document.body.append(row);
  quick = { row, anchor };
  anchor.setAttribute("aria-expanded", "true");
  document.addEventListener("pointerdown", outsideQuick, true);
  placeBeside(row, anchor);
  /** @type {HTMLElement} */ (row.querySelector("button")).focus();
}

/**
 * The reaction buttons' clicks. Returns false for a button that is not a reaction's.
 * @param {HTMLButtonElement} button @param {HTMLElement} li the message
 * @param {number} id the message's id @param {import("./composer.js").FrameSender} socket
 */
export function reactionClick(button, li, id, socket) {
  const action = button.dataset.action;
  if (action === "react") {
    const mine = button.getAttribute("aria-pressed") === "true";
    socket.send({ type: mine ? FRAME.REACTION_REMOVE : FRAME.REACTION_ADD, id, emoji: button.dataset.emoji });
    keepFocus(button, `.reactions [data-emoji="${CSS.escape(button.dataset.emoji || "")}"]`);
    return true;
  }
  if (action === "palette") {
    openReactionPicker(button, id, socket);
    return true;
  }
  return false;
}
