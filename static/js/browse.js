/* The room directory (/rooms/browse/): the search box filters as one types. The page is a
   GET form that works without JavaScript; this fetches the same page for the words typed and
   swaps in its results (rendered by the server, Join forms and all). */
import { localize } from "./times.js";

const form = /** @type {HTMLFormElement | null} */ (document.getElementById("browse-form"));
const input = /** @type {HTMLInputElement | null} */ (document.getElementById("browse-q"));
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
let asked = 0;

/** @param {string} query */
async function show(query) {
  const mine = ++asked;
  const url = new URL(window.location.href);
  url.search = query ? new URLSearchParams({ q: query }).toString() : "";
  const response = await fetch(url, { credentials: "same-origin" }).catch(() => null);
  if (!response || !response.ok || mine !== asked) return;  /* a newer search is on its way */
  const page = new DOMParser().parseFromString(await response.text(), "text/html");  /* our own server's page */
  const fresh = page.getElementById("browse-results");
  const results = document.getElementById("browse-results");
  if (!fresh || !results) return;
  results.replaceChildren(...fresh.childNodes);
  localize(results);
  window.history.replaceState(null, "", url);
}

if (form && input) {
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => show(input.value.trim()), 250);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    show(input.value.trim());
  });
}
