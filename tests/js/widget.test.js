// The widget frame's data module (static/js/widget/state.js), without a browser.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ChatLog, Typing, backAtText, prechatErrors, tokenKey } from "../../static/js/widget/state.js";

const msg = (id, seq, extra = {}) => ({ id, seq, body: `m${id}`, sender: { id: 1, name: "A" }, created_at: "", ...extra });

describe("ChatLog", () => {
  it("keeps messages once each, in seq order, and knows the last seq", () => {
    const log = new ChatLog();
    assert.equal(log.add(msg(2, 20)), true);
    assert.equal(log.add(msg(1, 10)), true);
    assert.equal(log.add(msg(2, 20)), false);
    log.addMany([msg(3, 30, { deleted: true })]);
    assert.deepEqual(log.ordered().map((m) => m.id), [1, 2]);
    assert.equal(log.lastSeq(), 30);
  });

  it("drops a pending send once its message is stored", () => {
    const log = new ChatLog();
    log.send("c1", "hello");
    assert.equal(log.pending.size, 1);
    log.add(msg(5, 5, { client_id: "c1" }));
    assert.equal(log.pending.size, 0);
  });
});

describe("Typing", () => {
  it("names who types until it expires or their message arrives", () => {
    const typing = new Typing(1000);
    typing.saw({ id: 7, name: "Agnes" }, 0);
    assert.equal(typing.label(500), "Agnes is typing…");
    typing.saw({ id: 8, name: "Bo" }, 0);
    assert.equal(typing.label(500), "Agnes and Bo are typing…");
    assert.equal(typing.stop(8), true);
    assert.equal(typing.label(1500), "");
  });
});

describe("prechatErrors", () => {
  it("asks for a name and a plausible address", () => {
    assert.deepEqual(prechatErrors({ name: "Vera", email: "vera@home.example" }), {});
    assert.deepEqual(Object.keys(prechatErrors({ name: " ", email: "nope" })), ["name", "email"]);
  });
});

describe("backAtText", () => {
  const now = new Date("2026-12-05T17:00:00Z"); // a Saturday
  it("says nothing while the team is in", () => {
    assert.equal(backAtText(null, now, "UTC"), "");
    assert.equal(backAtText("2026-12-05T16:00:00Z", now, "UTC"), "");
    assert.match(backAtText(null, now, "UTC", true), /away right now/);
  });
  it("names the time and day in the visitor's zone", () => {
    assert.match(backAtText("2026-12-07T09:00:00Z", now, "UTC"), /back at 09:00 Monday/);
    assert.match(backAtText("2026-12-05T20:00:00Z", now, "UTC"), /back at 20:00 today/);
    assert.match(backAtText("2026-12-07T09:00:00Z", now, "Asia/Tokyo"), /back at 18:00 Monday/);
  });
});

it("keeps one token per widget", () => {
  assert.notEqual(tokenKey("a"), tokenKey("b"));
});
