/** Counters shared by all forwarded tracks, read by the metrics endpoint. */
export const forwardingStats = {
  packetsIn: 0,
  packetsOut: 0,
  keyframeRequests: 0,
  layerSwitches: 0,
  /** Packets sent again because a receiver's NACK asked for them. */
  retransmissions: 0,
  /** Padding-only packets of bandwidth probes. */
  paddingPackets: 0,
  /**
   * Packets the native send batch could not hand to the kernel: the socket's send buffer was
   * full (EAGAIN), another send error, or the socket closed before the batch left.
   */
  sendsDropped: 0,
  /** Publisher RTP packets routed by Confab's lane (rtpLane) instead of werift's routing. */
  lanePackets: 0,
  /**
   * Publisher SRTP packets handed from the shared socket to the DTLS transport without werift's
   * receive chain (mediaShortcut).
   */
  shortcutPackets: 0,
};

/** Counters of what the ICE boundary refused, read by the metrics endpoint. */
export const iceGuardStats = {
  /** STUN requests dropped unanswered: not authenticated with our ICE credentials (iceRequestGuard). */
  stunRequestsDropped: 0,
  /** Datagrams at the shared media port (`RTC_UDP_PORT`) from an address no connection has bound (UdpMux). */
  sharedPortDatagramsDropped: 0,
  /** Remote ICE candidates refused (address, form, or one too many for the connection; RemoteCandidates). */
  remoteCandidatesRefused: 0,
};

/** Counters of the publish caps (PublishCap), read by the metrics endpoint. */
export const publishCapStats = {
  /** Publisher RTP packets dropped past a participant's bitrate or packet-rate cap (or of a track it paused). */
  packetsDropped: 0,
  /** Tracks paused by a publish cap. */
  tracksPaused: 0,
};

/** The shared media port of this thread (`RTC_UDP_PORT`, UdpMux). */
export const sharedPortStats = {
  /** Remote addresses routed to a connection now. */
  addresses: 0,
};
