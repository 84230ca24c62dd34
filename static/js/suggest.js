/* Username suggestions for comma-separated "members" boxes. */
"use strict";
(function () {
  const list = document.getElementById("user-suggestions");
  if (!list) return;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll("input[data-user-suggest]")).forEach((input) => {
    input.setAttribute("list", "user-suggestions");
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const parts = input.value.split(",");
        const current = (parts.pop() || "").trim();
        if (!current) { list.replaceChildren(); return; }
        const prefix = parts.map((p) => p.trim()).filter(Boolean);
        const response = await fetch("/accounts/suggest/?q=" + encodeURIComponent(current), { credentials: "same-origin" });
        if (!response.ok) return;
        /** @type {{ users: { username: string, name: string }[] }} */
        const data = await response.json();
        list.replaceChildren(...data.users
          .filter((u) => !prefix.includes(u.username))
          .map((u) => {
            const option = document.createElement("option");
            option.value = [...prefix, u.username].join(", ");
            option.label = u.name;
            return option;
          }));
      }, 150);
    });
  });
})();
