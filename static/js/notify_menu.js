/* The conversation header's notification menu: the level (all, mentions, nothing) and a mute.
   Changes go to PUT /api/conversations/<id>/notifications; the sidebar is redrawn so that the
   conversation is dimmed (or not) at once. */
import { isMuted, setCurrentNotify, tomorrowMorning } from "./notify_state.js";
import { putJson } from "./notify_api.js";
import { reload } from "./sidebar.js";
import { shortTime } from "./times.js";

const menu = document.getElementById("notify-menu");

/** @param {HTMLElement} root @param {import("./notify_state.js").NotifySetting} setting */
function draw(root, setting) {
  setCurrentNotify(setting);
  root.dataset.level = setting.level;
  root.dataset.mutedUntil = setting.muted_until || "";
  root.dataset.muted = String(isMuted(setting));
  for (const item of root.querySelectorAll("[data-level][role=radio]")) {
    if (item instanceof HTMLElement) item.setAttribute("aria-checked", String(item.dataset.level === setting.level));
  }
  const state = root.querySelector("#notify-state");
  const mutedNow = setting.muted_until && isMuted({ level: "all", muted_until: setting.muted_until });
  if (state) state.textContent = mutedNow ? `Muted until ${shortTime(String(setting.muted_until))}` : "";
  const unmute = root.querySelector("[data-mute=off]");
  if (unmute instanceof HTMLElement) unmute.hidden = !mutedNow;
  const button = root.querySelector("#notify-menu-button");
  if (button) button.setAttribute("title", isMuted(setting) ? "Notifications: muted" : "Notifications");
}

/** @param {HTMLElement} root */
function setUp(root) {
  const url = `/api/conversations/${Number(root.dataset.conversation)}/notifications`;
  draw(root, { level: root.dataset.level || "mentions", muted_until: root.dataset.mutedUntil || null });
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let unmuteTimer;
  /** @param {object} body */
  async function change(body) {
    const state = root.querySelector("#notify-state");
    try {
      const setting = await putJson(url, body);
      draw(root, setting);
      clearTimeout(unmuteTimer);
      const left = setting.muted_until ? Date.parse(setting.muted_until) - Date.now() : 0;
      /* A mute that ends while the page is open: the bell and the sidebar follow. */
      if (left > 0 && left < 2 ** 31 - 1) unmuteTimer = setTimeout(() => { draw(root, setting); reload(); }, left + 1000);
      reload();
    } catch (error) {
      if (state) state.textContent = error instanceof Error ? error.message : String(error);
    }
  }
  root.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target.closest("button") : null;
    if (!(target instanceof HTMLElement)) return;
    if (target.dataset.level && target.getAttribute("role") === "radio") change({ level: target.dataset.level });
    const mute = target.dataset.mute;
    if (mute === "off") change({ muted_until: null });
    else if (mute === "tomorrow") change({ muted_until: tomorrowMorning() });
    else if (mute) change({ mute_for: Number(mute) });
  });
}

if (menu) setUp(menu);
