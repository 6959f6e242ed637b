// One RTCPeerConnection per other person (a mesh), negotiated with the perfect-negotiation pattern.
// Media gating: a sender is pointed at null whenever the room's rules say this person may not
// send to that peer (a caucus wall, a coach before the debrief, a peer in audio-only mode), so
// nothing leaves this browser for them; the connection itself stays up for a quick return.

const OFFER_FALLBACK_MS = 4000;

export class Peer {
  constructor({ id, polite, offer, iceServers, certificates, send, media, onTrack, onChange, onBroken }) {
    this.id = id;
    this.polite = polite;
    this.send = send;
    this.media = media;
    this.onChange = onChange;
    this.onBroken = onBroken;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.queue = Promise.resolve();
    this.allowed = { audio: false, video: false };
    this.trace = []; // the last few negotiation steps, for diagnosing a stuck connection
    this.pc = new RTCPeerConnection({ iceServers, certificates, bundlePolicy: "max-bundle" });
    this.audioSender = null;
    this.videoSender = null;
    this.tracksAdded = false;
    this.remoteStream = new MediaStream();
    this.pc.ontrack = ({ track }) => {
      this.remoteStream.addTrack(track);
      track.onunmute = () => onTrack(this);
      onTrack(this);
    };
    this.pc.onnegotiationneeded = async () => {
      this.note("negotiationneeded");
      try {
        this.makingOffer = true;
        await this.pc.setLocalDescription();
        this.send({ type: "signal", to: this.id, description: this.pc.localDescription.toJSON() });
      } catch (error) {
        console.warn("offer failed", this.id, error);
      } finally {
        this.makingOffer = false;
        this.applyGate();
      }
    };
    this.pc.onicecandidate = ({ candidate }) => {
      if (candidate && candidate.candidate) this.send({ type: "signal", to: this.id, candidate: candidate.toJSON() });
    };
    this.pc.onsignalingstatechange = () => {
      if (this.pc.signalingState === "stable") this.applyGate();
    };
    this.pc.onconnectionstatechange = () => {
      if (this.pc.connectionState === "failed") this.pc.restartIce();
      if (this.pc.connectionState === "connected") this.applyBitrate();
      onChange(this);
    };
    // One side makes the first offer: the newcomer, to everyone its welcome lists; those already
    // in the room wait for it, so the offer leaves as soon as the newcomer is in, without waiting
    // for the others to hear of it. Offering from both sides at once (a "glare" on every join) is
    // legal in perfect negotiation, but Chrome sometimes leaves the rolled-back side without ICE.
    // The other side adds its tracks when answering; if no offer comes, it offers itself.
    this.fallback = null;
    if (offer) this.addLocalTracks();
    else this.fallback = setTimeout(() => this.addLocalTracks(), OFFER_FALLBACK_MS);
  }

  addLocalTracks() {
    clearTimeout(this.fallback);
    if (this.tracksAdded) return;
    this.tracksAdded = true;
    const { audio, video, stream } = this.media;
    this.audioSender = audio ? this.pc.addTrack(audio, stream) : null;
    this.videoSender = video ? this.pc.addTrack(video, stream) : null;
    // Without a camera or microphone, still ask to receive, so the exchange happens at all.
    if (!audio) this.pc.addTransceiver("audio", { direction: "recvonly" });
    if (!video) this.pc.addTransceiver("video", { direction: "recvonly" });
  }

  // Signals are handled strictly in order: descriptions and candidates depend on each other.
  handle(signal) {
    this.queue = this.queue.then(() => this._handle(signal)).catch((error) => console.warn("signal", this.id, error));
    return this.queue;
  }

  note(step) {
    this.trace.push(`${Math.round(performance.now())} ${step} ${this.pc.signalingState}`);
    if (this.trace.length > 40) this.trace.shift();
  }

  async _handle({ description, candidate }) {
    this.note(`in ${description ? description.type : "candidate"}`);
    if (description) {
      const collision = description.type === "offer" && (this.makingOffer || this.pc.signalingState !== "stable");
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      try {
        await this.pc.setRemoteDescription(description);
      } catch (error) {
        // An offer this connection cannot take (the other side started afresh after a long
        // absence): hand it to a new connection instead of staying stuck.
        if (description.type === "offer" && this.onBroken) return this.onBroken(this, { description });
        throw error;
      }
      if (description.type === "offer") {
        this.addLocalTracks(); // reuses the offer's transceivers, so the answer already sends
        await this.pc.setLocalDescription();
        this.send({ type: "signal", to: this.id, description: this.pc.localDescription.toJSON() });
      }
    } else if (candidate) {
      try {
        await this.pc.addIceCandidate(candidate);
      } catch (error) {
        if (!this.ignoreOffer) throw error;
      }
    }
  }

  // What may flow from this browser to the peer: {audio, video}; null tracks stop the flow.
  // Tracks are swapped only between negotiations: swapping during an offer/answer exchange
  // (above all during a polite rollback) can leave the connection stuck. No media flows before
  // the first negotiation completes, so waiting for "stable" never lets anything through.
  gate(allowed) {
    this.allowed = allowed;
    return this.applyGate();
  }

  async applyGate() {
    if (this.pc.signalingState !== "stable" || this.makingOffer) return;
    const audio = this.allowed.audio ? this.media.audio : null;
    const video = this.allowed.video ? this.media.sendableVideo() : null;
    if (this.audioSender && this.audioSender.track !== audio) await this.audioSender.replaceTrack(audio);
    if (this.videoSender && this.videoSender.track !== video) await this.videoSender.replaceTrack(video);
    this.applyBitrate();
  }

  async applyBitrate() {
    if (!this.videoSender) return;
    const parameters = this.videoSender.getParameters();
    if (!parameters.encodings || !parameters.encodings.length) return;
    const cap = this.media.lowBandwidth ? 150_000 : 900_000;
    if (parameters.encodings[0].maxBitrate === cap) return;
    parameters.encodings[0].maxBitrate = cap;
    try { await this.videoSender.setParameters(parameters); } catch (error) { console.warn("bitrate", error); }
  }

  restartIce() {
    if (["failed", "disconnected"].includes(this.pc.connectionState) || this.pc.iceConnectionState === "disconnected") {
      this.pc.restartIce();
    }
  }

  connected() {
    return this.pc.connectionState === "connected";
  }

  close() {
    clearTimeout(this.fallback);
    this.pc.close();
  }
}
