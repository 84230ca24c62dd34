// The "BOT" / "guest" badge after a person's name (static/js/badges.js), where names show: the
// message's sender line, the members panel and the mention suggestions.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import { parseHTML } from "linkedom";

/** @type {typeof import("../../static/js/badges.js").personBadge} */
let personBadge;
/** @type {typeof import("../../static/js/messages_view.js").MessagesView} */
let MessagesView;
/** @type {typeof import("../../static/js/store.js").ConversationStore} */
let ConversationStore;
/** @type {typeof import("../../static/js/members_view.js").renderMembers} */
let renderMembers;

before(async () => {
  const { window } = parseHTML("<!doctype html><html><body></body></html>");
  Object.assign(globalThis, { window, document: window.document, NodeFilter: window.NodeFilter, HTMLElement: window.HTMLElement });
  ({ personBadge } = await import("../../static/js/badges.js"));
  ({ MessagesView } = await import("../../static/js/messages_view.js"));
  ({ ConversationStore } = await import("../../static/js/store.js"));
  ({ renderMembers } = await import("../../static/js/members_view.js"));
});

const ME = { id: 1, username: "me", name: "Me" };
const BOT = { id: 2, username: "ci-bot", name: "CI", is_bot: true, is_guest: false };
const GUEST = { id: 3, username: "gus", name: "Gus", is_bot: false, is_guest: true };

describe("personBadge", () => {
  it("says BOT for a bot, guest for a guest, nothing for others", () => {
    assert.equal(personBadge(BOT)?.textContent, "BOT");
    assert.ok(personBadge(BOT)?.classList.contains("person-badge-bot"));
    assert.equal(personBadge(GUEST)?.textContent, "guest");
    assert.equal(personBadge(ME), null);
    assert.equal(personBadge(null), null);
  });

  it("shows after the sender's name in a message and in the members panel", () => {
    const list = globalThis.document.createElement("ul");
    const store = new ConversationStore(ME.id);
    const view = new MessagesView(list, store, () => ({ me: ME, isAdmin: false, links: [], actions: [] }), null);
    const at = new Date(Date.UTC(2026, 11, 5, 10)).toISOString();
    view.put({ id: 10, seq: 1, sender: BOT, body: "deployed", created_at: at });
    view.put({ id: 11, seq: 2, sender: ME, body: "thanks", created_at: at });
    const [bot, mine] = [...list.querySelectorAll("li.message .message-head")];
    assert.equal(bot.querySelector(".sender + .person-badge")?.textContent, "BOT");
    assert.equal(mine.querySelector(".person-badge"), null);

    const members = globalThis.document.createElement("ul");
    store.setMember({ user: GUEST, is_admin: false, online: false });
    store.setMember({ user: ME, is_admin: true, online: true });
    renderMembers(members, store);
    const badges = [...members.querySelectorAll(".member-name .person-badge")].map((b) => b.textContent);
    assert.deepEqual(badges, ["guest"]);
  });
});
