// Keeps the control room's table current without reloading the page.

const body = document.querySelector("#rooms tbody");

function cell(text, html = false) {
  const td = document.createElement("td");
  if (html) td.append(...html); else td.textContent = text;
  return td;
}

function row(r) {
  const tr = document.createElement("tr");
  tr.dataset.session = r.session_id;
  if (r.open_help) tr.className = "calling";
  const title = document.createElement("span");
  title.textContent = r.title;
  const sub = document.createElement("span");
  sub.className = "hint";
  sub.textContent = `${r.cohort} · round ${r.round}`;
  const health = document.createElement("span");
  health.className = "health";
  health.dataset.grade = r.health;
  health.textContent = r.health;
  const link = document.createElement("a");
  link.href = r.room_url;
  link.textContent = "Enter";
  const left = r.seconds_left >= 0 ? `${Math.floor(r.seconds_left / 60)} min` : `${Math.floor(-r.seconds_left / 60)} min over`;
  tr.append(
    cell("", [title, document.createElement("br"), sub]),
    cell(`${r.trainees_present} / ${r.trainees_seated}`),
    cell(r.coach_present ? `${r.coach} (in room)` : (r.coach || "none")),
    cell(`${r.phase}${r.caucus ? " · caucus" : ""}`),
    cell(left),
    cell("", [health]),
    cell(r.open_help ? `${r.open_help} waiting` : "—"),
    cell("", [link]),
  );
  return tr;
}

async function refresh() {
  try {
    const response = await fetch("/api/control/rooms", { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const rows = await response.json();
    if (!rows.length) {
      const empty = document.createElement("tr");
      empty.append(cell("No live rooms right now."));
      empty.firstChild.colSpan = 8;
      body.replaceChildren(empty);
    } else {
      body.replaceChildren(...rows.map(row));
    }
  } catch {
    // a missed refresh is fine; the next one comes in a few seconds
  }
}

setInterval(refresh, 3000);
