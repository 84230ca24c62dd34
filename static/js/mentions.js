/* @-mentions in the composer: typing "@" and the start of a name offers the conversation's
   members, then the user groups (a group icon and its member count; arrow keys, Enter or Tab
   to choose, Escape to close). The matching is pure (mentionQuery, matchMembers,
   matchGroups); attachMentions draws the list. */
import { appendBadge } from "./badges.js";
import { attachCombobox } from "./combobox.js";
import { icon } from "./icons.js";

/** @typedef {import("./store.js").Person} Person */
/** @typedef {{ name: string, description: string, members: number }} GroupInfo */
/** @typedef {{ handle: string, key: string, label: string, group?: GroupInfo, person?: Person }} Mention */

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
  const box = attachCombobox(input, list, {
    /** @returns {Mention[] | null} */
    find() {
      const query = mentionQuery(input.value, input.selectionStart);
      if (query === null) return null;
      return [
        ...matchMembers(people(), query, meId).map((u) => ({ handle: u.username, key: `u${u.id}`, label: `${u.name} (@${u.username})`, person: u })),
        ...matchGroups(mentionGroups.all, query).map((g) => ({ handle: g.name, key: `g-${g.name}`, label: `@${g.name}`, group: g })),
      ];
    },
    key: (m) => m.key,
    /** @param {Mention} m @param {HTMLLIElement} item */
    draw(m, item) {
      if (m.group) {
        item.classList.add("mention-group");
        const count = document.createElement("span");
        count.className = "mention-count";
        count.textContent = `${m.group.members} member${m.group.members === 1 ? "" : "s"}`;
        item.append(icon("users", 14), " ", m.label, " ", count);
      } else {
        item.textContent = m.label;
        if (m.person) appendBadge(item, m.person);
      }
    },
    /** @param {Mention} chosen */
    choose(chosen) {
      const start = input.selectionStart;
      const before = input.value.slice(0, start).replace(/@[\w.@+-]*$/, "@" + chosen.handle + " ");
      input.value = before + input.value.slice(start);
      input.selectionStart = input.selectionEnd = before.length;
    },
  });

  return {
    handleKey(event) {
      if (box.move(event)) return true;
      if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && box.active()) { event.preventDefault(); box.pick(); return true; }
      return false;
    },
  };
}
