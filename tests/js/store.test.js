// The conversation store: pure state, no DOM (static/js/store.js).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ConversationStore } from "../../static/js/store.js";

const ME = 1;
/** @param {number} id @param {number} seq @param {object} [extra] */
function message(id, seq, extra = {}) {
  return { id, seq, sender: { id: 2, username: "ana", name: "Ana" }, body: `m${id}`, created_at: "2026-12-05T10:00:00Z", ...extra };
}

describe("ConversationStore.upsert", () => {
  it("keeps messages in seq order whatever order they arrive in", () => {
    const store = new ConversationStore(ME);
    for (const [id, seq] of [[30, 3], [10, 1], [50, 5], [20, 2], [40, 4]]) store.upsert(message(id, seq));
    assert.deepEqual(store.all().map((m) => m.seq), [1, 2, 3, 4, 5]);
    assert.equal(store.newestId, 50);
    assert.equal(store.oldestId, 10);
  });

  it("says which message a new one goes before (null for the newest)", () => {
    const store = new ConversationStore(ME);
    store.upsert(message(10, 1));
    store.upsert(message(30, 3));
    assert.deepEqual(store.upsert(message(20, 2)), { replaced: false, next: 30, acknowledged: null });
    assert.equal(store.upsert(message(40, 4)).next, null);
  });

  it("replaces a message in place, keeping its position", () => {
    const store = new ConversationStore(ME);
    store.upsert(message(10, 1));
    store.upsert(message(20, 2));
    const result = store.upsert(message(10, 1, { body: "edited" }));
    assert.deepEqual(result, { replaced: true, next: 20, acknowledged: null });
    assert.deepEqual(store.all().map((m) => m.body), ["edited", "m20"]);
  });

  it("drops the pending send a message of mine acknowledges", () => {
    const store = new ConversationStore(ME);
    store.addPending("c1", { body: "hi", replyId: null, reply: null, createdAt: "2026-12-05T10:00:00Z" });
    const mine = message(10, 1, { sender: { id: ME, username: "me", name: "Me" }, client_id: "c1" });
    assert.equal(store.upsert(mine).acknowledged, "c1");
    assert.equal(store.pending.size, 0);
  });

  it("does not let someone else's message acknowledge my pending send", () => {
    const store = new ConversationStore(ME);
    store.addPending("c1", { body: "hi", replyId: null, reply: null, createdAt: "2026-12-05T10:00:00Z" });
    assert.equal(store.upsert(message(10, 1, { client_id: "c1" })).acknowledged, null);
    assert.equal(store.pending.size, 1);
  });

  it("finds the message before another", () => {
    const store = new ConversationStore(ME);
    store.upsert(message(10, 1));
    store.upsert(message(20, 2));
    assert.equal(store.previous(20)?.id, 10);
    assert.equal(store.previous(10), undefined);
  });
});

describe("ConversationStore sequence gaps", () => {
  it("sees a gap when a seq overtakes another, and none once it arrives", () => {
    const store = new ConversationStore(ME);
    store.startAt(1);
    store.upsert(message(10, 1));
    store.upsert(message(30, 3));
    assert.equal(store.hasGap(), true);
    assert.equal(store.lastSeq, 1);
    store.upsert(message(20, 2));
    assert.equal(store.hasGap(), false);
    assert.equal(store.lastSeq, 3);
  });

  it("ignores what is older than the first page", () => {
    const store = new ConversationStore(ME);
    store.startAt(5);
    store.upsert(message(5, 2));
    assert.equal(store.hasGap(), false);
    assert.equal(store.lastSeq, 4);
  });
});

describe("ConversationStore reactions", () => {
  it("counts reactions from the frames, marking mine", () => {
    const store = new ConversationStore(ME);
    store.upsert(message(10, 1, { reactions: [{ emoji: "👍", count: 1, mine: false }] }));
    store.applyReaction({ message: 10, emoji: "👍", count: 2, user_id: ME, added: true });
    store.applyReaction({ message: 10, emoji: "🎉", count: 1, user_id: 2, added: true });
    assert.deepEqual(store.reactionsOf(10), [{ emoji: "👍", count: 2, mine: true }, { emoji: "🎉", count: 1, mine: false }]);
    store.applyReaction({ message: 10, emoji: "👍", count: 1, user_id: ME, added: false });
    store.applyReaction({ message: 10, emoji: "🎉", count: 0, user_id: 2, added: false });
    assert.deepEqual(store.reactionsOf(10), [{ emoji: "👍", count: 1, mine: false }]);
  });
});

describe("ConversationStore pending sends and uploads", () => {
  it("gives a refused send back once", () => {
    const store = new ConversationStore(ME);
    store.addPending("c1", { body: "hi", replyId: 7, reply: null, createdAt: "2026-12-05T10:00:00Z" });
    assert.equal(store.takePending("c1")?.body, "hi");
    assert.equal(store.takePending("c1"), undefined);
  });

  it("follows an upload's progress until it ends", () => {
    const store = new ConversationStore(ME);
    store.addUpload("u1", { name: "a.pdf", size: 2000 });
    assert.equal(store.uploadProgress("u1", 500, 2000), 25);
    assert.equal(store.uploads.get("u1")?.progress, 25);
    store.endUpload("u1");
    assert.equal(store.uploads.size, 0);
  });
});

describe("ConversationStore members and typing", () => {
  const person = (id, username, extra = {}) => ({ user: { id, username, name: username }, is_admin: false, online: false, ...extra });

  it("lists admins first, then by username, and keeps presence across a role change", () => {
    const store = new ConversationStore(ME);
    store.setMember(person(3, "zoe"));
    store.setMember(person(2, "bob", { online: true }));
    store.setMember(person(4, "amy", { is_admin: true }));
    assert.deepEqual(store.sortedMembers().map((m) => m.user.username), ["amy", "bob", "zoe"]);
    store.updateMember(person(2, "bob", { is_admin: true, online: false }));
    assert.equal(store.members.get(2)?.online, true);
    assert.equal(store.setOnline(99, true), false);
  });

  it("says who is typing until it expires", () => {
    const store = new ConversationStore(ME);
    store.startTyping({ id: 2, name: "Ana" }, 1000);
    store.startTyping({ id: 3, name: "Bo" }, 3000);
    assert.equal(store.typingText(4000), "Ana, Bo are typing…");
    assert.equal(store.typingText(6000), "Bo is typing…");
    assert.equal(store.stopTyping(3), true);
    assert.equal(store.typingText(6000), "");
  });
});
