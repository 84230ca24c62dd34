// notify_state.js: whether the conversation a tab shows is muted, and the menus' times.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { isAhead, isMuted, setCurrentNotify, tomorrowMorning } from "../../static/js/notify_state.js";

const NOW = Date.UTC(2026, 11, 5, 16, 0);
const later = new Date(NOW + 60_000).toISOString();
const earlier = new Date(NOW - 60_000).toISOString();

describe("notify_state.isMuted", () => {
  it("is muted at level none, or while a mute runs", () => {
    assert.equal(isMuted({ level: "none", muted_until: null }, NOW), true);
    assert.equal(isMuted({ level: "all", muted_until: later }, NOW), true);
    assert.equal(isMuted({ level: "mentions", muted_until: earlier }, NOW), false);
    assert.equal(isMuted({ level: "all", muted_until: null }, NOW), false);
  });

  it("answers for the tab's conversation by default, and nothing shown is not muted", () => {
    setCurrentNotify(null);
    assert.equal(isMuted(), false);
    setCurrentNotify({ level: "none", muted_until: null });
    assert.equal(isMuted(), true);
    setCurrentNotify(null);
  });
});

describe("notify_state times", () => {
  it("knows a time still ahead", () => {
    assert.equal(isAhead(later, NOW), true);
    assert.equal(isAhead(earlier, NOW), false);
    assert.equal(isAhead(null, NOW), false);
    assert.equal(isAhead("", NOW), false);
  });

  it("tomorrow morning is 08:00 on the next day, local time", () => {
    const morning = new Date(tomorrowMorning(new Date(2026, 11, 5, 23, 30)));
    assert.deepEqual([morning.getDate(), morning.getHours(), morning.getMinutes()], [6, 8, 0]);
    const early = new Date(tomorrowMorning(new Date(2026, 11, 31, 1, 0)));
    assert.deepEqual([early.getFullYear(), early.getMonth(), early.getDate()], [2027, 0, 1]);
  });
});
