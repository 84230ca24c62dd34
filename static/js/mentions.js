/* @-mentions in the composer: typing "@" and the start of a name offers the conversation's
   members, then the user groups (a group icon and its member count; arrow keys, Enter or Tab
   to choose, Escape to close). The matching is pure (mentionQuery, matchMembers,
   matchGroups); attachMentions draws the list. */
import { appendBadge } from "./badges.js";
import { icon } from "./icons.js";

/** @typedef {import("./store.js").Person} Person */
/** @typedef {{ name: string, description: string, members: number }} GroupInfo */

/** The groups every composer of the page offers (the chat page's boot data). */
export const mentionGroups = { all: /** @type {GroupInfo[]} */ ([]) };

/** Groups whose name starts with the query (or, past two letters, holds it), 5 at most.
    @param {GroupInfo[]} groups @param {string} query */
export function matchGroups(groups, query) {
  const q = query.toLowerCase();
  return groups
    .filter((g) => g.name.startsWith(q) || (q.length > 1 && g.name.includes(q)))
    .sort((a, b) => Number(b.name.startsWith(q)) - Number(a.name.startsWith(q)) || a.name.localeCompare(b.name))
    .slice(0, 5);
}

/** The name being typed after "@" before the caret, or null. @param {string} text @param {number} caret */
export function mentionQuery(text, caret) {
  const found = /(^|\s)@([\w.@+-]{0,30})$/.exec(text.slice(0, caret));
  return found ? found[2] : null;
}

/**
 * Members whose username or a word of whose name starts with the query, by username, 8 at most.
 * @param {Person[]} people @param {string} query @param {number} meId
 */
export function matchMembers(people, query, meId) {
  const q = query.toLowerCase();
  return people
    .filter((u) => u.id !== meId && (u.username.toLowerCase().startsWith(q) || u.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q))))
    .sort((a, b) => a.username.localeCompare(b.username))
    .slice(0, 8);
}

/**
 * @param {HTMLTextAreaElement} input @param {HTMLElement | null} list #mention-list
 * @param {() => Person[]} people @param {number} meId
 * @returns {{ handleKey: (event: KeyboardEvent) => boolean }} handleKey: true when it took the key
 */
export function attachMentions(input, list, people, meId) {
  /** @type {{ handle: string, key: string, label: string, group?: GroupInfo, person?: Person }[]} */
  let matches = [];
  let index = 0;

  function close() {
    matches = [];
    if (list) {
      list.hidden = true;
      list.replaceChildren();
    }
    input.removeAttribute("aria-activedescendant");
  }

  function show() {
    const query = mentionQuery(input.value, input.selectionStart);
    if (query === null || !list) { close(); return; }
    matches = [
      ...matchMembers(people(), query, meId).map((u) => ({ handle: u.username, key: `u${u.id}`, label: `${u.name} (@${u.username})`, person: u })),
      ...matchGroups(mentionGroups.all, query).map((g) => ({ handle: g.name, key: `g-${g.name}`, label: `@${g.name}`, group: g })),
    ];
    if (!matches.length) { close(); return; }
    index = Math.min(index, matches.length - 1);
    list.replaceChildren(...matches.map((m, i) => {
      const item = document.createElement("li");
      item.className = "list-group-item list-group-item-action py-1" + (i === index ? " active" : "") + (m.group ? " mention-group" : "");
      item.id = `${list.id}-${m.key}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", i === index ? "true" : "false");
      if (m.group) {
        const count = document.createElement("span");
        count.className = "mention-count";
        count.textContent = `${m.group.members} member${m.group.members === 1 ? "" : "s"}`;
        item.append(icon("users", 14), " ", m.label, " ", count);
      } else {
        item.textContent = m.label;
        if (m.person) appendBadge(item, m.person);
      }
      item.addEventListener("mousedown", (event) => { event.preventDefault(); choose(i); });
      return item;
    }));
    list.hidden = false;
    input.setAttribute("aria-activedescendant", `${list.id}-${matches[index].key}`);
  }

  /** @param {number} i */
  function choose(i) {
    const chosen = matches[i];
    const start = input.selectionStart;
    const before = input.value.slice(0, start).replace(/@[\w.@+-]*$/, "@" + chosen.handle + " ");
    input.value = before + input.value.slice(start);
    input.selectionStart = input.selectionEnd = before.length;
    close();
    input.focus();
  }

  input.addEventListener("input", () => { index = 0; show(); });
  input.addEventListener("blur", () => setTimeout(close, 150));

  return {
    handleKey(event) {
      if (!matches.length) return false;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        index = (index + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
        show();
        return true;
      }
      if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) { event.preventDefault(); choose(index); return true; }
      if (event.key === "Escape") { event.preventDefault(); close(); return true; }
      return false;
    },
  };
}
