/* The line under the composer (#composer-error) that says what went wrong, or nothing. */

/** @param {string} [text] */
export function showError(text) {
  const box = document.getElementById("composer-error");
  if (box) box.textContent = text || "";
}
