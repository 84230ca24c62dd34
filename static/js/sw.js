// The service worker (a classic script): served at /sw.js by uchat/pwa.py, which puts its
// settings first (self.UCHAT_SW: the version, the app shell's URLs, the offline page, the
// static prefix), so that its scope is the whole site.
//
// What it keeps: the app shell (the offline page and what it needs) when it installs, and
// static files (cache-first: their URLs change with a deploy's version, which replaces the
// cache). What it never keeps: pages, API answers, uploads, anything with someone's messages.
// Pages always go to the network; only when the network fails does the offline page show.
//
// It also shows Web Push notifications (notifications/push.py sends them) and, on a click,
// brings an open uchat tab forward at the notification's address (or opens one).
(function () {
  "use strict";

  /**
   * @typedef {{version: string, offline: string, static: string, shell: string[]}} Config
   * @typedef {{waitUntil(promise: Promise<unknown>): void}} Extendable
   * @typedef {Extendable & {request: Request, respondWith(response: Promise<Response>): void}} FetchLike
   * @typedef {Extendable & {data: {text(): string} | null}} PushLike
   * @typedef {{data: unknown, close(): void}} ShownNotification
   * @typedef {Extendable & {notification: ShownNotification}} ClickLike
   * @typedef {{url: string, focused?: boolean, focus(): Promise<unknown>, navigate?(url: string): Promise<unknown>}} WindowLike
   * @typedef {{title: string, body: string, url: string, tag: string}} Shown
   */

  /** @type {any} the worker's global scope (its types are not the page's) */
  const scope = self;
  /** @type {Config} */
  const config = scope.UCHAT_SW;
  const CACHE = `uchat-shell-${config.version}`;
  const ICON = "/icons/icon-192.png";

  /**
   * What a push says, from its JSON (notifications.push.push_payload); null when it is not
   * ours to show. The address stays on this site.
   * @param {string} text
   * @param {string} origin
   * @returns {Shown | null}
   */
  function readPush(text, origin) {
    /** @type {any} */
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      return null;
    }
    if (!data || typeof data.title !== "string") return null;
    return {
      title: data.title,
      body: typeof data.body === "string" ? data.body : "",
      url: sameOrigin(typeof data.url === "string" ? data.url : "/", origin),
      tag: typeof data.tag === "string" ? data.tag : "",
    };
  }

  /**
   * @param {string} url
   * @param {string} origin
   * @returns {string} the absolute address, or the site's root when it leaves the site
   */
  function sameOrigin(url, origin) {
    try {
      const parsed = new URL(url, origin);
      return parsed.origin === origin ? parsed.href : `${origin}/`;
    } catch {
      return `${origin}/`;
    }
  }

  /**
   * Whether a request may be answered from the cache (and stored in it): GET of a static file
   * of this site, or one of the shell's own URLs. Never a page, the API or an upload.
   * @param {Request} request
   * @param {string} origin
   */
  function cacheable(request, origin) {
    if (request.method !== "GET") return false;
    const url = new URL(request.url);
    if (url.origin !== origin) return false;
    return url.pathname.startsWith(config.static) || url.pathname.startsWith("/icons/");
  }

  scope.addEventListener("install", (/** @type {Extendable} */ event) => {
    event.waitUntil(
      caches
        .open(CACHE)
        .then((cache) => cache.addAll(config.shell.map((url) => new Request(url, { cache: "reload", credentials: "omit" }))))
        .then(() => scope.skipWaiting()),
    );
  });

  scope.addEventListener("activate", (/** @type {Extendable} */ event) => {
    event.waitUntil(
      caches
        .keys()
        .then((names) => Promise.all(names.filter((name) => name.startsWith("uchat-shell-") && name !== CACHE).map((name) => caches.delete(name))))
        .then(() => scope.clients.claim()),
    );
  });

  scope.addEventListener("fetch", (/** @type {FetchLike} */ event) => {
    const request = event.request;
    const origin = scope.location.origin;
    if (request.method !== "GET") return; // forms and API writes: the browser's own way
    if (request.mode === "navigate") {
      // The network always; the offline page only when it fails (never a stored page).
      event.respondWith(
        fetch(request).catch(() => caches.match(config.offline).then((page) => page || Response.error())),
      );
      return;
    }
    if (!cacheable(request, origin)) return; // the browser's own way: the network
    event.respondWith(
      caches.open(CACHE).then((cache) =>
        cache.match(request).then(
          (hit) =>
            hit ||
            fetch(request).then((response) => {
              if (response.ok && response.type === "basic") cache.put(request, response.clone());
              return response;
            }),
        ),
      ),
    );
  });

  scope.addEventListener("push", (/** @type {PushLike} */ event) => {
    const shown = event.data ? readPush(event.data.text(), scope.location.origin) : null;
    if (!shown) return;
    event.waitUntil(
      scope.registration.showNotification(shown.title, {
        body: shown.body,
        icon: ICON,
        badge: ICON,
        tag: shown.tag || undefined,
        data: { url: shown.url },
      }),
    );
  });

  scope.addEventListener("notificationclick", (/** @type {ClickLike} */ event) => {
    event.notification.close();
    const data = /** @type {{url?: unknown} | null} */ (event.notification.data);
    const origin = scope.location.origin;
    const url = sameOrigin(typeof data?.url === "string" ? data.url : "/", origin);
    event.waitUntil(
      scope.clients.matchAll({ type: "window", includeUncontrolled: true }).then((/** @type {WindowLike[]} */ windows) => {
        const open = windows.filter((client) => new URL(client.url).origin === origin);
        const tab = open.find((client) => client.focused) || open[0];
        if (!tab) return scope.clients.openWindow(url);
        return tab
          .focus()
          .then(() => (tab.url !== url && tab.navigate ? tab.navigate(url) : null))
          .catch(() => null); // a tab this worker does not control cannot be navigated
      }),
    );
  });

  scope.uchatWorker = { readPush, sameOrigin, cacheable }; // for tests/js
})();
