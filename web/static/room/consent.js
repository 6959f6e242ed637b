// Recording in the room: the consent dialog, the "● Recording" indicator and the panel's buttons.

const $ = (selector) => document.querySelector(selector);
let dialogShown = false;

function names(state, ids) {
  const byId = new Map(state.people.map((p) => [p.id, p.name]));
  return ids.map((id) => byId.get(id) || "someone");
}

function clockTime(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function renderRecording(state, me) {
  const rec = state.recording;
  const running = rec.status === "on" || rec.status === "paused";
  const indicator = $("#rec-indicator");
  indicator.hidden = !running;
  indicator.dataset.status = rec.status;
  indicator.textContent = rec.status === "paused" ? "❚❚ Recording paused: caucus" : "● Recording";
  indicator.title = rec.status === "paused"
    ? "A caucus is being held: nothing is recorded until it ends."
    : "This session is being recorded for coach review, with everyone's consent.";

  const asker = names(state, [rec.requested_by])[0];
  const dialog = $("#consent-dialog");
  const ask = rec.status !== "off" && !rec.consented;
  dialog.hidden = !ask;
  if (ask) {
    $("#consent-asker").textContent = rec.requested_by === me.id ? "You" : asker;
    if (!dialogShown) $("#consent-title").focus(); // said aloud by screen readers, once per request
  }
  dialogShown = ask;

  let text;
  if (rec.status === "off") {
    text = "Not recording.";
    if (rec.last_stop) text += ` The last recording stopped (${rec.last_stop.reason}).`;
  } else if (rec.status === "waiting") {
    const others = names(state, rec.waiting_for.filter((id) => id !== me.id));
    const waiting = rec.waiting_for.includes(me.id) ? ["you", ...others] : others;
    text = `${asker} asked to record. It starts once everyone has agreed`;
    text += waiting.length ? `; waiting for ${waiting.join(", ")}.` : ".";
  } else if (rec.status === "paused") {
    text = "Recording paused: a caucus is being held, and nothing is recorded until it ends.";
  } else {
    text = `Recording since ${clockTime(rec.started_at)}, with everyone's consent.`;
  }
  $("#recording-status").textContent = text;
  $("#record-ask").hidden = rec.status !== "off" || state.phase === "ended";
  $("#record-withdraw").hidden = !rec.consented || rec.status === "off";
  $("#record-stop").hidden = rec.status === "off" || ask; // the dialog's "No" does it then
  $("#record-stop").textContent = running ? "Stop recording" : "Cancel the request";
}

export function wireRecording(send) {
  $("#consent-yes").onclick = () => send({ type: "recording.consent", given: true });
  $("#consent-no").onclick = () => send({ type: "recording.consent", given: false });
  $("#record-ask").onclick = () => send({ type: "recording.request" });
  $("#record-withdraw").onclick = () => send({ type: "recording.consent", given: false });
  $("#record-stop").onclick = () => send({ type: "recording.stop" });
}
