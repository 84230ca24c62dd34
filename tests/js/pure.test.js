// The pure modules: layout decisions and @-mention matching.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { decoration, firstUnread, GROUP_MS, lastEditable } from "../../static/js/layout.js";
import { clockTime, dayLabel, msToMidnight } from "../../static/js/times.js";
import { matchMembers, mentionQuery } from "../../static/js/mentions.js";

const at = (minutes) => new Date(Date.UTC(2026, 11, 5, 10, minutes)).toISOString();
const item = (id, senderId, minutes, deleted = false) => ({ id, senderId, at: at(minutes), deleted });

describe("layout.decoration", () => {
  it("starts the list with a day separator", () => {
    const d = decoration(null, item(1, 2, 0), null);
    assert.ok(d.separator);
    assert.equal(d.grouped, false);
  });

  it("groups a message by the same person within five minutes", () => {
    assert.equal(decoration(item(1, 2, 0), item(2, 2, 4), null).grouped, true);
    assert.equal(decoration(item(1, 2, 0), item(2, 2, GROUP_MS / 60000 + 1), null).grouped, false);
    assert.equal(decoration(item(1, 2, 0), item(2, 3, 1), null).grouped, false);
    assert.equal(decoration(item(1, 2, 0, true), item(2, 2, 1), null).grouped, false);
    assert.equal(decoration(item(1, null, 0), item(2, null, 1), null).grouped, false);
  });

  it("draws the new-messages line before the first unread, which starts a group", () => {
    const d = decoration(item(1, 2, 0), item(2, 2, 1), 2);
    assert.deepEqual(d, { separator: null, newLine: true, grouped: false });
  });

  it("separates days", () => {
    const yesterday = { id: 1, senderId: 2, at: "2026-12-04T10:00:00Z", deleted: false };
    assert.ok(decoration(yesterday, item(2, 2, 0), null).separator);
  });
});

describe("layout.firstUnread", () => {
  const msgs = [{ id: 1, sender: { id: 2 } }, { id: 2, sender: { id: 1 } }, { id: 3, sender: { id: 2 } }];
  it("is the first message after the last read that is not mine", () => {
    assert.equal(firstUnread(msgs, 1, 1), 3);
  });
  it("is none for a first visit", () => {
    assert.equal(firstUnread(msgs, 0, 1), null);
  });
});

describe("mentions", () => {
  it("reads the name being typed after @ before the caret", () => {
    assert.equal(mentionQuery("hello @an", 9), "an");
    assert.equal(mentionQuery("hello @an and", 13), null);
    assert.equal(mentionQuery("mail@example", 12), null);
    assert.equal(mentionQuery("@", 1), "");
  });

  it("matches usernames and words of names, never the reader, by username", () => {
    const people = [
      { id: 1, username: "me", name: "Me Myself" },
      { id: 2, username: "zed", name: "Ana Zed" },
      { id: 3, username: "anna", name: "Anna Lee" },
      { id: 4, username: "bob", name: "Bob Stone" },
    ];
    assert.deepEqual(matchMembers(people, "an", 1).map((u) => u.username), ["anna", "zed"]);
    assert.deepEqual(matchMembers(people, "me", 1), []);
    assert.equal(matchMembers(people, "", 1).length, 3);
  });
});

describe("times", () => {
  const now = new Date(2026, 11, 5, 15, 0);  /* Saturday 5 December 2026, the reader's zone */
  it("names the day: Today, Yesterday, then the weekday and date, with the year when not this one", () => {
    assert.equal(dayLabel(new Date(2026, 11, 5, 0, 1).toISOString(), now), "Today");
    assert.equal(dayLabel(new Date(2026, 11, 4, 23, 59).toISOString(), now), "Yesterday");
    assert.equal(dayLabel(new Date(2026, 11, 3, 12).toISOString(), now), "Thursday 3 December");
    assert.equal(dayLabel(new Date(2025, 11, 4, 12).toISOString(), now), "Thursday 4 December 2025");
    assert.equal(dayLabel("not a date", now), null);
  });
  it("counts the time to the reader's next midnight, when the separators are relabelled", () => {
    assert.equal(msToMidnight(new Date(2026, 11, 5, 23, 59, 30)), 30_000);
    assert.equal(msToMidnight(new Date(2026, 11, 31, 0, 0)), 24 * 3600_000);
  });
  it("shows a message's time as a 24-hour clock", () => {
    assert.equal(clockTime(new Date(2026, 11, 5, 14, 57).toISOString()), "14:57");
    assert.equal(clockTime(new Date(2026, 11, 5, 9, 5).toISOString()), "09:05");
  });
});

describe("layout.lastEditable", () => {
  it("is the reader's newest text message, not deleted", () => {
    const newestFirst = [
      { id: 5, sender: { id: 2 } },
      { id: 4, sender: { id: 1 }, deleted: true },
      { id: 3, sender: { id: 1 }, content: { type: "image" } },
      { id: 2, sender: { id: 1 }, content: { type: "text" } },
      { id: 1, sender: { id: 1 } },
    ];
    assert.equal(lastEditable(newestFirst, 1)?.id, 2);
    assert.equal(lastEditable(newestFirst, 3), null);
  });
});
