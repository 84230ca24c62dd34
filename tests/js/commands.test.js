// Slash commands in the composer (static/js/commands.js, composer.js), group mentions
// (mentions.js) and the reader's groups highlighted as mentions (message_render.js).
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import { parseHTML } from "linkedom";

let commands;
let Composer;
let markMentions;
let myGroups;
let matchGroups;

before(async () => {
  const { window } = parseHTML("<!doctype html><html><body></body></html>");
  Object.assign(globalThis, { window, document: window.document, NodeFilter: window.NodeFilter || { SHOW_TEXT: 4 }, HTMLElement: window.HTMLElement, HTMLInputElement: window.HTMLInputElement });
  commands = await import("../../static/js/commands.js");
  ({ Composer } = await import("../../static/js/composer.js"));
  ({ markMentions, myGroups } = await import("../../static/js/message_render.js"));
  ({ matchGroups } = await import("../../static/js/mentions.js"));
});

const LIST = [
  { name: "me", description: "Action", usage: "/me <action>" },
  { name: "mute", description: "Mute", usage: "/mute [duration]" },
  { name: "topic", description: "Topic", usage: "/topic [new topic]" },
];

describe("command parsing", () => {
  it("offers commands only while the first word is typed", () => {
    assert.equal(commands.commandQuery("/", 1), "");
    assert.equal(commands.commandQuery("/Mu", 3), "mu");
    assert.equal(commands.commandQuery("/mute 1h", 8), null);
    assert.equal(commands.commandQuery("hi /mu", 6), null);
    assert.equal(commands.commandQuery("//mu", 4), null);
    assert.deepEqual(commands.matchCommands(LIST, "m").map((c) => c.name), ["me", "mute"]);
    assert.deepEqual(commands.matchCommands(LIST, "x"), []);
  });

  it("tells a command line from a message, and // escapes", () => {
    assert.equal(commands.isCommandLine("/topic Ship"), true);
    assert.equal(commands.isCommandLine("  /help"), true);
    assert.equal(commands.isCommandLine("//topic is a path"), false);
    assert.equal(commands.isCommandLine("/ a slash"), false);
    assert.equal(commands.isCommandLine("a /topic"), false);
    assert.equal(commands.unescapeSlash("//me is not an action"), "/me is not an action");
    assert.equal(commands.unescapeSlash("/// three"), "// three");
    assert.equal(commands.unescapeSlash("plain"), "plain");
    assert.deepEqual(commands.commandBody(" /mute 1h ", 12), { text: "/mute 1h", thread: 12 });
    assert.deepEqual(commands.commandBody("/help", undefined), { text: "/help", thread: null });
  });
});

function composerSetup(answer) {
  const doc = globalThis.document;
  doc.body.innerHTML = "<form id='f'><textarea id='i'></textarea><ul class='command-list' id='c' hidden></ul></form><ul id='list'></ul><p id='n'></p>";
  const form = doc.getElementById("f");
  const input = doc.getElementById("i");
  const frames = [];
  const fetched = [];
  globalThis.fetch = async (url, options) => {
    fetched.push({ url, options, body: options.body ? JSON.parse(options.body) : null });
    return { ok: answer.status < 400, status: answer.status, json: async () => answer.body };
  };
  commands.commandsConfig.url = "/api/conversations/7/commands";
  const view = { list: doc.getElementById("list"), addPending: () => {} };
  const store = { addPending: () => {}, pending: new Map() };
  const notices = [];
  const composer = new Composer({
    form, input, store, view, socket: { send: (f) => { frames.push(f); return true; }, isOpen: () => true },
    me: { id: 1, username: "me", name: "Me" }, maxLength: 100, mentions: { handleKey: () => false },
    sent: () => {}, replyBar: null, emoji: null, target: () => ({ thread: 5 }), notice: (t) => notices.push(t),
  });
  return { composer, input, frames, fetched, view, notices };
}

describe("the composer and commands", () => {
  it("sends //text as the message /text, not as a command", () => {
    const { composer, input, frames, fetched } = composerSetup({ status: 200, body: {} });
    input.value = "//topic is only text";
    composer.submit();
    assert.equal(fetched.length, 0);
    assert.equal(frames[0].body, "/topic is only text");
    assert.equal(frames[0].thread, 5);
  });

  it("runs a command line through the API and shows its private reply", async () => {
    const { composer, input, frames, fetched, view } = composerSetup({ status: 200, body: { reply: "Muted for 1 hour.", message: null } });
    input.value = "/mute 1h";
    await composer.command(input.value);
    assert.equal(frames.length, 0);
    assert.equal(fetched[0].url, "/api/conversations/7/commands");
    assert.equal(fetched[0].options.method, "POST");
    assert.deepEqual(fetched[0].body, { text: "/mute 1h", thread: 5 });
    assert.equal(input.value, "");
    const note = view.list.querySelector(".private-reply");
    assert.match(note.textContent, /Only visible to you/);
    assert.match(note.textContent, /Muted for 1 hour\./);
    note.querySelector("button").click();
    assert.equal(view.list.querySelector(".private-reply"), null);
  });

  it("keeps a refused command's text in the box and says why", async () => {
    const error = "/foo is not a command. Send it as a message with //foo";
    const { composer, input, notices } = composerSetup({ status: 400, body: { code: 400, subcode: 4064, error } });
    input.value = "/foo bar";
    await composer.command(input.value);
    assert.equal(input.value, "/foo bar");
    assert.equal(notices.at(-1), error);
  });
});

describe("groups in mentions", () => {
  it("suggests groups by name and highlights the reader's groups", () => {
    const groups = [{ name: "support", description: "", members: 3 }, { name: "design", description: "", members: 1 }, { name: "ops-support", description: "", members: 2 }];
    assert.deepEqual(matchGroups(groups, "sup").map((g) => g.name), ["support", "ops-support"]);
    assert.deepEqual(matchGroups(groups, "d").map((g) => g.name), ["design"]);
    myGroups.names = ["support"];
    const p = globalThis.document.createElement("p");
    p.textContent = "@support and @design and @me";
    markMentions(p, "me");
    const marks = [...p.querySelectorAll("mark")].map((m) => [m.textContent, m.classList.contains("mention-me")]);
    assert.deepEqual(marks, [["@support", true], ["@design", false], ["@me", true]]);
  });
});
