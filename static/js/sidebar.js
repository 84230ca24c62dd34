/* The sidebar beside conversation pages: unread counts and presence dots, live over the tab's
   socket (me.js). Lists are reloaded from /sidebar/ when something may have been missed. */
"use strict";
(function () {
  const sidebar = document.getElementById("sidebar");
  if (!sidebar) return;
  const me = Number(sidebar.dataset.me);
  const cap = Number(sidebar.dataset.unreadCap);
  const current = Number(sidebar.dataset.current || 0);

  function link(conversationId) {
    return sidebar.querySelector(`.sidebar-link[data-conversation="${Number(conversationId)}"]`);
  }

  /* False when the conversation is not listed (the lists are then reloaded). */
  function bump(conversationId) {
    const item = link(conversationId);
    if (!item) return false;
    const badge = item.querySelector(".unread");
    if (!badge) return true;  /* listed by its status, not counted */
    const count = Number(badge.dataset.count) + 1;
    badge.dataset.count = count;
    badge.querySelector(".count").textContent = count >= cap ? `${cap - 1}+` : String(count);
    badge.classList.remove("d-none");
    return true;
  }

  function setPresence(userId, online) {
    for (const dot of document.querySelectorAll(`.presence-dot[data-user-id="${Number(userId)}"]`)) {
      dot.classList.toggle("online", online);
      const label = dot.parentElement.querySelector(".presence-label");
      if (label) label.textContent = online ? "(online)" : "(offline)";
    }
  }

  let timer = null;
  function reload() {
    /* A burst of changes reloads once. */
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const response = await fetch(`/sidebar/?current=${current || ""}`, { credentials: "same-origin" });
      if (!response.ok) return;
      const holder = document.getElementById("sidebar-lists");
      const focused = holder.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
      holder.innerHTML = await response.text();  /* our own server's template */
      if (focused) { const again = holder.querySelector(`[href="${CSS.escape(focused)}"]`); if (again) again.focus(); }
    }, 300);
  }

  const handlers = {
    "message.created": (m) => {
      if (Number(m.conversation) === current || (m.sender && m.sender.id === me)) return;
      if (!bump(m.conversation)) reload();  /* a conversation not listed yet (a new direct one) */
    },
    presence: (f) => setPresence(f.user_id, f.online),
    "member.added": (f) => { if (f.member.user.id === me) reload(); },
    "member.removed": (f) => { if (f.user_id === me) reload(); },
    "room.updated": () => reload(),
    "room.deleted": () => reload(),
  };
  /* The conversation kinds' events that change the lists (rooms/kinds.py, from the page). */
  for (const type of (sidebar.dataset.reloadOn || "").split(" ").filter(Boolean)) {
    handlers[type] = handlers[type] || (() => reload());
  }
  document.addEventListener("uchat:me", (event) => {
    const handle = handlers[event.detail.type];
    if (handle) handle(event.detail);
  });
  document.addEventListener("uchat:me-reconnected", reload);
  window.UChat.sidebarReload = reload;
})();
