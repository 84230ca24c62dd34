/* A WebSocket that reconnects by itself with back-off and shows its state in #connection. */
"use strict";
(function () {
  const LABELS = { connecting: "connecting…", online: "live", offline: "reconnecting…", closed: "disconnected" };
  const STYLES = { connecting: "text-bg-secondary", online: "text-bg-success", offline: "text-bg-warning", closed: "text-bg-danger" };

  class UChatSocket {
    constructor(path, handlers) {
      this.url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
      this.handlers = handlers;
      this.attempt = 0;
      this.opened = 0;
      this.closedForGood = false;
      // The page's main socket shows its state in #connection; helper sockets pass indicator: null.
      this.indicator = document.getElementById(handlers.indicator === undefined ? "connection" : handlers.indicator);
      this.connect();
      setInterval(() => this.send({ type: "ping" }), 30000);
    }

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
        try { frame = JSON.parse(event.data); } catch (e) { return; }
        this.handlers.onFrame(frame);
      };
      ws.onclose = (event) => {
        if (this.ws !== ws) return;
        if (event.code === 4403 || this.closedForGood) {
          this.closedForGood = true;
          this.setState("closed");
          if (this.handlers.onClosedForGood) this.handlers.onClosedForGood();
          return;
        }
        this.setState("offline");
        const delay = Math.min(30000, 500 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
        this.attempt += 1;
        setTimeout(() => this.connect(), delay);
      };
    }

    isOpen() { return this.ws && this.ws.readyState === WebSocket.OPEN; }

    send(frame) {
      if (!this.isOpen()) return false;
      this.ws.send(JSON.stringify(frame));
      return true;
    }
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  }

  window.UChat = { Socket: UChatSocket, newClientId };
})();
