// The hidden recorder: a send-only peer connection carrying this person's microphone to the
// server while a consented recording runs. The server peer (aiortc) cannot restart ICE, so a
// failed link, or a recorder that restarted (a new `instance`), gets a new RTCPeerConnection.

export const RECORDER_ID = 0; // the recorder's id in signals; no person has id 0

export class RecorderLink {
  constructor({ peer, iceServers, send, media }) {
    this.id = peer.id;
    this.instance = peer.instance;
    this.send = send;
    this.media = media;
    this.allowed = false;
    this.pc = new RTCPeerConnection({ iceServers, bundlePolicy: "max-bundle" });
    // Nothing is sent until the room says so (gate): the track starts as null.
    this.sender = this.pc.addTransceiver("audio", { direction: "sendonly" }).sender;
    this.pc.onicecandidate = ({ candidate }) => {
      if (candidate && candidate.candidate) this.send({ type: "signal", to: this.id, candidate: candidate.toJSON() });
    };
    this.ready = this.offer().catch((error) => console.warn("recorder offer", error));
  }

  async offer() {
    await this.pc.setLocalDescription();
    this.send({ type: "signal", to: this.id, description: this.pc.localDescription.toJSON() });
  }

  async handle({ description }) {
    await this.ready;
    if (description && description.type === "answer" && this.pc.signalingState === "have-local-offer") {
      await this.pc.setRemoteDescription(description);
    }
  }

  // Send the microphone only while the room allows it (never during a caucus).
  async gate(allowed) {
    this.allowed = allowed;
    const track = allowed ? this.media.audio : null;
    if (this.sender.track !== track) await this.sender.replaceTrack(track);
  }

  failed() {
    return ["failed", "closed"].includes(this.pc.connectionState);
  }

  close() {
    this.pc.close();
  }
}
