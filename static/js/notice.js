/* The line under the composer (#composer-error) that says what went wrong, or nothing; and the
   page's word that the session ended (the socket saw it: socket.js). */

/** @param {string} [text] */
export function showError(text) {
  const box = document.getElementById("composer-error");
  if (box) box.textContent = text || "";
}

/** The session ended (log-out elsewhere, a password change): nothing can be sent any more. The
    composer is disabled, and the page says so with a link to log in again and come back here.
    @param {string} loginUrl */
export function sessionEnded(loginUrl) {
  if (document.getElementById("session-ended")) return;
  const form = document.getElementById("composer");
  form?.querySelectorAll("textarea, input, button").forEach((el) => { /** @type {HTMLInputElement} */ (el).disabled = true; });
  const alert = document.createElement("div");
  alert.id = "session-ended";
  alert.className = "alert alert-warning session-ended mb-0";
  alert.setAttribute("role", "alert");
  const link = document.createElement("a");
  link.className = "alert-link";
  link.href = `${loginUrl}?next=${encodeURIComponent(location.pathname + location.search)}`;
  link.textContent = "Log in again";
  alert.append("Your session has ended. ", link);
  const box = document.getElementById("composer-error");
  if (box && box.offsetParent !== null) {
    box.textContent = "";
    box.append(alert);
  } else {
    alert.classList.add("position-fixed", "top-0", "start-50", "translate-middle-x", "mt-5", "shadow", "z-3");
    document.body.append(alert);
  }
}
