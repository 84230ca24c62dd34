/* Copy buttons, wherever a page shows something to copy once (a token, an invite link, a
   webhook's URL or secret): <button data-copy="<field id>"> copies that field's value, and
   its <span data-copy-label> says "Copied" for a moment (the page's toast says it too). One
   listener on the document, so buttons drawn later work as well. */
import { copyText } from "./toast.js";

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
  if (!(button instanceof HTMLButtonElement)) return;
  const field = /** @type {HTMLInputElement | null} */ (document.getElementById(button.dataset.copy || ""));
  if (!field) return;
  field.select();
  copyText(field.value, "Copied");
  const label = button.querySelector("[data-copy-label]");
  if (!label) return;
  label.textContent = "Copied";
  window.setTimeout(() => { label.textContent = "Copy"; }, 2000);
});
