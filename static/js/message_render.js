/* A message drawn as DOM nodes, from its payload alone (no page state): text stays text, only
   http(s) links become anchors; media are built from checked URLs; nothing is inserted as HTML
   but the server's sanitised markup (rooms/markup.py). */
import { appendBadge } from "./badges.js";
import { buildReactions } from "./reactions.js";
import { buildToolbar } from "./message_toolbar.js";
import { buildThreadOrigin, buildThreadSummary } from "./thread_render.js";
import { clockTime, fullTime } from "./times.js";

/**
 * @typedef {import("./store.js").Message} Message
 * @typedef {{ field: string, url: string, label: string }} MessageLink
 * @typedef {{ name: string, label: string, url: string, confirm: string, failed: string }} MessageAction
 * @typedef {object} MessageView what a message's drawing depends on besides the message
 * @property {import("./store.js").Person} me
 * @property {boolean} [pending] sent, not yet acknowledged
 * @property {boolean} isAdmin
 * @property {MessageLink[]} links
 * @property {MessageAction[]} actions
 * @property {import("./store.js").Reaction[]} reactions
 * @property {boolean} [threads] messages here can start threads ("Reply in thread", reply lines)
 * @property {boolean} [inThread] drawn in a thread's pane (no reply line, no "Reply in thread")
 * @property {(id: number) => import("./store.js").Person | null | undefined} [person] who an id is
 * @property {(id: number) => string} [rootText] a thread root's excerpt, when it is on the page
 */

/* Text stays text: only http(s) links become anchors, built as DOM nodes, never as HTML. */
/** @param {HTMLElement} element @param {string} text */
export function appendText(element, text) {
  const pattern = /\bhttps?:\/\/[^\s<>"']+/gi;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const url = match[0].replace(/[.,;:!?)\]}]+$/, "");
    element.append(text.slice(last, match.index));
    const link = document.createElement("a");
    link.href = url;
    link.textContent = url;
    link.rel = "noopener noreferrer nofollow";
    link.target = "_blank";
    element.append(link);
    last = match.index + url.length;
  }
  element.append(text.slice(last));
}

/* Images and videos are built from checked URLs only; nothing is inserted as HTML. */
const EMBED = /^https:\/\/(www\.youtube-nocookie\.com\/embed\/[\w-]{11}|player\.vimeo\.com\/video\/\d+)$/;
/** @param {any} content a message's content: {type: "image" | "file" | "video" | "text", …} @returns {HTMLElement | null} */
export function buildMedia(content) {
  if (!content || content.type === "text") return null;
  if (content.type === "image" && /^https?:\/\//.test(content.url)) {
    /* An image elsewhere is a link, never loaded: loading it would tell that host every
       member's address (and the page's CSP allows images from this site only). */
    const link = document.createElement("a");
    link.href = content.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer nofollow";
    link.className = "chat-image-link";
    let host;
    try { host = new URL(content.url).host; } catch { host = "another site"; }
    link.textContent = `🖼 ${content.caption || "Image"} (on ${host})`;
    return link;
  }
  if (content.type === "image" && /^\/attachments\/\d+\/$/.test(content.url)) {
    const link = document.createElement("a");
    link.href = content.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer nofollow";
    const img = document.createElement("img");
    img.className = "chat-image";
    img.src = content.url;
    img.alt = content.caption || content.name || "image";
    img.loading = "lazy";
    img.width = Math.min(320, content.width);
    img.height = Math.round(img.width * content.height / content.width);
    link.append(img);
    return link;
  }
  if (content.type === "file" && /^\/attachments\/\d+\/$/.test(content.url)) {
    /* Any other file is a download (served with Content-Disposition: attachment). */
    const link = document.createElement("a");
    link.className = "file-card";
    link.href = content.url;
    link.setAttribute("download", "");
    link.textContent = `📄 ${content.name || "file"} (${sizeText(content.size)})`;
    return link;
  }
  if (content.type === "video" && EMBED.test(content.embed_url)) {
    const frame = document.createElement("iframe");
    frame.className = "chat-video";
    frame.src = content.embed_url;
    frame.title = `${content.source} video`;
    frame.width = "400";
    frame.height = "225";
    frame.allow = "encrypted-media; picture-in-picture; fullscreen";
    frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-presentation allow-popups");
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    frame.loading = "lazy";
    return frame;
  }
  return null;
}

/** "1.5\u00a0MB", "12.0\u00a0KB", "80\u00a0bytes": as Django's filesizeformat writes it (the
    file list's stored rows), so a row added live reads the same. @param {unknown} bytes */
export function sizeText(bytes) {
  const n = Number(bytes) || 0;
  const units = [[1073741824, "GB"], [1048576, "MB"], [1024, "KB"]];
  for (const [size, unit] of units) if (n >= Number(size)) return `${(n / Number(size)).toFixed(1)}\u00a0${unit}`;
  return `${n}\u00a0${n === 1 ? "byte" : "bytes"}`;
}

/* Initials in a circle, coloured by the person (decorative: the name is next to it). */
/** @param {import("./store.js").Person | null} sender */
export function avatarFor(sender) {
  const avatar = document.createElement("span");
  avatar.className = "avatar";
  avatar.setAttribute("aria-hidden", "true");
  const name = sender ? sender.name : "?";
  const words = name.trim().split(/\s+/).filter(Boolean);
  avatar.textContent = ((words[0] || "?")[0] + (words.length > 1 ? words[words.length - 1][0] : "")).toUpperCase();
  avatar.style.setProperty("--hue", String(((sender ? sender.id : 0) * 47) % 360));
  return avatar;
}

/* The message a reply answers, quoted above it; a click shows it when it is on the page. */
/** @param {import("./store.js").Quoted} quoted */
export function buildQuote(quoted) {
  const quote = document.createElement("a");
  quote.className = "reply-quote";
  quote.href = `#message-${Number(quoted.id)}`;
  const who = document.createElement("strong");
  who.textContent = quoted.sender ? quoted.sender.name : "deleted user";
  quote.append("↪ ", who, " ", quoted.text);
  quote.addEventListener("click", (event) => {
    const original = document.getElementById(`message-${Number(quoted.id)}`);
    if (!original) return;  /* not loaded: the link's default does nothing harmful */
    event.preventDefault();
    original.scrollIntoView({ block: "center" });
    original.classList.add("target");
    setTimeout(() => original.classList.remove("target"), 2000);
  });
  return quote;
}

/** The reader's user groups (the chat page's boot data): a mention of one is a mention of
    the reader. */
export const myGroups = { names: /** @type {string[]} */ ([]) };

/** Whether "@name" names the reader: their username or one of their groups.
    @param {string} name @param {string} username @param {string[]} groups */
export function mentionsReader(name, username, groups) {
  const lower = name.toLowerCase();
  return lower === username.toLowerCase() || groups.includes(lower);
}

/* "@username" in a message: a mention, highlighted more when it names the reader (or a group
   of theirs). */
/** @param {HTMLElement} root @param {string} username the reader's */
export function markMentions(root, username) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  /** @type {Text[]} */
  const nodes = [];
  while (walker.nextNode()) {
    const node = /** @type {Text} */ (walker.currentNode);
    if (!(node.parentElement && node.parentElement.closest("a, code, pre"))) nodes.push(node);
  }
  for (const node of nodes) {
    const text = node.data;
    const pattern = /(^|[^\w@])@([\w.+-]+)/g;
    let match;
    let last = 0;
    /** @type {(string | Node)[]} */
    const parts = [];
    while ((match = pattern.exec(text))) {
      const start = match.index + match[1].length;
      const name = match[2].replace(/[.]+$/, "");
      parts.push(text.slice(last, start));
      const mark = document.createElement("mark");
      mark.className = "mention" + (mentionsReader(name, username, myGroups.names) ? " mention-me" : "");
      mark.textContent = "@" + name;
      parts.push(mark);
      last = start + 1 + name.length;
    }
    if (!parts.length) continue;
    parts.push(text.slice(last));
    node.replaceWith(...parts);
  }
}

/** @param {Message} message @param {MessageView} view */
export function buildMessage(message, view) {
  const isPending = Boolean(view.pending);
  const me = view.me;
  const li = document.createElement("li");
  li.className = "message" + (isPending ? " pending" : "") + (message.deleted ? " deleted" : "");
  if (message.id) {
    li.dataset.id = String(message.id);
    li.id = "message-" + message.id;
    li.tabIndex = -1;  /* focus comes back here after an action on it (never the page's top) */
  }
  li.dataset.sender = message.sender ? String(message.sender.id) : "";
  li.dataset.at = message.created_at;
  li.append(avatarFor(message.sender));
  const head = document.createElement("div");
  head.className = "message-head d-flex gap-2 align-items-baseline";
  const who = document.createElement("strong");
  who.className = "sender";
  who.textContent = message.sender ? message.sender.name : "deleted user";
  const when = document.createElement("time");
  when.className = "time";
  when.dateTime = message.created_at;
  when.title = fullTime(message.created_at);
  when.textContent = clockTime(message.created_at);
  head.append(who);
  appendBadge(head, message.sender);
  head.append(when);
  /* What the conversation kinds made of a message (rooms/kinds.py, from the page's data): a
     badge; the actions that make something are in the toolbar's "More" menu. */
  let hasLinks = false;
  if (!isPending && !message.deleted) {
    /** @param {string} text @param {Record<string, unknown>} made */
    const fill = (text, made) => text.replace(/\{(\w+)\}/g, (_, key) => String(made[key] ?? ""));
    const fields = /** @type {Record<string, any>} */ (message);
    for (const spec of view.links.filter((link) => fields[link.field])) {
      const made = fields[spec.field];
      const link = document.createElement("a");
      link.className = "badge text-bg-light border kind-link " + spec.field + "-link";
      link.href = fill(spec.url, { id: Number(made.id) });
      link.textContent = fill(spec.label, made);
      head.append(link);
      hasLinks = true;
    }
  }
  const body = document.createElement("div");
  body.className = "body";
  if (message.deleted) body.textContent = "message deleted";
  else if (message.html) {
    /* Rendered and sanitised on the server (rooms/markup.py): an allow-list of tags, links
       to http(s) and mailto only. Links open in a new tab. */
    body.innerHTML = message.html;
    body.classList.add("markup");
    for (const link of body.querySelectorAll("a[href]")) /** @type {HTMLAnchorElement} */ (link).target = "_blank";
    markMentions(body, me.username);
    /* "/me waves" (rooms/markup.py): the sender's name leads the action, in italics. */
    const action = body.querySelector("p.me-action");
    if (action) {
      li.classList.add("me-message");
      const name = document.createElement("span");
      name.className = "me-name";
      name.textContent = (message.sender ? message.sender.name : "deleted user") + " ";
      action.prepend(name);
    }
  } else appendText(body, message.body);
  if (message.edited_at && !message.deleted) {
    /* "(edited)" ends the text, as in Slack: in its last paragraph when there is one. */
    const edited = document.createElement("span");
    edited.className = "edited";
    edited.textContent = " (edited)";
    const last = body.lastElementChild;
    (last && last.tagName === "P" ? last : body).append(edited);
  }
  if (message.thread && !view.inThread) {
    li.classList.add("thread-reply");
    li.append(buildThreadOrigin(message, view.rootText ? view.rootText(message.thread) : ""));
  }
  li.append(head);
  if (message.reply_to && !message.deleted) li.append(buildQuote(message.reply_to));
  const media = message.deleted ? null : buildMedia(message.content);
  if (media) li.append(media);
  if (message.deleted || message.body || !media) li.append(body);
  /* Under the message: its reactions; above its top-right corner, the toolbar. */
  if (!isPending && !message.deleted && message.id) {
    li.append(buildReactions(view.reactions), buildToolbar(message, view, hasLinks));
  }
  if (message.reply_count && !view.inThread && !isPending) li.append(buildThreadSummary(message, view.person || (() => null)));
  return li;
}
