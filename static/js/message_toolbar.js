/* A message's toolbar, as team chat products draw it: icon buttons floating above the message's
   top-right corner (react, reply, edit, delete, more), shown on hover, on keyboard focus within
   the message, and after a long press on touch screens (until a tap elsewhere). One tab stop per
   toolbar: the arrow keys move between its buttons (roving tabindex). "More" opens a menu
   (Bootstrap's dropdown) with the conversation kinds' actions and "Copy link". What the buttons
   do is message_actions.js's. */
import { icon } from "./icons.js";

export const LONG_PRESS_MS = 500;

/**
 * @param {import("./store.js").Message} message
 * @param {import("./message_render.js").MessageView} view
 * @param {boolean} hasLinks the message already shows what a kind made of it
 */
export function buildToolbar(message, view, hasLinks) {
  const mine = Boolean(message.sender && message.sender.id === view.me.id);
  const editable = !message.content || message.content.type === "text";
  const bar = document.createElement("div");
  bar.className = "message-toolbar";
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Message actions");
  /** @param {string} action @param {string} name @param {string} label */
  const button = (action, name, label) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn toolbar-button";
    if (action) b.dataset.action = action;
    b.setAttribute("aria-label", label);
    b.title = label;
    b.setAttribute("tabindex", bar.childElementCount ? "-1" : "0");
    b.append(icon(name));
    bar.append(b);
    return b;
  };
  button("palette", "smile-plus", "Add a reaction").setAttribute("aria-expanded", "false");
  if (view.threads) button("thread", "messages-square", "Reply in thread");
  button("reply", "message-square-reply", "Reply");
  if (mine && editable) button("edit", "pencil", "Edit");
  if (mine || view.isAdmin) button("delete", "trash-2", "Delete").classList.add("toolbar-danger");
  const more = button("", "ellipsis", "More actions");
  more.dataset.bsToggle = "dropdown";
  more.setAttribute("aria-expanded", "false");
  const menu = document.createElement("div");  /* not a list: "#messages li" means messages */
  menu.className = "dropdown-menu dropdown-menu-end message-menu";
  /** @param {string} label @param {Record<string, string>} data */
  const item = (label, data) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "dropdown-item";
    Object.assign(b.dataset, data);
    b.textContent = label;
    menu.append(b);
  };
  if (!hasLinks && message.sender && !mine) {
    for (const action of view.actions) item(action.label, { action: "kind", kindAction: action.name });
  }
  item("Copy link", { action: "copy-link" });
  const dropdown = document.createElement("div");
  dropdown.className = "dropdown";
  dropdown.append(more, menu);
  bar.append(dropdown);
  return bar;
}

/** The toolbar's buttons, in order. @param {Element} bar @returns {HTMLButtonElement[]} */
function buttons(bar) {
  return [...bar.querySelectorAll(".toolbar-button")].map((b) => /** @type {HTMLButtonElement} */ (b));
}

/** Arrow keys between a toolbar's buttons, and the long press. @param {HTMLElement} list */
export function attachToolbars(list) {
  list.addEventListener("keydown", (event) => {
    const target = /** @type {Element} */ (event.target);
    if (!target.classList.contains("toolbar-button")) return;
    const all = buttons(/** @type {Element} */ (target.closest(".message-toolbar")));
    const at = all.indexOf(/** @type {HTMLButtonElement} */ (target));
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: all.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const next = all[(to + all.length) % all.length];
    next.focus();
  });
  list.addEventListener("focusin", (event) => {
    const target = /** @type {Element} */ (event.target);
    if (!target.classList.contains("toolbar-button")) return;
    for (const b of buttons(/** @type {Element} */ (target.closest(".message-toolbar")))) b.tabIndex = b === target ? 0 : -1;
  });

  /* Touch: a press held still for LONG_PRESS_MS shows that message's toolbar, which stays until
     a tap elsewhere. */
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;
  let startX = 0;
  let startY = 0;
  let pressed = false;
  /** @type {Element | null} the message a finger is on */
  let under = null;
  const cancel = () => { if (timer) clearTimeout(timer); timer = null; };
  list.addEventListener("pointerdown", (event) => {
    cancel();
    pressed = false;
    under = null;
    if (event.pointerType !== "touch") return;
    const li = /** @type {Element} */ (event.target).closest("li.message[data-id]");
    if (!li || !li.querySelector(".message-toolbar")) return;
    under = li;
    startX = event.clientX;
    startY = event.clientY;
    timer = setTimeout(() => { timer = null; pressed = true; touch(list, li); }, LONG_PRESS_MS);
  });
  list.addEventListener("pointermove", (event) => {
    if (timer && Math.hypot(event.clientX - startX, event.clientY - startY) > 10) cancel();
  });
  list.addEventListener("pointerup", cancel);
  list.addEventListener("pointercancel", cancel);
  list.addEventListener("contextmenu", (event) => {
    /* Ours, or the browser's own long press (Android) that came first: the toolbar either way. */
    if (!pressed && !(under && timer)) return;
    event.preventDefault();
    cancel();
    if (under && !pressed) { pressed = true; touch(list, under); }
  });
  document.addEventListener("pointerdown", (event) => {
    const target = /** @type {Element} */ (event.target);
    if (!target.closest("li.message.touched")) for (const li of list.querySelectorAll("li.message.touched")) li.classList.remove("touched");
  });
}

/** @param {HTMLElement} list @param {Element} li */
function touch(list, li) {
  for (const other of list.querySelectorAll("li.message.touched")) if (other !== li) other.classList.remove("touched");
  li.classList.add("touched");
}
