// The message list drawn from the store, in a DOM from linkedom (static/js/messages_view.js).
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import { parseHTML } from "linkedom";

/** @type {typeof import("../../static/js/messages_view.js").MessagesView} */
let MessagesView;
/** @type {typeof import("../../static/js/store.js").ConversationStore} */
let ConversationStore;

before(async () => {
  const { window } = parseHTML("<!doctype html><html><body><ul id='messages'></ul></body></html>");
  Object.assign(globalThis, { window, document: window.document, NodeFilter: window.NodeFilter, HTMLElement: window.HTMLElement });
  ({ MessagesView } = await import("../../static/js/messages_view.js"));
  ({ ConversationStore } = await import("../../static/js/store.js"));
});

const ME = { id: 1, username: "me", name: "Me" };
const ANA = { id: 2, username: "ana", name: "Ana" };
const at = (minutes) => new Date(Date.UTC(2026, 11, 5, 10, minutes)).toISOString();
const message = (id, seq, minutes, sender = ANA, extra = {}) => ({ id, seq, sender, body: `m${id}`, created_at: at(minutes), ...extra });

function setup(firstUnreadId = null) {
  const list = globalThis.document.createElement("ul");
  const store = new ConversationStore(ME.id);
  const view = new MessagesView(list, store, () => ({ me: ME, isAdmin: false, links: [], actions: [] }), firstUnreadId);
  const shown = () => [...list.children].map((li) => li.classList.contains("message")
    ? (li.dataset.id || "pending") + (li.classList.contains("grouped") ? "g" : "")
    : li.className);
  return { list, store, view, shown };
}

describe("MessagesView", () => {
  it("draws messages in seq order whatever order they arrive in, with one day separator", () => {
    const { view, shown } = setup();
    view.put(message(30, 3, 2));
    view.put(message(10, 1, 0));
    view.put(message(20, 2, 1));
    assert.deepEqual(shown(), ["day-separator", "10", "20g", "30g"]);
  });

  it("regroups the message after one inserted before it", () => {
    const { view, shown } = setup();
    view.put(message(10, 1, 0));
    view.put(message(30, 3, 3, ME));
    view.put(message(20, 2, 1, ME));
    assert.deepEqual(shown(), ["day-separator", "10", "20", "30g"]);
  });

  it("keeps pending sends last, and replaces one by its acknowledgement", () => {
    const { view, store, shown, list } = setup();
    view.put(message(10, 1, 0));
    store.addPending("c1", { body: "hi", replyId: null, reply: null, createdAt: at(1) });
    view.addPending("c1", { id: 0, seq: 0, sender: ME, body: "hi", created_at: at(1) });
    view.put(message(20, 2, 1));
    assert.deepEqual(shown(), ["day-separator", "10", "20g", "pending"]);
    view.put(message(30, 3, 1, ME, { client_id: "c1" }));
    assert.deepEqual(shown(), ["day-separator", "10", "20g", "30"]);
    assert.equal(list.querySelector(".pending"), null);
  });

  it("draws the new-messages line before the first unread", () => {
    const { view, shown } = setup(20);
    view.put(message(10, 1, 0));
    view.put(message(20, 2, 1));
    assert.deepEqual(shown(), ["day-separator", "10", "new-line", "20"]);
  });

  it("redraws an edited message in place and its reactions from the store", () => {
    const { view, store, list } = setup();
    view.put(message(10, 1, 0));
    view.put(message(20, 2, 1));
    view.put(message(10, 1, 0, ANA, { body: "edited", edited_at: at(2) }));
    assert.equal(list.querySelector("li[data-id='10'] .body").textContent, "edited (edited)");  /* marked at its end */
    store.applyReaction({ message: 20, emoji: "🎉", count: 1, user_id: 1, added: true });
    view.redrawReactions(20);
    assert.equal(list.querySelector("li[data-id='20'] .reaction").getAttribute("aria-pressed"), "true");
  });

  it("draws a toolbar per message: edit and delete on one's own only, the kinds' actions under More", () => {
    const list = globalThis.document.createElement("ul");
    const store = new ConversationStore(ME.id);
    const actions = [{ name: "make", label: "Make something", url: "/x/0/", confirm: "?", failed: "no" }];
    const view = new MessagesView(list, store, () => ({ me: ME, isAdmin: false, links: [], actions }), null);
    view.put(message(10, 1, 0, ME));
    view.put(message(20, 2, 1, ANA));
    const labels = (id) => [...list.querySelectorAll(`li[data-id='${id}'] .toolbar-button`)].map((b) => b.getAttribute("aria-label"));
    assert.deepEqual(labels(10), ["Add a reaction", "Reply", "Edit", "Delete", "More actions"]);
    assert.deepEqual(labels(20), ["Add a reaction", "Reply", "More actions"]);
    const items = (id) => [...list.querySelectorAll(`li[data-id='${id}'] .dropdown-item`)].map((b) => b.textContent);
    assert.deepEqual(items(10), ["Copy link"]);
    assert.deepEqual(items(20), ["Make something", "Copy link"]);
    /* One tab stop per toolbar; every button has a tooltip. */
    const tabbable = [...list.querySelectorAll("li[data-id='20'] .toolbar-button")].map((b) => b.getAttribute("tabindex"));
    assert.deepEqual(tabbable, ["0", "-1", "-1"]);
    assert.ok([...list.querySelectorAll(".toolbar-button")].every((b) => b.title === b.getAttribute("aria-label")));
    /* The time reads as a clock, the full date in its title; no "☺+" under the message. */
    assert.match(list.querySelector("li[data-id='10'] time").textContent, /^\d\d:\d\d$/);
    assert.equal(list.querySelector(".add-reaction"), null);
  });
});
