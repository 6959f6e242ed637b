// The live room: joins the signaling socket, builds the mesh, and keeps the page in step.

import { Signaling } from "room/signaling";
import { LocalMedia } from "room/media";
import { Peer } from "room/mesh";
import { measure, grade } from "room/stats";
import { renderTiles, renderPhase, renderControls, addChat, showBanner, formatLeft } from "room/view";
import { RecorderLink, RECORDER_ID } from "room/recorder";
import { renderRecording, wireRecording } from "room/consent";

const start = window.roomStart; // the socket and the camera, started as the page opened
const config = start.config;
const media = new LocalMedia();
const signaling = new Signaling(config.wsPath, start.tab);
const peers = new Map();
const samples = new Map();
let me = null;
let state = null;
let iceServers = [];
let certificates = []; // one DTLS certificate for all of this page's connections, made early
let fatal = false;
let recorder = null; // the link to the hidden recorder while a consented recording runs
const statusEl = document.querySelector("[data-testid=room-status]");
const send = (message) => signaling.send(message);

window.__room = { peers, media, signaling, state: () => state, recorder: () => recorder };

// Follow the room's recording: connect to the recorder (afresh if it restarted or the link
// failed: it cannot restart ICE), send audio only while allowed, and hang up when it stops.
function syncRecorder() {
  const rec = state && state.recording;
  const peer = rec ? rec.peer : null;
  if (recorder && (!peer || recorder.instance !== peer.instance || recorder.failed())) {
    recorder.close();
    recorder = null;
  }
  if (peer && !recorder) recorder = new RecorderLink({ peer, iceServers, send, media });
  if (recorder) recorder.gate(!!rec.send && media.micOn).catch((error) => console.warn("recorder", error));
}

// `first`: this browser makes the first offer (the person was already here when it joined).
function ensurePeer(id, first = false) {
  let peer = peers.get(id);
  if (!peer) {
    peer = new Peer({
      id, polite: me.id < id, offer: first, iceServers, certificates, send, media,
      onTrack: () => draw(),
      onChange: () => updateStatus(),
      onBroken: (broken, signal) => {
        if (peers.get(id) === broken) dropPeer(id);
        return ensurePeer(id).handle(signal);
      },
    });
    peers.set(id, peer);
  }
  return peer;
}

function dropPeer(id) {
  const peer = peers.get(id);
  if (peer) { peer.close(); peers.delete(id); samples.delete(id); }
}

let noticeSeen = null;

function announce(next) {
  const latest = next.notices[next.notices.length - 1];
  if (noticeSeen === null) noticeSeen = latest ? latest.id : 0;
  else if (latest && latest.id > noticeSeen) {
    noticeSeen = latest.id;
    showBanner(`Message from ${latest.from}: ${latest.text}`, "info");
  }
  if (next.phase === "ended" && (!state || state.phase !== "ended")) {
    showBanner("The role play has ended. Thank you; the coach will be in touch with feedback.", "info");
  }
}

// A person who drops off the signaling socket keeps their peer connection for a while: media
// flows browser to browser, so a short signaling outage need not interrupt the role play.
const ABSENCE_GRACE_MS = 20000;
const absentSince = new Map();
const peerTabs = new Map();

function applyState(next, welcome = false) {
  announce(next);
  state = next;
  const present = new Map(state.people.filter((p) => p.present && p.id !== me.id).map((p) => [p.id, p]));
  for (const id of [...peers.keys()]) {
    const person = present.get(id);
    if (!person) {
      if (!absentSince.has(id)) absentSince.set(id, Date.now());
      continue;
    }
    absentSince.delete(id);
    // Back from a fresh page load: their side of the old connection is gone.
    if (peerTabs.get(id) && person.tab && peerTabs.get(id) !== person.tab) dropPeer(id);
  }
  for (const [id, person] of present) {
    peerTabs.set(id, person.tab);
    const peer = ensurePeer(id, welcome);
    const allowed = !!state.media_to[String(id)];
    peer.gate({ audio: allowed, video: allowed && !person.audio_only });
  }
  syncRecorder();
  draw();
}

function forgetAbsent() {
  for (const [id, since] of absentSince) {
    if (Date.now() - since > ABSENCE_GRACE_MS) {
      dropPeer(id);
      absentSince.delete(id);
      peerTabs.delete(id);
    }
  }
}

function draw() {
  if (!state) return;
  renderTiles(state, me.id, peers, media.stream);
  renderPhase(state, me);
  renderControls(state, me, send);
  renderRecording(state, me);
  updateStatus();
}

function updateStatus() {
  let status;
  if (fatal) status = "closed";
  else if (!signaling.ws || signaling.ws.readyState !== WebSocket.OPEN || !state) status = me ? "reconnecting" : "connecting";
  else {
    const others = state.people.filter((p) => p.present && p.id !== me.id);
    if (!others.length) status = "waiting";
    else status = others.every((p) => peers.get(p.id)?.connected()) ? "connected" : "connecting";
  }
  if (statusEl.textContent !== status) statusEl.textContent = status;
  statusEl.dataset.status = status;
}

function tick() {
  forgetAbsent();
  if (recorder && recorder.failed()) syncRecorder();
  if (state) {
    const left = state.deadline - signaling.serverNow();
    document.querySelector("[data-testid=timer]").textContent = state.phase === "ended" ? "--:--" : formatLeft(left);
  }
  for (const [id, peer] of peers) {
    const receiver = peer.pc.getReceivers().find((r) => r.track && r.track.kind === "audio");
    const level = receiver && receiver.getSynchronizationSources ? (receiver.getSynchronizationSources()[0]?.audioLevel || 0) : 0;
    document.querySelector(`[data-person="${id}"]`)?.classList.toggle("speaking", level > 0.03);
  }
}

let reportTurn = 0;
async function sampleQuality() {
  let worst = null;
  for (const [id, peer] of peers) {
    if (!peer.connected()) continue;
    const sample = await measure(peer, samples.get(id));
    samples.set(id, sample);
    const tile = document.querySelector(`[data-person="${id}"] .quality`);
    if (tile && sample.kbps !== null) tile.title = `${Math.round(sample.rtt ?? 0)} ms, ${sample.lossPct?.toFixed(1)}% loss, ${Math.round(sample.kbps)} kbit/s${sample.relayed ? ", relayed" : ""}`;
    if (!worst || grade(sample) === "poor" || (sample.rtt ?? 0) > (worst.rtt ?? 0)) worst = sample;
  }
  reportTurn = (reportTurn + 1) % 3;
  if (worst && reportTurn === 0) send({ type: "quality.report", rtt_ms: worst.rtt, loss_pct: worst.lossPct });
}

function wireControls() {
  const toggle = (id, apply, on, off) => {
    const button = document.getElementById(id);
    button.onclick = () => {
      const pressed = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", String(pressed));
      button.textContent = pressed ? on : off;
      apply(pressed);
    };
  };
  toggle("mic", (p) => media.setMic(!p), "Unmute", "Mute");
  toggle("cam", (p) => media.setCam(!p), "Camera on", "Camera off");
  toggle("audio-only", (p) => media.setAudioOnly(p), "Video on", "Audio only");
  toggle("low-bandwidth", (p) => media.setLowBandwidth(p), "Normal connection", "Weak connection");
  media.addEventListener("change", () => {
    send(media.state());
    if (state) applyState(state);
  });
  document.getElementById("help").onclick = () => send({ type: "help.request", text: "" });
  document.getElementById("advance").onclick = () => send({ type: "phase.advance" });
  document.getElementById("extend").onclick = () => send({ type: "phase.extend", minutes: 5 });
  document.getElementById("caucus-open").onclick = () => {
    const chosen = [...document.querySelectorAll("#caucus-choices input:checked")].map((i) => Number(i.value));
    if (!chosen.length) { showBanner("Tick the party (or parties) to meet in caucus.", "error"); return; }
    send({ type: "caucus.open", with: chosen });
  };
  document.getElementById("caucus-close").onclick = () => send({ type: "caucus.close" });
  document.getElementById("chat-form").onsubmit = (event) => {
    event.preventDefault();
    const input = document.getElementById("chat-text");
    if (input.value.trim() && send({ type: "chat.send", text: input.value })) input.value = "";
  };
}

signaling.addEventListener("welcome", ({ detail }) => {
  const reconnect = me !== null;
  me = detail.you;
  iceServers = detail.ice_servers;
  if (!reconnect) for (const message of detail.state.chat) addChat(message, me.id);
  showBanner(media.error || "", media.error ? "error" : "info");
  send(media.state());
  applyState(detail.state, true);
  if (reconnect) for (const peer of peers.values()) peer.restartIce();
});
signaling.addEventListener("state", ({ detail }) => applyState(detail.state));
signaling.addEventListener("signal", ({ detail }) => {
  if (detail.from !== RECORDER_ID) ensurePeer(detail.from).handle(detail);
  else if (recorder) recorder.handle(detail).catch((error) => console.warn("recorder", error));
});
signaling.addEventListener("chat", ({ detail }) => addChat(detail.message, me.id));
signaling.addEventListener("error", ({ detail }) => {
  if (detail.fatal) { fatal = true; showBanner(detail.message, "error"); }
  else if (detail.code === "not_present") console.warn("signal not delivered:", detail.message);
  else showBanner(detail.message, "error");
  updateStatus();
});
signaling.addEventListener("reconnecting", ({ detail }) => {
  const why = detail.restarting ? "The server is restarting; reconnecting" : "Reconnecting";
  showBanner(`${why}… (attempt ${detail.attempt})`, "warning");
  updateStatus();
});
signaling.addEventListener("open", () => updateStatus());
signaling.addEventListener("reconnect", () => showBanner("The server is restarting; reconnecting…", "warning"));
signaling.addEventListener("closed", () => { fatal = true; updateStatus(); });

function wireNotes() {
  const form = document.getElementById("room-note");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = document.getElementById("room-note-text");
    if (!text.value.trim()) return;
    const trainee = document.getElementById("room-note-trainee").value;
    const response = await fetch(`/api/sessions/${config.sessionId}/notes`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf, Accept: "application/json" },
      body: JSON.stringify({
        text: text.value,
        criterion: document.getElementById("room-note-criterion").value || null,
        trainee: trainee ? Number(trainee) : null,
        phase: state ? state.phase : null,
      }),
    });
    if (!response.ok) { showBanner("The note was not saved; try again.", "error"); return; }
    const note = await response.json();
    const item = document.createElement("li");
    const minutes = String(Math.floor(note.at_seconds / 60)).padStart(2, "0");
    const seconds = String(note.at_seconds % 60).padStart(2, "0");
    item.textContent = `${minutes}:${seconds} · ${note.phase || "—"} · ${note.text}`;
    document.getElementById("room-notes").prepend(item);
    text.value = "";
  });
}

wireControls();
wireRecording(send);
wireNotes();
// Frames wait for the camera (and the certificate), not the reverse.
signaling.ready = Promise.all([
  media.start(start.media),
  start.certificate.then((made) => { certificates = [made]; }, () => {}),
]);
signaling.connect(start);
await signaling.ready;
setInterval(tick, 250);
setInterval(sampleQuality, 2000);
