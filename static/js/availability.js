/* An agent's availability (online, away, offline): the radio buttons of the user menu and the
   inbox header set it (PUT /api/agent/availability), and every page follows the change live
   ("agent.availability": the agent's own, and the team list's dots in the inbox). */
import { FRAME } from "./protocol.js";
import { onMe } from "./me.js";
import { showError } from "./notice.js";

const URL = "/api/agent/availability";
/** @type {Record<string, string>} */
const LABELS = { online: "Online", away: "Away", offline: "Offline" };
const self = Number(document.getElementById("availability-script")?.dataset.me || 0);

/** Draw the agent's own availability everywhere it shows. @param {string} state */
function mark(state) {
  for (const el of document.querySelectorAll("[data-availability-set]")) {
    if (el instanceof HTMLElement) el.setAttribute("aria-checked", String(el.dataset.availabilitySet === state));
  }
  for (const el of document.querySelectorAll("[data-availability-mine]")) {
    if (el instanceof HTMLElement) el.dataset.availability = state;
  }
  for (const el of document.querySelectorAll("[data-availability-label]")) el.textContent = LABELS[state] || state;
  team(self, state);
}

/** One agent's dot in the team list. @param {number} agent @param {string} state */
function team(agent, state) {
  for (const el of document.querySelectorAll(`[data-agent-availability="${agent}"]`)) {
    if (!(el instanceof HTMLElement)) continue;
    el.dataset.availability = state;
    el.title = LABELS[state] || state;
  }
  for (const el of document.querySelectorAll(`[data-agent-availability-text="${agent}"]`)) el.textContent = state;
}

/** @param {string} state */
async function choose(state) {
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]");
  try {
    const response = await fetch(URL, {
      method: "PUT",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrf instanceof HTMLInputElement ? csrf.value : "",
      },
      body: JSON.stringify({ availability: state }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      showError(body.error || "Your availability could not be changed. Try again.");
      return;
    }
    mark(body.availability);
  } catch {
    showError("You seem to be offline: your availability was not changed.");
  }
}

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-availability-set]") : null;
  if (button instanceof HTMLElement && button.dataset.availabilitySet) choose(button.dataset.availabilitySet);
});

onMe({
  [FRAME.AGENT_AVAILABILITY]: (frame) => {
    if (frame.agent === self) mark(frame.availability);
    else team(frame.agent, frame.availability);
  },
});
