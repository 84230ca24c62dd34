/* Files: the button, pasting (a screenshot) or dropping onto the conversation. Each upload
   shows its progress and can be cancelled; the server checks the bytes (images, PDF, text,
   office documents, archives) and refuses anything else with a reason. The uploads under way
   are in the store; the tray (#upload-tray) draws them. */
import { icon } from "./icons.js";
import { sizeText } from "./message_render.js";
import { showError } from "./notice.js";
import { newClientId } from "./socket.js";

/**
 * @param {object} options
 * @param {import("./store.js").ConversationStore} options.store
 * @param {HTMLTextAreaElement} options.input
 * @param {HTMLElement} options.scroller
 * @param {string} options.uploadUrl
 * @param {() => boolean} options.writable
 * @param {(message: import("./store.js").Message) => void} options.uploaded
 */
export function attachUploads({ store, input, scroller, uploadUrl, writable, uploaded }) {
  const fileInput = /** @type {HTMLInputElement} */ (document.getElementById("image-input"));
  const tray = /** @type {HTMLElement} */ (document.getElementById("upload-tray"));

  /** @param {File} file @param {string} [label] its name */
  function upload(file, label = file.name || "file") {
    if (!writable()) return;
    const id = newClientId();
    store.addUpload(id, { name: label, size: file.size });
    const item = document.createElement("li");
    item.className = "upload-item";
    const name = document.createElement("span");
    name.className = "text-truncate";
    name.textContent = `${label} (${sizeText(file.size)})`;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", `Uploading ${label}`);
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn btn-sm btn-link text-danger p-0";
    cancel.textContent = "Cancel";
    cancel.setAttribute("aria-label", `Cancel uploading ${label}`);
    item.append(name, bar, cancel);
    tray.append(item);
    const form = new FormData();
    form.append("file", file, label);
    form.append("caption", "");
    form.append("client_id", id);
    /* Photos lose their EXIF (location above all) on the server unless this is ticked. */
    const keepMetadata = /** @type {HTMLInputElement | null} */ (document.getElementById("keep-metadata"));
    form.append("keep_metadata", keepMetadata && keepMetadata.checked ? "true" : "false");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", uploadUrl);
    xhr.setRequestHeader("X-CSRFToken", /** @type {HTMLInputElement} */ (document.querySelector("[name=csrfmiddlewaretoken]")).value);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) bar.value = store.uploadProgress(id, event.loaded, event.total);
    };
    const finish = () => { store.endUpload(id); item.remove(); };
    cancel.addEventListener("click", () => { xhr.abort(); finish(); input.focus(); });
    xhr.onload = () => {
      /** @type {{ message?: import("./store.js").Message, detail?: string, error?: string }} */
      let answer;
      try { answer = JSON.parse(xhr.responseText); } catch { answer = {}; }
      finish();
      if (xhr.status >= 200 && xhr.status < 300 && answer.message) {
        showError("");
        uploaded(answer.message);
        return;
      }
      showError(`${label}: ${answer.detail || answer.error || "it could not be sent."} Nothing was sent.`);
    };
    xhr.onerror = () => { finish(); showError(`${label} could not be sent: you seem to be offline.`); };
    xhr.send(form);
  }

  /** @type {HTMLElement} */ (document.getElementById("attach-image")).addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    for (const file of fileInput.files || []) upload(file);
    fileInput.value = "";
  });
  input.addEventListener("paste", (event) => {
    const files = event.clipboardData ? [...event.clipboardData.files] : [];
    if (!files.length) return;
    event.preventDefault();  /* the file is sent; the text box keeps its text (the caption) */
    files.forEach((file) => upload(file, pastedName(file)));
  });
  const dropZone = /** @type {HTMLElement} */ (scroller.closest(".conversation-body") || scroller);
  dropZone.addEventListener("dragover", (event) => {
    if (!event.dataTransfer || ![...event.dataTransfer.types].includes("Files")) return;
    event.preventDefault();
    dropZone.classList.add("drop-target");
  });
  dropZone.addEventListener("dragleave", (event) => {
    if (!dropZone.contains(/** @type {Node | null} */ (event.relatedTarget))) dropZone.classList.remove("drop-target");
  });
  dropZone.addEventListener("drop", (event) => {
    dropZone.classList.remove("drop-target");
    if (!event.dataTransfer || !event.dataTransfer.files.length) return;
    event.preventDefault();
    [...event.dataTransfer.files].forEach((file) => upload(file));
  });
}

/**
 * One row of the details panel's file list, as templates/rooms/_file_item.html draws a stored
 * one: an icon, the name (a download for files, a new tab for images), the size.
 * @param {{ type: string, url: string, name?: string, size?: number, caption?: string }} content
 */
export function fileItem(content) {
  const li = document.createElement("li");
  li.className = "file-item";
  li.append(icon(content.type === "file" ? "file" : "file-image"));
  const link = document.createElement("a");
  link.className = "text-truncate";
  link.href = content.url;
  if (content.type === "file") link.setAttribute("download", "");
  else { link.target = "_blank"; link.rel = "noopener"; }
  link.textContent = content.name || content.caption || "Image";
  li.append(link);
  if (content.size) {
    const size = document.createElement("span");
    size.className = "file-size";
    size.textContent = sizeText(content.size);
    li.append(size);
  }
  return li;
}

/** The details panel's file list follows new uploads. @param {import("./store.js").Message} message */
export function noteFile(message) {
  const fileList = document.getElementById("files");
  if (!fileList || !message.content || !["image", "file"].includes(message.content.type) || !message.content.url) return;
  if (fileList.querySelector(`a[href="${message.content.url}"]`)) return;
  const empty = fileList.querySelector(".no-files");
  if (empty) empty.remove();
  fileList.prepend(fileItem(message.content));
}

/**
 * A pasted file's name: browsers call every pasted screenshot "image.png"; it becomes
 * "Pasted image 2026-12-05 14.57.png" (the reader's clock).
 * @param {File} file @param {Date} [now]
 */
export function pastedName(file, now = new Date()) {
  if (file.name && !/^image\.\w+$/i.test(file.name)) return file.name;
  const extension = (file.name.match(/\.(\w+)$/) || file.type.match(/\/(\w+)$/) || ["", "png"])[1].toLowerCase();
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}.${pad(now.getMinutes())}`;
  return `Pasted ${file.type.startsWith("image/") ? "image" : "file"} ${stamp}.${extension}`;
}
