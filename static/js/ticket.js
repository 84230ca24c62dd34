/* The ticket page: live status, agent and history; canned replies into the composer. */
"use strict";
(function () {
  /* The tab's socket (me.js) carries every conversation's events: this ticket's only. */
  const chat = document.getElementById("chat-data");
  const conversation = chat ? JSON.parse(chat.textContent).room.id : null;
  document.addEventListener("uchat:me", (event) => {
    if (event.detail.type !== "ticket.updated") return;
    if (Number(event.detail.ticket.conversation) !== conversation) return;
    const { ticket, event: change } = event.detail;
    const status = document.getElementById("ticket-status");
    status.textContent = ticket.status_label;
    status.className = "badge status-" + ticket.status;
    const agent = document.getElementById("ticket-agent");
    if (agent) agent.textContent = ticket.agent ? ticket.agent.name : "not assigned yet";
    const sla = document.getElementById("ticket-sla");
    if (sla) sla.hidden = !ticket.sla_breached;
    /* The customer's buttons follow the ticket: rate and reopen once it is resolved. */
    for (const action of document.querySelectorAll("[data-customer-may]")) {
      action.hidden = !(ticket.customer_may || {})[action.dataset.customerMay];
    }
    const item = document.createElement("li");
    item.className = "list-group-item small";
    item.textContent = change.text;
    const when = document.createElement("time");
    when.className = "text-body-secondary";
    when.dateTime = change.created_at;
    when.textContent = window.uchatTime.shortTime(change.created_at);
    when.title = window.uchatTime.fullTime(change.created_at);
    item.append(document.createElement("br"), when);
    const history = document.getElementById("ticket-history");
    if (history) history.append(item);
  });
  document.querySelectorAll("[data-canned]").forEach((button) => {
    button.addEventListener("click", () => window.UChat.insertText(button.dataset.canned));
  });
})();
