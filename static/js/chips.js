/* Member chips over the usernames boxes (input[data-user-suggest] on the room forms): typing
   suggests people (GET /accounts/suggest/), Enter, a comma or a click adds a chip with their
   name and initial, Backspace in an empty box takes the last one back, each chip has a remove
   button. The form still posts the same field, the usernames separated by commas, so the
   server's check of unknown usernames stays the one place (and the page works without
   scripts). parseUsernames is pure (tests/js). */
import { icon } from "./icons.js";

/** @typedef {{ username: string, name: string }} Person */

/** The usernames in a box's text, as the server splits them (rooms/forms.py). @param {string} value */
export function parseUsernames(value) {
  return value.split(/[\s,;]+/).map((name) => name.replace(/^@+/, "")).filter(Boolean);
}

/** A person's initial for their chip. @param {string} name */
export function initial(name) {
  return (name.trim()[0] || "?").toUpperCase();
}

/**
 * A person's avatar initial and name, as a chip and a suggestion draw them.
 * @param {{ username: string, name: string }} person @returns {[HTMLSpanElement, HTMLSpanElement]}
 */
function personParts(person) {
  const avatar = document.createElement("span");
  avatar.className = "chip-avatar";
  avatar.setAttribute("aria-hidden", "true");
  avatar.textContent = initial(person.name);
  const name = document.createElement("span");
  name.textContent = person.name;
  return [avatar, name];
}

let boxes = 0;

/** @param {HTMLInputElement} field the form's own input: hidden, it keeps the value that posts */
export function attachChips(field) {
  const n = ++boxes;
  /** @type {Person[]} */
  const chosen = parseUsernames(field.value).map((username) => ({ username, name: username }));
  /** @type {Person[]} */
  let offered = [];
  let active = -1;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  const wrap = document.createElement("div");
  wrap.className = "chip-field" + (field.classList.contains("is-invalid") ? " is-invalid" : "");
  const box = document.createElement("div");
  box.className = "chips form-control" + (field.classList.contains("is-invalid") ? " is-invalid" : "");
  const list = document.createElement("ul");
  list.className = "m-0 p-0";
  const label = field.labels?.[0]?.textContent?.trim() || "People";
  list.setAttribute("aria-label", `${label}: chosen`);
  const typing = document.createElement("input");
  typing.type = "text";
  typing.autocomplete = "off";
  typing.spellcheck = false;
  typing.setAttribute("role", "combobox");
  typing.setAttribute("aria-autocomplete", "list");
  typing.setAttribute("aria-expanded", "false");
  typing.setAttribute("aria-controls", `chip-suggestions-${n}`);
  const describedBy = field.getAttribute("aria-describedby");
  if (describedBy) typing.setAttribute("aria-describedby", describedBy);
  typing.placeholder = "Type a name";
  const menu = document.createElement("ul");
  menu.className = "list-group chip-suggestions shadow";
  menu.id = `chip-suggestions-${n}`;
  menu.setAttribute("role", "listbox");
  menu.setAttribute("aria-label", "Suggestions");
  menu.hidden = true;
  // The label now names the box one types in.
  typing.id = field.id;
  field.id = `${field.id}-value`;
  field.type = "hidden";
  box.append(list, typing);
  wrap.append(box, menu);
  field.after(wrap);

  const sync = () => {
    field.value = chosen.map((p) => p.username).join(", ");
    list.replaceChildren(...chosen.map((person, i) => {
      const chip = document.createElement("li");
      chip.className = "chip";
      chip.dataset.username = person.username;
      const [avatar, name] = personParts(person);
      if (person.name !== person.username) name.title = `@${person.username}`;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "chip-remove";
      remove.setAttribute("aria-label", `Remove ${person.name}`);
      remove.append(icon("x", 14));
      remove.addEventListener("click", () => { chosen.splice(i, 1); sync(); typing.focus(); });
      chip.append(avatar, name, remove);
      return chip;
    }));
  };
  const hide = () => { menu.hidden = true; offered = []; active = -1; typing.setAttribute("aria-expanded", "false"); typing.removeAttribute("aria-activedescendant"); };
  /** @param {number} index */
  const setActive = (index) => {
    active = index;
    [...menu.children].forEach((li, i) => li.setAttribute("aria-selected", i === index ? "true" : "false"));
    const li = menu.children[index];
    if (li) typing.setAttribute("aria-activedescendant", li.id);
  };
  /** @param {Person} person */
  const add = (person) => {
    if (!chosen.some((p) => p.username.toLowerCase() === person.username.toLowerCase())) chosen.push(person);
    typing.value = "";
    hide();
    sync();
  };
  /** Adds what was typed: the suggestion with that username, or the name as typed (the server says if it is unknown). */
  const commitTyped = () => {
    for (const username of parseUsernames(typing.value)) {
      add(offered.find((p) => p.username.toLowerCase() === username.toLowerCase()) || { username, name: username });
    }
    typing.value = "";
  };
  /** People whose name or username starts with `query`, but those chosen. @param {string} query @returns {Promise<Person[]>} */
  const people = async (query) => {
    const response = await fetch("/accounts/suggest/?q=" + encodeURIComponent(query), { credentials: "same-origin" }).catch(() => null);
    if (!response || !response.ok) return [];
    /** @type {{ users: Person[] }} */
    const data = await response.json();
    return data.users.filter((u) => !chosen.some((p) => p.username === u.username));
  };
  const suggest = async () => {
    const query = typing.value.trim().replace(/^@+/, "");
    if (!query) { hide(); return; }
    const found = await people(query);
    if (typing.value.trim().replace(/^@+/, "") !== query) return;
    offered = found;
    if (!offered.length) { hide(); return; }
    menu.replaceChildren(...offered.map((person, i) => {
      const li = document.createElement("li");
      li.className = "list-group-item list-group-item-action py-1";
      li.id = `chip-suggestions-${n}-${i}`;
      li.setAttribute("role", "option");
      const [avatar, name] = personParts(person);
      const handle = document.createElement("span");
      handle.className = "small text-body-secondary";
      handle.textContent = `@${person.username}`;
      li.append(avatar, name, handle);
      li.addEventListener("mousedown", (event) => event.preventDefault());  // keep the focus in the box
      li.addEventListener("click", () => { add(person); typing.focus(); });
      return li;
    }));
    menu.hidden = false;
    typing.setAttribute("aria-expanded", "true");
    setActive(0);
  };

  box.addEventListener("click", (event) => { if (event.target === box || event.target === list) typing.focus(); });
  typing.addEventListener("input", () => {
    if (/[\s,;]/.test(typing.value)) {  // a separator typed or pasted: what is before it is done
      const parts = typing.value.split(/[\s,;]+/);
      const rest = parts.pop() || "";
      typing.value = parts.join(" ");
      commitTyped();
      typing.value = rest;
    }
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
  typing.addEventListener("keydown", (event) => {
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && !menu.hidden) {
      event.preventDefault();
      setActive((active + (event.key === "ArrowDown" ? 1 : -1) + offered.length) % offered.length);
    } else if (event.key === "Enter" && typing.value.trim()) {
      event.preventDefault();  // adds the chip; an empty box's Enter submits the form
      if (!menu.hidden && offered[active]) { add(offered[active]); return; }
      // Typed faster than the suggestions came: the first one for what was typed, else the
      // name as typed; the box is free at once for the next name.
      clearTimeout(timer);
      const typed = typing.value.trim().replace(/^@+/, "");
      typing.value = "";
      hide();
      people(typed).then((found) => {
        const person = found[0] || { username: typed, name: typed };
        if (!chosen.some((p) => p.username.toLowerCase() === person.username.toLowerCase())) chosen.push(person);
        sync();
      });
    } else if (event.key === "Backspace" && !typing.value && chosen.length) {
      event.preventDefault();
      chosen.pop();
      sync();
    } else if (event.key === "Escape" && !menu.hidden) {
      event.preventDefault();
      event.stopPropagation();
      hide();
    }
  });
  typing.addEventListener("blur", () => { clearTimeout(timer); hide(); if (typing.value.trim()) commitTyped(); });
  field.form?.addEventListener("submit", () => { if (typing.value.trim()) commitTyped(); });
  sync();
}

if (typeof document !== "undefined") {
  document.querySelectorAll("form[data-member-chips] input[data-user-suggest]").forEach((input) => attachChips(/** @type {HTMLInputElement} */ (input)));
}
