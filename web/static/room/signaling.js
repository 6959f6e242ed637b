// The signaling socket: JSON frames, automatic reconnection with backoff, and a clock offset.

const FATAL_CODES = new Set([4401, 4403, 4404, 4409]);

export class Signaling extends EventTarget {
  constructor(path, tab) {
    super();
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}?tab=${tab}`;
    this.ws = null;
    this.attempt = 0;
    this.closedForGood = false;
    this.clockOffset = 0; // server time minus local time, in ms
    this.pingTimer = null;
    this.restarting = false; // the last drop was the server restarting (close code 1012)
    // Frames are handed on in order, each once `ready` settles: the page opens the socket while
    // the camera starts, and handles the room only when it has media to offer.
    this.ready = Promise.resolve();
    this.inbox = Promise.resolve();
  }

  // `early`: the first socket, opened as the page loaded (room/start.js), with the frames it
  // received and how it closed, if it did, before this took it over.
  connect(early = null) {
    const ws = early ? early.socket : new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.emit("open");
      this.pingTimer = setInterval(() => this.send({ type: "ping", t: Date.now() }), 10000);
    };
    ws.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      if (message.type === "pong") {
        const now = Date.now();
        this.clockOffset = message.server_time - (message.t + now) / 2;
      } else if (message.type === "welcome") {
        this.clockOffset = message.server_time - Date.now();
      }
      this.inbox = this.inbox
        .then(() => this.ready)
        .then(() => this.emit(message.type, message))
        .catch((error) => console.error("room frame", message.type, error));
    };
    ws.onclose = (event) => {
      clearInterval(this.pingTimer);
      if (this.ws !== ws) return;
      if (FATAL_CODES.has(event.code) || this.closedForGood) {
        this.emit("closed", { code: event.code, reason: event.reason });
        return;
      }
      // 1012 "service restart": this worker is stopping; the next connection finds another.
      if (this.attempt === 0) this.restarting = event.code === 1012;
      this.scheduleReconnect();
    };
    if (early) {
      if (early.opened) ws.onopen();
      for (const event of early.frames) ws.onmessage(event);
      if (early.closed) ws.onclose(early.closed);
    }
  }

  scheduleReconnect() {
    this.attempt += 1;
    // 0.25 s, 0.5 s, 1 s, 2 s ... capped at 8 s, with jitter so a restarted server is not stampeded.
    const delay = Math.min(8000, 250 * 2 ** (this.attempt - 1)) * (0.75 + Math.random() * 0.5);
    this.emit("reconnecting", { attempt: this.attempt, delay, restarting: this.restarting });
    setTimeout(() => this.connect(), delay);
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  serverNow() {
    return Date.now() + this.clockOffset;
  }

  close() {
    this.closedForGood = true;
    if (this.ws) this.ws.close();
  }

  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
