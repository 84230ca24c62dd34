/* Slash commands in the composer: a leading "/" lists the commands that can run here (name,
   usage, description; arrows, Tab or Enter to choose, Escape to close), filtered as you type.
   Enter on a whole command line runs it through the commands API instead of sending a
   message; "//text" sends "/text" as a message. A command's private reply shows in the
   message list as "Only visible to you" (dismissable, never stored). The parsing is pure
   (commandQuery, matchCommands, isCommandLine, unescapeSlash); attachCommands draws. */
import { attachCombobox } from "./combobox.js";
import { icon } from "./icons.js";
import { requestJson } from "./json_api.js";

/** @typedef {{ name: string, description: string, usage: string }} CommandInfo */

/** Where this page's commands are (the chat page's boot data sets it). */
export const commandsConfig = { url: "" };

/** The command name being typed ("/to" -> "to"), or null: only in the first word of the box,
    with the caret in it. @param {string} text @param {number} caret */
export function commandQuery(text, caret) {
  const found = /^\/([a-z0-9-]{0,32})$/i.exec(text.slice(0, caret));
  return found && !/^\S/.test(text.slice(caret)) ? found[1].toLowerCase() : null;
}

/** The commands whose name starts with the query, by name. @param {CommandInfo[]} commands @param {string} query */
export function matchCommands(commands, query) {
  return commands.filter((c) => c.name.startsWith(query)).sort((a, b) => a.name.localeCompare(b.name));
}

/** A line for the commands API ("/topic x"), not a message ("//x" or "/ x" are messages).
    @param {string} text */
export function isCommandLine(text) {
  return /^\/[a-z0-9]/i.test(text.trimStart());
}

/** What a message that starts with "//" sends: one slash less. @param {string} text */
export function unescapeSlash(text) {
  return text.trimStart().startsWith("//") ? text.trimStart().slice(1) : text;
}

/** The command API's body. @param {string} text @param {number | null | undefined} thread */
export function commandBody(text, thread) {
  return { text: text.trim(), thread: thread || null };
}

/** "Only visible to you": a command's private reply at the end of a message list.
    @param {HTMLElement} list @param {string} text */
export function showPrivateReply(list, text) {
  const li = document.createElement("li");
  li.className = "private-reply";
  li.setAttribute("role", "status");
  const head = document.createElement("div");
  head.className = "message-head d-flex gap-2 align-items-baseline";
  const label = document.createElement("span");
  label.className = "private-label";
  label.append(icon("eye", 14), " Only visible to you");
  const close = document.createElement("button");
  close.type = "button";
  close.className = "btn btn-sm btn-link p-0 ms-auto private-close";
  close.setAttribute("aria-label", "Dismiss");
  close.append(icon("x", 14));
  close.addEventListener("click", () => li.remove());
  head.append(label, close);
  const body = document.createElement("div");
  body.className = "body private-text";
  body.textContent = text;
  li.append(head, body);
  list.append(li);
  li.scrollIntoView({ block: "nearest" });
  return li;
}

/**
 * @param {HTMLTextAreaElement} input @param {HTMLElement | null} list the box's command list
 * @returns {{ handleKey: (event: KeyboardEvent) => boolean, run: (text: string, thread: number | null | undefined) => Promise<{ reply: string | null }> }}
 */
export function attachCommands(input, list) {
  /** @type {CommandInfo[] | null} */
  let known = null;
  /** @type {Promise<void> | null} */
  let loading = null;

  function load() {
    if (known || loading || !commandsConfig.url) return;
    loading = requestJson("GET", commandsConfig.url)
      .then((answer) => { known = answer.commands; box.show(); })
      .catch(() => { loading = null; });
  }

  const box = attachCombobox(input, list, {
    find() {
      const query = commandQuery(input.value, input.selectionStart);
      if (query === null) return null;
      if (!known) { load(); return null; }
      return matchCommands(known, query);
    },
    key: (c) => c.name,
    draw(c, item) {
      item.classList.add("command-item");
      const usage = document.createElement("span");
      usage.className = "command-usage";
      usage.textContent = c.usage;
      const about = document.createElement("span");
      about.className = "command-about";
      about.textContent = c.description;
      item.append(usage, about);
    },
    choose(chosen) {
      const rest = input.value.slice(input.selectionStart).replace(/^\s*/, "");
      input.value = `/${chosen.name} ` + rest;
      input.selectionStart = input.selectionEnd = chosen.name.length + 2;
    },
  });

  return {
    handleKey(event) {
      if (box.move(event)) return true;
      const active = box.active();
      if (!active) return false;
      const whole = commandQuery(input.value, input.selectionStart) === active.name;
      /* Enter on a whole name runs it (the composer sends the line); Tab always completes. */
      if ((event.key === "Tab" || (event.key === "Enter" && !whole)) && !event.shiftKey) { event.preventDefault(); box.pick(); return true; }
      if (event.key === "Enter") box.close();
      return false;
    },
    run(text, thread) {
      box.close();
      return requestJson("POST", commandsConfig.url, commandBody(text, thread));
    },
  };
}
