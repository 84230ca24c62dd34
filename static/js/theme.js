// The colour mode: light, dark or auto (the system's). The server writes the person's choice
// into <html data-theme> (accounts.User.theme; "auto" for visitors) and the mode it can know
// into data-bs-theme (Bootstrap's colour modes). This classic script runs in <head>, before the
// first paint, so "auto" is dark at once on a dark system; it follows the system's changes
// live, and wires the user menu's three choices (saved with POST /accounts/theme/, and told
// to the person's other open tabs).
(function () {
  "use strict";
  const root = document.documentElement;
  const dark = window.matchMedia("(prefers-color-scheme: dark)");
  const tabs = "BroadcastChannel" in window ? new BroadcastChannel("uchat-theme") : null;

  /** Bootstrap's mode from the choice and the system. */
  function apply() {
    const choice = root.dataset.theme || "auto";
    const mode = choice === "auto" ? (dark.matches ? "dark" : "light") : choice;
    if (root.dataset.bsTheme !== mode) root.dataset.bsTheme = mode;
  }

  /** @param {string} choice light, dark or auto */
  function choose(choice) {
    root.dataset.theme = choice;
    apply();
    document.querySelectorAll("[data-theme-choice]").forEach((item) => {
      item.setAttribute("aria-checked", String(item.getAttribute("data-theme-choice") === choice));
    });
  }

  apply();
  dark.addEventListener("change", apply);
  if (tabs) tabs.onmessage = (event) => choose(String(event.data));

  document.addEventListener("DOMContentLoaded", () => {
    const form = /** @type {HTMLFormElement | null} */ (document.getElementById("theme-form"));
    if (!form) return;
    form.addEventListener("submit", (event) => {
      const button = /** @type {HTMLButtonElement | null} */ (event.submitter);
      if (!button || !button.value) return;
      event.preventDefault();
      const body = new FormData(form);
      body.set("theme", button.value);
      choose(button.value);
      if (tabs) tabs.postMessage(button.value);
      fetch(form.action, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      }).catch(() => {
        /* Offline: this tab keeps the choice; the next one chosen online is stored. */
      });
    });
  });
})();
