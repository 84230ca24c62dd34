/* The desk's workflow tools (tickets/_bulk_bar.html, tickets/_workflow_tools.html): the
   inbox's checkboxes and bulk bar (POST /api/tickets/bulk), a ticket's label editor (PATCH
   /api/tickets/<id> with its labels) and macro menu (POST /api/tickets/<id>/macros/<id>/run).
   The server checks every ticket; this only says what it answered. */
import { showError } from "./notice.js";

/** @returns {Record<string, string>} */
function headers() {
  const token = document.querySelector("[name=csrfmiddlewaretoken]");
  return {
    "Content-Type": "application/json",
    Accept: "application/json",
    "X-CSRFToken": token instanceof HTMLInputElement ? token.value : "",
  };
}

/**
 * @param {string} method
 * @param {string} url
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: headers(),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `The server answered ${response.status}.`);
  return data;
}

/* --- The inbox: select tickets, then one action on them all ------------------------------ */
const bar = document.getElementById("bulk-bar");
const count = document.getElementById("bulk-count");
const result = document.getElementById("bulk-result");
const all = document.getElementById("bulk-all");
/** Ticket ids ticked; kept while the list reloads live (inbox.js swaps it). */
const selected = new Set();

function boxes() {
  return /** @type {HTMLInputElement[]} */ ([...document.querySelectorAll("input[data-bulk-ticket]")]);
}

function showSelection() {
  const listed = boxes();
  for (const box of listed) box.checked = selected.has(box.value);
  /* Tickets that left the list (resolved elsewhere, filtered away) are no longer selected. */
  for (const id of [...selected]) if (!listed.some((box) => box.value === id)) selected.delete(id);
  if (bar) bar.hidden = selected.size === 0;
  if (count) count.textContent = `${selected.size} selected`;
  if (all instanceof HTMLInputElement) {
    all.checked = listed.length > 0 && selected.size === listed.length;
    all.indeterminate = selected.size > 0 && selected.size < listed.length;
  }
}

document.addEventListener("change", (event) => {
  const box = event.target;
  if (box instanceof HTMLInputElement && box.matches("input[data-bulk-ticket]")) {
    box.checked ? selected.add(box.value) : selected.delete(box.value);
    if (result) result.hidden = true;
    showSelection();
  }
});

if (all instanceof HTMLInputElement) {
  all.addEventListener("change", () => {
    for (const box of boxes()) all.checked ? selected.add(box.value) : selected.delete(box.value);
    showSelection();
  });
}

document.getElementById("bulk-clear")?.addEventListener("click", () => {
  selected.clear();
  showSelection();
});

const wrap = document.getElementById("inbox-list-wrap");
if (wrap) new MutationObserver(showSelection).observe(wrap, { childList: true });

/**
 * @param {string} key
 * @param {string} value
 */
function bulkAction(key, value) {
  if (key === "labels_add") return { labels_add: [value] };
  if (key === "macro") return { macro: Number(value) };
  return { [key]: value };
}

for (const select of document.querySelectorAll("select[data-bulk]")) {
  if (!(select instanceof HTMLSelectElement)) continue;
  select.addEventListener("change", async () => {
    const value = select.value;
    if (!value || selected.size === 0) return;
    select.disabled = true;
    try {
      const answer = await call("POST", "/api/tickets/bulk", {
        tickets: [...selected].map(Number),
        action: bulkAction(select.dataset.bulk || "", value),
      });
      /** @type {{ticket: number, ok: boolean, error?: string}[]} */
      const results = answer.results || [];
      const failed = results.filter((r) => !r.ok);
      const done = results.length - failed.length;
      if (result) {
        result.textContent =
          `Done on ${done} of ${results.length}.` +
          failed.map((r) => ` #${r.ticket}: ${r.error}`).join("");
        result.hidden = false;
      }
      for (const r of results) if (r.ok) selected.delete(String(r.ticket));
      showSelection();
      if (bar && result && failed.length) bar.hidden = false;
    } catch (error) {
      showError(error instanceof Error ? error.message : String(error));
    } finally {
      select.value = "";
      select.disabled = false;
    }
  });
}

/* --- A ticket: its labels and macros ----------------------------------------------------- */
const tools = document.getElementById("workflow-tools");
const ticketId = tools ? tools.dataset.ticket : "";
const said = document.getElementById("workflow-result");
const labelsData = document.getElementById("labels-data");
/** @type {{name: string, color: string}[]} */
const known = labelsData ? JSON.parse(labelsData.textContent || "[]") : [];

/** @param {string[]} names */
function drawLabels(names) {
  const holder = document.getElementById("ticket-labels");
  if (!holder) return;
  holder.replaceChildren();
  for (const name of names) {
    const chip = document.createElement("span");
    chip.className = "label-chip";
    const label = known.find((l) => l.name === name);
    chip.style.setProperty("--label", label ? label.color : "#64748b");
    chip.textContent = name;
    holder.append(chip);
  }
  if (!names.length) {
    const none = document.createElement("span");
    none.className = "small text-body-secondary";
    none.textContent = "No labels";
    holder.append(none);
  }
}

const labelForm = document.getElementById("label-form");
if (labelForm instanceof HTMLFormElement && ticketId) {
  labelForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const names = [...labelForm.querySelectorAll("input[name=labels]:checked")].map(
      (box) => /** @type {HTMLInputElement} */ (box).value,
    );
    try {
      const ticket = await call("PATCH", `/api/tickets/${ticketId}`, { labels: names });
      drawLabels(ticket.labels || []);
      labelForm.closest("details")?.removeAttribute("open");
    } catch (error) {
      showError(error instanceof Error ? error.message : String(error));
    }
  });
}

for (const button of document.querySelectorAll("[data-macro]")) {
  if (!(button instanceof HTMLButtonElement) || !ticketId) continue;
  button.addEventListener("click", async () => {
    button.closest("details")?.removeAttribute("open");
    try {
      const ticket = await call("POST", `/api/tickets/${ticketId}/macros/${button.dataset.macro}/run`);
      drawLabels(ticket.labels || []);
      if (said) {
        said.textContent = `Ran “${button.textContent}”.`;
        said.hidden = false;
      }
      /* Status, priority and agent are drawn by the server: the page shows them fresh. */
      setTimeout(() => window.location.reload(), 600);
    } catch (error) {
      showError(error instanceof Error ? error.message : String(error));
    }
  });
}
