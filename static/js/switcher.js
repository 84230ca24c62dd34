/* The quick switcher: Ctrl/Cmd+K (or a [data-switcher-open] button) on any signed-in page opens
   a dialog to jump to a room, a direct conversation, a person or any other conversation the
   person may open (GET /api/switcher: the server says what each line is, its icon and URL).
   Arrow keys and Enter, or the mouse; Esc closes and the focus goes back where it was.
   rankEntries is pure (tests/js). */
import { icon } from "./icons.js";

/** @typedef {{ kind: string, label: string, name: string, url: string, icon: string }} Entry */

/**
 * Orders the server's lines for what was typed: names starting with it, then a word starting
 * with it, then containing it, then the rest (matched on something else); the server's order
 * (conversations before people) within each.
 * @param {Entry[]} entries @param {string} query
 */
export function rankEntries(entries, query) {
  const q = query.trim().toLowerCase();
  if (!q) return entries;
  /** @param {Entry} entry */
  const score = (entry) => {
    const name = entry.name.toLowerCase();
    if (name.startsWith(q)) return 0;
    if (name.split(/[\s@#(]+/).some((word) => word.startsWith(q))) return 1;
    return name.includes(q) ? 2 : 3;
  };
  return entries
    .map((entry, index) => ({ entry, index, s: score(entry) }))
    .sort((a, b) => a.s - b.s || a.index - b.index)
    .map((item) => item.entry);
}

/** The next line for an arrow key, wrapping around. @param {number} index @param {number} step @param {number} count */
export function moveActive(index, step, count) {
  return count ? (index + step + count) % count : -1;
}

/** @type {HTMLDialogElement | null} */
let dialog = null;
/** @type {HTMLElement | null} */
let returnTo = null;

function build() {
  const box = document.createElement("dialog");
  box.className = "switcher";
  box.setAttribute("aria-labelledby", "switcher-title");
  box.innerHTML = '<h2 id="switcher-title" class="visually-hidden">Jump to</h2>' +
    '<div class="switcher-head"><input class="form-control" type="text" role="combobox" autocomplete="off" spellcheck="false"' +
    ' aria-autocomplete="list" aria-expanded="true" aria-controls="switcher-results" aria-label="Jump to a conversation or person"' +
    ' placeholder="Jump to…"></div>' +
    '<ul class="switcher-results" id="switcher-results" role="listbox" aria-label="Results"></ul>' +
    '<div class="switcher-hint" aria-hidden="true">↑ ↓ to move · Enter to open · Esc to close</div>';
  const head = /** @type {HTMLElement} */ (box.querySelector(".switcher-head"));
  head.prepend(icon("search", 18));
  const input = /** @type {HTMLInputElement} */ (box.querySelector("input"));
  const list = /** @type {HTMLUListElement} */ (box.querySelector("ul"));
  /** @type {Entry[]} */
  let shown = [];
  let active = -1;
  let asked = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  /** @param {number} index */
  const setActive = (index) => {
    active = index;
    list.querySelectorAll("li").forEach((li, i) => li.setAttribute("aria-selected", i === index ? "true" : "false"));
    const li = list.children[index];
    if (li) { input.setAttribute("aria-activedescendant", li.id); li.scrollIntoView({ block: "nearest" }); }
    else input.removeAttribute("aria-activedescendant");
  };
  /** @param {string} text */
  const say = (text) => {
    const li = document.createElement("li");
    li.className = "switcher-empty";
    li.setAttribute("role", "presentation");
    li.textContent = text;
    list.replaceChildren(li);
  };
  /** @param {Entry[]} entries */
  const draw = (entries) => {
    shown = entries;
    if (!entries.length) { say(input.value.trim() ? "Nothing matches." : "Type a name."); setActive(-1); return; }
    list.replaceChildren(...entries.map((entry, i) => {
      const li = document.createElement("li");
      li.id = `switcher-option-${i}`;
      li.setAttribute("role", "option");
      const name = document.createElement("span");
      name.className = "switcher-name";
      name.textContent = entry.name;
      const kind = document.createElement("span");
      kind.className = "switcher-kind";
      kind.textContent = entry.label;
      li.append(icon(entry.icon), name, kind);
      li.addEventListener("click", () => go(i));
      li.addEventListener("mousemove", () => { if (active !== i) setActive(i); });
      return li;
    }));
    setActive(0);
  };
  const ask = async () => {
    const query = input.value;
    const mine = ++asked;
    try {
      const response = await fetch("/api/switcher?q=" + encodeURIComponent(query.trim()), { credentials: "same-origin" });
      if (mine !== asked) return;
      if (response.status === 429) { say("Too many searches. Wait a moment and try again."); return; }
      if (!response.ok) { say("The list could not be loaded."); return; }
      /** @type {{ results: Entry[] }} */
      const data = await response.json();
      if (mine === asked) draw(rankEntries(data.results, query));
    } catch {
      if (mine === asked) say("You seem to be offline.");
    }
  };
  /** @param {number} index */
  const go = (index) => {
    const entry = shown[index];
    if (!entry) return;
    returnTo = null;
    box.close();
    window.location.assign(entry.url);
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(ask, 150); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      setActive(moveActive(active, event.key === "ArrowDown" ? 1 : -1, shown.length));
    } else if (event.key === "Enter") {
      event.preventDefault();
      go(active);
    }
  });
  // A click on the backdrop (outside the dialog's box) closes it.
  box.addEventListener("click", (event) => { if (event.target === box) box.close(); });
  box.addEventListener("close", () => {
    clearTimeout(timer);
    asked++;
    if (returnTo?.isConnected) returnTo.focus();
    returnTo = null;
  });
  box.addEventListener("uchat:switcher-open", () => { input.value = ""; say("Loading…"); ask(); input.focus(); });
  document.body.append(box);
  return box;
}

/** Opens the switcher (a second Ctrl/Cmd+K closes it). */
export function openSwitcher() {
  if (!dialog) dialog = build();
  if (dialog.open) { dialog.close(); return; }
  returnTo = /** @type {HTMLElement | null} */ (document.activeElement);
  dialog.showModal();
  dialog.dispatchEvent(new Event("uchat:switcher-open"));
}

if (typeof document !== "undefined") {
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
      event.preventDefault();
      openSwitcher();
    }
  });
  document.addEventListener("click", (event) => {
    const target = /** @type {Element} */ (event.target);
    if (target.closest?.("[data-switcher-open]")) { event.preventDefault(); openSwitcher(); }
  });
}
