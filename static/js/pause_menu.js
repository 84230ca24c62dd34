/* "Pause notifications" in the user menu: do not disturb for an hour, until tomorrow morning,
   or off (PUT /api/notification-settings). The bell in the bar shows when it is on. */
import { isAhead, tomorrowMorning } from "./notify_state.js";
import { putJson } from "./notify_api.js";
import { shortTime } from "./times.js";

const menu = document.getElementById("pause-menu");

/** @param {HTMLElement} root @param {string | null} until */
function draw(root, until) {
  const on = isAhead(until);
  root.dataset.dndUntil = on ? String(until) : "";
  const state = root.querySelector("#pause-state");
  if (state) state.textContent = on ? `Paused until ${shortTime(String(until))}` : "";
  const off = root.querySelector("[data-pause=off]");
  if (off instanceof HTMLElement) off.hidden = !on;
  const bell = document.getElementById("nav-bell");
  if (bell) {
    bell.classList.toggle("paused", on);
    bell.title = on ? "Notifications (paused)" : "Notifications";
  }
}

/** @param {HTMLElement} root */
function setUp(root) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @param {string | null} until */
  function show(until) {
    draw(root, until);
    clearTimeout(timer);
    const left = until ? Date.parse(until) - Date.now() : 0;
    if (left > 0 && left < 2 ** 31 - 1) timer = setTimeout(() => draw(root, null), left + 1000);
  }
  show(root.dataset.dndUntil || null);
  root.addEventListener("click", async (event) => {
    const target = event.target instanceof Element ? event.target.closest("button[data-pause]") : null;
    if (!(target instanceof HTMLElement)) return;
    event.stopPropagation();  /* the menu stays open to show the new state */
    const pause = target.dataset.pause;
    const until = pause === "off" ? null : pause === "morning" ? tomorrowMorning() : new Date(Date.now() + Number(pause) * 1000).toISOString();
    try {
      const settings = await putJson("/api/notification-settings", { dnd_until: until });
      show(settings.dnd_until);
    } catch (error) {
      const state = root.querySelector("#pause-state");
      if (state) state.textContent = error instanceof Error ? error.message : String(error);
    }
  });
}

if (menu) setUp(menu);
