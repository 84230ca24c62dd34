/* The Groups page (/groups/): every group, searched as you type; "New group" and each group's
   Edit open the form above the list, Delete asks first. Writes go through /api/groups; a
   refused one keeps what was typed and says why. */
import { icon } from "./icons.js";
import { requestJson } from "./json_api.js";

/**
 * @typedef {{ id: number, username: string, name: string }} Person
 * @typedef {{ id: number, name: string, description: string, members: Person[], can_manage: boolean }} Group
 */

/** Groups whose name, description or a member's username or name holds the query.
    @param {Group[]} groups @param {string} query */
export function filterGroups(groups, query) {
  const q = query.trim().replace(/^@/, "").toLowerCase();
  if (!q) return groups;
  return groups.filter((g) => g.name.includes(q) || g.description.toLowerCase().includes(q)
    || g.members.some((m) => m.username.toLowerCase().startsWith(q) || m.name.toLowerCase().includes(q)));
}

/** "alice, @bob,, carol" -> ["alice", "bob", "carol"]. @param {string} text */
export function parseMembers(text) {
  return text.split(/[\s,]+/).map((u) => u.trim().replace(/^@/, "")).filter(Boolean);
}

function start() {
  const dataNode = document.getElementById("groups-data");
  if (!dataNode) return;
  /** @type {{ me: string, groups: Group[] }} */
  const data = JSON.parse(dataNode.textContent || "{}");
  let groups = data.groups;
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const list = $("groups-list");
  const search = /** @type {HTMLInputElement} */ ($("group-search"));
  const form = /** @type {HTMLFormElement} */ ($("group-form"));
  const name = /** @type {HTMLInputElement} */ ($("group-name"));
  const description = /** @type {HTMLInputElement} */ ($("group-description"));
  const members = /** @type {HTMLInputElement} */ ($("group-members"));
  const error = $("group-error");
  /** @type {Group | null} */
  let editing = null;

  function draw() {
    const shown = filterGroups(groups, search.value);
    list.replaceChildren(...shown.map(row));
    $("groups-empty").hidden = shown.length > 0;
    $("groups-empty-title").textContent = groups.length ? "No group matches." : "No groups yet.";
  }

  /** @param {Group} group */
  function row(group) {
    const li = document.createElement("li");
    li.className = "group-item";
    li.dataset.group = String(group.id);
    const mark = document.createElement("span");
    mark.className = "group-icon";
    mark.append(icon("users", 18));
    const text = document.createElement("div");
    text.className = "min-w-0";
    const title = document.createElement("div");
    const handle = document.createElement("span");
    handle.className = "group-name";
    handle.textContent = "@" + group.name;
    const count = document.createElement("span");
    count.className = "group-meta ms-2";
    count.textContent = `${group.members.length} member${group.members.length === 1 ? "" : "s"}`;
    title.append(handle, count);
    text.append(title);
    if (group.description) {
      const about = document.createElement("div");
      about.textContent = group.description;
      text.append(about);
    }
    const who = document.createElement("div");
    who.className = "group-members";
    who.textContent = group.members.map((m) => m.name).join(", ") || "No members yet.";
    text.append(who);
    li.append(mark, text);
    if (group.can_manage) {
      const actions = document.createElement("div");
      actions.className = "group-actions";
      const edit = document.createElement("button");
      edit.type = "button";
      edit.className = "btn btn-sm btn-outline-secondary";
      edit.textContent = "Edit";
      edit.setAttribute("aria-label", `Edit @${group.name}`);
      edit.addEventListener("click", () => open(group));
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-outline-danger";
      remove.textContent = "Delete";
      remove.setAttribute("aria-label", `Delete @${group.name}`);
      remove.addEventListener("click", () => drop(group));
      actions.append(edit, remove);
      li.append(actions);
    }
    return li;
  }

  /** @param {Group | null} group */
  function open(group) {
    editing = group;
    $("group-form-title").textContent = group ? `Edit @${group.name}` : "New group";
    $("group-save").textContent = group ? "Save" : "Create group";
    name.value = group ? group.name : "";
    description.value = group ? group.description : "";
    members.value = group ? group.members.map((m) => m.username).join(", ") : data.me;
    error.textContent = "";
    form.hidden = false;
    name.focus();
  }

  function close() {
    form.hidden = true;
    editing = null;
  }

  /** @param {Group} group */
  async function drop(group) {
    if (!window.confirm(`Delete @${group.name}? Mentions of it will no longer notify anyone.`)) return;
    try {
      await requestJson("DELETE", `/api/groups/${group.id}`);
      groups = groups.filter((g) => g.id !== group.id);
      if (editing && editing.id === group.id) close();
      draw();
    } catch (refusal) {
      window.alert(/** @type {Error} */ (refusal).message);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: name.value.trim().replace(/^@/, ""), description: description.value.trim(), members: parseMembers(members.value) };
    try {
      const saved = editing
        ? await requestJson("PATCH", `/api/groups/${editing.id}`, body)
        : await requestJson("POST", "/api/groups", body);
      const mine = saved.members.some((/** @type {Person} */ m) => m.username === data.me);
      const group = { ...saved, can_manage: editing ? editing.can_manage || mine : true };
      groups = [...groups.filter((g) => g.id !== group.id), group].sort((a, b) => a.name.localeCompare(b.name));
      close();
      draw();
      document.querySelector(`.group-item[data-group="${Number(group.id)}"]`)?.scrollIntoView({ block: "nearest" });
    } catch (refusal) {
      error.textContent = /** @type {Error} */ (refusal).message;
    }
  });
  $("group-new").addEventListener("click", () => open(null));
  $("group-cancel").addEventListener("click", close);
  search.addEventListener("input", draw);
  draw();
}

if (typeof document !== "undefined") start();
