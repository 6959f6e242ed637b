// The recording player: coach notes as markers on the timeline; a click seeks there.

const audio = document.getElementById("recording-audio");
const timeline = document.getElementById("rec-timeline");
const played = document.getElementById("rec-played");

// The file's own duration once the browser knows it; the stored length until then.
function duration() {
  return Number.isFinite(audio.duration) && audio.duration > 0 ? audio.duration : Number(timeline.dataset.seconds) || 0;
}

function seek(seconds) {
  audio.currentTime = Math.max(0, Math.min(seconds, duration()));
  audio.play().catch(() => {}); // autoplay rules may refuse; the position is set either way
}

for (const control of document.querySelectorAll("[data-at]")) {
  control.addEventListener("click", (event) => {
    event.stopPropagation();
    seek(Number(control.dataset.at));
  });
}

timeline.addEventListener("click", (event) => {
  const box = timeline.getBoundingClientRect();
  seek(((event.clientX - box.left) / box.width) * duration());
});

audio.addEventListener("timeupdate", () => {
  const total = duration();
  played.style.width = total ? `${Math.min(100, (100 * audio.currentTime) / total)}%` : "0";
});
