/** Counters shared by all forwarded tracks, read by the metrics endpoint. */
export const forwardingStats = { packetsIn: 0, packetsOut: 0, keyframeRequests: 0, layerSwitches: 0 };
