/* The emoji picker's data, without the DOM: the server's catalogue (GET /api/emoji) as a list,
   search by name and keywords, the recently used list (kept in localStorage by the picker) and
   the reactions' quick row. */

/** @typedef {{ emoji: string, name: string, keywords: string[], category: string }} Emoji */
/** @typedef {{ fields: string[], categories: { name: string, emoji: [string, string, string[]][] }[] }} Catalog */

/** The quick row's emoji before the person has used any. */
export const DEFAULT_QUICK = ["👍", "❤️", "😂", "🎉", "😮", "👀"];
export const RECENT_MAX = 24;

/** @param {Catalog} catalog @returns {Emoji[]} */
export function parseCatalog(catalog) {
  return catalog.categories.flatMap((category) =>
    category.emoji.map(([emoji, name, keywords]) => ({ emoji, name, keywords, category: category.name })));
}

/**
 * How well one emoji matches every word of a query: 0 an exact short name, 1 a short name
 * starting with a word, 2 a word of its name starting with it, 3 a part of a name; -1 no match.
 * @param {Emoji} item @param {string[]} words lower case
 */
function score(item, words) {
  let worst = 0;
  for (const word of words) {
    let best = -1;
    for (const key of item.keywords) {
      const k = key.toLowerCase();
      if (k === word) { best = 0; break; }
      if (k.startsWith(word) && (best === -1 || best > 1)) best = 1;
    }
    if (best === -1 || best > 2) {
      const parts = item.name.split(/[\s_-]+/);
      if (parts.some((p) => p.startsWith(word))) best = 2;
      else if (item.name.includes(word) || item.keywords.some((k) => k.toLowerCase().includes(word))) best = 3;
    }
    if (best === -1) return -1;
    worst = Math.max(worst, best);
  }
  return worst;
}

/**
 * The emoji matching a query, best first (then in Unicode's order).
 * @param {Emoji[]} list @param {string} query @param {number} [limit]
 */
export function searchEmoji(list, query, limit = 200) {
  const words = query.toLowerCase().replace(/:/g, " ").split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  /** @type {[number, number, Emoji][]} */
  const hits = [];
  list.forEach((item, index) => {
    const s = score(item, words);
    if (s >= 0) hits.push([s, index, item]);
  });
  hits.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return hits.slice(0, limit).map((hit) => hit[2]);
}

/** The recently used list after picking one: it first, no repeats. @param {string[]} recent @param {string} emoji */
export function addRecent(recent, emoji, max = RECENT_MAX) {
  return [emoji, ...recent.filter((e) => e !== emoji)].slice(0, max);
}

/** The reactions' quick row: the recently used, then the defaults, six in all. @param {string[]} recent */
export function quickRow(recent, count = DEFAULT_QUICK.length) {
  return [...new Set([...recent, ...DEFAULT_QUICK])].slice(0, count);
}

/**
 * The next cell in a grid of `count` cells, `columns` wide, for an arrow key (or Home/End);
 * the same cell at an edge.
 * @param {number} index @param {string} key @param {number} columns @param {number} count
 */
export function gridMove(index, key, columns, count) {
  const next = {
    ArrowRight: index + 1, ArrowLeft: index - 1, ArrowDown: index + columns, ArrowUp: index - columns,
    Home: 0, End: count - 1,
  }[key];
  if (next === undefined || next < 0 || next >= count) return index;
  return next;
}
