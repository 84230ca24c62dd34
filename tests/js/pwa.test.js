// The installable app's pure parts: the page's push helpers (static/js/pwa.js) and the service
// worker's rules (static/js/sw.js, run in a sandbox with a stand-in for its global scope).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import vm from "node:vm";

import { base64UrlBytes, subscriptionBody, toggleLabel } from "../../static/js/pwa.js";

const ORIGIN = "https://chat.example.com";

function loadWorker() {
  const listeners = {};
  const scope = {
    UCHAT_SW: { version: "v1", offline: "/offline/", static: "/static/", shell: ["/offline/"] },
    location: { origin: ORIGIN },
    addEventListener: (type, handler) => {
      listeners[type] = handler;
    },
  };
  const offlinePage = { offline: true };
  const context = {
    self: scope,
    URL,
    Response: { error: () => ({ error: true }) },
    fetch: () => Promise.reject(new TypeError("offline")),
    caches: { match: (url) => Promise.resolve(url === "/offline/" ? offlinePage : undefined) },
  };
  vm.runInNewContext(readFileSync(new URL("../../static/js/sw.js", import.meta.url), "utf8"), context);
  return { worker: scope.uchatWorker, listeners, offlinePage };
}

const request = (path, extra = {}) => ({ method: "GET", url: ORIGIN + path, mode: "cors", ...extra });

describe("pwa.js", () => {
  it("decodes a base64url key, padding or not", () => {
    assert.deepEqual([...base64UrlBytes("AQID_-8")], [1, 2, 3, 255, 239]);
    assert.equal(base64UrlBytes("BIjxqQfm8fsLWPtr_qNORVvTa80PKiWbb0rQ-hwiYnHBBeq4NcTkSNw0e_9yViZ9zgFRs752SHk4RRL0YVknNd4").length, 65);
  });

  it("posts only the endpoint and the two keys, and nothing without them", () => {
    const json = { endpoint: "https://fcm.googleapis.com/x", expirationTime: null, keys: { p256dh: "p", auth: "a" } };
    assert.deepEqual(subscriptionBody(json), { endpoint: json.endpoint, keys: { p256dh: "p", auth: "a" } });
    assert.equal(subscriptionBody({ endpoint: "https://x", keys: { p256dh: "p" } }), null);
    assert.equal(toggleLabel(false), "Notify me on this device");
    assert.equal(toggleLabel(true), "Stop notifications on this device");
  });
});

describe("sw.js", () => {
  it("caches static files and icons only: never pages, the API or uploads", () => {
    const { worker } = loadWorker();
    assert.equal(worker.cacheable(request("/static/css/uchat.css"), ORIGIN), true);
    assert.equal(worker.cacheable(request("/icons/icon-192.png"), ORIGIN), true);
    for (const path of ["/api/rooms", "/conversations/4/", "/", "/notifications/", "/rooms/attachments/3/"]) {
      assert.equal(worker.cacheable(request(path), ORIGIN), false, path);
    }
    assert.equal(worker.cacheable(request("/static/x.css", { method: "POST" }), ORIGIN), false);
    assert.equal(worker.cacheable({ method: "GET", url: "https://cdn.example.net/static/x.css" }, ORIGIN), false);
  });

  it("leaves API requests to the network, and shows the offline page when a page cannot load", async () => {
    const { listeners, offlinePage } = loadWorker();
    let answered = null;
    listeners.fetch({ request: request("/api/rooms"), respondWith: (p) => (answered = p) });
    assert.equal(answered, null);
    listeners.fetch({ request: request("/accounts/logout/", { mode: "navigate", method: "POST" }), respondWith: (p) => (answered = p) });
    assert.equal(answered, null);
    listeners.fetch({ request: request("/conversations/4/", { mode: "navigate" }), respondWith: (p) => (answered = p) });
    assert.equal(await answered, offlinePage);
  });

  it("reads a push, keeping its address on the site", () => {
    const { worker } = loadWorker();
    const shown = worker.readPush(JSON.stringify({ title: "Ana", body: "hi", url: "/conversations/4/", tag: "conversation-4" }), ORIGIN);
    assert.deepEqual({ ...shown }, { title: "Ana", body: "hi", url: `${ORIGIN}/conversations/4/`, tag: "conversation-4" });
    assert.equal(worker.readPush(JSON.stringify({ title: "x", url: "https://evil.example/" }), ORIGIN).url, `${ORIGIN}/`);
    assert.equal(worker.readPush(JSON.stringify({ title: "x", url: "//evil.example/a" }), ORIGIN).url, `${ORIGIN}/`);
    assert.equal(worker.readPush("not json", ORIGIN), null);
    assert.equal(worker.readPush("{}", ORIGIN), null);
  });
});
