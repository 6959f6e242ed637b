// One RTCPeerConnection per other person (a mesh), negotiated with the perfect-negotiation pattern.
// Media gating: a sender is pointed at null whenever the room's rules say this person may not
// send to that peer (a caucus wall, a coach before the debrief, a peer in audio-only mode), so
// nothing leaves this browser for them; the connection itself stays up for a quick return.

export class Peer {
  constructor({ id, polite, iceServers, send, media, onTrack, onChange }) {
    this.id = id;
    this.polite = polite;
    this.send = send;
    this.media = media;
    this.onChange = onChange;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.queue = Promise.resolve();
    this.allowed = { audio: false, video: false };
    this.pc = new RTCPeerConnection({ iceServers, bundlePolicy: "max-bundle" });
    this.audioSender = media.audio ? this.pc.addTrack(media.audio, media.stream) : null;
    this.videoSender = media.video ? this.pc.addTrack(media.video, media.stream) : null;
    this.remoteStream = new MediaStream();
    this.pc.ontrack = ({ track }) => {
      this.remoteStream.addTrack(track);
      track.onunmute = () => onTrack(this);
      onTrack(this);
    };
    this.pc.onnegotiationneeded = async () => {
      try {
        this.makingOffer = true;
        await this.pc.setLocalDescription();
        this.send({ type: "signal", to: this.id, description: this.pc.localDescription.toJSON() });
      } catch (error) {
        console.warn("offer failed", this.id, error);
      } finally {
        this.makingOffer = false;
      }
    };
    this.pc.onicecandidate = ({ candidate }) => {
      if (candidate && candidate.candidate) this.send({ type: "signal", to: this.id, candidate: candidate.toJSON() });
    };
    this.pc.onconnectionstatechange = () => {
      if (this.pc.connectionState === "failed") this.pc.restartIce();
      if (this.pc.connectionState === "connected") this.applyBitrate();
      onChange(this);
    };
  }

  // Signals are handled strictly in order: descriptions and candidates depend on each other.
  handle(signal) {
    this.queue = this.queue.then(() => this._handle(signal)).catch((error) => console.warn("signal", this.id, error));
    return this.queue;
  }

  async _handle({ description, candidate }) {
    if (description) {
      const collision = description.type === "offer" && (this.makingOffer || this.pc.signalingState !== "stable");
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      await this.pc.setRemoteDescription(description);
      if (description.type === "offer") {
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
  async gate(allowed) {
    this.allowed = allowed;
    const audio = allowed.audio ? this.media.audio : null;
    const video = allowed.video ? this.media.sendableVideo() : null;
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
    this.pc.close();
  }
}
