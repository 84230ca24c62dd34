/* A conversation's state, without the DOM: its messages by id in seq order (with an index, so
   that adding one never walks the others), the reactions on them, the messages sent and not yet
   acknowledged, the uploads under way, the members and who is typing. Views draw from it
   (messages_view.js, members_view.js); tests run it under Node (tests/js/store.test.js). */

/**
 * @typedef {{ id: number, username: string, name: string, is_bot?: boolean, is_guest?: boolean }} Person
 * @typedef {{ emoji: string, count: number, mine: boolean }} Reaction
 * @typedef {{ id: number, sender?: { name: string } | null, text: string }} Quoted
 * @typedef {object} Message
 * @property {number} id
 * @property {number} seq 1, 2, 3 … per conversation, in commit order
 * @property {number} [conversation]
 * @property {Person | null} sender
 * @property {string} body
 * @property {string} [html]
 * @property {string} created_at
 * @property {string | null} [edited_at]
 * @property {boolean} [deleted]
 * @property {any} [content]
 * @property {Quoted | null} [reply_to]
 * @property {Reaction[]} [reactions]
 * @property {string | null} [client_id]
 * @property {number | null} [thread] the root's id: a reply in a thread
 * @property {boolean} [also_to_room] a thread reply also shown in the room
 * @property {number} [reply_count] a root's replies
 * @property {string | null} [last_reply_at]
 * @property {number[]} [thread_participants] up to five ids, the root's author first
 * @typedef {{ name: string, text: string, id: number }} ReplyTarget
 * @typedef {{ thread?: number | null, alsoToRoom?: boolean }} Target where a send goes: a thread (and the room too), or the room
 * @typedef {{ body: string, replyId: number | null, reply: ReplyTarget | null, createdAt: string, target?: Target }} Pending
 * @typedef {{ name: string, size: number, progress: number }} Upload
 * @typedef {{ user: Person, is_admin: boolean, online: boolean }} Member
 * @typedef {{ conversation?: number, message: number, emoji: string, count: number, user_id: number, added: boolean }} ReactionFrame
 */

export class ConversationStore {
  /** @param {number} meId the reader */
  constructor(meId) {
    this.meId = meId;
    /** @type {Map<number, Message>} */
    this.messages = new Map();
    /** @type {number[]} message ids, ordered by seq */
    this.order = [];
    /** @type {Map<number, Reaction[]>} */
    this.reactions = new Map();
    /** @type {Map<string, Pending>} client_id → what was sent */
    this.pending = new Map();
    /** @type {Map<string, string>} client_id → the video link shared */
    this.videos = new Map();
    /** @type {Map<string, Upload>} */
    this.uploads = new Map();
    /** @type {Map<number, Member>} */
    this.members = new Map();
    /** @type {Map<number, { name: string, until: number }>} */
    this.typers = new Map();
    this.newestId = 0;
    /** @type {number | null} */
    this.oldestId = null;
    /* lastSeq is the highest seq seen with nothing missing before it; a seq beyond lastSeq + 1
       means a frame overtook another on the way (a gap, to ask the server for). */
    this.lastSeq = 0;
    /** @type {Set<number>} */
    this.seenSeqs = new Set();
  }

  /** Where a message with this seq goes in `order` (binary search). @param {number} seq */
  indexFor(seq) {
    let low = 0;
    let high = this.order.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (/** @type {Message} */ (this.messages.get(this.order[mid])).seq < seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /**
   * Adds or replaces a message. A message of mine that acknowledges a pending send takes its
   * place (the pending entry is dropped).
   * @param {Message} message
   * @returns {{ replaced: boolean, next: number | null, acknowledged: string | null }} next: the id
   *   of the message after it (null: it is the newest)
   */
  upsert(message) {
    const replaced = this.messages.has(message.id);
    let acknowledged = null;
    if (message.client_id && this.pending.has(message.client_id) && message.sender && message.sender.id === this.meId) {
      this.pending.delete(message.client_id);
      acknowledged = message.client_id;
    }
    if (message.reactions && message.reactions.length) this.reactions.set(message.id, message.reactions);
    let index;
    if (replaced) {
      index = this.indexFor(/** @type {Message} */ (this.messages.get(message.id)).seq);
      this.messages.set(message.id, message);
    } else {
      index = this.indexFor(message.seq);
      this.messages.set(message.id, message);
      this.order.splice(index, 0, message.id);
    }
    this.newestId = Math.max(this.newestId, message.id);
    this.oldestId = this.oldestId === null ? message.id : Math.min(this.oldestId, message.id);
    this.noteSeq(message.seq);
    const next = index + 1 < this.order.length ? this.order[index + 1] : null;
    return { replaced, next, acknowledged };
  }

  /** @param {number} id */
  get(id) { return this.messages.get(id); }

  /** @param {number} id @returns {Message | undefined} the message before it */
  previous(id) {
    const message = this.messages.get(id);
    if (!message) return undefined;
    const index = this.indexFor(message.seq);
    return index > 0 ? this.messages.get(this.order[index - 1]) : undefined;
  }

  /** @returns {Message | undefined} */
  last() { return this.messages.get(this.order[this.order.length - 1]); }

  /** All messages, oldest first. */
  all() { return this.order.map((id) => /** @type {Message} */ (this.messages.get(id))); }

  /** @param {number} seq first seq of a page with nothing missing after it (the newest page) */
  startAt(seq) { this.lastSeq = Math.max(0, seq - 1); }

  /** @param {number | undefined} seq @returns {boolean} true while a seq is missing */
  noteSeq(seq) {
    if (seq && seq > this.lastSeq) {
      this.seenSeqs.add(seq);
      while (this.seenSeqs.has(this.lastSeq + 1)) { this.seenSeqs.delete(this.lastSeq + 1); this.lastSeq += 1; }
    }
    return this.seenSeqs.size > 0;
  }

  hasGap() { return this.seenSeqs.size > 0; }

  /** The server answered a `sync` with everything there is after lastSeq: what this list does
      not show (replies kept in their threads) is not missing. @param {number} [seq] the newest
      seq in the answer */
  caughtUp(seq = 0) {
    this.lastSeq = Math.max(this.lastSeq, seq, ...this.seenSeqs);
    this.seenSeqs.clear();
  }

  /** @param {number} id @returns {Reaction[]} */
  reactionsOf(id) { return this.reactions.get(id) || []; }

  /** A "reaction.updated" frame: the new count; "mine" follows the reader's own changes.
      @param {ReactionFrame} f */
  applyReaction(f) {
    const list = this.reactionsOf(f.message).slice();
    const i = list.findIndex((r) => r.emoji === f.emoji);
    const mine = f.user_id === this.meId ? f.added : i >= 0 && list[i].mine;
    if (f.count === 0) { if (i >= 0) list.splice(i, 1); }
    else if (i >= 0) list[i] = { emoji: f.emoji, count: f.count, mine };
    else list.push({ emoji: f.emoji, count: f.count, mine });
    this.reactions.set(f.message, list);
    return list;
  }

  /** @param {string} clientId @param {Pending} entry */
  addPending(clientId, entry) { this.pending.set(clientId, entry); }

  /** @param {string} clientId @returns {Pending | undefined} the entry, now gone */
  takePending(clientId) {
    const entry = this.pending.get(clientId);
    this.pending.delete(clientId);
    return entry;
  }

  /** @param {string} id @param {{ name: string, size: number }} file */
  addUpload(id, file) { this.uploads.set(id, { ...file, progress: 0 }); }

  /** @param {string} id @param {number} loaded @param {number} total @returns {number} percent */
  uploadProgress(id, loaded, total) {
    const upload = this.uploads.get(id);
    const percent = total ? Math.round((100 * loaded) / total) : 0;
    if (upload) upload.progress = percent;
    return percent;
  }

  /** @param {string} id */
  endUpload(id) { this.uploads.delete(id); }

  /** @param {Member} member */
  setMember(member) { this.members.set(member.user.id, member); }

  /** A member's new role keeps what is known of their presence. @param {Member} member */
  updateMember(member) {
    const old = this.members.get(member.user.id);
    this.members.set(member.user.id, { ...member, online: old ? old.online : member.online });
  }

  /** @param {number} userId */
  removeMember(userId) { this.members.delete(userId); }

  /** @param {number} userId @param {boolean} online @returns {boolean} false: not a member */
  setOnline(userId, online) {
    const member = this.members.get(userId);
    if (member) member.online = online;
    return Boolean(member);
  }

  /** Admins first, then by username. @returns {Member[]} */
  sortedMembers() {
    return [...this.members.values()].sort((a, b) => (Number(b.is_admin) - Number(a.is_admin)) || a.user.username.localeCompare(b.user.username));
  }

  /** @param {{ id: number, name: string }} user @param {number} now */
  startTyping(user, now) { this.typers.set(user.id, { name: user.name, until: now + 4000 }); }

  /** @param {number} userId @returns {boolean} whether they were typing */
  stopTyping(userId) { return this.typers.delete(userId); }

  /** @param {number} now @returns {string} "Ana is typing…", or "" */
  typingText(now) {
    for (const [id, t] of this.typers) if (t.until < now) this.typers.delete(id);
    const names = [...this.typers.values()].map((t) => t.name);
    if (names.length === 0) return "";
    return names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
  }
}
