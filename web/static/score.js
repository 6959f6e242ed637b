// Autosave for the scoring form: every change is sent as it happens, and kept in this browser
// until the server confirms it, so a refresh, a dropped connection or a server restart loses nothing.

const form = document.getElementById("score-form");
const sessionId = form.dataset.session;
const token = form.querySelector("input[name=csrf_token]").value;
const statusEl = document.querySelector("[data-testid=save-status]");
const storeKey = `score-pending-${sessionId}`;
const pending = new Map(Object.entries(JSON.parse(localStorage.getItem(storeKey) || "{}")));
const timers = new Map();
let sending = false;

function remember() {
  localStorage.setItem(storeKey, JSON.stringify(Object.fromEntries(pending)));
}

function show(text) {
  statusEl.textContent = text;
}

function fieldPayload(element) {
  const feedback = element.classList.contains("feedback");
  if (feedback) return [`f:${element.dataset.trainee}`, { trainee: Number(element.dataset.trainee), text: element.value }];
  const box = element.closest("fieldset.criterion");
  const trainee = Number(box.dataset.trainee);
  const criterion = box.dataset.criterion;
  const checked = box.querySelector("input[type=radio]:checked");
  const comment = box.querySelector("textarea").value;
  return [`s:${trainee}:${criterion}`, { trainee, criterion, level: checked && checked.value !== "" ? Number(checked.value) : null, comment }];
}

async function flush() {
  if (sending || !pending.size) return;
  sending = true;
  show("Saving…");
  try {
    for (const [key, payload] of [...pending]) {
      const response = await fetch(`/api/sessions/${sessionId}/scores`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token, Accept: "application/json" },
        body: JSON.stringify(payload),
        keepalive: true,
      });
      if (response.status >= 400 && response.status < 500) {
        const body = await response.json().catch(() => ({}));
        pending.delete(key);
        remember();
        show(`Not saved: ${body.error || response.statusText}`);
        sending = false;
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      if (pending.get(key) === payload) pending.delete(key);
      remember();
    }
    show(`All changes saved at ${new Date().toLocaleTimeString()}`);
  } catch {
    show("Offline: your changes are kept here and will be saved when the connection is back.");
  } finally {
    sending = false;
  }
}

function queue(element, delay) {
  const [key, payload] = fieldPayload(element);
  pending.set(key, payload);
  remember();
  clearTimeout(timers.get(key));
  timers.set(key, setTimeout(flush, delay));
  show("Unsaved changes…");
}

// Restore anything typed before a refresh that the server had not confirmed yet.
for (const [key, payload] of pending) {
  if (key.startsWith("f:")) {
    const area = form.querySelector(`textarea.feedback[data-trainee="${payload.trainee}"]`);
    if (area) area.value = payload.text;
  } else {
    const box = form.querySelector(`fieldset[data-trainee="${payload.trainee}"][data-criterion="${payload.criterion}"]`);
    if (!box) continue;
    box.querySelector("textarea").value = payload.comment;
    const radio = box.querySelector(`input[type=radio][value="${payload.level ?? ""}"]`);
    if (radio) radio.checked = true;
  }
}

form.addEventListener("change", (event) => { if (event.target.matches("input[type=radio]")) queue(event.target, 0); });
form.addEventListener("input", (event) => { if (event.target.matches("textarea")) queue(event.target, 600); });
form.addEventListener("submit", () => localStorage.removeItem(storeKey));
setInterval(flush, 3000);
flush();

const noteForm = document.getElementById("note-form");
if (noteForm) {
  noteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = document.getElementById("note-text");
    if (!text.value.trim()) return;
    const criterion = document.getElementById("note-criterion").value || null;
    const trainee = document.getElementById("note-trainee").value;
    const response = await fetch(`/api/sessions/${sessionId}/notes`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token, Accept: "application/json" },
      body: JSON.stringify({ text: text.value, criterion, trainee: trainee ? Number(trainee) : null }),
    });
    if (!response.ok) return;
    const note = await response.json();
    const item = document.createElement("li");
    const stamp = document.createElement("span");
    stamp.className = "stamp";
    stamp.textContent = `${String(Math.floor(note.at_seconds / 60)).padStart(2, "0")}:${String(note.at_seconds % 60).padStart(2, "0")} · ${note.phase || "—"}`;
    item.append(stamp, document.createTextNode(` ${note.text}`));
    const list = document.getElementById("notes");
    list.querySelector(".hint")?.remove();
    list.append(item);
    text.value = "";
  });
}
