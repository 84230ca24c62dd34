// invites.js: the room admins' invite panel, its pure parts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createBody, expiresText, usesText } from "../../static/js/invites.js";

const NOW = Date.UTC(2026, 11, 5, 16, 0);
const after = (seconds) => new Date(NOW + seconds * 1000).toISOString();

describe("invites.expiresText", () => {
  it("says when a link expires, in the largest unit that fits", () => {
    assert.equal(expiresText(null, NOW), "never expires");
    assert.equal(expiresText(after(-1), NOW), "expired");
    assert.equal(expiresText(after(20), NOW), "expires in 1 min");
    assert.equal(expiresText(after(300), NOW), "expires in 5 min");
    assert.equal(expiresText(after(3600), NOW), "expires in 1 hour");
    assert.equal(expiresText(after(5 * 3600), NOW), "expires in 5 hours");
    // A day made a moment ago is still "1 day", not "24 hours".
    assert.equal(expiresText(after(86400 - 30), NOW), "expires in 1 day");
    assert.equal(expiresText(after(30 * 86400), NOW), "expires in 30 days");
  });
});

describe("invites.usesText and createBody", () => {
  it("counts uses against the cap", () => {
    assert.equal(usesText({ uses: 0, max_uses: null }), "0 uses");
    assert.equal(usesText({ uses: 1, max_uses: null }), "1 use");
    assert.equal(usesText({ uses: 2, max_uses: 10 }), "2 of 10 uses");
    assert.equal(usesText({ uses: 0, max_uses: 1 }), "0 of 1 use");
  });

  it("turns the form's choices into the API's body", () => {
    assert.deepEqual(createBody("86400", "", false), { expires_in: 86400, max_uses: null, guest: false });
    assert.deepEqual(createBody("", "5", true), { expires_in: null, max_uses: 5, guest: true });
  });
});
