/** What {@link selectLastN} chooses from, for one subscriber. */
export interface LastNInput {
  /** The subscriber: its own video is never part of the selection. */
  subscriberId: string;
  /** Participants who have been the dominant speaker, most recent first. */
  speakers: readonly string[];
  /**
   * Camera video track ids by owner, owners in join order (a `Map` keeps insertion order).
   * Screen shares are not listed: they are always forwarded.
   */
  cameras: ReadonlyMap<string, readonly string[]>;
  /** Track ids the subscriber pinned; ids that are not cameras listed here are ignored. */
  pinned: ReadonlySet<string>;
  /** The most videos chosen by recency (pinned ones come in addition); 0: no limit. */
  n: number;
}

/**
 * Last-N: the camera track ids to forward to one subscriber. The videos of the `n` most recent
 * dominant speakers, then of people who never spoke in join order (so a room where nobody has
 * spoken yet still shows `n` videos), plus every pinned video. Pinned videos do not use one of
 * the `n` places: pinning someone does not push a recent speaker out.
 */
export function selectLastN(input: LastNInput): Set<string> {
  const { subscriberId, speakers, cameras, pinned, n } = input;
  const recency = new Map(speakers.map((id, i) => [id, i]));
  const forwarded = new Set<string>();
  const candidates: { id: string; rank: number }[] = [];
  for (const [owner, tracks] of cameras) {
    if (owner === subscriberId) continue;
    // Who never spoke ranks after every speaker; the stable sort below keeps their join order.
    const rank = recency.get(owner) ?? speakers.length;
    for (const id of tracks) {
      if (n === 0 || pinned.has(id)) forwarded.add(id);
      else candidates.push({ id, rank });
    }
  }
  candidates.sort((a, b) => a.rank - b.rank);
  for (const c of candidates.slice(0, n)) forwarded.add(c.id);
  return forwarded;
}
