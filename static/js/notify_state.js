/* Notification control, the data side (no DOM): the setting of the conversation this tab
   shows, whether it is muted (level "none" or a mute still running: its messages then never
   ring, pop or count in this tab's title), and the times the menus offer. */

/** @typedef {{ level: string, muted_until: string | null }} NotifySetting */

/** @type {NotifySetting | null} */
let current = null;

/** The setting of the conversation this tab shows (null: none shown). @param {NotifySetting | null} setting */
export function setCurrentNotify(setting) {
  current = setting;
}

/** @param {NotifySetting | null} [setting] @param {number} [now] */
export function isMuted(setting = current, now = Date.now()) {
  if (!setting) return false;
  return setting.level === "none" || (Boolean(setting.muted_until) && Date.parse(String(setting.muted_until)) > now);
}

/** Whether a time (ISO) is still ahead. @param {string | null | undefined} iso @param {number} [now] */
export function isAhead(iso, now = Date.now()) {
  return Boolean(iso) && Date.parse(String(iso)) > now;
}

/** Tomorrow at 08:00 on this browser's clock: "until tomorrow (morning)". @param {Date} [now] */
export function tomorrowMorning(now = new Date()) {
  const morning = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 8, 0, 0, 0);
  return morning.toISOString();
}
