/* Times in the viewer's time zone, everywhere: the one place pages format a time.
   The server renders <time datetime="…" data-local>23 Nov, 09:48 UTC</time> (readable, and
   labelled, without JavaScript); this rewrites each into the browser's zone, with the full
   date, time and zone in its title. Chat messages use the same functions (message_render.js). */
const short = new Intl.DateTimeFormat("en-GB", { day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit", hour12: false });
const withYear = new Intl.DateTimeFormat("en-GB", { day: "2-digit", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hour12: false });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" });  /* "long" names the zone */
const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false });
const dayName = new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long", year: "numeric" });
const DAY_MS = 24 * 60 * 60 * 1000;

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

/** "14:57" (24 h, the viewer's zone): a message's time; its day is in the list's separators.
    @param {string} iso */
export function clockTime(iso) {
  const p = parts(clock, new Date(iso));
  return `${p.hour}:${p.minute}`;
}

/** The viewer's calendar day of a date, as a number of days (comparable). @param {Date} date */
function dayNumber(date) {
  return Math.round(new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime() / DAY_MS);
}

/**
 * A day separator's words: "Today", "Yesterday", "Friday 4 December", "Friday 4 December 2025"
 * (another year); null for no date.
 * @param {string} iso @param {Date} [now]
 */
export function dayLabel(iso, now = new Date()) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  const ago = dayNumber(now) - dayNumber(date);
  if (ago === 0) return "Today";
  if (ago === 1) return "Yesterday";
  const p = parts(dayName, date);
  const day = `${p.weekday} ${p.day} ${p.month}`;
  return date.getFullYear() === now.getFullYear() ? day : `${day} ${p.year}`;
}

/** Milliseconds from `now` to the viewer's next midnight. @param {Date} [now] */
export function msToMidnight(now = new Date()) {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1).getTime() - now.getTime();
}

/** Calls `callback` just after every local midnight from now on ("Today" becomes "Yesterday"
    in a page left open overnight). @param {() => void} callback */
export function everyMidnight(callback) {
  const arm = () => window.setTimeout(() => { callback(); arm(); }, msToMidnight() + 1000);
  arm();
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
