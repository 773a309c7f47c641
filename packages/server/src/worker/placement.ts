/** What placement knows of a worker. */
export interface WorkerLoad {
  /** Whether it can take rooms (not dead, not closing). */
  alive: boolean;
  /** Participants placed on it and not yet gone. */
  participants: number;
  /** RTP packets it forwarded per second, last measured. */
  packetsOutPerSecond: number;
}

/**
 * Cost of one participant in packets per second, to compare a worker's people with its
 * measured traffic: ~ what a participant with camera and mic sends, times a handful of receivers.
 */
const PARTICIPANT_WEIGHT_PPS = 500;

/**
 * The index of the least loaded live worker for a new room, or -1 if none is alive. Load is the
 * forwarded packet rate plus a weight per participant, so a fresh placement counts before its
 * traffic shows up in the stats; ties go to the lower index.
 */
export function leastLoaded(workers: readonly WorkerLoad[]): number {
  let best = -1;
  let bestLoad = Infinity;
  workers.forEach((w, i) => {
    if (!w.alive) return;
    const load = w.packetsOutPerSecond + w.participants * PARTICIPANT_WEIGHT_PPS;
    if (load < bestLoad) {
      best = i;
      bestLoad = load;
    }
  });
  return best;
}
