/* A WebSocket that reconnects by itself with back-off and shows its state in #connection.
   A session that ended (log-out elsewhere, a password change, deactivation) stops it: the
   server closes with 4401, and a handshake it refuses says nothing more (1006), so after
   either the socket asks the log-in page whether this browser is still signed in before it
   tries again; signed out, it stops and the page says so (notice.js). */
import { CLOSE, FRAME } from "./protocol.js";
import { sessionEnded } from "./notice.js";

const LABELS = { connecting: "connecting…", online: "live", offline: "reconnecting…", closed: "disconnected", ended: "signed out" };
const STYLES = { connecting: "text-bg-secondary", online: "text-bg-success", offline: "text-bg-warning", closed: "text-bg-danger", ended: "text-bg-danger" };

/** The log-in page: it answers a signed-in browser with a redirect, a signed-out one with its
    form (200). @returns {string} */
export function loginPath() {
  return "/accounts/login/";
}

/** Is this browser still signed in? false only when the log-in page shows its form; true when
    it redirects, and when it cannot say (the server is away: keep trying). @returns {Promise<boolean>} */
export async function stillSignedIn() {
  try {
    const response = await fetch(loginPath(), { credentials: "same-origin", redirect: "manual", cache: "no-store" });
    return response.type === "opaqueredirect" || response.status !== 200;
  } catch {
    return true;
  }
}

/**
 * @typedef {"connecting" | "online" | "offline" | "closed" | "ended"} SocketState
 * @typedef {{ type: string, [key: string]: any }} Frame
 * @typedef {object} SocketHandlers
 * @property {string | null} [indicator] the id of the element that shows the state (null: none)
 * @property {(frame: Frame) => void} onFrame
 * @property {(reconnected: boolean) => void} [onOpen]
 * @property {() => void} [onClosedForGood]
 */

export class Socket {
  /** @param {string} path @param {SocketHandlers} handlers */
  constructor(path, handlers) {
    this.url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
    this.handlers = handlers;
    this.attempt = 0;
    this.opened = 0;
    this.closedForGood = false;
    /** @type {SocketState} */
    this.state = "connecting";
    /** @type {WebSocket | null} */
    this.ws = null;
    // The page's main socket shows its state in #connection; helper sockets pass indicator: null.
    this.indicator = handlers.indicator === null ? null : document.getElementById(handlers.indicator || "connection");
    this.connect();
    setInterval(() => this.send({ type: FRAME.PING }), 30000);
  }

  /** @param {SocketState} state */
  setState(state) {
    this.state = state;
    if (!this.indicator) return;
    this.indicator.dataset.state = state;
    this.indicator.textContent = LABELS[state];
    this.indicator.className = "badge " + STYLES[state];
  }

  connect() {
    this.setState(this.opened ? "offline" : "connecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.opened += 1;
      this.setState("online");
      if (this.handlers.onOpen) this.handlers.onOpen(this.opened > 1);
    };
    ws.onmessage = (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      this.handlers.onFrame(frame);
    };
    let opened = false;
    ws.addEventListener("open", () => { opened = true; });
    ws.onclose = async (event) => {
      if (this.ws !== ws) return;
      if (event.code === CLOSE.FORBIDDEN || this.closedForGood) {
        this.closedForGood = true;
        this.setState("closed");
        if (this.handlers.onClosedForGood) this.handlers.onClosedForGood();
        return;
      }
      this.setState("offline");
      /* Access ended, or a handshake refused after this page had been live: signed out? */
      if ((event.code === CLOSE.REAUTHENTICATE || (!opened && this.opened)) && !(await stillSignedIn())) {
        this.endSession();
        return;
      }
      const delay = event.code === CLOSE.REAUTHENTICATE ? 0 : Math.min(30000, 500 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
      this.attempt += 1;
      setTimeout(() => this.connect(), delay);
    };
  }

  /** The browser's session ended: no more reconnecting; the page offers the log-in. */
  endSession() {
    this.closedForGood = true;
    this.setState("ended");
    sessionEnded(loginPath());
  }

  isOpen() { return Boolean(this.ws && this.ws.readyState === WebSocket.OPEN); }

  /** @param {Frame} frame @returns {boolean} false when it could not be sent (not connected) */
  send(frame) {
    if (!this.ws || !this.isOpen()) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }
}

/** An id for a frame the server answers (its acknowledgement carries it back). */
export function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
}
