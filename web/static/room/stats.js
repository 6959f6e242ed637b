// Connection quality from getStats: round trip, loss, jitter, received bitrate, relayed or direct.

export async function measure(peer, previous) {
  const report = await peer.pc.getStats();
  let bytes = 0, lost = 0, received = 0, jitter = 0, rtt = null, relayed = false;
  let pairId = null;
  const byId = new Map();
  report.forEach((stat) => {
    byId.set(stat.id, stat);
    if (stat.type === "inbound-rtp") {
      bytes += stat.bytesReceived || 0;
      lost += Math.max(0, stat.packetsLost || 0);
      received += stat.packetsReceived || 0;
      if (stat.kind === "audio") jitter = Math.max(jitter, (stat.jitter || 0) * 1000);
    }
    if (stat.type === "transport" && stat.selectedCandidatePairId) pairId = stat.selectedCandidatePairId;
  });
  const pair = pairId ? byId.get(pairId) : [...byId.values()].find((s) => s.type === "candidate-pair" && s.nominated && s.state === "succeeded");
  if (pair) {
    if (pair.currentRoundTripTime !== undefined) rtt = pair.currentRoundTripTime * 1000;
    const local = byId.get(pair.localCandidateId);
    const remote = byId.get(pair.remoteCandidateId);
    relayed = (local && local.candidateType === "relay") || (remote && remote.candidateType === "relay");
  }
  const at = performance.now();
  let kbps = null, lossPct = null;
  if (previous) {
    const seconds = (at - previous.at) / 1000;
    if (seconds > 0) kbps = ((bytes - previous.bytes) * 8) / 1000 / seconds;
    const newPackets = (received - previous.received) + (lost - previous.lost);
    lossPct = newPackets > 0 ? (100 * (lost - previous.lost)) / newPackets : 0;
  }
  return { at, bytes, lost, received, jitter, rtt, relayed, kbps, lossPct };
}

export function grade({ rtt, lossPct }) {
  if (rtt === null && lossPct === null) return "unknown";
  if ((rtt || 0) > 600 || (lossPct || 0) > 8) return "poor";
  if ((rtt || 0) > 300 || (lossPct || 0) > 2) return "fair";
  return "good";
}
