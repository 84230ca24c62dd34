// The pickers' pure parts: emoji search and the recent list, the switcher's ranking, chips'
// usernames.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { addRecent, DEFAULT_QUICK, gridMove, parseCatalog, quickRow, searchEmoji } from "../../static/js/emoji_search.js";
import { moveActive, rankEntries } from "../../static/js/switcher.js";
import { initial, parseUsernames } from "../../static/js/chips.js";

const catalog = parseCatalog({
  fields: ["emoji", "name", "keywords"],
  categories: [
    { name: "Smileys & Emotion", emoji: [["😀", "grinning face", ["grinning"]], ["😂", "face with tears of joy", ["joy"]]] },
    { name: "People & Body", emoji: [["👍", "thumbs up sign", ["+1", "thumbsup", "thumbs_up"]]] },
    { name: "Objects", emoji: [["🔥", "fire", ["fire"]], ["🧯", "fire extinguisher", ["fire_extinguisher"]], ["🎆", "fireworks", ["fireworks"]]] },
  ],
});

describe("emoji search", () => {
  it("reads the server's catalogue with each emoji's category", () => {
    assert.equal(catalog.length, 6);
    assert.deepEqual(catalog[2], { emoji: "👍", name: "thumbs up sign", keywords: ["+1", "thumbsup", "thumbs_up"], category: "People & Body" });
  });

  it("puts an exact short name first, then short names and words starting with the query", () => {
    assert.deepEqual(searchEmoji(catalog, "fire").map((e) => e.emoji), ["🔥", "🧯", "🎆"]);
    assert.deepEqual(searchEmoji(catalog, "fire ext").map((e) => e.emoji), ["🧯"]);
  });

  it("finds by a word of the name, a part of it, a :short_name: and nothing for no match", () => {
    assert.deepEqual(searchEmoji(catalog, "tears").map((e) => e.emoji), ["😂"]);
    assert.deepEqual(searchEmoji(catalog, ":thumbsup:").map((e) => e.emoji), ["👍"]);
    assert.deepEqual(searchEmoji(catalog, "JOY").map((e) => e.emoji), ["😂"]);
    assert.deepEqual(searchEmoji(catalog, "zebra"), []);
    assert.deepEqual(searchEmoji(catalog, "  "), []);
  });

  it("keeps the recently used first without repeats, and fills the quick row with defaults", () => {
    assert.deepEqual(addRecent(["😀", "🔥"], "🔥"), ["🔥", "😀"]);
    assert.equal(addRecent(Array.from({ length: 30 }, (_, i) => String(i)), "x").length, 24);
    assert.deepEqual(quickRow([]), DEFAULT_QUICK);
    assert.deepEqual(quickRow(["🔥", "👍"]), ["🔥", "👍", "❤️", "😂", "🎉", "😮"]);
  });

  it("moves in the grid by arrow keys and stays at its edges", () => {
    assert.equal(gridMove(0, "ArrowRight", 8, 20), 1);
    assert.equal(gridMove(0, "ArrowLeft", 8, 20), 0);
    assert.equal(gridMove(3, "ArrowDown", 8, 20), 11);
    assert.equal(gridMove(15, "ArrowDown", 8, 20), 15);
    assert.equal(gridMove(11, "ArrowUp", 8, 20), 3);
    assert.equal(gridMove(5, "End", 8, 20), 19);
    assert.equal(gridMove(5, "Enter", 8, 20), 5);
  });
});

describe("switcher ranking", () => {
  const entry = (kind, name) => ({ kind, label: kind, name, url: `/${name}`, icon: "hash" });
  const entries = [entry("room", "Ops deploys"), entry("room", "Deploys"), entry("direct", "Dee Peters"), entry("person", "Ann (@deploybot)")];

  it("orders names starting with the query, then a word, then the rest, keeping the server's order", () => {
    assert.deepEqual(rankEntries(entries, "dep").map((e) => e.name), ["Deploys", "Ops deploys", "Ann (@deploybot)", "Dee Peters"]);
    assert.deepEqual(rankEntries(entries, "").map((e) => e.name), entries.map((e) => e.name));
  });

  it("wraps the active line around", () => {
    assert.equal(moveActive(0, -1, 4), 3);
    assert.equal(moveActive(3, 1, 4), 0);
    assert.equal(moveActive(0, 1, 0), -1);
  });
});

describe("chips", () => {
  it("splits usernames as the server does", () => {
    assert.deepEqual(parseUsernames("@alice, bob;carol  dave,"), ["alice", "bob", "carol", "dave"]);
    assert.deepEqual(parseUsernames(""), []);
    assert.equal(initial(" bob"), "B");
    assert.equal(initial(""), "?");
  });
});
