/** Tuning of {@link ActiveSpeakerDetector}; defaults suit speech in 20 ms Opus packets. */
export interface ActiveSpeakerOptions {
  /** Levels quieter than this (dBov, RFC 6464: 0 loudest … 127 silence) count as silence. */
  silenceDbov: number;
  /** Smoothing per tick of the speech score (0–1; higher remembers longer). */
  decay: number;
  /** Score above which a participant counts as speaking. */
  speakingScore: number;
  /** A challenger must beat the current speaker's score by this factor … */
  switchRatio: number;
  /** … for this many consecutive ticks (hysteresis against flapping). */
  switchTicks: number;
  /** Ticks of silence after which the current speaker is dropped (`null`). */
  silenceTicks: number;
  /**
   * Ticks a speaker keeps the floor against anyone else once given it: people taking turns in
   * short bursts (or talking over each other) do not flip the large tile several times a second.
   */
  minHoldTicks: number;
}

export const defaultActiveSpeakerOptions: ActiveSpeakerOptions = {
  silenceDbov: 60,
  decay: 0.55,
  speakingScore: 6,
  switchRatio: 1.5,
  switchTicks: 2,
  silenceTicks: 15,
  minHoldTicks: 15,
};

interface Candidate {
  sum: number;
  count: number;
  score: number;
}

/**
 * Dominant-speaker detection from audio levels (the RFC 6464 header extension, so no payload
 * is decoded). Each tick (~100 ms) turns the levels heard since the last tick into a smoothed
 * speech score; the current speaker keeps the floor until a challenger is clearly louder for
 * a few ticks or the current one falls silent.
 */
export class ActiveSpeakerDetector {
  private readonly candidates = new Map<string, Candidate>();
  private current: string | null = null;
  private challenger: { id: string; ticks: number } | undefined;
  private silentTicks = 0;
  private heldTicks = 0;

  constructor(
    private readonly onChange: (speaker: string | null) => void,
    private readonly options: ActiveSpeakerOptions = defaultActiveSpeakerOptions,
  ) {}

  /** The current dominant speaker. */
  get speaker(): string | null {
    return this.current;
  }

  /** Records one packet's level (dBov, 0–127) for a participant. */
  level(participantId: string, dbov: number): void {
    let c = this.candidates.get(participantId);
    if (!c) {
      c = { sum: 0, count: 0, score: 0 };
      this.candidates.set(participantId, c);
    }
    c.sum += Math.max(0, this.options.silenceDbov - dbov);
    c.count++;
  }

  /** Forgets a participant (left or stopped publishing audio). */
  remove(participantId: string): void {
    this.candidates.delete(participantId);
    if (this.challenger?.id === participantId) this.challenger = undefined;
    if (this.current === participantId) this.set(null);
  }

  /** Advances one tick: updates scores and decides the speaker. */
  tick(): void {
    const o = this.options;
    let loudest: string | undefined;
    let loudestScore = 0;
    for (const [id, c] of this.candidates) {
      const heard = c.count > 0 ? c.sum / c.count : 0;
      c.score = o.decay * c.score + (1 - o.decay) * heard;
      c.sum = 0;
      c.count = 0;
      if (c.score > loudestScore) {
        loudest = id;
        loudestScore = c.score;
      }
    }
    const currentScore = this.current ? (this.candidates.get(this.current)?.score ?? 0) : 0;
    const currentSpeaking = currentScore >= o.speakingScore;
    this.silentTicks = currentSpeaking ? 0 : this.silentTicks + 1;
    this.heldTicks++;

    if (loudest === undefined || loudestScore < o.speakingScore || loudest === this.current) {
      this.challenger = undefined;
      if (this.current && this.silentTicks >= o.silenceTicks) this.set(null);
      return;
    }
    if (this.current === null) {
      // Nobody holds the floor: take it at once.
      this.set(loudest);
      return;
    }
    const held = this.heldTicks >= o.minHoldTicks;
    if (!currentSpeaking && this.silentTicks >= 1) {
      // The holder went quiet: take it at once, once the holder has had the floor long enough.
      if (held) this.set(loudest);
      return;
    }
    if (loudestScore < currentScore * o.switchRatio) {
      this.challenger = undefined;
      return;
    }
    this.challenger = this.challenger?.id === loudest ? { id: loudest, ticks: this.challenger.ticks + 1 } : { id: loudest, ticks: 1 };
    if (this.challenger.ticks >= o.switchTicks && held) this.set(loudest);
  }

  private set(speaker: string | null): void {
    this.challenger = undefined;
    this.silentTicks = 0;
    if (speaker === this.current) return;
    this.heldTicks = 0;
    this.current = speaker;
    this.onChange(speaker);
  }
}
