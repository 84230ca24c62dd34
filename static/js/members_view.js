import { appendBadge } from "./badges.js";

/* The details panel's member list (#members) with presence, and the "… is typing" line, drawn
   from the store. */

/** @param {HTMLElement | null} membersList @param {import("./store.js").ConversationStore} store */
export function renderMembers(membersList, store) {
  if (!membersList) return;
  membersList.replaceChildren(...store.sortedMembers().map((member) => {
    const li = document.createElement("li");
    li.className = "list-group-item d-flex align-items-center gap-2";
    li.dataset.userId = String(member.user.id);
    const dot = document.createElement("span");
    dot.className = "presence-dot" + (member.online ? " online" : "");
    dot.title = member.online ? "online" : "offline";
    const name = document.createElement("span");
    name.className = "member-name";
    name.textContent = member.user.name;
    const state = document.createElement("span");
    state.className = "visually-hidden";
    state.textContent = member.online ? " (online)" : " (offline)";
    appendBadge(name, member.user);
    li.append(dot, name, state);
    if (member.is_admin) {
      const badge = document.createElement("span");
      badge.className = "badge text-bg-light border ms-auto";
      badge.textContent = "admin";
      li.append(badge);
    }
    return li;
  }));
}

/** @param {HTMLElement} typingLine @param {import("./store.js").ConversationStore} store */
export function renderTyping(typingLine, store) {
  typingLine.textContent = store.typingText(Date.now());
}
