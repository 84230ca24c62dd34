/* The live-chat widget's loader: a classic script a website embeds with
   <script src="https://<uchat>/widget/<key>.js" async></script>. The server wraps this file
   and calls uchatWidget(config) with the widget's public settings (widget/views.py).
   It draws the launcher button in a shadow root (the page's CSS cannot reach it),
   opens the chat in an <iframe> served by uchat, and carries the one call the frame cannot
   make itself: opening a session, which must come from the website's own origin (the server
   checks it, and refuses the frame to websites the widget does not list). It holds no
   secret and checks nothing: the server enforces. */
/* exported uchatWidget */

/**
 * @param {{key: string, name: string, greeting: string, color: string, pre_chat_form: boolean}} config
 */
function uchatWidget(config) {
  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  const base = new URL(script ? script.src : "/", location.href).origin;
  const api = `${base}/api/widget/${encodeURIComponent(config.key)}/sessions`;
  const frameUrl = `${base}/widget/${encodeURIComponent(config.key)}/frame/`;
  const MSG = "uchat-widget:";

  const host = document.createElement("div");
  host.setAttribute("data-uchat-widget", config.key);
  const root = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = `
    :host { all: initial; }
    .launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483646; width: 56px;
      height: 56px; border-radius: 50%; border: 0; cursor: pointer; color: #fff;
      background: var(--c); box-shadow: 0 4px 14px rgba(0,0,0,.25); display: grid;
      place-items: center; transition: transform .15s; }
    .launcher:hover { transform: scale(1.06); }
    .launcher:focus-visible { outline: 3px solid #1d9bd1; outline-offset: 3px; }
    .panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483647; width: 380px;
      height: min(600px, calc(100vh - 108px)); border: 0; border-radius: 14px; overflow: hidden;
      box-shadow: 0 10px 40px rgba(0,0,0,.3); background: transparent; }
    .panel[hidden] { display: none; }
    @media (max-width: 480px) {
      .panel { right: 0; bottom: 0; width: 100vw; height: 100%; border-radius: 0; }
      .open .launcher { display: none; }
    }`;
  const wrap = document.createElement("div");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "launcher";
  button.style.setProperty("--c", config.color);
  button.setAttribute("aria-label", `Open the chat: ${config.name}`);
  button.setAttribute("aria-expanded", "false");
  const chatIcon =
    '<svg width="26" height="26" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M7.9 20A9 9 0 1 0 4 16.1L2 22Z"/></svg>';
  const closeIcon =
    '<svg width="24" height="24" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><path d="M18 6 6 18M6 6l12 12"/></svg>';
  button.innerHTML = chatIcon;
  wrap.append(button);
  root.append(style, wrap);

  /** @type {HTMLIFrameElement | null} */
  let frame = null;

  /** @param {boolean} open */
  function show(open) {
    if (open && !frame) {
      frame = document.createElement("iframe");
      frame.className = "panel";
      frame.title = config.name;
      frame.src = frameUrl;
      frame.setAttribute("allow", "clipboard-write");
      wrap.append(frame);
    }
    if (frame) frame.hidden = !open;
    wrap.classList.toggle("open", open);
    button.innerHTML = open ? closeIcon : chatIcon;
    button.setAttribute("aria-expanded", String(open));
    button.setAttribute("aria-label", open ? "Close the chat" : `Open the chat: ${config.name}`);
    if (open && frame && frame.contentWindow) frame.contentWindow.postMessage({ type: `${MSG}opened` }, base);
  }

  button.addEventListener("click", () => show(!frame || frame.hidden));

  /** @param {Record<string, unknown>} answer */
  function reply(answer) {
    if (frame && frame.contentWindow) frame.contentWindow.postMessage({ type: `${MSG}session`, ...answer }, base);
  }

  /** @param {{name?: unknown, email?: unknown, website?: unknown}} form */
  async function sessionOpen(form) {
    const body = {
      name: String(form.name || ""),
      email: String(form.email || ""),
      website: String(form.website || ""),
      page: location.href,
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "",
    };
    try {
      const response = await fetch(api, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        credentials: "omit",
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        reply({ error: (data && data.error) || "The chat could not start.", status: response.status });
        return;
      }
      reply({ token: data.token, ticket: data.ticket, conversation: data.conversation });
    } catch {
      reply({ error: "The chat could not start: no connection.", status: 0 });
    }
  }

  window.addEventListener("message", (event) => {
    if (!frame || event.source !== frame.contentWindow || event.origin !== base) return;
    const data = event.data || {};
    if (data.type === `${MSG}session-request`) sessionOpen(data);
    else if (data.type === `${MSG}close`) show(false);
  });

  (document.body || document.documentElement).append(host);
}
