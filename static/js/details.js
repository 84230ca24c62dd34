/* The details panel beside a conversation: collapsed on wide screens (remembered), a panel that
   slides in on narrow ones (Bootstrap's offcanvas). */
const shell = document.getElementById("app-shell");
const detailsToggle = document.getElementById("details-toggle");
const details = document.getElementById("details");
if (shell && detailsToggle && details) {
  const wide = window.matchMedia("(min-width: 992px)");
  /** @param {boolean} collapsed */
  const setCollapsed = (collapsed) => {
    shell.classList.toggle("details-collapsed", collapsed);
    detailsToggle.setAttribute("aria-expanded", collapsed ? "false" : "true");
  };
  setCollapsed(!wide.matches || localStorage.getItem("uchat-details") === "closed");
  detailsToggle.addEventListener("click", () => {
    if (wide.matches) {
      const collapse = !shell.classList.contains("details-collapsed");
      setCollapsed(collapse);
      localStorage.setItem("uchat-details", collapse ? "closed" : "open");
    } else {
      /** @type {any} */ (window).bootstrap.Offcanvas.getOrCreateInstance(details).toggle();
    }
  });
  details.addEventListener("show.bs.offcanvas", () => detailsToggle.setAttribute("aria-expanded", "true"));
  details.addEventListener("hidden.bs.offcanvas", () => detailsToggle.setAttribute("aria-expanded", "false"));
}
