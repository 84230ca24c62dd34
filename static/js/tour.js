// The guided tour (accounts/tour.py picks the steps for the person's role). A small card
// next to each highlighted part of the page; keyboard: Tab between its buttons, Enter, the
// arrow keys for back and next, Escape to skip. Finishing or skipping is remembered
// (POST /accounts/tour/); "Take the tour" in the user menu shows it again.
(function () {
  "use strict";
  const data = document.getElementById("tour-steps");
  if (!data) return;
  const steps = JSON.parse(data.textContent);
  if (!steps.length) return;
  /** @type {HTMLInputElement | null} */
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]");
  let index = 0;
  /** @type {HTMLElement | null} */
  let highlighted = null;
  const opener = /** @type {HTMLElement | null} */ (document.activeElement);

  const card = document.createElement("div");
  card.className = "tour-card card shadow";
  card.setAttribute("role", "dialog");
  card.setAttribute("aria-modal", "false");
  card.setAttribute("aria-labelledby", "tour-title");
  card.setAttribute("aria-describedby", "tour-text");
  card.dataset.testid = "tour";
  card.innerHTML =
    '<div class="card-body">' +
    '<p class="small text-body-secondary mb-1" id="tour-count"></p>' +
    '<h2 class="h6 card-title" id="tour-title" tabindex="-1"></h2>' +
    '<p class="card-text" id="tour-text"></p>' +
    '<div class="d-flex gap-2 justify-content-end flex-wrap">' +
    '<button type="button" class="btn btn-sm btn-link me-auto" data-tour-action="skip">Skip tour</button>' +
    '<button type="button" class="btn btn-sm btn-outline-secondary" data-tour-action="back">Back</button>' +
    '<button type="button" class="btn btn-sm btn-primary" data-tour-action="next">Next</button>' +
    "</div></div>";
  document.body.appendChild(card);
  const title = /** @type {HTMLElement} */ (card.querySelector("#tour-title"));
  const text = /** @type {HTMLElement} */ (card.querySelector("#tour-text"));
  const count = /** @type {HTMLElement} */ (card.querySelector("#tour-count"));
  const back = /** @type {HTMLButtonElement} */ (card.querySelector('[data-tour-action="back"]'));
  const next = /** @type {HTMLButtonElement} */ (card.querySelector('[data-tour-action="next"]'));

  /** @param {HTMLElement | null} el */
  function visible(el) {
    return el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  }

  /** @param {HTMLElement | null} target */
  function place(target) {
    card.classList.remove("tour-floating", "tour-centered");
    if (!target || window.innerWidth < 576) {
      card.classList.add("tour-centered");
      card.style.top = card.style.left = "";
      return;
    }
    card.classList.add("tour-floating");
    const rect = target.getBoundingClientRect();
    const width = card.offsetWidth;
    let top = rect.bottom + window.scrollY + 8;
    if (rect.bottom + card.offsetHeight + 16 > window.innerHeight && rect.top > card.offsetHeight + 16) {
      top = rect.top + window.scrollY - card.offsetHeight - 8;
    }
    const left = Math.min(
      Math.max(8, rect.left + window.scrollX),
      window.scrollX + document.documentElement.clientWidth - width - 8
    );
    card.style.top = top + "px";
    card.style.left = left + "px";
  }

  /** @param {number} i */
  function show(i) {
    index = i;
    const step = steps[i];
    if (highlighted) highlighted.classList.remove("tour-target");
    /** @type {HTMLElement | null} */
    const target = step.target ? document.querySelector('[data-tour="' + step.target + '"]') : null;
    highlighted = visible(target) ? target : null;
    count.textContent = "Step " + (i + 1) + " of " + steps.length;
    title.textContent = step.title;
    text.textContent = step.text;
    back.disabled = i === 0;
    next.textContent = i === steps.length - 1 ? "Done" : "Next";
    if (highlighted) {
      highlighted.classList.add("tour-target");
      highlighted.scrollIntoView({ block: "center", behavior: "instant" });
    }
    place(highlighted);
    title.focus();
  }

  function finish() {
    if (highlighted) highlighted.classList.remove("tour-target");
    card.remove();
    window.removeEventListener("resize", onResize);
    const body = new URLSearchParams({ action: "done" });
    fetch("/accounts/tour/", {
      method: "POST",
      body: body,
      keepalive: true,
      credentials: "same-origin",
      headers: csrf ? { "X-CSRFToken": csrf.value } : {},
    }).catch(function () {});
    const main = document.getElementById("main");
    if (opener && opener !== document.body && document.contains(opener)) opener.focus();
    else if (main) {
      main.setAttribute("tabindex", "-1");
      main.focus();
    }
  }

  function onResize() {
    place(highlighted);
  }

  card.addEventListener("click", function (event) {
    const button = /** @type {HTMLElement | null} */ (/** @type {Element} */ (event.target).closest("[data-tour-action]"));
    if (!button) return;
    const action = button.dataset.tourAction;
    if (action === "skip") finish();
    else if (action === "back" && index > 0) show(index - 1);
    else if (action === "next") {
      if (index === steps.length - 1) finish();
      else show(index + 1);
    }
  });
  card.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      finish();
    } else if (event.key === "ArrowRight" && index < steps.length - 1) {
      event.preventDefault();
      show(index + 1);
    } else if (event.key === "ArrowLeft" && index > 0) {
      event.preventDefault();
      show(index - 1);
    }
  });
  window.addEventListener("resize", onResize);
  show(0);
})();
