// Drawing the room: tiles, phase and timer, caucus wall, chat, help calls, notices.

const PHASE_NAMES = {
  preparation: "Preparation", opening: "Opening statements", joint: "Joint session",
  caucus: "Caucus", agreement: "Agreement", debrief: "Debrief", ended: "Ended",
};

const $ = (selector) => document.querySelector(selector);

export function phaseName(phase) {
  return PHASE_NAMES[phase] || phase;
}

export function formatLeft(ms) {
  const over = ms < 0;
  const total = Math.floor(Math.abs(ms) / 1000);
  const text = `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
  return over ? `+${text} over` : text;
}

function label(person) {
  if (person.kind === "trainee") return person.role_name || "Observer";
  return person.kind === "coach" ? "Coach" : "Programme staff";
}

// One tile per person present; tiles are kept (not rebuilt) so video elements keep playing.
export function renderTiles(state, meId, peers, localStream) {
  const list = $("#tiles");
  const present = state.people.filter((p) => p.present);
  const wanted = new Set(present.map((p) => String(p.id)));
  for (const tile of [...list.children]) if (!wanted.has(tile.dataset.person)) tile.remove();
  const me = state.people.find((p) => p.id === meId);
  const walled = (person) => state.caucus && me && me.kind === "trainee" && person.in_caucus !== me.in_caucus;
  for (const person of present) {
    let tile = list.querySelector(`[data-person="${person.id}"]`);
    if (!tile) {
      tile = document.createElement("li");
      tile.className = "tile";
      tile.dataset.testid = "participant";
      tile.setAttribute("data-testid", "participant");
      tile.dataset.person = String(person.id);
      tile.innerHTML = `<video autoplay playsinline></video>
        <div class="caption"><span class="who"></span> <span class="quality" title="Connection quality"></span></div>
        <div class="flags"></div>`;
      list.append(tile);
    }
    tile.dataset.email = person.email;
    tile.dataset.kind = person.kind;
    const video = tile.querySelector("video");
    const stream = person.id === meId ? localStream : peers.get(person.id)?.remoteStream;
    if (stream && video.srcObject !== stream) video.srcObject = stream;
    video.muted = person.id === meId;
    tile.classList.toggle("me", person.id === meId);
    tile.classList.toggle("walled", !!walled(person));
    tile.classList.toggle("in-caucus", person.in_caucus);
    const observing = person.kind !== "trainee" && state.phase !== "debrief";
    tile.querySelector(".who").textContent = `${person.name}${person.id === meId ? " (you)" : ""} · ${label(person)}${observing ? " observing" : ""}`;
    const quality = tile.querySelector(".quality");
    quality.dataset.grade = person.quality;
    quality.textContent = person.quality === "unknown" ? "" : person.quality;
    const flags = [];
    if (!person.audio) flags.push("muted");
    if (person.audio_only) flags.push("audio only");
    else if (!person.video) flags.push("camera off");
    if (person.in_caucus && state.caucus) flags.push("in caucus");
    tile.querySelector(".flags").textContent = flags.join(" · ");
  }
}

export function renderPhase(state, me) {
  document.querySelector(".room").dataset.phase = state.phase;
  $("[data-testid=phase]").textContent = state.phase;
  $("[data-testid=phase]").title = phaseName(state.phase);
  const wait = $("#caucus-wait");
  const meInfo = state.people.find((p) => p.id === me.id);
  const outside = state.caucus && meInfo && meInfo.kind === "trainee" && !meInfo.in_caucus;
  wait.hidden = !outside;
  if (outside) {
    const names = state.people.filter((p) => p.in_caucus && p.role_kind === "party").map((p) => p.name);
    $("#caucus-names").textContent = names.join(" and ");
  }
}

export function renderControls(state, me, send) {
  const meInfo = state.people.find((p) => p.id === me.id) || {};
  const guide = meInfo.kind === "coach" || meInfo.kind === "staff";
  const mediator = meInfo.role_kind === "mediator";
  $("#controls-panel").hidden = !(guide || mediator);
  $("#extend").hidden = !guide;
  $("#help").hidden = guide;
  $("#help-panel").hidden = !guide;
  $("#advance").disabled = state.phase === "ended";
  const choices = $("#caucus-choices");
  const parties = state.people.filter((p) => p.role_kind === "party");
  const key = parties.map((p) => `${p.id}:${p.present}`).join(",");
  if (choices.dataset.key !== key) {
    choices.dataset.key = key;
    choices.replaceChildren(...parties.map((p) => {
      const label = document.createElement("label");
      label.innerHTML = `<input type="checkbox" value="${p.id}"> <span></span>`;
      label.querySelector("span").textContent = `${p.name} (${p.role_name})${p.present ? "" : " · not here"}`;
      return label;
    }));
  }
  $("#caucus-open").hidden = !!state.caucus;
  $("#caucus-close").hidden = !state.caucus;
  const list = $("#help-list");
  const open = state.help.filter((h) => h.resolved_by === null);
  list.replaceChildren(...open.map((h) => {
    const item = document.createElement("li");
    item.textContent = `${h.name}${h.text ? `: ${h.text}` : " is calling the coach"} `;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Answered";
    button.onclick = () => send({ type: "help.resolve", id: h.id });
    item.append(button);
    return item;
  }));
  const mine = state.help.find((h) => h.person_id === me.id && h.resolved_by === null);
  $("#help").textContent = mine ? "Coach called" : "Call the coach";
  $("#help").disabled = !!mine;
}

export function addChat(message, meId) {
  const item = document.createElement("li");
  item.className = message.audience ? "private" : "";
  const who = document.createElement("strong");
  who.textContent = message.person_id === meId ? "You" : message.name;
  item.append(who, document.createTextNode(`${message.audience ? " (caucus)" : ""}: ${message.text}`));
  const log = $("#chat-log");
  log.append(item);
  log.scrollTop = log.scrollHeight;
}

export function showBanner(text, kind = "info") {
  const banner = $("#banner");
  banner.hidden = !text;
  banner.textContent = text || "";
  banner.dataset.kind = kind;
}
