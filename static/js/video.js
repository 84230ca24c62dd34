/* Sharing a YouTube or Vimeo link: a small form under the composer. The link waits in the store
   until the server acknowledges it; a refused one goes back into the form. */
import { FRAME } from "./protocol.js";
import { showError } from "./notice.js";
import { newClientId } from "./socket.js";

/**
 * @param {import("./store.js").ConversationStore} store
 * @param {import("./composer.js").FrameSender} socket
 * @returns {{ refused: (clientId: string) => void }}
 */
export function attachVideo(store, socket) {
  const videoForm = /** @type {HTMLElement} */ (document.getElementById("video-form"));
  const videoUrl = /** @type {HTMLInputElement} */ (document.getElementById("video-url"));

  /** @type {HTMLElement} */ (document.getElementById("attach-video")).addEventListener("click", () => {
    videoForm.classList.toggle("d-none");
    if (!videoForm.classList.contains("d-none")) videoUrl.focus();
  });
  function shareVideo() {
    const url = videoUrl.value.trim();
    if (!url) { showError("Paste a YouTube or Vimeo link first."); return; }
    const clientId = newClientId();
    if (!socket.send({ type: FRAME.MESSAGE_SEND, content: { type: "video", url }, client_id: clientId })) {
      showError("Not connected. The video was not shared; the link is still in the box.");
      return;
    }
    store.videos.set(clientId, url);
    videoUrl.value = "";
    videoForm.classList.add("d-none");
  }
  /** @type {HTMLElement} */ (document.getElementById("video-send")).addEventListener("click", shareVideo);
  videoUrl.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); shareVideo(); } });

  return {
    refused(clientId) {
      const url = store.videos.get(clientId);
      if (url === undefined) return;
      videoUrl.value = url;  // nothing is lost
      store.videos.delete(clientId);
      videoForm.classList.remove("d-none");
    },
  };
}
