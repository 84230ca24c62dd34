/* The conversation page: history, live messages, typing, presence (docs/websocket.md). */
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("chat-data").textContent);
  const me = data.me;
  const roomId = data.room.id;
  const list = document.getElementById("messages");
  const scroller = document.getElementById("scroll");
  const input = document.getElementById("message-input");
  const composer = document.getElementById("composer");
  const errorBox = document.getElementById("composer-error");
  const olderButton = document.getElementById("load-older");
  const historyStart = document.getElementById("history-start");
  const typingLine = document.getElementById("typing");
  const membersList = document.getElementById("members");

  const rendered = new Map(); // message id -> <li>
  const reactionsOf = new Map(); // message id -> [{emoji, count, mine}]
  const PALETTE = ["👍", "❤️", "😂", "🎉", "😮", "😢", "👀", "✅"];
  const pending = new Map(); // client_id -> { body, li }
  const members = new Map(); // user id -> member payload
  const typers = new Map(); // user id -> { name, until }
  let newestId = 0;
  // Sequence numbers are 1, 2, 3 ... per conversation. lastSeq is the highest one seen with
  // nothing missing before it; a frame beyond lastSeq + 1 means another one overtook it on
  // the way, so ask for what is missing instead of trusting the newest id.
  let lastSeq = 0;
  const seenSeqs = new Set();
  let gapTimer = null;
  let oldestId = null;
  let readSent = 0;
  let lastTypingSent = 0;
  /* Opened at a search hit (?around=<id>): the page holds history around it, not the newest.
     Newer pages load on demand; live messages wait until the page reaches the present. */
  let aroundMode = Boolean(data.has_newer);

  const { shortTime, fullTime } = window.uchatTime;  /* times.js: the viewer's time zone */

  /* Text stays text: only http(s) links become anchors, built as DOM nodes, never as HTML. */
  function appendText(element, text) {
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
  function buildMedia(content) {
    if (!content || content.type === "text") return null;
    if (content.type === "image" && /^https?:\/\//.test(content.url)) {
      /* An image elsewhere is a link, never loaded: loading it would tell that host every
         member's address (and the page's CSP allows images from this site only). */
      const link = document.createElement("a");
      link.href = content.url;
      link.target = "_blank";
      link.rel = "noopener noreferrer nofollow";
      link.className = "chat-image-link";
      let host = "";
      try { host = new URL(content.url).host; } catch (e) { host = "another site"; }
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
      img.alt = content.caption || "image";
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
      frame.width = 400;
      frame.height = 225;
      frame.allow = "encrypted-media; picture-in-picture; fullscreen";
      frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-presentation allow-popups");
      frame.referrerPolicy = "strict-origin-when-cross-origin";
      frame.loading = "lazy";
      return frame;
    }
    return null;
  }

  function sizeText(bytes) {
    const n = Number(bytes) || 0;
    if (n >= 1048576) return `${(n / 1048576).toFixed(1)} MB`;
    if (n >= 1024) return `${Math.round(n / 1024)} KB`;
    return `${n} bytes`;
  }

  function showError(text) {
    errorBox.textContent = text || "";
  }

  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  }

  function scrollToBottom() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  /* Initials in a circle, coloured by the person (decorative: the name is next to it). */
  function avatarFor(sender) {
    const avatar = document.createElement("span");
    avatar.className = "avatar";
    avatar.setAttribute("aria-hidden", "true");
    const name = sender ? sender.name : "?";
    const words = name.trim().split(/\s+/).filter(Boolean);
    avatar.textContent = ((words[0] || "?")[0] + (words.length > 1 ? words[words.length - 1][0] : "")).toUpperCase();
    avatar.style.setProperty("--hue", String(((sender ? sender.id : 0) * 47) % 360));
    return avatar;
  }

  function buildMessage(message, isPending) {
    const li = document.createElement("li");
    li.className = "message" + (isPending ? " pending" : "") + (message.deleted ? " deleted" : "");
    if (message.id) { li.dataset.id = message.id; li.id = "message-" + message.id; }
    li.dataset.sender = message.sender ? message.sender.id : "";
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
    when.textContent = "[" + shortTime(message.created_at) + "]";
    head.append(who, when);
    if (message.edited_at && !message.deleted) {
      const edited = document.createElement("span");
      edited.className = "time";
      edited.textContent = "(edited)";
      head.append(edited);
    }
    /* Reply (anyone), Edit (own text), Delete (own; room admins: any). Buttons, always in
       the tab order; faint until the message is hovered or focused. */
    if (!isPending && !message.deleted) {
      const editable = !message.content || message.content.type === "text";
      const mine = message.sender && message.sender.id === me.id;
      const actions = document.createElement("span");
      actions.className = "actions ms-auto";
      const button = (action, label, extra) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "btn btn-link btn-sm p-0 me-2" + (extra || "");
        b.dataset.action = action;
        b.textContent = label;
        actions.append(b);
      };
      button("reply", "Reply");
      if (mine && editable) button("edit", "Edit");
      if (mine || data.is_admin) button("delete", "Delete", " text-danger");
      head.append(actions);
    }
    /* What the conversation kinds add (rooms/kinds.py, from the page's data): a badge for what
       was made of a message, else buttons to make something of someone else's message. */
    if (!isPending && !message.deleted) {
      const fill = (text, made) => text.replace(/\{(\w+)\}/g, (_, key) => String(made[key] ?? ""));
      const links = (data.message_links || []).filter((spec) => message[spec.field]);
      for (const spec of links) {
        const made = message[spec.field];
        const link = document.createElement("a");
        link.className = "badge text-bg-light border kind-link " + spec.field + "-link";
        link.href = fill(spec.url, { id: Number(made.id) });
        link.textContent = fill(spec.label, made);
        head.append(link);
      }
      if (!links.length && message.sender && message.sender.id !== me.id) {
        for (const action of data.message_actions || []) {
          const turn = document.createElement("button");
          turn.type = "button";
          turn.className = "btn btn-link btn-sm p-0 ms-2 kind-action turn-" + action.name;
          turn.dataset.action = "kind";
          turn.dataset.kindAction = action.name;
          turn.textContent = action.label;
          head.append(turn);
        }
      }
    }
    const body = document.createElement("div");
    body.className = "body";
    if (message.deleted) body.textContent = "message deleted";
    else if (message.html) {
      /* Rendered and sanitised on the server (rooms/markup.py): an allow-list of tags, links
         to http(s) and mailto only. Links open in a new tab. */
      body.innerHTML = message.html;
      for (const link of body.querySelectorAll("a[href]")) link.target = "_blank";
      markMentions(body);
    } else appendText(body, message.body);
    li.rawBody = message.body;
    li.append(head);
    if (message.reply_to && !message.deleted) li.append(buildQuote(message.reply_to));
    const media = message.deleted ? null : buildMedia(message.content);
    if (media) li.append(media);
    if (message.deleted || message.body || !media) li.append(body);
    /* Under the message: its reactions, and the button to add one. */
    if (!isPending && !message.deleted && message.id) {
      if (message.reactions && message.reactions.length) reactionsOf.set(message.id, message.reactions);
      li.append(buildReactions(message.id));
    }
    return li;
  }

  /* The message a reply answers, quoted above it; a click shows it when it is on the page. */
  function buildQuote(quoted) {
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

  /* "@username" in a message: a mention, highlighted more when it names the reader. */
  function markMentions(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) {
      if (!walker.currentNode.parentElement.closest("a, code, pre")) nodes.push(walker.currentNode);
    }
    for (const node of nodes) {
      const text = node.textContent;
      const pattern = /(^|[^\w@])@([\w.+-]+)/g;
      let match;
      let last = 0;
      const parts = [];
      while ((match = pattern.exec(text))) {
        const start = match.index + match[1].length;
        const name = match[2].replace(/[.]+$/, "");
        parts.push(text.slice(last, start));
        const mark = document.createElement("mark");
        mark.className = "mention" + (name.toLowerCase() === me.username.toLowerCase() ? " mention-me" : "");
        mark.textContent = "@" + name;
        parts.push(mark);
        last = start + 1 + name.length;
      }
      if (!parts.length) continue;
      parts.push(text.slice(last));
      node.replaceWith(...parts);
    }
  }

  /* Reactions: chips with counts (pressed when one is mine), and a small palette to add one.
     Sent over the socket; every open page updates from "reaction.updated". */
  function buildReactions(id) {
    const box = document.createElement("div");
    box.className = "reactions d-flex flex-wrap gap-1 align-items-center";
    for (const r of reactionsOf.get(id) || []) {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "btn btn-sm reaction" + (r.mine ? " mine" : "");
      chip.dataset.action = "react";
      chip.dataset.emoji = r.emoji;
      chip.setAttribute("aria-pressed", r.mine ? "true" : "false");
      chip.setAttribute("aria-label", `${r.emoji} ${r.count}, ${r.mine ? "take back yours" : "react too"}`);
      chip.textContent = `${r.emoji} ${r.count}`;
      box.append(chip);
    }
    const add = document.createElement("button");
    add.type = "button";
    add.className = "btn btn-sm add-reaction";
    add.dataset.action = "palette";
    add.setAttribute("aria-label", "Add a reaction");
    add.setAttribute("aria-expanded", "false");
    add.textContent = "☺+";
    box.append(add);
    return box;
  }

  function redrawReactions(id) {
    const li = rendered.get(id);
    const old = li && li.querySelector(".reactions");
    if (old) old.replaceWith(buildReactions(id));
  }

  function reactionChanged(f) {
    const list = (reactionsOf.get(f.message) || []).slice();
    const i = list.findIndex((r) => r.emoji === f.emoji);
    const mine = f.user_id === me.id ? f.added : i >= 0 && list[i].mine;
    if (f.count === 0) { if (i >= 0) list.splice(i, 1); }
    else if (i >= 0) list[i] = { emoji: f.emoji, count: f.count, mine };
    else list.push({ emoji: f.emoji, count: f.count, mine });
    reactionsOf.set(f.message, list);
    redrawReactions(f.message);
  }

  /* Insert or replace by id, keeping the list ordered by id (ids commit in order per room). */
  function upsert(message) {
    const existing = rendered.get(message.id);
    const li = buildMessage(message, false);
    if (message.client_id && pending.has(message.client_id) && message.sender && message.sender.id === me.id) {
      pending.get(message.client_id).li.remove();
      pending.delete(message.client_id);
    }
    if (existing) {
      existing.replaceWith(li);
    } else {
      let before = null;
      for (const node of list.querySelectorAll("li[data-id]")) {
        if (Number(node.dataset.id) > message.id) { before = node; break; }
      }
      if (before) list.insertBefore(li, before);
      else {
        const firstPending = list.querySelector("li.pending");
        list.insertBefore(li, firstPending);
      }
    }
    rendered.set(message.id, li);
    newestId = Math.max(newestId, message.id);
    noteSeq(message.seq);
    oldestId = oldestId === null ? message.id : Math.min(oldestId, message.id);
  }

  function noteSeq(seq) {
    if (!seq || seq <= lastSeq) return;
    seenSeqs.add(seq);
    while (seenSeqs.has(lastSeq + 1)) { seenSeqs.delete(lastSeq + 1); lastSeq += 1; }
    if (seenSeqs.size && !gapTimer) {
      // Give an overtaken frame a moment to arrive before asking for it.
      gapTimer = setTimeout(() => {
        gapTimer = null;
        if (seenSeqs.size) socket.send({ type: "sync", after_seq: lastSeq });
      }, 1000);
    }
  }

  function addMessages(messages) {
    if (aroundMode) { jump.hidden = false; return; }  /* the present is further down */
    const stick = nearBottom();
    messages.forEach(upsert);
    layout();
    if (stick) scrollToBottom();
    markRead();
  }

  /* Grouping, day separators and the "new messages" line, redrawn from the list itself:
     a message by the same person within 5 minutes of the one before (same day) hides its
     name and avatar; a separator names each day (the viewer's time zone); the line sits
     before the first message that arrived since the last visit (not one's own). */
  const GROUP_MS = 5 * 60 * 1000;
  const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  const firstUnreadId = (() => {
    const unread = data.messages.find((m) => m.id > data.last_read_id && !(m.sender && m.sender.id === me.id));
    return unread && data.last_read_id ? unread.id : null;
  })();
  function layout() {
    for (const old of list.querySelectorAll("li.day-separator, li.new-line")) old.remove();
    let previous = null;
    let previousDay = null;
    for (const li of Array.from(list.querySelectorAll("li.message"))) {
      const at = new Date(li.dataset.at);
      const day = Number.isNaN(at.getTime()) ? previousDay : dayFormat.format(at);
      if (day && day !== previousDay) {
        const separator = document.createElement("li");
        separator.className = "day-separator";
        separator.textContent = day;
        li.before(separator);
      }
      if (firstUnreadId !== null && Number(li.dataset.id) === firstUnreadId) {
        const line = document.createElement("li");
        line.className = "new-line";
        line.textContent = "New messages";
        li.before(line);
      }
      const grouped = previous !== null && day === previousDay && li.dataset.sender !== "" &&
        li.dataset.sender === previous.dataset.sender && !li.classList.contains("deleted") &&
        !previous.classList.contains("deleted") &&
        at - new Date(previous.dataset.at) < GROUP_MS &&
        !(firstUnreadId !== null && Number(li.dataset.id) === firstUnreadId);
      li.classList.toggle("grouped", grouped);
      previous = li;
      previousDay = day;
    }
  }

  /* "Jump to latest" while scrolled up. */
  const jump = document.createElement("button");
  jump.type = "button";
  jump.className = "btn btn-primary btn-sm jump-latest";
  jump.textContent = "↓ Jump to latest";
  jump.hidden = true;
  jump.addEventListener("click", () => {
    if (aroundMode) { window.location.assign(window.location.pathname); return; }  /* the newest page */
    scrollToBottom(); jump.hidden = true; input.focus();
  });
  scroller.after(jump);
  scroller.addEventListener("scroll", () => { jump.hidden = !aroundMode && nearBottom(); }, { passive: true });

  /* "Load newer messages" (only when opened around a search hit). */
  const newerButton = document.createElement("button");
  newerButton.type = "button";
  newerButton.className = "btn btn-sm btn-outline-secondary mx-auto my-2" + (aroundMode ? " d-block" : " d-none");
  newerButton.id = "load-newer";
  newerButton.textContent = "Load newer messages";
  list.after(newerButton);
  newerButton.addEventListener("click", async () => {
    newerButton.disabled = true;
    try {
      const response = await fetch(`${data.history_url}?after=${newestId}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(response.statusText);
      const page = await response.json();
      page.messages.forEach(upsert);
      layout();
      if (!page.has_more) {
        /* The present: from here on this is the live conversation. */
        aroundMode = false;
        newerButton.classList.replace("d-block", "d-none");
        socket.send({ type: "sync", after_seq: lastSeq });
        markRead();
      }
    } catch (err) {
      showError("Could not load newer messages. Try again.");
    } finally {
      newerButton.disabled = false;
    }
  });

  function markRead() {
    if (newestId > readSent && document.visibilityState === "visible") {
      if (socket.send({ type: "read", id: newestId })) readSent = newestId;
    }
  }

  function setHasMore(hasMore) {
    olderButton.classList.toggle("d-none", !hasMore);
    historyStart.classList.toggle("d-none", hasMore);
  }

  async function loadOlder() {
    olderButton.disabled = true;
    try {
      const url = `${data.history_url}?before=${oldestId === null ? "" : oldestId}`;
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(response.statusText);
      const page = await response.json();
      const from = scroller.scrollHeight - scroller.scrollTop;
      page.messages.forEach(upsert);
      layout();
      scroller.scrollTop = scroller.scrollHeight - from; // keep the reader's place
      setHasMore(page.has_more);
    } catch (err) {
      showError("Could not load older messages. Try again.");
    } finally {
      olderButton.disabled = false;
    }
  }

  function renderMembers() {
    if (!membersList) return;
    const sorted = [...members.values()].sort((a, b) => (b.is_admin - a.is_admin) || a.user.username.localeCompare(b.user.username));
    membersList.replaceChildren(...sorted.map((member) => {
      const li = document.createElement("li");
      li.className = "list-group-item d-flex align-items-center gap-2";
      li.dataset.userId = member.user.id;
      const dot = document.createElement("span");
      dot.className = "presence-dot" + (member.online ? " online" : "");
      dot.title = member.online ? "online" : "offline";
      const name = document.createElement("span");
      name.className = "member-name";
      name.textContent = member.user.name;
      const state = document.createElement("span");
      state.className = "visually-hidden";
      state.textContent = member.online ? " (online)" : " (offline)";
      li.append(dot, name, state);
      if (member.is_admin) {
        const badge = document.createElement("span");
        badge.className = "badge text-bg-light border ms-auto";
        badge.textContent = "admin";
        li.append(badge);
      }
      return li;
    }));
  }

  function renderTyping() {
    const now = Date.now();
    for (const [id, t] of typers) if (t.until < now) typers.delete(id);
    const names = [...typers.values()].map((t) => t.name);
    typingLine.textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
  }
  setInterval(renderTyping, 1000);

  let closedNotice = null;
  function disableRoom(notice) {
    composer.querySelectorAll("textarea, button").forEach((el) => { el.disabled = true; });
    closedNotice = closedNotice || notice; // the first, most specific reason stays
    showError(closedNotice);
  }

  function send(body, clientId, replyId) {
    const frame = { type: "message.send", body, client_id: clientId };
    if (replyId) frame.reply_to = replyId;
    return socket.send(frame);
  }

  /* Replying: the bar above the box says to what; Escape or × cancels. */
  const replyBar = document.getElementById("reply-bar");
  let replyTo = null;
  function setReply(target) {
    replyTo = target;
    if (!replyBar) return;
    replyBar.hidden = !target;
    if (target) {
      replyBar.querySelector(".reply-what").textContent = `Replying to ${target.name}: ${target.text.slice(0, 80)}`;
      input.focus();
    }
  }
  if (replyBar) replyBar.querySelector("button").addEventListener("click", () => { setReply(null); input.focus(); });

  function submit() {
    const body = input.value;
    if (!body.trim()) { showError("Type a message first."); return; }
    if (body.length > data.max_length) { showError(`The message is too long (at most ${data.max_length} characters).`); return; }
    if (!socket.isOpen()) { showError("Not connected. Your message was not sent; it is still in the box."); return; }
    const clientId = window.UChat.newClientId();
    const replyId = replyTo ? replyTo.id : null;
    const li = buildMessage({ id: 0, sender: me, body: body.trim(), created_at: new Date().toISOString(), deleted: false,
      reply_to: replyTo ? { id: replyTo.id, sender: { name: replyTo.name }, text: replyTo.text } : null }, true);
    li.dataset.clientId = clientId;
    list.append(li);
    layout();
    pending.set(clientId, { body, li, replyId, reply: replyTo });
    send(body, clientId, replyId);
    setReply(null);
    input.value = "";
    showError("");
    scrollToBottom();
  }

  function refuse(frame) {
    if (frame.client_id && pendingVideos.has(frame.client_id)) {
      videoUrl.value = pendingVideos.get(frame.client_id); // nothing is lost
      pendingVideos.delete(frame.client_id);
      videoForm.classList.remove("d-none");
    }
    const entry = frame.client_id && pending.get(frame.client_id);
    if (entry) {
      entry.li.remove();
      pending.delete(frame.client_id);
      // Nothing is lost: the refused text goes back into the box (and what it answered).
      input.value = input.value ? entry.body + "\n" + input.value : entry.body;
      if (entry.reply && !replyTo) setReply(entry.reply);
    }
    showError(frame.message);
  }

  const handlers = {
    "message.created": (f) => {
      // Their message is here: they stopped typing it.
      if (f.sender && typers.delete(f.sender.id)) renderTyping();
      if (!rendered.has(f.id) && !(f.sender && f.sender.id === me.id)) {
        document.dispatchEvent(new CustomEvent("uchat:unseen"));  /* the tab title counts it */
      }
      addMessages([f]);
      noteFile(f);
    },
    "message.updated": (f) => { upsert(f); layout(); },
    "reaction.updated": (f) => reactionChanged(f),
    "message.deleted": (f) => { upsert(f); layout(); },
    "message.ack": (f) => {
      showError("");  // a message went through: an earlier refusal no longer applies
      addMessages([f.message]);
    },
    sync: (f) => {
      addMessages(f.messages);
      if (f.has_more) socket.send({ type: "sync", after_seq: lastSeq });
    },
    typing: (f) => { typers.set(f.user.id, { name: f.user.name, until: Date.now() + 4000 }); renderTyping(); },
    presence: (f) => {
      const member = members.get(f.user_id);
      if (member) { member.online = f.online; renderMembers(); }
    },
    "member.added": (f) => { members.set(f.member.user.id, f.member); renderMembers(); },
    "member.updated": (f) => {
      const old = members.get(f.member.user.id);
      members.set(f.member.user.id, { ...f.member, online: old ? old.online : f.member.online });
      if (f.member.user.id === me.id) data.is_admin = f.member.is_admin;
      renderMembers();
    },
    "member.removed": (f) => {
      members.delete(f.user_id);
      renderMembers();
      if (f.user_id === me.id) disableRoom("You were removed from this room.");
    },
    "room.updated": (f) => {
      const name = document.getElementById("room-name");
      if (name) name.textContent = f.name;
      const topic = document.getElementById("room-topic");
      if (topic) topic.textContent = f.topic;
    },
    "room.deleted": () => disableRoom("This room was deleted."),
    error: (f) => (f.code === "not_member" ? disableRoom(f.message) : refuse(f)),
    pong: () => {},
  };

  /* The tab's one socket (me.js), subscribed to this conversation. It also carries every
     other conversation's messages (for the sidebar): only this one's are shown here. */
  const here = (id) => Number(id) === roomId;
  const FOR_HERE = {
    "message.created": (f) => here(f.conversation),
    "message.updated": (f) => here(f.conversation),
    "message.deleted": (f) => here(f.conversation),
    "reaction.updated": (f) => f.conversation === undefined || here(f.conversation),
    typing: (f) => f.conversation === undefined || here(f.conversation),
    "member.added": (f) => here(f.room.id),
    "member.updated": (f) => f.room === undefined || here(f.room.id),
    "member.removed": (f) => here(f.room.id),
    "room.updated": (f) => here(f.id),
    "room.deleted": (f) => here(f.id),
    subscribed: () => false,
  };
  function onFrame(frame) {
    const handle = handlers[frame.type];
    const mine = FOR_HERE[frame.type];
    if (handle && (!mine || mine(frame))) handle(frame);
  }
  function onOpen() {
    // Catch up on everything stored while we were away, then re-send what was never acknowledged.
    if (!aroundMode) socket.send({ type: "sync", after_seq: lastSeq });
    for (const [clientId, entry] of pending) send(entry.body, clientId, entry.replyId);
  }
  const socket = data.readonly ? { send: () => false, isOpen: () => false } : window.UChat.me;
  if (!data.readonly) {
    document.addEventListener("uchat:me", (event) => onFrame(event.detail));
    document.addEventListener("uchat:me-open", onOpen);
    document.addEventListener("uchat:me-closed", () => disableRoom("You can no longer write here."));
  }
  window.UChat.room = socket; // the conversation's socket, for the console and browser tests
  window.UChat.insertText = (text) => { input.value = input.value ? input.value + "\n" + text : text; input.focus(); };

  composer.addEventListener("submit", (event) => { event.preventDefault(); submit(); });

  /* @-mentions: typing "@" and the start of a name offers the conversation's members
     (arrow keys, Enter or Tab to choose, Escape to close). */
  const mentionList = document.getElementById("mention-list");
  let mentionMatches = [];
  let mentionIndex = 0;
  function mentionQuery() {
    const before = input.value.slice(0, input.selectionStart);
    const found = /(^|\s)@([\w.@+-]{0,30})$/.exec(before);
    return found ? found[2] : null;
  }
  function closeMentions() {
    mentionMatches = [];
    mentionList.hidden = true;
    mentionList.replaceChildren();
    input.removeAttribute("aria-activedescendant");
  }
  function showMentions() {
    const query = mentionQuery();
    if (query === null || !mentionList) { closeMentions(); return; }
    const q = query.toLowerCase();
    mentionMatches = [...members.values()].map((m) => m.user)
      .filter((u) => u.id !== me.id && (u.username.toLowerCase().startsWith(q) || u.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q))))
      .sort((a, b) => a.username.localeCompare(b.username))
      .slice(0, 8);
    if (!mentionMatches.length) { closeMentions(); return; }
    mentionIndex = Math.min(mentionIndex, mentionMatches.length - 1);
    mentionList.replaceChildren(...mentionMatches.map((u, i) => {
      const item = document.createElement("li");
      item.className = "list-group-item list-group-item-action py-1" + (i === mentionIndex ? " active" : "");
      item.id = "mention-" + u.id;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", i === mentionIndex ? "true" : "false");
      item.textContent = `${u.name} (@${u.username})`;
      item.addEventListener("mousedown", (event) => { event.preventDefault(); chooseMention(i); });
      return item;
    }));
    mentionList.hidden = false;
    input.setAttribute("aria-activedescendant", "mention-" + mentionMatches[mentionIndex].id);
  }
  function chooseMention(i) {
    const user = mentionMatches[i];
    const start = input.selectionStart;
    const before = input.value.slice(0, start).replace(/@[\w.@+-]*$/, "@" + user.username + " ");
    input.value = before + input.value.slice(start);
    input.selectionStart = input.selectionEnd = before.length;
    closeMentions();
    input.focus();
  }
  input.addEventListener("keydown", (event) => {
    if (mentionMatches.length) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        mentionIndex = (mentionIndex + (event.key === "ArrowDown" ? 1 : mentionMatches.length - 1)) % mentionMatches.length;
        showMentions();
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) { event.preventDefault(); chooseMention(mentionIndex); return; }
      if (event.key === "Escape") { event.preventDefault(); closeMentions(); return; }
    }
    if (event.key === "Escape" && replyTo) { event.preventDefault(); setReply(null); return; }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); submit(); }
  });
  input.addEventListener("input", () => { mentionIndex = 0; showMentions(); });
  input.addEventListener("blur", () => setTimeout(closeMentions, 150));
  input.addEventListener("input", () => {
    const now = Date.now();
    if (input.value && now - lastTypingSent > 2500) { lastTypingSent = now; socket.send({ type: "typing" }); }
  });
  olderButton.addEventListener("click", loadOlder);

  /* Files: the button, pasting (a screenshot) or dropping onto the conversation. Each upload
     shows its progress and can be cancelled; the server checks the bytes (images, PDF, text,
     office documents, archives) and refuses anything else with a reason. */
  const imageInput = document.getElementById("image-input");
  const videoForm = document.getElementById("video-form");
  const videoUrl = document.getElementById("video-url");
  const tray = document.getElementById("upload-tray");
  document.getElementById("attach-image").addEventListener("click", () => imageInput.click());
  imageInput.addEventListener("change", () => {
    for (const file of imageInput.files) upload(file);
    imageInput.value = "";
  });
  input.addEventListener("paste", (event) => {
    const files = event.clipboardData ? [...event.clipboardData.files] : [];
    if (!files.length) return;
    event.preventDefault();  /* the file is sent; the text box keeps its text (the caption) */
    files.forEach(upload);
  });
  const dropZone = scroller.closest(".conversation-body") || scroller;
  dropZone.addEventListener("dragover", (event) => {
    if (![...event.dataTransfer.types].includes("Files")) return;
    event.preventDefault();
    dropZone.classList.add("drop-target");
  });
  dropZone.addEventListener("dragleave", (event) => {
    if (!dropZone.contains(event.relatedTarget)) dropZone.classList.remove("drop-target");
  });
  dropZone.addEventListener("drop", (event) => {
    dropZone.classList.remove("drop-target");
    if (!event.dataTransfer.files.length) return;
    event.preventDefault();
    [...event.dataTransfer.files].forEach(upload);
  });

  function upload(file) {
    if (data.readonly || composer.querySelector("textarea").disabled) return;
    const item = document.createElement("li");
    item.className = "upload-item";
    const name = document.createElement("span");
    name.className = "text-truncate";
    name.textContent = `${file.name || "pasted file"} (${sizeText(file.size)})`;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", `Uploading ${file.name || "pasted file"}`);
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn btn-sm btn-link text-danger p-0";
    cancel.textContent = "Cancel";
    cancel.setAttribute("aria-label", `Cancel uploading ${file.name || "pasted file"}`);
    item.append(name, bar, cancel);
    tray.append(item);
    const form = new FormData();
    form.append("file", file, file.name || "pasted-file");
    form.append("caption", "");
    form.append("client_id", window.UChat.newClientId());
    /* Photos lose their EXIF (location above all) on the server unless this is ticked. */
    const keepMetadata = document.getElementById("keep-metadata");
    form.append("keep_metadata", keepMetadata && keepMetadata.checked ? "true" : "false");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", data.upload_url);
    xhr.setRequestHeader("X-CSRFToken", document.querySelector("[name=csrfmiddlewaretoken]").value);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
    });
    const finish = () => { item.remove(); };
    cancel.addEventListener("click", () => { xhr.abort(); finish(); input.focus(); });
    xhr.addEventListener("load", () => {
      let answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
      if (xhr.status >= 200 && xhr.status < 300 && answer.message) {
        finish();
        showError("");
        addMessages([answer.message]);
        noteFile(answer.message);
        return;
      }
      finish();
      showError(`${file.name || "The file"}: ${answer.detail || answer.error || "it could not be sent."} Nothing was sent.`);
    });
    xhr.addEventListener("error", () => { finish(); showError(`${file.name || "The file"} could not be sent: you seem to be offline.`); });
    xhr.send(form);
  }

  /* The details panel's file list follows new uploads. */
  const fileList = document.getElementById("files");
  function noteFile(message) {
    if (!fileList || !message.content || !["image", "file"].includes(message.content.type) || !message.content.url) return;
    if (fileList.querySelector(`a[href="${message.content.url}"]`)) return;
    const li = document.createElement("li");
    li.className = "d-flex align-items-center gap-2 mb-1";
    const link = document.createElement("a");
    link.className = "text-truncate";
    link.href = message.content.url;
    if (message.content.type === "file") link.setAttribute("download", "");
    link.textContent = message.content.type === "file" ? message.content.name : (message.content.caption || "Image");
    li.append(link);
    const empty = fileList.querySelector(".no-files");
    if (empty) empty.remove();
    fileList.prepend(li);
  }

  /* The details panel: collapsed beside the conversation on wide screens (remembered), a
     panel that slides in on narrow ones. */
  const shell = document.getElementById("app-shell");
  const detailsToggle = document.getElementById("details-toggle");
  const details = document.getElementById("details");
  if (shell && detailsToggle && details) {
    const wide = window.matchMedia("(min-width: 992px)");
    const setCollapsed = (collapsed) => {
      shell.classList.toggle("details-collapsed", collapsed);
      detailsToggle.setAttribute("aria-expanded", collapsed ? "false" : "true");
    };
    setCollapsed(!wide.matches || localStorage.getItem("uchat-details") === "closed");
    detailsToggle.addEventListener("click", () => {
      if (wide.matches) {
        const collapse = !shell.classList.contains("details-collapsed");
        setCollapsed(collapse);
        localStorage.setItem("uchat-details", collapse ? "closed" : "open");
      } else {
        window.bootstrap.Offcanvas.getOrCreateInstance(details).toggle();
      }
    });
    details.addEventListener("show.bs.offcanvas", () => detailsToggle.setAttribute("aria-expanded", "true"));
    details.addEventListener("hidden.bs.offcanvas", () => detailsToggle.setAttribute("aria-expanded", "false"));
  }

  document.getElementById("attach-video").addEventListener("click", () => {
    videoForm.classList.toggle("d-none");
    if (!videoForm.classList.contains("d-none")) videoUrl.focus();
  });
  function shareVideo() {
    const url = videoUrl.value.trim();
    if (!url) { showError("Paste a YouTube or Vimeo link first."); return; }
    const clientId = window.UChat.newClientId();
    if (!socket.send({ type: "message.send", content: { type: "video", url }, client_id: clientId })) {
      showError("Not connected. The video was not shared; the link is still in the box.");
      return;
    }
    pendingVideos.set(clientId, url);
    videoUrl.value = "";
    videoForm.classList.add("d-none");
  }
  const pendingVideos = new Map();
  document.getElementById("video-send").addEventListener("click", shareVideo);
  videoUrl.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); shareVideo(); } });
  document.addEventListener("visibilitychange", markRead);

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const li = button.closest("li[data-id]");
    const id = Number(li.dataset.id);
    if (button.dataset.action === "reply") {
      const sender = li.querySelector(".sender");
      const text = li.rawBody || (li.querySelector(".body") ? li.querySelector(".body").textContent : "");
      setReply({ id, name: sender ? sender.textContent : "them", text: text || "[attachment]" });
      return;
    }
    if (button.dataset.action === "delete") {
      if (window.confirm("Delete this message for everyone?")) socket.send({ type: "message.delete", id });
      return;
    }
    if (button.dataset.action === "react") {
      const mine = button.getAttribute("aria-pressed") === "true";
      socket.send({ type: mine ? "reaction.remove" : "reaction.add", id, emoji: button.dataset.emoji });
      return;
    }
    if (button.dataset.action === "palette") {
      const open = li.querySelector(".reaction-palette");
      if (open) { open.remove(); button.setAttribute("aria-expanded", "false"); return; }
      const palette = document.createElement("div");
      palette.className = "reaction-palette d-flex gap-1 mt-1";
      palette.setAttribute("role", "group");
      palette.setAttribute("aria-label", "Choose a reaction");
      for (const emoji of PALETTE) {
        const pick = document.createElement("button");
        pick.type = "button";
        pick.className = "btn btn-sm btn-light";
        pick.dataset.action = "pick";
        pick.dataset.emoji = emoji;
        pick.textContent = emoji;
        palette.append(pick);
      }
      button.setAttribute("aria-expanded", "true");
      button.closest(".reactions").after(palette);
      palette.querySelector("button").focus();
      return;
    }
    if (button.dataset.action === "pick") {
      socket.send({ type: "reaction.add", id, emoji: button.dataset.emoji });
      const palette = button.closest(".reaction-palette");
      palette.remove();
      const add = li.querySelector(".add-reaction");
      if (add) { add.setAttribute("aria-expanded", "false"); add.focus(); }
      return;
    }
    if (button.dataset.action === "kind") {
      const action = (data.message_actions || []).find((a) => a.name === button.dataset.kindAction);
      if (!action || !window.confirm(action.confirm)) return;
      button.disabled = true;
      fetch(action.url.replace("/0/", "/" + id + "/"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": document.querySelector("[name=csrfmiddlewaretoken]").value },
      }).then(async (response) => {
        const answer = await response.json().catch(() => ({}));
        if (response.ok) window.location.assign(answer.url);
        else {
          button.disabled = false;
          showError(answer.error || action.failed + ". Try again.");
        }
      }, () => {
        button.disabled = false;
        showError(action.failed + ": you seem to be offline.");
      });
      return;
    }
    const body = li.querySelector(".body");
    const editor = document.createElement("form");
    editor.className = "d-flex gap-2 mt-1";
    editor.innerHTML = '<textarea class="form-control form-control-sm" rows="2" aria-label="Edit message"></textarea>' +
      '<button class="btn btn-sm btn-primary" type="submit">Save</button><button class="btn btn-sm btn-outline-secondary" type="button">Cancel</button>';
    const area = editor.querySelector("textarea");
    area.maxLength = data.max_length;
    area.value = li.rawBody !== undefined ? li.rawBody : body.textContent;
    body.replaceWith(editor);
    area.focus();
    editor.querySelector("button[type=button]").addEventListener("click", () => editor.replaceWith(body));
    editor.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!area.value.trim()) { showError("A message cannot be empty. Delete it instead."); return; }
      socket.send({ type: "message.edit", id, body: area.value });
    });
  });

  data.members.forEach((m) => members.set(m.user.id, m));
  renderMembers();
  // The first page is the newest messages, with no gap among them.
  lastSeq = data.messages.length ? data.messages[0].seq - 1 : 0;
  data.messages.forEach(upsert);
  layout();
  setHasMore(data.has_more);
  const target = data.around && document.getElementById("message-" + data.around);
  const line = list.querySelector("li.new-line");
  if (target) {
    target.classList.add("target");
    target.scrollIntoView({ block: "center" });
    jump.hidden = false;
  } else if (line) line.scrollIntoView({ block: "center" });
  else scrollToBottom();
  if (!target) input.focus();
  if (!data.readonly) {
    /* Last: what the page holds is in place before the socket asks for what is newer. */
    socket.subscribe(roomId);
    if (socket.isOpen()) onOpen();
  }
})();
