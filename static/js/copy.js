/* Copy buttons: <button data-copy="<input id>"> copies that field's value and says "Copied"
   for a moment (the integrations' secret URLs and signing secrets, shown once). */

/** @param {HTMLButtonElement} button */
function copyFrom(button) {
  const field = /** @type {HTMLInputElement | null} */ (document.getElementById(button.dataset.copy || ""));
  if (!field) return;
  const label = button.querySelector("span") || button;
  const done = () => {
    label.textContent = "Copied";
    setTimeout(() => { label.textContent = "Copy"; }, 2000);
  };
  field.select();
  if (navigator.clipboard) {
    navigator.clipboard.writeText(field.value).then(done, () => { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
}

document.querySelectorAll("button[data-copy]").forEach((button) => {
  button.addEventListener("click", () => copyFrom(/** @type {HTMLButtonElement} */ (button)));
});
