/* A short word that something worked ("Link copied"): one polite status line at the bottom of
   the page, gone after a few seconds. */

let timer = 0;

/** @param {string} text */
export function toast(text) {
  let box = document.getElementById("toast");
  if (!box) {
    box = document.createElement("div");
    box.id = "toast";
    box.className = "uc-toast";
    box.setAttribute("role", "status");
    document.body.append(box);
  }
  const shown = box;
  shown.textContent = text;
  shown.classList.add("show");
  window.clearTimeout(timer);
  timer = window.setTimeout(() => shown.classList.remove("show"), 2500);
}

/** Copies `text` and says `done`; where the clipboard is refused, a prompt holds the text to
    copy by hand. @param {string} text @param {string} done */
export function copyText(text, done) {
  if (!navigator.clipboard) { window.prompt("Copy this:", text); return; }
  navigator.clipboard.writeText(text).then(() => toast(done), () => window.prompt("Copy this:", text));
}
