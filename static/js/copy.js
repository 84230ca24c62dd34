/* Copy buttons: <button data-copy="<input id>"> copies that field's value (the integrations'
   secret URLs and signing secrets, shown once), says "Copied" on the button for a moment and
   in the page's toast. */
import { copyText } from "./toast.js";

document.querySelectorAll("button[data-copy]").forEach((element) => {
  const button = /** @type {HTMLButtonElement} */ (element);
  button.addEventListener("click", () => {
    const field = /** @type {HTMLInputElement | null} */ (document.getElementById(button.dataset.copy || ""));
    if (!field) return;
    field.select();
    copyText(field.value, "Copied");
    const label = button.querySelector("span");
    if (!label) return;
    label.textContent = "Copied";
    window.setTimeout(() => { label.textContent = "Copy"; }, 2000);
  });
});
