/* The room's "Invite people" panel (rooms/_invite_panel.html, on the room's edit page): make
   a link (POST /api/rooms/<id>/invites), show it once with "Copy", list the live links and
   revoke them (DELETE /api/rooms/<id>/invites/<invite id>). The server checks every rule. */

import { icon } from "./icons.js";

const DAY = 86400;

/** "in 5 hours", "in 3 days", "never": when a link expires, from now. @param {string|null} iso @param {number} [now] */
export function expiresText(iso, now = Date.now()) {
  if (!iso) return "never expires";
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (seconds <= 0) return "expired";
  if (seconds < 3600) return `expires in ${Math.max(1, Math.round(seconds / 60))} min`;
  const hours = Math.round(seconds / 3600);
  if (hours < 24) return `expires in ${hours} hour${hours === 1 ? "" : "s"}`;
  const days = Math.round(seconds / DAY);
  return `expires in ${days} day${days === 1 ? "" : "s"}`;
}

/** "2 of 10 uses", "1 use": how much a link was used. @param {{uses: number, max_uses: number|null}} invite */
export function usesText(invite) {
  if (invite.max_uses === null) return `${invite.uses} use${invite.uses === 1 ? "" : "s"}`;
  return `${invite.uses} of ${invite.max_uses} use${invite.max_uses === 1 ? "" : "s"}`;
}

/** The POST body from the form's values. @param {string} expires @param {string} maxUses @param {boolean} guest */
export function createBody(expires, maxUses, guest) {
  return {
    expires_in: expires ? Number(expires) : null,
    max_uses: maxUses ? Number(maxUses) : null,
    guest,
  };
}

/** @param {string} method @param {string} url @param {object} [body] */
async function send(method, url, body) {
  const token = document.querySelector("[name=csrfmiddlewaretoken]");
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": token instanceof HTMLInputElement ? token.value : "",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error || `The request was refused (${response.status}).`);
  return answer;
}

/** @param {HTMLElement} panel */
function wire(panel) {
  const url = panel.dataset.url || "";
  const form = /** @type {HTMLFormElement} */ (panel.querySelector("[data-invite-form]"));
  const list = /** @type {HTMLElement} */ (panel.querySelector("[data-invite-list]"));
  const empty = /** @type {HTMLElement} */ (panel.querySelector("[data-invite-empty]"));
  const fresh = /** @type {HTMLElement} */ (panel.querySelector("[data-invite-new]"));
  const freshUrl = /** @type {HTMLInputElement} */ (panel.querySelector("[data-invite-url]"));
  const error = /** @type {HTMLElement} */ (panel.querySelector("[data-invite-error]"));
  const expires = /** @type {HTMLSelectElement} */ (form.elements.namedItem("expires_in"));
  const maxUses = /** @type {HTMLSelectElement} */ (form.elements.namedItem("max_uses"));
  const guest = /** @type {HTMLInputElement} */ (form.elements.namedItem("guest"));
  const never = /** @type {HTMLOptionElement|null} */ (expires.querySelector("option[value='']"));

  const say = (/** @type {string} */ text) => {
    error.textContent = text;
    error.hidden = !text;
  };

  /** @param {any} invite */
  const row = (invite) => {
    const item = document.createElement("li");
    item.className = "list-group-item invite-row";
    item.dataset.inviteId = String(invite.id);
    const text = document.createElement("div");
    text.className = "invite-row-text";
    const title = document.createElement("div");
    title.textContent = invite.created_by ? `By ${invite.created_by.name}` : "By a former admin";
    if (invite.guest) {
      const badge = document.createElement("span");
      badge.className = "badge text-bg-secondary ms-2";
      badge.textContent = "Guest";
      title.append(badge);
    }
    const meta = document.createElement("div");
    meta.className = "small text-body-secondary";
    meta.textContent = `${usesText(invite)} · ${expiresText(invite.expires_at)}`;
    text.append(title, meta);
    const revoke = document.createElement("button");
    revoke.type = "button";
    revoke.className = "btn btn-sm btn-outline-danger";
    revoke.dataset.inviteRevoke = String(invite.id);
    revoke.setAttribute("aria-label", `Revoke the link by ${invite.created_by ? invite.created_by.name : "a former admin"}`);
    revoke.append(icon("trash-2"), document.createTextNode(" Revoke"));
    item.append(text, revoke);
    return item;
  };

  const load = async () => {
    try {
      const answer = await send("GET", url);
      list.replaceChildren(...answer.invites.map(row));
      empty.hidden = answer.invites.length > 0;
    } catch (exc) {
      say(exc instanceof Error ? exc.message : String(exc));
    }
  };

  guest.addEventListener("change", () => {
    if (!never) return;
    never.disabled = guest.checked; // a guest link must expire (the server says so too)
    if (guest.checked && !expires.value) expires.value = String(7 * DAY);
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    say("");
    const button = form.querySelector("button[type=submit]");
    if (button instanceof HTMLButtonElement) button.disabled = true;
    try {
      const invite = await send("POST", url, createBody(expires.value, maxUses.value, guest.checked));
      freshUrl.value = invite.url;
      fresh.hidden = false;
      freshUrl.focus();
      freshUrl.select();
      await load();
    } catch (exc) {
      say(exc instanceof Error ? exc.message : String(exc));
    } finally {
      if (button instanceof HTMLButtonElement) button.disabled = false;
    }
  });

  panel.addEventListener("click", async (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const revoke = target?.closest("[data-invite-revoke]");
    if (revoke instanceof HTMLButtonElement) {
      revoke.disabled = true;
      say("");
      try {
        await send("DELETE", `${url}/${revoke.dataset.inviteRevoke}`);
        await load();
      } catch (exc) {
        revoke.disabled = false;
        say(exc instanceof Error ? exc.message : String(exc));
      }
    }
  });

  load();
}

if (typeof document !== "undefined") {
  for (const panel of document.querySelectorAll("[data-invite-panel]")) {
    if (panel instanceof HTMLElement) wire(panel);
  }
}
