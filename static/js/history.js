/* Older history as the reader scrolls up (the first page came with the page itself): an
   IntersectionObserver watches a sentinel above the list (a small spinner) and loads the page
   before the oldest message when it comes near, keeping the reader's place; at the beginning
   the sentinel gives way to "This is the start of …". */
import { showError } from "./notice.js";

/** @typedef {{ messages: import("./store.js").Message[], has_more: boolean }} Page */

/** @param {string} url @returns {Promise<Page>} */
export async function fetchPage(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(response.statusText);
  return response.json();
}

const RETRY_MS = 5000;

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
    this.sentinel = /** @type {HTMLElement} */ (document.getElementById("history-more"));
    this.start = /** @type {HTMLElement} */ (document.getElementById("history-start"));
    this.hasMore = false;
    this.loading = false;
    /* Near the top (200 px ahead): load before the reader gets there. */
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) this.loadOlder();
    }, { root: scroller, rootMargin: "200px 0px 0px 0px" });
  }

  /** @param {boolean} hasMore */
  setHasMore(hasMore) {
    this.hasMore = hasMore;
    this.sentinel.classList.toggle("d-none", !hasMore);
    this.start.classList.toggle("d-none", hasMore);
    /* Observing again reports the sentinel's state now: a page that does not fill the
       window loads the next one at once. */
    this.observer.disconnect();
    if (hasMore) this.observer.observe(this.sentinel);
  }

  async loadOlder() {
    if (this.loading || !this.hasMore) return;
    this.loading = true;
    try {
      const oldest = this.store.oldestId;
      const page = await fetchPage(`${this.url}?before=${oldest === null ? "" : oldest}`);
      const from = this.scroller.scrollHeight - this.scroller.scrollTop;
      this.put(page.messages);
      this.scroller.scrollTop = this.scroller.scrollHeight - from; // keep the reader's place
      this.loading = false;
      this.setHasMore(page.has_more);
    } catch {
      this.loading = false;
      showError("Could not load older messages. Trying again…");
      this.observer.disconnect();
      setTimeout(() => this.setHasMore(this.hasMore), RETRY_MS);
    }
  }
}
