// The connection check: send camera and microphone to the server's echo peer, measure what comes
// back with getStats, and store the figures (the server decides the verdict from them).

const config = JSON.parse(document.getElementById("check-config").textContent);
const startButton = document.getElementById("check-start");
const csrf = startButton.dataset.csrf;
const phaseEl = document.getElementById("check-phase");
const progressEl = document.getElementById("check-progress");
const verdictEl = document.getElementById("check-verdict");
const figureEl = (name) => document.querySelector(`[data-figure="${name}"]`);
const CONNECT_TIMEOUT_MS = 10000;
const GATHER_TIMEOUT_MS = 3000;

const check = (window.__check = { state: "idle", figures: null, result: null, attempts: 0 });

function setPhase(text, state) {
  phaseEl.textContent = text;
  check.state = state;
  document.body.dataset.check = state;
}

function showVideo(id, stream) {
  const video = document.getElementById(id);
  video.srcObject = stream;
  if (stream) video.parentElement.dataset.live = "";
  else delete video.parentElement.dataset.live;
}

async function getMedia() {
  try {
    return { stream: await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } } }), note: "" };
  } catch (error) {
    return { stream: await navigator.mediaDevices.getUserMedia({ audio: true }), note: "no camera was found, so only audio was checked" };
  }
}

function post(path, body) {
  return fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body),
  });
}

async function errorText(response) {
  try { return (await response.json()).error || `HTTP ${response.status}`; } catch { return `HTTP ${response.status}`; }
}

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { if (pc.iceGatheringState === "complete") resolve(); };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, GATHER_TIMEOUT_MS); // send what we have: host candidates come first
  });
}

function connected(pc) {
  return new Promise((resolve) => {
    const settle = () => {
      if (pc.connectionState === "connected") resolve(true);
      else if (pc.connectionState === "failed" || pc.connectionState === "closed") resolve(false);
    };
    pc.addEventListener("connectionstatechange", settle);
    setTimeout(() => resolve(pc.connectionState === "connected"), CONNECT_TIMEOUT_MS);
    settle();
  });
}

// A fresh peer connection for every run and every reconnection: aiortc cannot restart ICE.
async function connect(stream) {
  const pc = new RTCPeerConnection({ iceServers: config.iceServers });
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  const echoed = new MediaStream();
  pc.ontrack = ({ track }) => {
    echoed.addTrack(track);
    if (track.kind === "video") showVideo("echo-video", echoed);
  };
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const response = await post("/check/offer", { type: "offer", sdp: pc.localDescription.sdp });
  if (!response.ok) {
    pc.close();
    const error = new Error(await errorText(response));
    error.status = response.status;
    throw error;
  }
  await pc.setRemoteDescription(await response.json());
  return pc;
}

// One getStats reading, reduced to the counters the figures are computed from.
async function snapshot(pc) {
  const report = await pc.getStats();
  const byId = new Map();
  const out = { at: performance.now(), bytes: 0, received: 0, lost: 0, sent: 0, upLost: 0, jitter: null, rtt: null, relayed: false, hasPair: false };
  let audioJitter = null, videoJitter = null, pairId = null, remoteRtt = null;
  report.forEach((stat) => {
    byId.set(stat.id, stat);
    if (stat.type === "inbound-rtp") {
      out.bytes += stat.bytesReceived || 0;
      out.received += stat.packetsReceived || 0;
      out.lost += Math.max(0, stat.packetsLost || 0);
      if (stat.jitter !== undefined) {
        if (stat.kind === "audio") audioJitter = stat.jitter * 1000;
        else videoJitter = stat.jitter * 1000;
      }
    } else if (stat.type === "outbound-rtp") {
      out.sent += stat.packetsSent || 0;
    } else if (stat.type === "remote-inbound-rtp") {
      out.upLost += Math.max(0, stat.packetsLost || 0);
      if (stat.roundTripTime !== undefined) remoteRtt = stat.roundTripTime * 1000;
    } else if (stat.type === "transport" && stat.selectedCandidatePairId) {
      pairId = stat.selectedCandidatePairId;
    }
  });
  out.jitter = audioJitter ?? videoJitter;
  const pair = pairId ? byId.get(pairId) : [...byId.values()].find((s) => s.type === "candidate-pair" && s.nominated && s.state === "succeeded");
  if (pair) {
    out.hasPair = true;
    if (pair.currentRoundTripTime !== undefined) out.rtt = pair.currentRoundTripTime * 1000;
    const local = byId.get(pair.localCandidateId), remote = byId.get(pair.remoteCandidateId);
    out.relayed = local?.candidateType === "relay" || remote?.candidateType === "relay";
  }
  if (out.rtt === null) out.rtt = remoteRtt;
  return out;
}

const median = (values) => {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const mean = (values) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);

// The figures over the window from `first` to `last` (the server stores these).
function figures(first, last, rtts, jitters) {
  const seconds = (last.at - first.at) / 1000;
  const down = (last.lost - first.lost) + (last.received - first.received);
  const downLoss = down > 0 ? (100 * (last.lost - first.lost)) / down : null;
  const sent = last.sent - first.sent;
  const upLoss = sent > 0 ? Math.min(100, (100 * Math.max(0, last.upLost - first.upLost)) / sent) : null;
  const losses = [downLoss, upLoss].filter((v) => v !== null);
  return {
    rtt_ms: median(rtts),
    jitter_ms: mean(jitters),
    loss_percent: losses.length ? Math.max(...losses) : null,
    bitrate_kbps: seconds > 0 ? ((last.bytes - first.bytes) * 8) / 1000 / seconds : null,
    relayed: last.relayed,
  };
}

function show(f) {
  const text = (value, unit, digits = 0) => (value === null || value === undefined ? "–" : `${value.toFixed(digits)}${unit}`);
  figureEl("rtt").textContent = text(f.rtt_ms, " ms");
  figureEl("jitter").textContent = text(f.jitter_ms, " ms");
  figureEl("loss").textContent = text(f.loss_percent, "%", 1);
  figureEl("bitrate").textContent = text(f.bitrate_kbps, " kbit/s");
  figureEl("path").textContent = f.connected === false ? "no connection" : f.relayed ? "relayed through TURN" : "direct";
}

async function measure(pc, seconds) {
  const rtts = [], jitters = [];
  const first = await snapshot(pc);
  let last = first;
  progressEl.max = seconds;
  progressEl.hidden = false;
  for (let tick = 1; tick <= seconds; tick++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (pc.connectionState !== "connected") return null; // dropped: the caller starts afresh
    last = await snapshot(pc);
    if (last.rtt !== null) rtts.push(last.rtt);
    if (last.jitter !== null) jitters.push(last.jitter);
    check.figures = figures(first, last, rtts, jitters);
    show(check.figures);
    progressEl.value = tick;
    setPhase(`Measuring… ${tick} of ${seconds} s`, "measuring");
  }
  return check.figures;
}

function showVerdict(result) {
  verdictEl.replaceChildren();
  verdictEl.dataset.verdict = result.verdict;
  const headline = document.createElement("p");
  headline.className = "headline";
  headline.textContent = result.headline;
  const advice = document.createElement("p");
  advice.textContent = result.advice;
  verdictEl.append(headline, advice);
  if (result.reasons?.length) {
    const why = document.createElement("p");
    why.className = "hint";
    why.textContent = `Why: ${result.reasons.join("; ")}.`;
    verdictEl.append(why);
  }
}

const LABELS = { fine: "Fine", "audio-only": "Audio only", weak: "Weak", failed: "Failed" };

function addHistory(result, f) {
  const body = document.getElementById("check-history");
  body.querySelector("tr.empty")?.remove();
  const row = document.createElement("tr");
  const cell = (text) => { const td = document.createElement("td"); td.textContent = text; row.append(td); return td; };
  const unit = (value, suffix, digits = 0) => (value === null ? "–" : `${value.toFixed(digits)}${suffix}`);
  cell(result.at);
  const badge = document.createElement("span");
  badge.className = "verdict";
  badge.dataset.verdict = result.verdict;
  badge.textContent = LABELS[result.verdict] || result.verdict;
  cell("").append(badge);
  cell(unit(f.rtt_ms, " ms"));
  cell(unit(f.jitter_ms, " ms"));
  cell(unit(f.loss_percent, "%", 1));
  cell(unit(f.bitrate_kbps, " kbit/s"));
  cell(f.relayed ? "relayed (TURN)" : "direct");
  body.prepend(row);
  while (body.rows.length > 5) body.lastElementChild.remove();
}

function stopMedia(stream) {
  stream.getTracks().forEach((track) => track.stop());
  showVideo("local-video", null);
  showVideo("echo-video", null);
}

async function run() {
  startButton.disabled = true;
  verdictEl.replaceChildren();
  delete verdictEl.dataset.verdict;
  check.result = null;
  show({ rtt_ms: null, jitter_ms: null, loss_percent: null, bitrate_kbps: null, relayed: false, connected: true });
  figureEl("path").textContent = "–";
  progressEl.value = 0;
  setPhase("Starting your camera and microphone…", "media");
  let media;
  try {
    media = await getMedia();
  } catch (error) {
    setPhase(`Your microphone is not available (${error.name}). Allow this site to use it in your browser's settings, then start again.`, "error");
    startButton.disabled = false;
    return;
  }
  const video = media.stream.getVideoTracks().length > 0;
  if (video) showVideo("local-video", media.stream);
  let measured = null;
  try {
    for (let attempt = 1; attempt <= 2 && !measured; attempt++) {
      check.attempts = attempt;
      setPhase(attempt === 1 ? "Connecting to the server…" : "The connection dropped; connecting again…", "connecting");
      const pc = await connect(media.stream);
      try {
        if (await connected(pc)) measured = await measure(pc, config.measureSeconds);
      } finally {
        pc.close();
      }
    }
  } catch (error) {
    stopMedia(media.stream);
    setPhase(error.status === 503 ? error.message : `The check could not start: ${error.message}`, "error");
    startButton.disabled = false;
    return;
  }
  stopMedia(media.stream);
  progressEl.hidden = true;
  const final = measured || { rtt_ms: null, jitter_ms: null, loss_percent: null, bitrate_kbps: null, relayed: false };
  if (!measured) show({ ...final, connected: false });
  setPhase("Saving the result…", "saving");
  const response = await post("/check/result", { ...final, video });
  if (!response.ok) {
    setPhase(`The result was not saved: ${await errorText(response)}`, "error");
    startButton.disabled = false;
    return;
  }
  check.result = await response.json();
  showVerdict(check.result);
  addHistory(check.result, final);
  setPhase(`Done: the result is saved${media.note ? `; ${media.note}` : ""}.`, "done");
  startButton.textContent = "Run the check again";
  startButton.disabled = false;
}

startButton.addEventListener("click", run);
