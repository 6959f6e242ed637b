// The room's first moments. This classic script runs inline at the top of the room page, before
// its stylesheets and modules load: the camera and microphone start and the signaling socket
// opens at once, so both are ready by the time room/main.js runs and takes them over through
// `window.roomStart`. Frames that arrive before then are kept, in order.
"use strict";
(() => {
  const config = JSON.parse(document.getElementById("room-config").textContent);
  const tab = Math.random().toString(36).slice(2, 10);
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}${config.wsPath}?tab=${tab}`);
  const start = { config, tab, socket, opened: false, frames: [], closed: null, media: null };
  socket.onopen = () => { start.opened = true; };
  socket.onmessage = (event) => start.frames.push(event);
  socket.onclose = (event) => { start.closed = event; };
  const devices = navigator.mediaDevices;
  start.media = devices && devices.getUserMedia
    ? devices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true },
      video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } },
    })
    : Promise.reject(new DOMException("This browser gives pages no camera or microphone.", "NotSupportedError"));
  start.media.catch(() => {}); // room/main.js reports it
  // One DTLS certificate for every peer connection of the page, instead of one made for each.
  start.certificate = window.RTCPeerConnection
    ? RTCPeerConnection.generateCertificate({ name: "ECDSA", namedCurve: "P-256" })
    : Promise.reject(new DOMException("This browser has no WebRTC.", "NotSupportedError"));
  start.certificate.catch(() => {});
  window.roomStart = start;
})();
