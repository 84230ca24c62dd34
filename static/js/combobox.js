/* A suggestion list under a text box (the @ mentions, the / commands): the options drawn from
   what `find` returns, the arrow keys to move, Escape to close, a click or `pick()` to choose.
   The box keeps the focus and points at the active option (aria-activedescendant). */

/**
 * @template T
 * @typedef {object} ComboboxOptions
 * @property {() => T[] | null} find what to offer now (null or none: close)
 * @property {(item: T) => string} key unique among the options (their element ids)
 * @property {(item: T, li: HTMLLIElement) => void} draw fills an option's element
 * @property {(item: T) => void} choose puts the chosen option in the box
 */

/**
 * @template T
 * @param {HTMLTextAreaElement} input @param {HTMLElement | null} list
 * @param {ComboboxOptions<T>} options
 */
export function attachCombobox(input, list, { find, key, draw, choose }) {
  /** @type {T[]} */
  let matches = [];
  let index = 0;

  function close() {
    matches = [];
    if (list) { list.hidden = true; list.replaceChildren(); }
    input.removeAttribute("aria-activedescendant");
  }

  function show() {
    const found = find();
    if (!list || !found || !found.length) { close(); return; }
    matches = found;
    index = Math.min(index, matches.length - 1);
    list.replaceChildren(...matches.map((item, i) => {
      const li = document.createElement("li");
      li.className = "list-group-item list-group-item-action py-1" + (i === index ? " active" : "");
      li.id = `${list.id}-${key(item)}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === index ? "true" : "false");
      draw(item, li);
      li.addEventListener("mousedown", (event) => { event.preventDefault(); pickAt(i); });
      return li;
    }));
    list.hidden = false;
    input.setAttribute("aria-activedescendant", `${list.id}-${key(matches[index])}`);
  }

  /** @param {number} i */
  function pickAt(i) {
    const chosen = matches[i];
    close();
    choose(chosen);
    input.focus();
  }

  input.addEventListener("input", () => { index = 0; show(); });
  input.addEventListener("blur", () => setTimeout(close, 150));

  return {
    show,
    close,
    /** The highlighted option, or null while the list is closed. @returns {T | null} */
    active() { return matches.length ? matches[index] : null; },
    pick() { if (matches.length) pickAt(index); },
    /** The arrow keys and Escape; true when the list took the key. @param {KeyboardEvent} event */
    move(event) {
      if (!matches.length) return false;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        index = (index + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
        show();
        return true;
      }
      if (event.key === "Escape") { event.preventDefault(); close(); return true; }
      return false;
    },
  };
}
