/* Times in the viewer's time zone, everywhere: the one place pages format a time.
   The server renders <time datetime="…" data-local>23 Nov, 09:48 UTC</time> (readable, and
   labelled, without JavaScript); this rewrites each into the browser's zone, with the full
   date, time and zone in its title. Chat messages use the same functions (message_render.js). */
const short = new Intl.DateTimeFormat("en-GB", { day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit", hour12: false });
const withYear = new Intl.DateTimeFormat("en-GB", { day: "2-digit", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hour12: false });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" });  /* "long" names the zone */

/** @param {Intl.DateTimeFormat} format @param {Date} date @returns {Record<string, string>} */
function parts(format, date) {
  return Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
}

/** "23 Nov, 09:48" this year, "23 Nov 2025, 09:48" before. @param {string} iso */
export function shortTime(iso) {
  const date = new Date(iso);
  if (date.getFullYear() === new Date().getFullYear()) {
    const p = parts(short, date);
    return `${p.day} ${p.month}, ${p.hour}:${p.minute}`;
  }
  const p = parts(withYear, date);
  return `${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute}`;
}

/** @param {string} iso */
export function fullTime(iso) {
  return full.format(new Date(iso));
}

/** @param {ParentNode} [root] */
export function localize(root) {
  for (const el of (root || document).querySelectorAll("time[data-local]")) {
    if (!(el instanceof HTMLTimeElement) || Number.isNaN(new Date(el.dateTime).getTime())) continue;
    el.textContent = shortTime(el.dateTime);
    el.title = fullTime(el.dateTime);
    el.removeAttribute("data-local");
  }
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => localize());
  else localize();
}
