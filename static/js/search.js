/* A page opened at a search hit (?around=<id>) holds history around it, not the newest: newer
   pages load on demand ("Load newer messages") until the page reaches the present; until then
   live messages are not drawn (the "Jump to latest" button reloads the newest page). */
import { fetchPage } from "./history.js";
import { showError } from "./notice.js";

export class SearchHit {
  /**
   * @param {object} options
   * @param {string} options.url the conversation's history endpoint
   * @param {import("./store.js").ConversationStore} options.store
   * @param {HTMLElement} options.list
   * @param {boolean} options.around opened at a search hit, with newer messages to load
   * @param {(messages: import("./store.js").Message[]) => void} options.put draws messages
   * @param {() => void} options.present called when the page reaches the newest message
   */
  constructor({ url, store, list, around, put, present }) {
    /** true until the page reaches the newest message */
    this.around = around;
    const newer = document.createElement("button");
    newer.type = "button";
    newer.className = "btn btn-sm btn-outline-secondary mx-auto my-2" + (around ? " d-block" : " d-none");
    newer.id = "load-newer";
    newer.textContent = "Load newer messages";
    list.after(newer);
    newer.addEventListener("click", async () => {
      newer.disabled = true;
      try {
        const page = await fetchPage(`${url}?after=${store.newestId}`);
        put(page.messages);
        if (!page.has_more) {
          /* The present: from here on this is the live conversation. */
          this.around = false;
          newer.classList.replace("d-block", "d-none");
          present();
        }
      } catch {
        showError("Could not load newer messages. Try again.");
      } finally {
        newer.disabled = false;
      }
    });
  }
}
