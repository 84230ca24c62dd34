/* Slash commands in the composer: a leading "/" lists the commands that can run here (name,
   usage, description; arrows, Tab or Enter to choose, Escape to close), filtered as you type.
   Enter on a whole command line runs it through the commands API instead of sending a
   message; "//text" sends "/text" as a message. A command's private reply shows in the
   message list as "Only visible to you" (dismissable, never stored). The parsing is pure
   (commandQuery, matchCommands, isCommandLine, unescapeSlash); attachCommands draws. */
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
  /** @type {CommandInfo[]} */
  let matches = [];
  let index = 0;

  function load() {
    if (known || loading || !commandsConfig.url) return;
    loading = requestJson("GET", commandsConfig.url)
      .then((answer) => { known = answer.commands; show(); })
      .catch(() => { loading = null; });
  }

  function close() {
    matches = [];
    if (list) { list.hidden = true; list.replaceChildren(); }
    input.removeAttribute("aria-activedescendant");
  }

  function show() {
    const query = commandQuery(input.value, input.selectionStart);
    if (query === null || !list) { close(); return; }
    if (!known) { load(); return; }
    matches = matchCommands(known, query);
    if (!matches.length) { close(); return; }
    index = Math.min(index, matches.length - 1);
    list.replaceChildren(...matches.map((c, i) => {
      const item = document.createElement("li");
      item.className = "list-group-item list-group-item-action py-1 command-item" + (i === index ? " active" : "");
      item.id = `${list.id}-${c.name}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", i === index ? "true" : "false");
      const usage = document.createElement("span");
      usage.className = "command-usage";
      usage.textContent = c.usage;
      const about = document.createElement("span");
      about.className = "command-about";
      about.textContent = c.description;
      item.append(usage, about);
      item.addEventListener("mousedown", (event) => { event.preventDefault(); choose(i); });
      return item;
    }));
    list.hidden = false;
    input.setAttribute("aria-activedescendant", `${list.id}-${matches[index].name}`);
  }

  /** @param {number} i */
  function choose(i) {
    const rest = input.value.slice(input.selectionStart).replace(/^\s*/, "");
    input.value = `/${matches[i].name} ` + rest;
    input.selectionStart = input.selectionEnd = matches[i].name.length + 2;
    close();
    input.focus();
  }

  input.addEventListener("input", () => { index = 0; show(); });
  input.addEventListener("blur", () => setTimeout(close, 150));

  return {
    handleKey(event) {
      if (!matches.length) return false;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        index = (index + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
        show();
        return true;
      }
      const whole = commandQuery(input.value, input.selectionStart) === matches[index].name;
      /* Enter on a whole name runs it (the composer sends the line); Tab always completes. */
      if ((event.key === "Tab" || (event.key === "Enter" && !whole)) && !event.shiftKey) { event.preventDefault(); choose(index); return true; }
      if (event.key === "Escape") { event.preventDefault(); close(); return true; }
      if (event.key === "Enter") close();
      return false;
    },
    run(text, thread) {
      close();
      return requestJson("POST", commandsConfig.url, commandBody(text, thread));
    },
  };
}
