/* The emoji picker: a search box (focused on open), category tabs, a grid of every emoji a
   reaction accepts (GET /api/emoji, fetched the first time a picker opens), recently used first
   (localStorage). Arrow keys move in the grid, Enter picks, Esc closes and gives the focus back
   to the button that opened it. Beside its button on wide screens, a full-width sheet on
   phones. Used for reactions (reactions.js) and the composer (insertAtCaret). */
import { icon } from "./icons.js";
import { addRecent, gridMove, parseCatalog, searchEmoji } from "./emoji_search.js";

const RECENT_KEY = "uchat.emoji.recent";
const PHONE = "(max-width: 575.98px)";
/** The category tabs' faces, by Unicode's category names. */
const FACES = /** @type {Record<string, string>} */ ({
  "Smileys & Emotion": "😀", "People & Body": "👋", "Animals & Nature": "🐻", "Food & Drink": "🍔",
  "Travel & Places": "✈️", Activities: "⚽", Objects: "💡", Symbols: "🔣", Flags: "🏁",
});

/** @type {Promise<import("./emoji_search.js").Emoji[]> | null} */
let catalog = null;

/** The catalogue, fetched once per page (the browser caches it for a day). */
export function loadCatalog() {
  if (!catalog) {
    catalog = fetch("/api/emoji", { credentials: "same-origin" })
      .then((response) => { if (!response.ok) throw new Error(String(response.status)); return response.json(); })
      .then(parseCatalog);
    catalog.catch(() => { catalog = null; });  // try again next time
  }
  return catalog;
}

/** @returns {string[]} */
export function recentEmoji() {
  try { return JSON.parse(localStorage.getItem(RECENT_KEY) || "[]"); } catch { return []; }
}

/** @param {string} emoji */
export function rememberEmoji(emoji) {
  try { localStorage.setItem(RECENT_KEY, JSON.stringify(addRecent(recentEmoji(), emoji))); } catch { /* private mode */ }
}

/** Places a popup beside (below, or above when there is no room) its button; phones: a sheet. @param {HTMLElement} box @param {HTMLElement} anchor */
export function placeBeside(box, anchor) {
  if (window.matchMedia(PHONE).matches) return;  // the CSS makes it a sheet
  const at = anchor.getBoundingClientRect();
  const width = box.offsetWidth, height = box.offsetHeight;
  const left = Math.max(8, Math.min(at.left, window.innerWidth - width - 8));
  const below = at.bottom + 4 + height <= window.innerHeight;
  box.style.left = `${left}px`;
  box.style.top = `${below ? at.bottom + 4 : Math.max(8, at.top - height - 4)}px`;
}

/** @type {{ root: HTMLElement, anchor: HTMLElement, onClose: () => void } | null} */
let open = null;

/** Closes the open picker; the focus goes back to its button unless `keepFocus`. */
export function closeEmojiPicker(keepFocus = false) {
  if (!open) return;
  const { root, anchor, onClose } = open;
  open = null;
  root.remove();
  document.removeEventListener("pointerdown", outside, true);
  anchor.setAttribute("aria-expanded", "false");
  onClose();
  if (!keepFocus && anchor.isConnected) anchor.focus();
}

/** @param {Event} event */
function outside(event) {
  const target = /** @type {Node} */ (event.target);
  if (open && !open.root.contains(target) && !open.anchor.contains(target)) closeEmojiPicker(true);
}

export function emojiPickerOpen() { return open !== null; }

/**
 * Opens the picker beside `anchor` (a second call with the same button closes it).
 * @param {object} options
 * @param {HTMLElement} options.anchor the button that opens it: focus returns there
 * @param {string} options.label what it is for, for screen readers
 * @param {(emoji: string) => void} options.onPick
 * @param {() => void} [options.onClose]
 */
export function openEmojiPicker({ anchor, label, onPick, onClose = () => {} }) {
  if (open && open.anchor === anchor) { closeEmojiPicker(); return; }
  closeEmojiPicker(true);
  const root = document.createElement("div");
  root.className = "emoji-picker picker-pop shadow";
  root.setAttribute("role", "dialog");
  root.setAttribute("aria-label", label);
  const search = document.createElement("input");
  search.type = "search";
  search.className = "form-control form-control-sm";
  search.placeholder = "Search emoji";
  search.setAttribute("aria-label", "Search emoji");
  const tabs = document.createElement("div");
  tabs.className = "emoji-tabs";
  tabs.setAttribute("role", "group");
  tabs.setAttribute("aria-label", "Categories");
  const body = document.createElement("div");
  body.className = "emoji-body";
  body.textContent = "Loading emoji…";
  const preview = document.createElement("div");
  preview.className = "emoji-preview small text-body-secondary text-truncate";
  preview.setAttribute("aria-hidden", "true");
  const close = document.createElement("button");
  close.type = "button";
  close.className = "btn btn-sm btn-link emoji-close";
  close.setAttribute("aria-label", "Close");
  close.append(icon("x"));
  close.addEventListener("click", () => closeEmojiPicker());
  const head = document.createElement("div");
  head.className = "emoji-head";
  head.append(search, close);
  root.append(head, tabs, body, preview);
  document.body.append(root);
  anchor.setAttribute("aria-expanded", "true");
  open = { root, anchor, onClose };
  document.addEventListener("pointerdown", outside, true);
  placeBeside(root, anchor);
  search.focus();

  /** @param {string} emoji */
  const pick = (emoji) => {
    rememberEmoji(emoji);
    closeEmojiPicker();
    onPick(emoji);
  };
  /** @returns {HTMLButtonElement[]} */
  const cells = () => [...body.querySelectorAll("button.emoji-cell")].map((b) => /** @type {HTMLButtonElement} */ (b));
  /** @param {HTMLButtonElement} cell */
  const focusCell = (cell) => {
    for (const c of body.querySelectorAll("button.emoji-cell[tabindex='0']")) c.setAttribute("tabindex", "-1");
    cell.tabIndex = 0;
    cell.focus();
    cell.scrollIntoView({ block: "nearest" });
  };

  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); closeEmojiPicker(); return; }
    const cell = /** @type {HTMLElement} */ (event.target).closest("button.emoji-cell");
    if (event.target === search) {
      const first = cells()[0];
      if (event.key === "ArrowDown" && first) { event.preventDefault(); focusCell(first); }
      if (event.key === "Enter" && first) { event.preventDefault(); pick(first.textContent || ""); }
      return;
    }
    if (!cell) return;
    const all = cells();
    const index = all.indexOf(/** @type {HTMLButtonElement} */ (cell));
    const columns = all.filter((c) => c.offsetTop === all[0].offsetTop).length || 8;
    if (event.key === "ArrowUp" && index < columns) { event.preventDefault(); search.focus(); return; }
    const next = gridMove(index, event.key, columns, all.length);
    if (next !== index || ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) {
      event.preventDefault();
      focusCell(all[next]);
    }
  });
  body.addEventListener("click", (event) => {
    const cell = /** @type {HTMLElement} */ (event.target).closest("button.emoji-cell");
    if (cell) pick(cell.textContent || "");
  });
  const showName = (/** @type {Event} */ event) => {
    const cell = /** @type {HTMLElement} */ (event.target).closest("button.emoji-cell");
    if (cell) preview.textContent = `${cell.textContent} ${cell.getAttribute("aria-label")}`;
  };
  body.addEventListener("mouseover", showName);
  body.addEventListener("focusin", showName);

  loadCatalog().then((list) => {
    if (open?.root !== root) return;
    const byEmoji = new Map(list.map((e) => [e.emoji, e]));
    const recent = recentEmoji().map((e) => byEmoji.get(e)).filter((e) => e !== undefined);
    /** @type {[string, import("./emoji_search.js").Emoji[]][]} */
    const sections = [];
    if (recent.length) sections.push(["Recently used", recent]);
    for (const item of list) {
      const last = sections[sections.length - 1];
      if (last && last[0] === item.category) last[1].push(item);
      else sections.push([item.category, [item]]);
    }
    tabs.replaceChildren(...sections.map(([name], i) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.className = "btn btn-sm emoji-tab";
      tab.setAttribute("aria-label", name);
      tab.title = name;
      if (name === "Recently used") tab.append(icon("history"));
      else tab.textContent = FACES[name] || name[0];
      tab.addEventListener("click", () => {
        search.value = "";
        draw(sections);
        const heading = body.querySelectorAll(".emoji-heading")[i];
        heading?.scrollIntoView({ block: "start" });
        const first = heading?.nextElementSibling?.querySelector("button");
        if (first) focusCell(/** @type {HTMLButtonElement} */ (first));
      });
      return tab;
    }));
    /** @param {[string, import("./emoji_search.js").Emoji[]][]} groups */
    const draw = (groups) => {
      body.replaceChildren(...groups.flatMap(([name, items]) => {
        const heading = document.createElement("div");
        heading.className = "emoji-heading";
        heading.textContent = name;
        const grid = document.createElement("div");
        grid.className = "emoji-grid";
        grid.setAttribute("role", "group");
        grid.setAttribute("aria-label", name);
        grid.append(...items.map((item) => {
          const cell = document.createElement("button");
          cell.type = "button";
          cell.className = "emoji-cell";
          cell.tabIndex = -1;
          cell.textContent = item.emoji;
          cell.setAttribute("aria-label", item.name);
          cell.title = `${item.name} :${item.keywords[0] || ""}:`;
          return cell;
        }));
        return [heading, grid];
      }));
      const first = cells()[0];
      if (first) first.tabIndex = 0;
      else body.textContent = "No emoji match.";
    };
    draw(sections);
    search.addEventListener("input", () => {
      const query = search.value.trim();
      draw(query ? [["Search results", searchEmoji(list, query)]] : sections);
      body.scrollTop = 0;
    });
  }, () => { if (open?.root === root) body.textContent = "The emoji could not be loaded. Close and try again."; });
}

/**
 * Puts text into a box where its caret is (replacing a selection), as if typed.
 * @param {HTMLTextAreaElement | HTMLInputElement} input @param {string} text
 */
export function insertAtCaret(input, text) {
  const start = input.selectionStart ?? input.value.length;
  const end = input.selectionEnd ?? start;
  input.setRangeText(text, start, end, "end");
  input.focus();
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

/**
 * The composer's emoji button: the picker inserts at the caret and the focus goes back to the box.
 * @param {HTMLElement | null} button @param {HTMLTextAreaElement} input
 */
export function attachComposerEmoji(button, input) {
  if (!button) return;
  button.addEventListener("click", () => {
    const caret = [input.selectionStart, input.selectionEnd];
    openEmojiPicker({
      anchor: button,
      label: "Insert an emoji",
      onPick: (emoji) => { input.setSelectionRange(caret[0], caret[1]); insertAtCaret(input, emoji); },
    });
  });
}
