// The installable app on every page: registers the service worker (/sw.js, static/js/sw.js),
// and the user menu's "Notify me on this device" (Web Push): asks the browser's permission,
// subscribes with the site's key (GET /api/push/key), posts the subscription
// (POST /api/push/subscriptions); "Stop notifications on this device" unsubscribes and
// deletes it. The item stays hidden where the browser has no PushManager.

/**
 * The bytes of a base64url text (an applicationServerKey).
 * @param {string} text
 * @returns {Uint8Array<ArrayBuffer>}
 */
export function base64UrlBytes(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * What the server stores of a subscription (PushSubscription.toJSON()'s endpoint and keys).
 * @param {{endpoint?: string, keys?: Record<string, string>}} json
 * @returns {{endpoint: string, keys: {p256dh: string, auth: string}} | null}
 */
export function subscriptionBody(json) {
  const keys = json.keys || {};
  if (!json.endpoint || !keys.p256dh || !keys.auth) return null;
  return { endpoint: json.endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } };
}

/** @param {boolean} on */
export function toggleLabel(on) {
  return on ? "Stop notifications on this device" : "Notify me on this device";
}

function csrfToken() {
  const input = document.querySelector("[name=csrfmiddlewaretoken]");
  return input instanceof HTMLInputElement ? input.value : "";
}

/**
 * @param {string} method
 * @param {unknown} body
 */
async function api(method, body) {
  const response = await fetch("/api/push/subscriptions", {
    method,
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  if (!response.ok && response.status !== 404) throw new Error(`push subscriptions: ${response.status}`);
}

/** @param {ServiceWorkerRegistration} registration */
async function subscribe(registration) {
  const permission = await Notification.requestPermission();
  if (permission === "denied") throw new Error("Notifications are blocked for this site: allow them in the browser's site settings.");
  if (permission !== "granted") return false;
  const answer = await fetch("/api/push/key", { credentials: "same-origin" });
  if (!answer.ok) throw new Error(`push key: ${answer.status}`);
  const { public_key: key } = await answer.json();
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: base64UrlBytes(key),
  });
  const body = subscriptionBody(subscription.toJSON());
  if (!body) throw new Error("the browser gave no subscription keys");
  await api("POST", body);
  return true;
}

/** @param {ServiceWorkerRegistration} registration */
async function unsubscribe(registration) {
  const subscription = await registration.pushManager.getSubscription();
  if (!subscription) return;
  await api("DELETE", { endpoint: subscription.endpoint });
  await subscription.unsubscribe();
}

/**
 * @param {HTMLButtonElement} button
 * @param {boolean} on
 */
function show(button, on) {
  const label = button.querySelector("[data-push-label]");
  if (label) label.textContent = toggleLabel(on);
  button.setAttribute("aria-pressed", String(on));
}

/** @param {ServiceWorkerRegistration} registration */
async function wireToggle(registration) {
  const button = document.getElementById("push-toggle");
  if (!(button instanceof HTMLButtonElement) || !("PushManager" in window) || !("Notification" in window)) return;
  const item = button.closest("li");
  if (item) item.hidden = false;
  let on = Notification.permission === "granted" && (await registration.pushManager.getSubscription()) !== null;
  show(button, on);
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.removeAttribute("title");
    try {
      if (on) await unsubscribe(registration);
      on = on ? false : await subscribe(registration);
    } catch (error) {
      button.title = error instanceof Error ? error.message : String(error);
    } finally {
      button.disabled = false;
      show(button, on);
    }
  });
}

if (typeof navigator !== "undefined" && "serviceWorker" in navigator && window.isSecureContext) {
  navigator.serviceWorker
    .register("/sw.js", { scope: "/" })
    .then(() => navigator.serviceWorker.ready)
    .then(wireToggle)
    .catch(() => {}); // no worker (a private window, a policy): the site works as before
}
