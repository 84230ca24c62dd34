/* The person's own socket, on every page: the notification badge, and the dashboard's list.
   Other scripts listen to "uchat:me" events (detail: the frame). */
"use strict";
(function () {
  const badge = document.getElementById("notif-badge");
  const onDashboard = Boolean(document.getElementById("room-list"));

  function setBadge(count) {
    if (!badge) return;
    badge.textContent = count >= 100 ? "99+" : String(count);
    badge.classList.toggle("d-none", count === 0);
  }

  window.UChat.me = new window.UChat.Socket(onDashboard ? "/ws/me/" : "/ws/me/?rooms=0", {
    indicator: onDashboard ? "connection" : null,
    onOpen: (reconnected) => {
      /* "uchat:me-open" on every open: pages that render a list catch what changed between
         their rendering and this socket's first frame. */
      document.dispatchEvent(new CustomEvent("uchat:me-open", { detail: { reconnected } }));
      if (reconnected) document.dispatchEvent(new CustomEvent("uchat:me-reconnected"));
    },
    onFrame: (frame) => {
      if (frame.type === "notification.created" || frame.type === "notification.read") setBadge(frame.unread);
      document.dispatchEvent(new CustomEvent("uchat:me", { detail: frame }));
    },
  });
})();
