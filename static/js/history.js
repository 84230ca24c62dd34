/* Older history on demand ("Load older", keeping the reader's place); the first page came with
   the page itself. */
import { showError } from "./notice.js";

/** @typedef {{ messages: import("./store.js").Message[], has_more: boolean }} Page */

/** @param {string} url @returns {Promise<Page>} */
export async function fetchPage(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(response.statusText);
  return response.json();
}

export class History {
  /**
   * @param {object} options
   * @param {string} options.url the conversation's history endpoint
   * @param {import("./store.js").ConversationStore} options.store
   * @param {HTMLElement} options.scroller
   * @param {(messages: import("./store.js").Message[]) => void} options.put draws messages
   */
  constructor({ url, store, scroller, put }) {
    this.url = url;
    this.store = store;
    this.scroller = scroller;
    this.put = put;
    this.older = /** @type {HTMLButtonElement} */ (document.getElementById("load-older"));
    this.start = /** @type {HTMLElement} */ (document.getElementById("history-start"));
    this.older.addEventListener("click", () => this.loadOlder());
  }

  /** @param {boolean} hasMore */
  setHasMore(hasMore) {
    this.older.classList.toggle("d-none", !hasMore);
    this.start.classList.toggle("d-none", hasMore);
  }

  async loadOlder() {
    this.older.disabled = true;
    try {
      const oldest = this.store.oldestId;
      const page = await fetchPage(`${this.url}?before=${oldest === null ? "" : oldest}`);
      const from = this.scroller.scrollHeight - this.scroller.scrollTop;
      this.put(page.messages);
      this.scroller.scrollTop = this.scroller.scrollHeight - from; // keep the reader's place
      this.setHasMore(page.has_more);
    } catch {
      showError("Could not load older messages. Try again.");
    } finally {
      this.older.disabled = false;
    }
  }
}
