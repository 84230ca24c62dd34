/* The conversation page: history, live messages, typing, presence (docs/websocket.md,
   docs/frontend.md). This module wires the others together: the store holds the state, the
   views draw it, and one table below maps each frame the socket brings to what it changes. */
import "./details.js";
import { Composer } from "./composer.js";
import { History } from "./history.js";
import { firstUnread } from "./layout.js";
import { me as personSocket } from "./me.js";
import { renderMembers, renderTyping } from "./members_view.js";
import { attachMentions, mentionGroups } from "./mentions.js";
import { commandsConfig } from "./commands.js";
import { myGroups } from "./message_render.js";
import { attachMessageActions } from "./message_actions.js";
import { MessagesView } from "./messages_view.js";
import { showError } from "./notice.js";
import { presence } from "./presence_ui.js";
import { FRAME, SOCKET_ERROR } from "./protocol.js";
import { SearchHit } from "./search.js";
import { ConversationStore } from "./store.js";
import { rememberThread, ThreadPane } from "./thread_pane.js";
import { excerpt, inMainList, threadFromQuery, withCounts } from "./threads.js";
import { everyMidnight } from "./times.js";
import { attachUploads, noteFile } from "./uploads.js";
import { attachVideo } from "./video.js";

/** @typedef {import("./store.js").Message} Message */

const data = JSON.parse(/** @type {HTMLElement} */ (document.getElementById("chat-data")).textContent || "{}");
const me = data.me;
const roomId = data.room.id;
const list = /** @type {HTMLElement} */ (document.getElementById("messages"));
const scroller = /** @type {HTMLElement} */ (document.getElementById("scroll"));
const input = /** @type {HTMLTextAreaElement} */ (document.getElementById("message-input"));
const form = /** @type {HTMLFormElement} */ (document.getElementById("composer"));
const typingLine = /** @type {HTMLElement} */ (document.getElementById("typing"));
const membersList = document.getElementById("members");

/** @type {import("./composer.js").FrameSender} */
const socket = data.readonly ? { send: () => false, isOpen: () => false } : personSocket;
const store = new ConversationStore(me.id);
/* Threads: in rooms and direct conversations that have the pane (rooms/_thread_pane.html). */
const paneElement = data.readonly ? null : document.getElementById("thread-pane");
/** What a message's drawing needs besides the message (the list's and the pane's). */
const context = () => ({
  me, isAdmin: Boolean(data.is_admin), links: data.message_links || [], actions: data.message_actions || [],
  threads: Boolean(paneElement),
  person: (/** @type {number} */ id) => store.members.get(id)?.user,
  rootText: (/** @type {number} */ id) => excerpt(store.get(id) || pane?.store.get(id), 60),
});
const view = new MessagesView(list, store, context, firstUnread(data.messages.filter(inMainList), data.last_read_id, me.id));
everyMidnight(() => view.relabelDays());

function nearBottom() {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
}
function scrollToBottom() {
  scroller.scrollTop = scroller.scrollHeight;
}

/* Draws messages; a seq beyond the next one means a frame overtook another on the way: give it
   a moment to arrive, then ask for what is missing. */
/** @type {ReturnType<typeof setTimeout> | null} */
let gapTimer = null;
/** @param {Message[]} messages */
function put(messages) {
  for (const m of messages) {
    pane?.take(m);  /* the open thread's root and replies */
    if (inMainList(m)) view.put(m);
    else {
      store.noteSeq(m.seq);  /* kept in its thread: nothing is missing from the list */
      newestInThreads = Math.max(newestInThreads, m.id);
    }
  }
  if (store.hasGap() && !gapTimer) {
    gapTimer = setTimeout(() => {
      gapTimer = null;
      if (store.hasGap()) socket.send({ type: FRAME.SYNC, after_seq: store.lastSeq });
    }, 1000);
  }
}

/* The room's read marker also passes the thread replies that arrived (their threads have
   their own markers: the pane's). */
let readSent = 0;
let newestInThreads = 0;
function markRead() {
  const newest = Math.max(store.newestId, newestInThreads);
  if (newest > readSent && document.visibilityState === "visible") {
    if (socket.send({ type: FRAME.READ, id: newest })) readSent = newest;
  }
}

/* "Jump to latest" while scrolled up. */
const jump = document.createElement("button");
jump.type = "button";
jump.className = "btn btn-primary btn-sm jump-latest";
jump.textContent = "↓ Jump to latest";
jump.hidden = true;
jump.addEventListener("click", () => {
  if (searchHit.around) { window.location.assign(window.location.pathname); return; }  /* the newest page */
  scrollToBottom(); jump.hidden = true; input.focus();
});
scroller.after(jump);
scroller.addEventListener("scroll", () => { jump.hidden = !searchHit.around && nearBottom(); }, { passive: true });

const history = new History({ url: data.history_url, store, scroller, put });
const searchHit = new SearchHit({
  url: data.history_url, store, list, around: Boolean(data.has_newer), put,
  present: () => { socket.send({ type: FRAME.SYNC, after_seq: store.lastSeq }); markRead(); },
});

/** Live messages, or a page that reached them. @param {Message[]} messages */
function addMessages(messages) {
  if (searchHit.around) { jump.hidden = false; return; }  /* the present is further down */
  const stick = nearBottom();
  put(messages);
  if (stick) scrollToBottom();
  markRead();
}

mentionGroups.all = data.groups || [];
myGroups.names = data.my_groups || [];
commandsConfig.url = data.readonly ? "" : data.commands_url || "";
const mentions = attachMentions(input, document.getElementById("mention-list"), () => [...store.members.values()].map((m) => m.user), me.id);
const composer = new Composer({ form, input, store, view, socket, me, maxLength: data.max_length, mentions, sent: scrollToBottom });
const video = attachVideo(store, socket);
attachUploads({
  store, input, scroller, uploadUrl: data.upload_url,
  writable: () => !data.readonly && !input.disabled,
  uploaded: (message) => { addMessages([message]); noteFile(message); },
});
const pane = paneElement && new ThreadPane({
  element: paneElement, shell: /** @type {HTMLElement} */ (document.getElementById("app-shell")), me, socket,
  maxLength: data.max_length, people: () => [...store.members.values()].map((m) => m.user), context,
  actions: data.message_actions || [], changed: rememberThread,
});
/** @param {number} rootId */
const openThread = (rootId) => pane?.open(rootId, store.get(rootId));
composer.editLast = attachMessageActions({ list, store, socket, composer, actions: data.message_actions || [], maxLength: data.max_length, openThread }).editLast;
setInterval(() => renderTyping(typingLine, store), 1000);
document.addEventListener("visibilitychange", markRead);

/** @param {import("./socket.js").Frame} frame */
function refuse(frame) {
  if (frame.client_id) {
    video.refused(frame.client_id);
    composer.refused(frame.client_id);
    pane?.composer.refused(frame.client_id);
  }
  showError(frame.message);
}

/** What each frame changes (frames about other conversations are filtered out first). */
/** @type {Record<string, (frame: any) => void>} */
const handlers = {
  [FRAME.MESSAGE_CREATED]: (f) => {
    // Their message is here: they stopped typing it.
    if (f.sender && store.stopTyping(f.sender.id)) renderTyping(typingLine, store);
    if (inMainList(f) && !store.get(f.id) && !(f.sender && f.sender.id === me.id)) {
      document.dispatchEvent(new CustomEvent("uchat:unseen"));  /* the tab title counts it */
    }
    addMessages([f]);
    noteFile(f);
  },
  [FRAME.MESSAGE_UPDATED]: (f) => put([f]),
  [FRAME.REACTION_UPDATED]: (f) => { store.applyReaction(f); view.redrawReactions(f.message); pane?.reaction(f); },
  [FRAME.THREAD_UPDATED]: (f) => {
    const root = store.get(f.message);
    if (root) view.put(withCounts(root, f));
    pane?.updated(f);
  },
  [FRAME.MESSAGE_DELETED]: (f) => put([f]),
  [FRAME.MESSAGE_ACK]: (f) => {
    showError("");  // a message went through: an earlier refusal no longer applies
    if (f.client_id) store.videos.delete(f.client_id);
    addMessages([f.message]);
  },
  [FRAME.SYNC]: (f) => {
    addMessages(f.messages);
    if (f.has_more) socket.send({ type: FRAME.SYNC, after_seq: store.lastSeq });
    else store.caughtUp(Math.max(0, ...f.messages.map((/** @type {Message} */ m) => m.seq)));
  },
  [FRAME.TYPING]: (f) => {
    if (f.thread) { pane?.typing(f); return; }  /* typing in a thread: its pane says so */
    store.startTyping(f.user, Date.now());
    renderTyping(typingLine, store);
  },
  [FRAME.MEMBER_ADDED]: (f) => { store.setMember(f.member); renderMembers(membersList, store); watchMembers(); },
  [FRAME.MEMBER_UPDATED]: (f) => {
    store.updateMember(f.member);
    if (f.member.user.id === me.id) data.is_admin = f.member.is_admin;
    renderMembers(membersList, store);
  },
  [FRAME.MEMBER_REMOVED]: (f) => {
    store.removeMember(f.user_id);
    renderMembers(membersList, store);
    watchMembers();
    if (f.user_id === me.id) {
      composer.disable(f.notice || "You were removed from this room.");
      pane?.composer.disable(f.notice || "You were removed from this room.");
    }
  },
  [FRAME.ROOM_UPDATED]: (f) => {
    const name = document.getElementById("room-name");
    if (name) name.textContent = f.name;
    const topic = document.getElementById("room-topic");
    if (topic) topic.textContent = f.topic;
  },
  [FRAME.ROOM_DELETED]: () => { composer.disable("This room was deleted."); pane?.composer.disable("This room was deleted."); },
  [FRAME.ERROR]: (f) => (f.code === SOCKET_ERROR.NOT_MEMBER ? composer.disable(f.message) : refuse(f)),
  [FRAME.PONG]: () => {},
};

/* The tab's one socket (me.js), subscribed to this conversation. It also carries every other
   conversation's messages (for the sidebar): only this one's are shown here. */
/** @param {unknown} id */
const here = (id) => Number(id) === roomId;
/** @type {Record<string, (frame: any) => boolean>} */
const FOR_HERE = {
  [FRAME.MESSAGE_CREATED]: (f) => here(f.conversation),
  [FRAME.MESSAGE_UPDATED]: (f) => here(f.conversation),
  [FRAME.MESSAGE_DELETED]: (f) => here(f.conversation),
  [FRAME.REACTION_UPDATED]: (f) => f.conversation === undefined || here(f.conversation),
  [FRAME.THREAD_UPDATED]: (f) => here(f.conversation),
  [FRAME.TYPING]: (f) => f.conversation === undefined || here(f.conversation),
  [FRAME.MEMBER_ADDED]: (f) => here(f.room.id),
  [FRAME.MEMBER_UPDATED]: (f) => f.room === undefined || here(f.room.id),
  [FRAME.MEMBER_REMOVED]: (f) => here(f.room.id),
  [FRAME.ROOM_UPDATED]: (f) => here(f.id),
  [FRAME.ROOM_DELETED]: (f) => here(f.id),
  [FRAME.SUBSCRIBED]: () => false,
};
/** @param {import("./socket.js").Frame} frame */
function onFrame(frame) {
  const handle = handlers[frame.type];
  const mine = FOR_HERE[frame.type];
  if (handle && (!mine || mine(frame))) handle(frame);
}
function onOpen() {
  // Catch up on everything stored while away, then re-send what was never acknowledged.
  if (!searchHit.around) socket.send({ type: FRAME.SYNC, after_seq: store.lastSeq });
  composer.resend();
  pane?.catchUp();
}
if (!data.readonly) {
  document.addEventListener("uchat:me", (event) => onFrame(/** @type {CustomEvent} */ (event).detail));
  document.addEventListener("uchat:me-open", onOpen);
  document.addEventListener("uchat:me-closed", () => {
    composer.disable("You can no longer write here.");
    pane?.composer.disable("You can no longer write here.");
  });
}
/** The conversation's socket, for the console and the browser tests. */
const globals = /** @type {any} */ (window);
globals.UChat = { ...globals.UChat, room: socket };

/* The members' presence: watched over the tab's socket (presence_ui.js), one redraw per change. */
function watchMembers() { presence.show("members", store.members.keys()); }
presence.onChange((changes) => {
  let changed = false;
  for (const [id, online] of changes) changed = store.setOnline(id, online) || changed;
  if (changed) renderMembers(membersList, store);
});

/* The first page: the newest messages, with no gap among them (or those around a search hit). */
data.members.forEach((/** @type {import("./store.js").Member} */ m) => store.setMember(m));
renderMembers(membersList, store);
if (!data.readonly) watchMembers();
if (data.messages.length) store.startAt(data.messages[0].seq);
put(data.messages);
history.setHasMore(data.has_more);
const target = data.around && document.getElementById("message-" + data.around);
const line = list.querySelector("li.new-line");
if (target) {
  target.classList.add("target");
  target.scrollIntoView({ block: "center" });
  jump.hidden = false;
} else if (line) {
  line.scrollIntoView({ block: "center" });
  jump.hidden = nearBottom();  /* opened up the list, at the first unread */
}
else scrollToBottom();
if (!target) input.focus({ preventScroll: true });  // the header (a ticket's title and status) stays in view
/* ?thread=<root id>: the thread's pane opens (a search hit inside a thread: at the reply). */
const linkedThread = pane && threadFromQuery(window.location.search);
if (pane && linkedThread) pane.open(linkedThread, store.get(linkedThread), data.around || Number(new URLSearchParams(window.location.search).get("around")) || null);
if (!data.readonly) {
  /* Last: what the page holds is in place before the socket asks for what is newer. */
  personSocket.subscribe(roomId);
  if (socket.isOpen()) onOpen();
}
