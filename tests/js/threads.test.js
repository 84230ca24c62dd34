// Threads without a browser: the pure rules (static/js/threads.js), the send frames
// (composer.js), the store's catching up, and a root's reply line drawn in a linkedom DOM.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import { parseHTML } from "linkedom";

import {
  badgeText, excerpt, faces, inMainList, repliesText, shouldMarkRead, threadFromQuery, ThreadUnreads,
  typingIn, withCounts, withThread,
} from "../../static/js/threads.js";
import { ConversationStore } from "../../static/js/store.js";

const ANA = { id: 2, username: "ana", name: "Ana Lima" };
const ME = { id: 1, username: "me", name: "Me" };
const at = (minutes) => new Date(Date.UTC(2026, 11, 5, 10, minutes)).toISOString();
const message = (id, seq, extra = {}) => ({ id, seq, sender: ANA, body: `m${id}`, created_at: at(id), ...extra });

describe("threads: what the main list shows", () => {
  it("shows ordinary messages and roots, and replies only when also sent to the room", () => {
    assert.equal(inMainList(message(1, 1)), true);
    assert.equal(inMainList(message(1, 1, { thread: null, reply_count: 3 })), true);
    assert.equal(inMainList(message(2, 2, { thread: 1 })), false);
    assert.equal(inMainList(message(2, 2, { thread: 1, also_to_room: false })), false);
    assert.equal(inMainList(message(2, 2, { thread: 1, also_to_room: true })), true);
  });
});

describe("threads: words", () => {
  it("counts replies", () => {
    assert.equal(repliesText(1), "1 reply");
    assert.equal(repliesText(0), "0 replies");
    assert.equal(repliesText(12), "12 replies");
  });

  it("quotes a root on one line, cut with an ellipsis", () => {
    assert.equal(excerpt(message(1, 1, { body: "  two\n\nlines  " })), "two lines");
    assert.equal(excerpt(message(1, 1, { body: "x".repeat(100) }), 10), "x".repeat(9) + "…");
    assert.equal(excerpt(message(1, 1, { deleted: true })), "This message was deleted.");
    assert.equal(excerpt(message(1, 1, { body: "", content: { type: "image" } })), "[attachment]");
    assert.equal(excerpt(undefined), "");
  });

  it("caps the badge", () => {
    assert.equal(badgeText(0), "");
    assert.equal(badgeText(7), "7");
    assert.equal(badgeText(100, 100), "99+");
    assert.equal(badgeText(250, 100), "99+");
  });
});

describe("threads: the page's address", () => {
  it("reads ?thread=<root id>, and nothing else", () => {
    assert.equal(threadFromQuery("?thread=12"), 12);
    assert.equal(threadFromQuery("?thread=12&around=15"), 12);
    assert.equal(threadFromQuery("?around=15"), null);
    assert.equal(threadFromQuery("?thread=abc"), null);
    assert.equal(threadFromQuery("?thread=-3"), null);
    assert.equal(threadFromQuery("?thread=1.5"), null);
  });

  it("sets and takes out thread, keeping the rest", () => {
    assert.equal(withThread("", 5), "?thread=5");
    assert.equal(withThread("?around=9", 5), "?around=9&thread=5");
    assert.equal(withThread("?thread=5&around=9", null), "?around=9");
    assert.equal(withThread("?thread=5", null), "");
  });
});

describe("threads: live changes", () => {
  it("takes a root's counts from thread.updated and nothing else", () => {
    const root = message(1, 1, { reply_count: 1, body: "root" });
    const frame = { conversation: 9, message: 1, reply_count: 2, last_reply_at: at(5), thread_participants: [2, 1] };
    const after = withCounts(root, frame);
    assert.deepEqual([after.reply_count, after.last_reply_at, after.thread_participants, after.body], [2, at(5), [2, 1], "root"]);
    assert.equal(root.reply_count, 1, "the store's object is not changed in place");
  });

  it("draws at most five faces, with '?' for someone the page does not know", () => {
    const people = new Map([[2, ANA]]);
    const shown = faces([2, 7, 3, 4, 5, 6], (id) => people.get(id));
    assert.equal(shown.length, 5);
    assert.equal(shown[0].name, "Ana Lima");
    assert.equal(shown[1].name, "?");
    assert.deepEqual(faces(undefined, () => null), []);
  });

  it("marks read only a newer reply that is on screen in a visible tab", () => {
    const state = { newestReply: 10, marked: 0, atBottom: true, visible: true };
    assert.equal(shouldMarkRead(state), true);
    assert.equal(shouldMarkRead({ ...state, marked: 10 }), false);
    assert.equal(shouldMarkRead({ ...state, atBottom: false }), false);
    assert.equal(shouldMarkRead({ ...state, visible: false }), false);
    assert.equal(shouldMarkRead({ ...state, newestReply: 0 }), false);
  });

  it("tells a thread's typing from the room's", () => {
    assert.equal(typingIn({ thread: 4 }, 4), true);
    assert.equal(typingIn({ thread: 5 }, 4), false);
    assert.equal(typingIn({}, 4), false);
    assert.equal(typingIn({}, null), true);
    assert.equal(typingIn({ thread: 4 }, null), false);
  });

  it("keeps the server's total of unread thread replies, per thread too", () => {
    const unreads = new ThreadUnreads(3);
    assert.equal(unreads.apply({ conversation: 9, message: 1, unread: 2, total: 5 }), 5);
    assert.equal(unreads.of(1), 2);
    assert.equal(unreads.apply({ conversation: 9, message: 1, unread: 0, total: 3 }), 3);
    assert.equal(unreads.of(1), 0);
    assert.equal(unreads.of(42), 0);
  });
});

describe("ConversationStore.caughtUp", () => {
  it("ends a gap that only replies kept in threads left", () => {
    const store = new ConversationStore(ME.id);
    store.startAt(1);
    store.upsert(message(1, 1));
    store.upsert(message(3, 3));  /* seq 2 is a reply shown only in its thread */
    assert.equal(store.hasGap(), true);
    store.caughtUp(4);
    assert.equal(store.hasGap(), false);
    assert.equal(store.lastSeq, 4);
    store.noteSeq(5);
    assert.equal(store.lastSeq, 5);
  });
});

describe("threads in the DOM", () => {
  /** @type {typeof import("../../static/js/composer.js")} */
  let composer;
  /** @type {typeof import("../../static/js/message_render.js")} */
  let render;
  before(async () => {
    const { window } = parseHTML("<!doctype html><html><body></body></html>");
    Object.assign(globalThis, { window, document: window.document, NodeFilter: window.NodeFilter, HTMLElement: window.HTMLElement });
    composer = await import("../../static/js/composer.js");
    render = await import("../../static/js/message_render.js");
  });

  it("sends into a thread, and to the room too only when asked", () => {
    assert.deepEqual(composer.sendFrame("hi", "c1", null), { type: "message.send", body: "hi", client_id: "c1" });
    assert.deepEqual(composer.sendFrame("hi", "c1", null, { thread: 7 }), { type: "message.send", body: "hi", client_id: "c1", thread: 7 });
    assert.deepEqual(composer.sendFrame("hi", "c1", 8, { thread: 7, alsoToRoom: true }),
      { type: "message.send", body: "hi", client_id: "c1", reply_to: 8, thread: 7, also_to_room: true });
    assert.deepEqual(composer.typingFrame(7), { type: "typing", thread: 7 });
    assert.deepEqual(composer.typingFrame(null), { type: "typing" });
  });

  const view = (extra = {}) => ({ me: ME, isAdmin: false, links: [], actions: [], reactions: [], threads: true, person: (id) => (id === 2 ? ANA : null), ...extra });

  it("draws a root's reply line with faces and the count, and 'Reply in thread'", () => {
    const li = render.buildMessage(message(1, 1, { reply_count: 3, last_reply_at: at(5), thread_participants: [2, 9] }), view());
    const line = li.querySelector(".thread-summary");
    assert.ok(line);
    assert.equal(line.dataset.action, "thread");
    assert.equal(line.dataset.thread, "1");
    assert.equal(line.querySelector(".thread-count").textContent, "3 replies");
    assert.deepEqual([...line.querySelectorAll(".avatar")].map((a) => a.textContent), ["AL", "?"]);
    assert.ok(line.querySelector(".thread-last").textContent.startsWith("Last reply"));
    assert.ok(li.querySelector('[data-action="thread"][aria-label="Reply in thread"]'));
  });

  it("draws no reply line in the pane, nor 'Reply in thread', nor for a message without replies", () => {
    const root = message(1, 1, { reply_count: 3, thread_participants: [2] });
    const inPane = render.buildMessage(root, view({ inThread: true, threads: false }));
    assert.equal(inPane.querySelector(".thread-summary"), null);
    assert.equal(inPane.querySelector('[aria-label="Reply in thread"]'), null);
    assert.equal(render.buildMessage(message(2, 2), view()).querySelector(".thread-summary"), null);
  });

  it("says above a reply also sent to the room which thread it answered", () => {
    const li = render.buildMessage(message(5, 5, { thread: 1, also_to_room: true }), view({ rootText: () => "the plan" }));
    const origin = li.querySelector(".thread-origin");
    assert.equal(origin.textContent, "replied to a thread: the plan");
    assert.equal(origin.dataset.thread, "1");
    const unknown = render.buildMessage(message(5, 5, { thread: 1, also_to_room: true }), view({ rootText: () => "" }));
    assert.equal(unknown.querySelector(".thread-origin").textContent, "replied to a thread");
  });
});
