/* Reactions under a message: chips with counts (pressed when one is mine), and a small palette to
   add one. Sent over the socket; every open page updates from "reaction.updated" (the store
   keeps the counts). */
import { FRAME } from "./protocol.js";

const PALETTE = ["👍", "❤️", "😂", "🎉", "😮", "😢", "👀", "✅"];

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
  const add = document.createElement("button");
  add.type = "button";
  add.className = "btn btn-sm add-reaction";
  add.dataset.action = "palette";
  add.setAttribute("aria-label", "Add a reaction");
  add.setAttribute("aria-expanded", "false");
  add.textContent = "☺+";
  box.append(add);
  return box;
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
    return true;
  }
  if (action === "palette") {
    const open = li.querySelector(".reaction-palette");
    if (open) { open.remove(); button.setAttribute("aria-expanded", "false"); return true; }
    const palette = document.createElement("div");
    palette.className = "reaction-palette d-flex gap-1 mt-1";
    palette.setAttribute("role", "group");
    palette.setAttribute("aria-label", "Choose a reaction");
    for (const emoji of PALETTE) {
      const pick = document.createElement("button");
      pick.type = "button";
      pick.className = "btn btn-sm btn-light";
      pick.dataset.action = "pick";
      pick.dataset.emoji = emoji;
      pick.textContent = emoji;
      palette.append(pick);
    }
    button.setAttribute("aria-expanded", "true");
    button.closest(".reactions")?.after(palette);
    palette.querySelector("button")?.focus();
    return true;
  }
  if (action === "pick") {
    socket.send({ type: FRAME.REACTION_ADD, id, emoji: button.dataset.emoji });
    button.closest(".reaction-palette")?.remove();
    /** @type {HTMLElement | null} */
    const add = li.querySelector(".add-reaction");
    if (add) { add.setAttribute("aria-expanded", "false"); add.focus(); }
    return true;
  }
  return false;
}
