/* The API tokens section of the profile page and the Bots page: "Copy" puts a token just made
   on the clipboard and says "Copied"; a Revoke or Deactivate button asks first. */

for (const button of document.querySelectorAll("[data-copy-token]")) {
  button.addEventListener("click", async () => {
    const field = /** @type {HTMLInputElement | null} */ (document.getElementById(button.getAttribute("data-copy-token") || ""));
    const label = button.querySelector("[data-copy-label]");
    if (!field || !label) return;
    try {
      await navigator.clipboard.writeText(field.value);
      label.textContent = "Copied";
    } catch {
      field.select();  /* no clipboard (an http page): the text is selected for Ctrl+C */
      label.textContent = "Press Ctrl+C";
    }
    setTimeout(() => { label.textContent = "Copy"; }, 3000);
  });
}

for (const button of document.querySelectorAll("button[data-confirm]")) {
  button.addEventListener("click", (event) => {
    if (!window.confirm(button.getAttribute("data-confirm") || "Sure?")) event.preventDefault();
  });
}
