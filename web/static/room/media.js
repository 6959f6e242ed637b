// The local camera and microphone, and what this person chose to send.

export class LocalMedia extends EventTarget {
  constructor() {
    super();
    this.stream = new MediaStream();
    this.audio = null;
    this.video = null;
    this.micOn = true;
    this.camOn = true;
    this.audioOnly = false;
    this.lowBandwidth = false;
    this.error = null;
  }

  // `asked`: the camera and microphone request the page made as it opened (room/start.js).
  async start(asked) {
    try {
      this.stream = await asked;
    } catch (error) {
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        this.error = "No camera found: you join with audio only.";
      } catch (inner) {
        this.stream = new MediaStream();
        this.error = `Camera and microphone are unavailable (${inner.name}). Others cannot hear you; check your browser's permissions and reload.`;
      }
    }
    this.audio = this.stream.getAudioTracks()[0] || null;
    this.video = this.stream.getVideoTracks()[0] || null;
    if (this.video) this.video.contentHint = "motion";
  }

  setMic(on) { this.micOn = on; if (this.audio) this.audio.enabled = on; this.changed(); }
  setCam(on) { this.camOn = on; if (this.video) this.video.enabled = on; this.changed(); }
  setAudioOnly(on) { this.audioOnly = on; this.changed(); }
  setLowBandwidth(on) { this.lowBandwidth = on; this.changed(); }

  // The video track to send, or null when audio only is on or there is no camera.
  sendableVideo() { return this.audioOnly ? null : this.video; }

  state() {
    return { type: "media.state", audio: this.micOn && !!this.audio, video: this.camOn && !!this.video && !this.audioOnly, audio_only: this.audioOnly };
  }

  changed() { this.dispatchEvent(new Event("change")); }
}
