/* The dashboard's room list, kept live over /ws/me/. */
"use strict";
(function () {
  const list = document.getElementById("room-list");
  const empty = document.getElementById("no-rooms");
  const me = Number(list.dataset.me);
  const cap = Number(list.dataset.unreadCap);

  function item(roomId) {
    return document.querySelector(`[data-room-id="${roomId}"]`);
  }

  function setUnread(badge, count) {
    badge.dataset.count = count;
    badge.textContent = count >= cap ? `${cap - 1}+` : String(count);
    badge.classList.toggle("d-none", count === 0);
  }

  function addRoom(room) {
    if (item(room.id)) return item(room.id);
    // The server's own row markup (templates/_conversation_row.html), empty.
    const a = document.getElementById("conversation-row").content.firstElementChild.cloneNode(true);
    a.href = `/rooms/${room.id}/`;
    a.dataset.roomId = room.id;
    a.querySelector(".room-name").textContent = room.name;
    list.prepend(a);
    empty.classList.add("d-none");
    return a;
  }

  function removeRoom(roomId) {
    const a = item(roomId);
    if (a) a.remove();
    empty.classList.toggle("d-none", list.children.length > 0);
  }

  const handlers = {
    "message.created": (m) => {
      const a = item(m.conversation);
      if (!a) return; // a ticket's conversation, or a direct one not listed yet (see below)
      const preview = a.querySelector(".room-preview");
      const text = m.content && m.content.type !== "text" ? `[${m.content.type}]` : m.body;
      preview.textContent = `${m.sender ? m.sender.name : "deleted user"}: ${text.length > 80 ? text.slice(0, 79) + "…" : text}`;
      if (!m.sender || m.sender.id !== me) {
        const badge = a.querySelector(".unread");
        setUnread(badge, Number(badge.dataset.count) + 1);
      }
      a.parentElement.prepend(a);
    },
    "notification.created": (n) => {
      // The first message of a new direct conversation: take the server's list.
      if (n.code === 10095 && n.message && !item(n.message.conversation)) refresh();
    },
    "member.added": (f) => { if (f.member.user.id === me && f.room.kind === "room") addRoom(f.room); },
    "member.removed": (f) => { if (f.user_id === me) removeRoom(f.room.id); },
    "room.deleted": (f) => removeRoom(f.id),
    "room.updated": (f) => { const a = item(f.id); if (a) a.querySelector(".room-name").textContent = f.name; },
  };

  async function refresh() {
    // After a dropped connection, take the server's list: events may have been missed.
    const response = await fetch("/", { credentials: "same-origin" });
    if (!response.ok) return;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of ["room-list", "direct-list"]) {
      const fresh = doc.getElementById(id);
      if (fresh) document.getElementById(id).replaceChildren(...fresh.children);
    }
    empty.classList.toggle("d-none", list.children.length > 0);
    const directs = document.getElementById("direct-list");
    document.getElementById("no-directs").classList.toggle("d-none", directs.children.length > 0);
  }

  document.addEventListener("uchat:me", (event) => {
    const handle = handlers[event.detail.type];
    if (handle) handle(event.detail);
  });
  document.addEventListener("uchat:me-reconnected", refresh);
})();
